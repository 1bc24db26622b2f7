package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Limits on free text, in characters.
const (
	maxName    = 200
	maxSummary = 10000
	maxShort   = 500
	maxCity    = 100
)

// CallerInput is the caller part of a call.
type CallerInput struct {
	// ID picks a caller already on record (the caseworker recognised them by phone); the
	// other fields, when given, update that record.
	ID          uint   `json:"id"`
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	Citizenship string `json:"citizenship"`
	Language    string `json:"language"`
	SafeToCall  *bool  `json:"safe_to_call"`
	SafeContact string `json:"safe_contact"`
}

// DocumentInput says what happened to one document.
type DocumentInput struct {
	Document string `json:"document"`
	Status   string `json:"status"`
}

// CaseFields are the fields of a case as a form or the API gives them.
type CaseFields struct {
	Category       string          `json:"category"`
	Categories     []string        `json:"categories"`
	Summary        string          `json:"summary"`
	Region         string          `json:"region"`
	City           string          `json:"city"`
	PlaceType      string          `json:"place_type"`
	Perpetrator    string          `json:"perpetrator"`
	PeopleAffected *int            `json:"people_affected"`
	Urgency        string          `json:"urgency"`
	IncidentAt     string          `json:"incident_at"`
	EventID        *uint           `json:"event_id"`
	Documents      []DocumentInput `json:"documents"`
}

// IntakeInput is a call that opens a new case.
type IntakeInput struct {
	ReceivedAt string      `json:"received_at"`
	Channel    string      `json:"channel"`
	Caller     CallerInput `json:"caller"`
	CaseFields
}

// ContactInput is a call logged on its own or attached to an existing case.
type ContactInput struct {
	ReceivedAt string      `json:"received_at"`
	Channel    string      `json:"channel"`
	Caller     CallerInput `json:"caller"`
	Category   string      `json:"category"`
	Summary    string      `json:"summary"`
	CaseID     *uint       `json:"case_id"`
}

// parseTime reads an RFC 3339 time, or a local "2006-01-02T15:04" as an HTML form sends it
// (read in the organisation's time zone).
func parseTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// pastTime checks a time a user gave: readable, not in the future (five minutes of clock
// skew allowed), not before 2000. Empty gives def.
func (s *Store) pastTime(fe fieldErrors, field, v string, def *time.Time) *time.Time {
	if strings.TrimSpace(v) == "" {
		return def
	}
	t, ok := parseTime(v, s.Loc)
	switch {
	case !ok:
		fe.add(field, "v.use_date_time_like_2024")
	case t.After(s.now().Add(5 * time.Minute)):
		fe.add(field, "v.cannot_be_in_future")
	case t.Year() < 2000:
		fe.add(field, "v.too_long_ago")
	default:
		return &t
	}
	return nil
}

// termField checks an optional taxonomy code (old is the value the record has now).
func termField(fe fieldErrors, tax *Taxonomy, k TermKind, field, v, old string) string {
	v = strings.TrimSpace(v)
	if v != "" && !tax.has(k, v, old) {
		fe.add(field, "v.unknown_code."+string(k))
	}
	return v
}

// checkCaller validates a caller and returns it as a record. A caller named by id (the
// caseworker recognised them) must pass namedCaller, and is taken as stored: a repeat call
// fills in what the record lacks and never rewrites what it holds (changing a caller's
// details is UpdateCaller's, an explicit edit). filled names the fields it filled in.
func (s *Store) checkCaller(tx *gorm.DB, u *User, fe fieldErrors, tax *Taxonomy, in CallerInput) (c *Caller, filled []string, err error) {
	c = &Caller{}
	if in.ID != 0 {
		if c, err = s.namedCaller(tx, u, fe, in.ID, in.Phone); err != nil || c == nil {
			return nil, nil, err
		}
	}
	known := c.ID != 0
	fill := func(name string, empty bool, apply func()) {
		if !known || empty {
			apply()
			if known {
				filled = append(filled, name)
			}
		}
	}
	if name := textField(fe, "caller.name", in.Name, maxName); name != "" {
		fill("name", c.Name == "", func() { c.Name = Personal(name) })
	}
	if p := strings.TrimSpace(in.Phone); p != "" {
		if NormalizePhone(p) == "" {
			fe.add("caller.phone", "v.enter_phone_number_country_code")
		} else if v := textField(fe, "caller.phone", p, 40); v != "" {
			fill("phone", c.Phone == "", func() { c.Phone, c.PhoneIndex = Personal(v), phoneIndex(s.keys, v) })
		}
	}
	if v := termField(fe, tax, KindCitizenship, "caller.citizenship", strings.ToUpper(in.Citizenship), c.Citizenship); v != "" {
		fill("citizenship", c.Citizenship == "", func() { c.Citizenship = v })
	}
	if v := termField(fe, tax, KindLanguage, "caller.language", strings.ToLower(in.Language), c.Language); v != "" {
		fill("language", c.Language == "", func() { c.Language = v })
	}
	if in.SafeToCall != nil && !known {
		c.SafeToCall = *in.SafeToCall
	}
	if v := textField(fe, "caller.safe_contact", in.SafeContact, maxShort); v != "" {
		fill("safe_contact", c.SafeContact == "", func() { c.SafeContact = Personal(v) })
	}
	return c, filled, nil
}

// empty reports whether nothing is known of the caller.
func (c *Caller) empty() bool {
	return c.ID == 0 && c.Name == "" && c.Phone == "" && c.Citizenship == "" && c.Language == "" && c.SafeContact == ""
}

// applyFields validates f onto cs. With partial set, only the fields present are changed:
// the API's PATCH sends what it changes. changed collects the names of changed fields.
func (s *Store) applyFields(tx *gorm.DB, actor *User, fe fieldErrors, tax *Taxonomy, cs *Case, f CaseFields, present func(string) bool, changed *[]string) error {
	set := func(name string, apply func() bool) {
		if present(name) && apply() {
			*changed = append(*changed, name)
		}
	}
	set("category", func() bool {
		v := strings.TrimSpace(f.Category)
		if v == "" {
			fe.add("category", "v.choose_what_happened")
			return false
		}
		v = termField(fe, tax, KindCategory, "category", v, cs.Category)
		old := cs.Category
		cs.Category = v
		return v != old
	})
	set("categories", func() bool {
		before := strings.Join(cs.CategoryCodes(), ",")
		seen := map[string]bool{}
		var cats []CaseCategory
		for i, code := range append([]string{cs.Category}, f.Categories...) {
			code = strings.TrimSpace(code)
			if code == "" || seen[code] {
				continue
			}
			old := ""
			for _, x := range cs.Categories {
				if x.Code == code {
					old = code
				}
			}
			if i > 0 && !tax.has(KindCategory, code, old) {
				fe.add("categories", "v.unknown_category_code")
				return false
			}
			seen[code] = true
			cats = append(cats, CaseCategory{Code: code})
		}
		cs.Categories = cats
		return strings.Join(cs.CategoryCodes(), ",") != before
	})
	str := func(name string, dst *string, v string, check func(string) string) {
		set(name, func() bool {
			nv := check(v)
			old := *dst
			*dst = nv
			return nv != old
		})
	}
	set("summary", func() bool {
		v := Personal(longTextField(fe, "summary", f.Summary, maxSummary))
		old := cs.Summary
		cs.Summary = v
		return v != old
	})
	str("region", &cs.Region, strings.ToUpper(f.Region), func(v string) string { return termField(fe, tax, KindRegion, "region", v, cs.Region) })
	str("city", &cs.City, f.City, func(v string) string { return textField(fe, "city", v, maxCity) })
	str("place_type", &cs.PlaceType, f.PlaceType, func(v string) string { return termField(fe, tax, KindPlaceType, "place_type", v, cs.PlaceType) })
	str("perpetrator", &cs.Perpetrator, f.Perpetrator, func(v string) string {
		return termField(fe, tax, KindPerpetrator, "perpetrator", v, cs.Perpetrator)
	})
	set("people_affected", func() bool {
		n := 1
		if f.PeopleAffected != nil {
			n = *f.PeopleAffected
		}
		if n < 1 || n > 100000 {
			fe.add("people_affected", "v.enter_number_from_1_100000")
			return false
		}
		old := cs.PeopleAffected
		cs.PeopleAffected = n
		return n != old
	})
	set("urgency", func() bool {
		u := Urgency(strings.TrimSpace(f.Urgency))
		if u == "" {
			u = UrgencyNormal
		}
		if !u.Valid() {
			fe.add("urgency", "v.choose_critical_high_normal")
			return false
		}
		old := cs.Urgency
		cs.Urgency = u
		return u != old
	})
	set("incident_at", func() bool {
		t := s.pastTime(fe, "incident_at", f.IncidentAt, nil)
		if strings.TrimSpace(f.IncidentAt) != "" && t == nil {
			return false
		}
		old := cs.IncidentAt
		cs.IncidentAt = t
		return !sameTime(old, t)
	})
	var evErr error
	set("event_id", func() bool {
		old := cs.EventID
		if f.EventID == nil || *f.EventID == 0 {
			cs.EventID = nil
			return old != nil
		}
		ok, err := namedEvent(tx, actor, fe, *f.EventID)
		if evErr = err; !ok {
			return false
		}
		id := *f.EventID
		cs.EventID = &id
		return old == nil || *old != id
	})
	set("documents", func() bool {
		before := docsKey(cs.Documents)
		seen := map[string]bool{}
		var docs []CaseDocument
		for _, d := range f.Documents {
			d.Document, d.Status = strings.TrimSpace(d.Document), strings.TrimSpace(d.Status)
			if d.Document == "" && d.Status == "" {
				continue
			}
			if !contains(DocumentKinds, d.Document) {
				fe.add("documents", Message("v.unknown_document", "List", strings.Join(DocumentKinds, ", ")))
				return false
			}
			if !contains(DocumentStatuses, d.Status) {
				fe.add("documents", Message("v.say_document_status", "List", strings.Join(DocumentStatuses, ", ")))
				return false
			}
			if seen[d.Document] {
				fe.add("documents", "v.each_document_once")
				return false
			}
			seen[d.Document] = true
			docs = append(docs, CaseDocument{Document: d.Document, Status: d.Status})
		}
		cs.Documents = docs
		return docsKey(docs) != before
	})
	return evErr
}

func docsKey(ds []CaseDocument) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Document + ":" + d.Status + ";")
	}
	return b.String()
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func all(string) bool { return true }

// checkedCall is what every call has, checked: when, how, and who called.
type checkedCall struct {
	tax      *Taxonomy
	received *time.Time
	channel  string
	caller   *Caller
	// filled names the fields a repeat call filled in on its caller's record.
	filled []string
}

// saveCaller stores a new caller, or what a repeat call filled in on a known one (audited
// with the fields' names), and returns the caller's id; nil when nothing is known of them.
func (s *Store) saveCaller(tx *gorm.DB, actor *User, c *checkedCall) (*uint, error) {
	caller := c.caller
	switch {
	case caller == nil || caller.empty():
		return nil, nil
	case caller.ID != 0 && len(c.filled) == 0:
		return &caller.ID, nil
	}
	known := caller.ID != 0
	if err := tx.Save(caller).Error; err != nil {
		return nil, err
	}
	if known {
		err := s.audit(tx, Audit{Actor: actor, Action: AuditCallerUpdate, Object: ObjectCaller, ObjectID: caller.ID,
			Detail: "filled=" + strings.Join(c.filled, ",")})
		if err != nil {
			return nil, err
		}
	}
	return &caller.ID, nil
}

// checkCall checks the parts every call has, for CreateCase and LogContact alike, adding
// field errors to fe.
func (s *Store) checkCall(tx *gorm.DB, actor *User, fe fieldErrors, now time.Time, receivedAt, channel string, caller CallerInput) (*checkedCall, error) {
	tax, err := loadTaxonomy(tx)
	if err != nil {
		return nil, err
	}
	c := &checkedCall{tax: tax, received: s.pastTime(fe, "received_at", receivedAt, &now), channel: strings.TrimSpace(channel)}
	if c.channel == "" {
		fe.add("channel", "v.choose_how_call_came_in")
	} else {
		termField(fe, tax, KindChannel, "channel", c.channel, "")
	}
	if c.caller, c.filled, err = s.checkCaller(tx, actor, fe, tax, caller); err != nil {
		return nil, err
	}
	return c, nil
}

// takeCall is the opening CreateCase and LogContact share. Only an account that works on
// cases takes calls; in one write transaction, the call's time, channel and caller are
// checked (checkCall, their errors gathered in fe), then rest records what the call is
// about, adding its own errors to fe.
func (s *Store) takeCall(ctx context.Context, actor *User, receivedAt, channel string, caller CallerInput,
	rest func(tx *gorm.DB, fe fieldErrors, now time.Time, c *checkedCall) error) error {
	if !actor.WorksOnCases() {
		return ErrForbidden
	}
	return s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		fe := fieldErrors{}
		now := s.now()
		c, err := s.checkCall(tx, actor, fe, now, receivedAt, channel, caller)
		if err != nil {
			return err
		}
		return rest(tx, fe, now, c)
	})
}

// CreateCase records a call that opens a new case: the caller, the case in status new with a
// fresh reference, the call as its first contact and the opening in its timeline, in one
// transaction.
func (s *Store) CreateCase(ctx context.Context, actor *User, in IntakeInput) (*Case, error) {
	var cs *Case
	err := s.takeCall(ctx, actor, in.ReceivedAt, in.Channel, in.Caller, func(tx *gorm.DB, fe fieldErrors, now time.Time, c *checkedCall) error {
		var err error
		tax, received, channel := c.tax, c.received, c.channel
		cs = &Case{Status: StatusNew, Version: 1, OpenedByID: actor.ID}
		var changed []string
		if err := s.applyFields(tx, actor, fe, tax, cs, in.CaseFields, all, &changed); err != nil {
			return err
		}
		if err := fe.err(); err != nil {
			return err
		}
		cs.ReceivedAt = *received
		if cs.CallerID, err = s.saveCaller(tx, actor, c); err != nil {
			return err
		}
		if cs.Reference, err = s.nextReference(tx, *received); err != nil {
			return err
		}
		if err := tx.Create(cs).Error; err != nil {
			return err
		}
		contact := Contact{CaseID: &cs.ID, CallerID: cs.CallerID, Channel: channel, ReceivedAt: *received,
			TakenByID: actor.ID, Category: cs.Category, Summary: cs.Summary}
		if err := tx.Create(&contact).Error; err != nil {
			return err
		}
		if err := s.audit(tx, Audit{Actor: actor, Action: AuditCaseCreate, Object: ObjectCase, ObjectID: cs.ID}); err != nil {
			return err
		}
		return tx.Create(&CaseEntry{CaseID: cs.ID, Kind: EntryOpened, ToStatus: StatusNew, UserID: actor.ID, At: now}).Error
	})
	if err != nil {
		return nil, err
	}
	return s.getCase(s.rdb(ctx), actor, cs.ID)
}

// ReferenceCounter hands out the sequence numbers of case references, per year.
type ReferenceCounter struct {
	Year int `gorm:"primaryKey;autoIncrement:false"`
	Last int
}

// nextReference hands out the next reference of the year the call was received in, e.g.
// HL-2024-000123. It runs inside the write transaction, so numbers are never shared.
func (s *Store) nextReference(tx *gorm.DB, received time.Time) (string, error) {
	year := received.In(s.Loc).Year()
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "year"}},
		DoUpdates: clause.Assignments(map[string]any{"last": gorm.Expr("reference_counters.last + 1")}),
	}).Create(&ReferenceCounter{Year: year, Last: 1}).Error
	if err != nil {
		return "", err
	}
	var rc ReferenceCounter
	if err := tx.First(&rc, "year = ?", year).Error; err != nil {
		return "", err
	}
	return fmt.Sprintf("HL-%d-%06d", year, rc.Last), nil
}

// LogContact records a call on its own (information only) or as a follow-up on a case.
func (s *Store) LogContact(ctx context.Context, actor *User, in ContactInput) (*Contact, error) {
	var ct *Contact
	err := s.takeCall(ctx, actor, in.ReceivedAt, in.Channel, in.Caller, func(tx *gorm.DB, fe fieldErrors, now time.Time, c *checkedCall) error {
		var err error
		tax, received, channel := c.tax, c.received, c.channel
		summary := longTextField(fe, "summary", in.Summary, maxSummary)
		category := termField(fe, tax, KindCategory, "category", in.Category, "")
		var cs *Case
		if in.CaseID != nil {
			if cs, err = s.namedCase(tx, actor, fe, *in.CaseID, in.Caller.Phone); err != nil {
				return err
			}
			if cs != nil && category == "" {
				category = cs.Category
			}
		} else if category == "" {
			fe.add("category", "v.choose_what_call_was_about")
		}
		if err := fe.err(); err != nil {
			return err
		}
		ct = &Contact{CaseID: in.CaseID, Channel: channel, ReceivedAt: *received, TakenByID: actor.ID,
			Category: category, Summary: Personal(summary)}
		if ct.CallerID, err = s.saveCaller(tx, actor, c); err != nil {
			return err
		}
		if ct.CallerID != nil {
			ct.Caller = c.caller
			if cs != nil && cs.CallerID == nil {
				if err := tx.Model(&Case{}).Where("id = ?", cs.ID).Update("caller_id", *ct.CallerID).Error; err != nil {
					return err
				}
			}
		}
		if err := tx.Create(ct).Error; err != nil {
			return err
		}
		detail := ""
		if cs != nil {
			detail = "case=" + strconv.FormatUint(uint64(cs.ID), 10)
		}
		if err := s.audit(tx, Audit{Actor: actor, Action: AuditContact, Object: ObjectContact, ObjectID: ct.ID, Detail: detail}); err != nil {
			return err
		}
		if cs != nil {
			// A call adds to the timeline but changes no field, so it leaves the version alone:
			// a colleague editing the case at that moment must not lose their edit.
			return tx.Model(&Case{}).Where("id = ?", cs.ID).Update("updated_at", now).Error
		}
		return nil
	})
	return ct, err
}
