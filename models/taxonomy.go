package models

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"gorm.io/gorm"
)

// TermKind names one list of the taxonomy.
type TermKind string

// The lists of the taxonomy.
const (
	KindCategory    TermKind = "category"
	KindPerpetrator TermKind = "perpetrator"
	KindOutcome     TermKind = "outcome"
	KindPlaceType   TermKind = "place_type"
	KindChannel     TermKind = "channel"
	KindRegion      TermKind = "region"
	KindCitizenship TermKind = "citizenship"
	KindLanguage    TermKind = "language"
)

// TermKinds lists the kinds in the order the admin page shows them.
var TermKinds = []TermKind{KindCategory, KindPerpetrator, KindOutcome, KindPlaceType, KindChannel, KindRegion, KindCitizenship, KindLanguage}

// codePattern is the form of a new code of each kind. Codes never change once made.
var codePattern = map[TermKind]*regexp.Regexp{
	KindCategory:    regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`),
	KindPerpetrator: regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`),
	KindOutcome:     regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`),
	KindPlaceType:   regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`),
	KindChannel:     regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`),
	KindRegion:      regexp.MustCompile(`^[A-Z]{2}(-[A-Z0-9]{1,3})?$`), // ISO 3166-2
	KindCitizenship: regexp.MustCompile(`^[A-Z]{2}$`),                  // ISO 3166-1 alpha-2
	KindLanguage:    regexp.MustCompile(`^[a-z]{2,3}$`),                // ISO 639
}

// Term is one entry of the taxonomy: a stable code with English and Russian labels. Terms
// are deactivated, never deleted, so old records keep their meaning.
type Term struct {
	ID      uint     `json:"-"`
	Kind    TermKind `json:"-"`
	Code    string   `json:"code"`
	LabelEN string   `json:"label"`
	LabelRU string   `json:"label_ru"`
	// LabelTG, LabelUZ and LabelKY are the Tajik (Cyrillic), Uzbek (Latin) and Kyrgyz
	// labels: the callers' languages. Empty: none yet.
	LabelTG  string `json:"-"`
	LabelUZ  string `json:"-"`
	LabelKY  string `json:"-"`
	Active   bool   `json:"-"`
	Position int    `json:"-"`
}

// Label is the term as shown on pages: English, with the Russian label beside it.
func (t Term) Label() string {
	if t.LabelRU == "" || t.LabelRU == t.LabelEN {
		return t.LabelEN
	}
	return t.LabelEN + " · " + t.LabelRU
}

// TermLanguages are the languages a term has a label in, in the order admins edit them.
var TermLanguages = []string{"ru", "en", "tg", "uz", "ky"}

// LabelIn is the term's label in a language of TermLanguages ("" when it has none).
func (t Term) LabelIn(lang string) string {
	switch lang {
	case "ru":
		return t.LabelRU
	case "en":
		return t.LabelEN
	case "tg":
		return t.LabelTG
	case "uz":
		return t.LabelUZ
	case "ky":
		return t.LabelKY
	}
	return ""
}

// Taxonomy is every list, each in display order.
type Taxonomy struct {
	Terms map[TermKind][]Term
}

// Active lists the active terms of a kind: what a form offers.
func (t *Taxonomy) Active(k TermKind) []Term {
	var out []Term
	for _, x := range t.Terms[k] {
		if x.Active {
			out = append(out, x)
		}
	}
	return out
}

// Label returns the label of a code, or the code itself if it is unknown.
func (t *Taxonomy) Label(k TermKind, code string) string {
	for _, x := range t.Terms[k] {
		if x.Code == code {
			return x.LabelEN
		}
	}
	return code
}

// has reports whether code is a term of kind k; active terms only unless old equals code
// (a record keeps a value that was deactivated after it was chosen).
func (t *Taxonomy) has(k TermKind, code, old string) bool {
	for _, x := range t.Terms[k] {
		if x.Code == code {
			return x.Active || code == old
		}
	}
	return false
}

// Taxonomy loads every list.
func (s *Store) Taxonomy(ctx context.Context) (*Taxonomy, error) {
	return loadTaxonomy(s.rdb(ctx))
}

func loadTaxonomy(tx *gorm.DB) (*Taxonomy, error) {
	var terms []Term
	if err := tx.Order("kind, position, id").Find(&terms).Error; err != nil {
		return nil, err
	}
	t := &Taxonomy{Terms: map[TermKind][]Term{}}
	for _, x := range terms {
		t.Terms[x.Kind] = append(t.Terms[x.Kind], x)
	}
	return t, nil
}

func validKind(k TermKind) bool {
	_, ok := codePattern[k]
	return ok
}

// TermLabels are a term's labels in each language of TermLanguages.
type TermLabels struct {
	EN, RU, TG, UZ, KY string
}

// checkLabels checks a term's labels and returns them trimmed. They are short texts: they
// show in forms and lists, and reach reports and their files. English is required: reports
// and the API fall back to it.
func checkLabels(fe fieldErrors, l TermLabels) TermLabels {
	l.EN, l.RU = textField(fe, "label_en", l.EN, maxName), textField(fe, "label_ru", l.RU, maxName)
	l.TG, l.UZ = textField(fe, "label_tg", l.TG, maxName), textField(fe, "label_uz", l.UZ, maxName)
	l.KY = textField(fe, "label_ky", l.KY, maxName)
	if l.EN == "" {
		fe.add("label_en", "v.enter_english_label")
	}
	return l
}

// AddTerm adds a term to a list (admins only).
func (s *Store) AddTerm(ctx context.Context, actor *User, k TermKind, code string, l TermLabels) (*Term, error) {
	if !actor.Role.AtLeast(RoleAdmin) {
		return nil, ErrForbidden
	}
	code = strings.TrimSpace(code)
	fe := fieldErrors{}
	if !validKind(k) {
		fe.add("kind", "v.unknown_list")
	} else if !codePattern[k].MatchString(code) {
		fe.add("code", "v.use_code_s_standard_form")
	}
	l = checkLabels(fe, l)
	if err := fe.err(); err != nil {
		return nil, err
	}
	t := &Term{Kind: k, Code: code, LabelEN: l.EN, LabelRU: l.RU, LabelTG: l.TG, LabelUZ: l.UZ, LabelKY: l.KY, Active: true}
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		var last Term
		if err := tx.Where("kind = ?", k).Order("position DESC").Limit(1).Find(&last).Error; err != nil {
			return err
		}
		t.Position = last.Position + 1
		return tx.Create(t).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, &ValidationError{Fields: map[string]string{"code": "v.this_code_exists_already_rename"}}
	}
	return t, err
}

// UpdateTerm renames a term and sets whether it is offered in forms (admins only). The code
// never changes.
func (s *Store) UpdateTerm(ctx context.Context, actor *User, id uint, l TermLabels, active bool) (*Term, error) {
	if !actor.Role.AtLeast(RoleAdmin) {
		return nil, ErrForbidden
	}
	fe := fieldErrors{}
	l = checkLabels(fe, l)
	if err := fe.err(); err != nil {
		return nil, err
	}
	var t Term
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&t, id).Error; err != nil {
			return translate(err)
		}
		t.LabelEN, t.LabelRU, t.LabelTG, t.LabelUZ, t.LabelKY, t.Active = l.EN, l.RU, l.TG, l.UZ, l.KY, active
		return tx.Save(&t).Error
	})
	return &t, err
}
