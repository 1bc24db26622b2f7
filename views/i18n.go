package views

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"himoya/models"
)

// The interface speaks Russian first (caseworkers work in Russian) and English too. Every
// sentence a person reads comes from the catalogues in locales/, one file per language, with
// CLDR plural forms (1 обращение, 2 обращения, 5 обращений); templates and handlers hold keys.

//go:embed locales/*.toml
var localeFS embed.FS

// Languages are the interface's languages, the default first.
var Languages = models.InterfaceLanguages

// DefaultLanguage is the language when neither the account nor the browser names one himoya
// speaks.
const DefaultLanguage = "ru"

var (
	bundleOnce sync.Once
	bundle     *i18n.Bundle
	bundleErr  error
)

// Bundle is the catalogue of every language, read once from the embedded files.
func Bundle() (*i18n.Bundle, error) {
	bundleOnce.Do(func() {
		b := i18n.NewBundle(language.Russian)
		b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
		for _, l := range Languages {
			if _, err := b.LoadMessageFileFS(localeFS, "locales/active."+l+".toml"); err != nil {
				bundleErr = fmt.Errorf("message catalogue %s: %w", l, err)
				return
			}
		}
		bundle = b
	})
	return bundle, bundleErr
}

// CatalogueFiles gives the raw catalogue of each language (tests compare their keys).
func CatalogueFiles() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, l := range Languages {
		b, err := fs.ReadFile(localeFS, "locales/active."+l+".toml")
		if err != nil {
			return nil, err
		}
		out[l] = b
	}
	return out, nil
}

// Locale formats for one language: messages, plurals, numbers, dates and times (in the
// organisation's zone), and taxonomy labels.
type Locale struct {
	// Lang is the language's code, as <html lang> wants it: "ru" or "en".
	Lang    string
	loc     *i18n.Localizer
	printer *message.Printer
	zone    *time.Location
}

// NewLocale returns the locale of lang (one of Languages), times shown in zone.
func NewLocale(lang string, zone *time.Location) *Locale {
	b, err := Bundle()
	if err != nil {
		panic(err) // the catalogues are embedded: tests catch a broken one
	}
	if zone == nil {
		zone = time.UTC
	}
	return &Locale{Lang: lang, loc: i18n.NewLocalizer(b, lang), printer: message.NewPrinter(language.Make(lang)), zone: zone}
}

// Match picks the interface language: the account's choice when it made one, else the best
// of the browser's Accept-Language that himoya speaks, else Russian.
func Match(account, acceptLanguage string) string {
	for _, l := range Languages {
		if account == l {
			return l
		}
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return DefaultLanguage
	}
	supported := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		supported[i] = language.Make(l)
	}
	for _, t := range tags { // in the browser's order of preference
		base, _ := t.Base()
		for i, s := range supported {
			if sb, _ := s.Base(); sb == base {
				return Languages[i]
			}
		}
	}
	return DefaultLanguage
}

// data turns name, value pairs into a template's data.
func data(args []any) map[string]any {
	if len(args) == 0 {
		return nil
	}
	m := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		m[fmt.Sprint(args[i])] = args[i+1]
	}
	return m
}

// T translates a key; args are name, value pairs for the message's {{.Name}}. A missing key
// shows as itself (the catalogue tests make sure none is missing).
func (l *Locale) T(key string, args ...any) string {
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data(args)})
	if err != nil {
		return key
	}
	return s
}

// N translates a key with plural forms for n, which the message shows as {{.Count}}, grouped
// as the language groups digits.
func (l *Locale) N(key string, count any, args ...any) string {
	n := toInt(count)
	d := data(args)
	if d == nil {
		d = map[string]any{}
	}
	d["Count"] = l.Num(n)
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: key, PluralCount: n, TemplateData: d})
	if err != nil {
		return key
	}
	return s
}

// Num formats a whole number: 1 351 in Russian, 1,351 in English.
func (l *Locale) Num(n any) string {
	return l.printer.Sprint(n)
}

// Dec formats a number with one decimal: 2,5 in Russian, 2.5 in English.
func (l *Locale) Dec(f float64) string {
	return l.printer.Sprintf("%.1f", f)
}

// dateLayouts are how each language writes a moment and a day.
var dateLayouts = map[string][2]string{
	"ru": {"02.01.2006 15:04", "02.01.2006"},
	"en": {"2006-01-02 15:04", "2006-01-02"},
}

func (l *Locale) local(t any) (time.Time, bool) {
	switch v := t.(type) {
	case time.Time:
		return v.In(l.zone), !v.IsZero()
	case *time.Time:
		if v == nil {
			return time.Time{}, false
		}
		return v.In(l.zone), !v.IsZero()
	}
	return time.Time{}, false
}

// When formats a moment for reading: 03.12.2026 09:18 in Russian, 2026-12-03 09:18 in English.
func (l *Locale) When(t any) string {
	if v, ok := l.local(t); ok {
		return v.Format(dateLayouts[l.Lang][0])
	}
	return ""
}

// Day formats a day for reading: 03.12.2026 in Russian, 2026-12-03 in English.
func (l *Locale) Day(t any) string {
	if v, ok := l.local(t); ok {
		return v.Format(dateLayouts[l.Lang][1])
	}
	return ""
}

// Msg translates a message code from models (a key, maybe with arguments: models.Message).
func (l *Locale) Msg(code string) string {
	key, args := models.SplitMessage(code)
	if len(args) == 0 {
		return l.T(key)
	}
	pairs := make([]any, 0, 2*len(args))
	for k, v := range args {
		if k == "Status" || k == "From" || k == "To" {
			v = l.T("status." + v)
		}
		pairs = append(pairs, k, v)
	}
	return l.T(key, pairs...)
}

// Msgs translates every message of a map of field messages.
func (l *Locale) Msgs(fields map[string]string) map[string]string {
	if fields == nil {
		return nil
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		out[k] = l.Msg(v)
	}
	return out
}

// Fields spells out a map of field messages on one line, fields in order: "email: ...; name: ...".
func (l *Locale) Fields(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + l.Msg(fields[k])
	}
	return strings.Join(parts, "; ")
}

// Status names a status of the workflow.
func (l *Locale) Status(s models.Status) string { return l.T("status." + string(s)) }

// Urgency names an urgency.
func (l *Locale) Urgency(u models.Urgency) string { return l.T("urgency." + string(u)) }

// Role names a role.
func (l *Locale) Role(r models.Role) string { return l.T("role." + string(r)) }

// Term gives a taxonomy term's label in this language (the English one when it has none).
func (l *Locale) Term(t models.Term) string {
	if v := t.LabelIn(l.Lang); v != "" {
		return v
	}
	return t.LabelEN
}

// Label gives the label of a taxonomy code in this language, or the code if it is unknown.
func (l *Locale) Label(tax *models.Taxonomy, kind, code string) string {
	if tax != nil {
		for _, t := range tax.Terms[models.TermKind(kind)] {
			if t.Code == code {
				return l.Term(t)
			}
		}
	}
	return code
}

// Sorted returns terms ordered by their label in this language, as its alphabet orders them.
func (l *Locale) Sorted(terms []models.Term) []models.Term {
	out := append([]models.Term(nil), terms...)
	c := collate.New(language.Make(l.Lang), collate.IgnoreCase)
	sort.SliceStable(out, func(i, j int) bool {
		return c.CompareString(l.Term(out[i]), l.Term(out[j])) < 0
	})
	return out
}

// Lower is the message in lower case (for a word inside a sentence).
func (l *Locale) Lower(s string) string { return strings.ToLower(s) }

// toInt takes any whole number a page may hold (int, int64, uint, ...).
func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case int32:
		return int(n)
	case uint:
		return int(n)
	case uint64:
		return int(n)
	case uint32:
		return int(n)
	}
	return 0
}
