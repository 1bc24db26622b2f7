package models

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Caller is a person who called or on whose behalf someone called.
type Caller struct {
	ID          uint      `json:"id"`
	Name        Personal  `json:"name"`
	Phone       Personal  `json:"phone"`
	PhoneIndex  string    `json:"-"`
	Citizenship string    `json:"citizenship"`
	Language    string    `json:"language"`
	SafeToCall  bool      `json:"safe_to_call"`
	SafeContact Personal  `json:"safe_contact"` // how to reach them safely, e.g. "only WhatsApp, after 8 pm"
	CreatedAt   time.Time `json:"-"`
	UpdatedAt   time.Time `json:"-"`
	// ErasedAt is when retention or "forget this person" erased the personal fields.
	ErasedAt *time.Time `json:"erased_at,omitempty"`
}

// Audit actions on callers (caller.forget is in retention.go).
const (
	// AuditCallerView records that someone opened a caller's details to correct them.
	AuditCallerView = "caller.view"
	// AuditCallerUpdate records a change of a caller's details: "fields=name,phone" for an
	// explicit correction, "filled=..." for what a repeat call filled in. Never the values.
	AuditCallerUpdate = "caller.update"
	// AuditCallerLookup records a lookup by phone: "matches=N" (never the number).
	AuditCallerLookup = "caller.lookup"
)

// GetCaller loads caller id for u to correct their details, and records the view. A caller u
// may not see (callerVisible) is ErrNotFound; so is an erased one, which has nothing left to
// correct.
func (s *Store) GetCaller(ctx context.Context, u *User, id uint) (*Caller, error) {
	var c *Caller
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if c, err = visibleCaller(tx, u, id); err != nil {
			return err
		}
		return s.audit(tx, Audit{Actor: u, Action: AuditCallerView, Object: ObjectCaller, ObjectID: id})
	})
	return c, err
}

// visibleCaller loads caller id if u may see it and it is not erased; ErrNotFound otherwise.
func visibleCaller(tx *gorm.DB, u *User, id uint) (*Caller, error) {
	var c Caller
	if err := tx.First(&c, id).Error; err != nil {
		return nil, translate(err)
	}
	ok, err := callerVisible(tx, u, id)
	if err != nil {
		return nil, err
	}
	if !ok || c.ErasedAt != nil {
		return nil, ErrNotFound
	}
	return &c, nil
}

// CallerUpdate corrects a caller's details. Present names the fields given (the API's PATCH
// sends what it changes; the page sends them all); an empty value clears a field. Refusals
// name the fields as the caller's record does: name, phone, citizenship, language,
// safe_to_call, safe_contact.
type CallerUpdate struct {
	CallerInput
	Present map[string]bool
}

// UpdateCaller corrects the details of caller id: an explicit edit by someone who may see
// them, recorded in the audit log with the names of the fields changed (never their values).
// A repeat call never does this; it takes the caller as stored.
func (s *Store) UpdateCaller(ctx context.Context, u *User, id uint, in CallerUpdate) (*Caller, error) {
	if !u.WorksOnCases() {
		return nil, ErrForbidden
	}
	var c *Caller
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if c, err = visibleCaller(tx, u, id); err != nil {
			return err
		}
		tax, err := loadTaxonomy(tx)
		if err != nil {
			return err
		}
		fe := fieldErrors{}
		var changed []string
		set := func(name string, apply func() bool) {
			if in.Present[name] && apply() {
				changed = append(changed, name)
			}
		}
		set("name", func() bool {
			v := Personal(textField(fe, "name", in.Name, maxName))
			old := c.Name
			c.Name = v
			return v != old
		})
		set("phone", func() bool {
			p := textField(fe, "phone", in.Phone, 40)
			if p != "" && NormalizePhone(p) == "" {
				fe.add("phone", "v.enter_phone_number_country_code")
				return false
			}
			old := c.Phone
			c.Phone, c.PhoneIndex = Personal(p), phoneIndex(s.keys, p)
			return c.Phone != old
		})
		set("citizenship", func() bool {
			v := termField(fe, tax, KindCitizenship, "citizenship", strings.ToUpper(strings.TrimSpace(in.Citizenship)), c.Citizenship)
			old := c.Citizenship
			c.Citizenship = v
			return v != old
		})
		set("language", func() bool {
			v := termField(fe, tax, KindLanguage, "language", strings.ToLower(strings.TrimSpace(in.Language)), c.Language)
			old := c.Language
			c.Language = v
			return v != old
		})
		set("safe_to_call", func() bool {
			if in.SafeToCall == nil {
				return false
			}
			old := c.SafeToCall
			c.SafeToCall = *in.SafeToCall
			return c.SafeToCall != old
		})
		set("safe_contact", func() bool {
			v := Personal(textField(fe, "safe_contact", in.SafeContact, maxShort))
			old := c.SafeContact
			c.SafeContact = v
			return v != old
		})
		if err := fe.err(); err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		sort.Strings(changed)
		if err := tx.Save(c).Error; err != nil {
			return err
		}
		return s.audit(tx, Audit{Actor: u, Action: AuditCallerUpdate, Object: ObjectCaller, ObjectID: id,
			Detail: "fields=" + strings.Join(changed, ",")})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// CallerMatch is a caller on record with the given phone and their earlier cases.
type CallerMatch struct {
	Caller Caller
	Cases  []Case
	// Calls counts every call from this caller, with or without a case.
	Calls int64
}

// FindCallers finds the callers on record with this phone number, and their cases, for a
// caseworker taking a call from someone who called before.
func (s *Store) FindCallers(ctx context.Context, u *User, phone string) ([]CallerMatch, error) {
	if !u.WorksOnCases() {
		return nil, ErrForbidden
	}
	idx := phoneIndex(s.keys, phone)
	if idx == "" {
		return nil, &ValidationError{Fields: map[string]string{"caller.phone": "v.enter_phone_number_country_code_2"}}
	}
	db := s.rdb(ctx)
	var callers []Caller
	if err := db.Where("phone_index = ?", idx).Order("id DESC").Limit(20).Find(&callers).Error; err != nil {
		return nil, err
	}
	out := make([]CallerMatch, 0, len(callers))
	for _, c := range callers {
		m := CallerMatch{Caller: c}
		err := db.Preload("Assignee").Preload("Shares").Scopes(notHidden(u)).
			Where("cases.caller_id = ? OR cases.id IN (SELECT case_id FROM contacts WHERE caller_id = ?)", c.ID, c.ID).
			Order("received_at DESC").Limit(20).Find(&m.Cases).Error
		if err != nil {
			return nil, err
		}
		if err := db.Model(&Contact{}).Scopes(callsNotHidden(u)).Where("caller_id = ?", c.ID).Count(&m.Calls).Error; err != nil {
			return nil, err
		}
		if len(m.Cases) == 0 && m.Calls == 0 {
			continue // all that is on record about this caller is in cases restricted away from u
		}
		out = append(out, m)
	}
	if err := s.RecordRead(ctx, u, AuditCallerLookup, ObjectCaller, "matches="+strconv.Itoa(len(out))); err != nil {
		return nil, err
	}
	return out, nil
}
