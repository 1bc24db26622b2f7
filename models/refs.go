package models

import (
	"strings"

	"gorm.io/gorm"
)

// Records named by id inside a request body or a form.
//
// An id that arrives in a JSON body, a form field or a nested object is an id like one in a
// URL: before anything of the record is read or written, it passes the need-to-see check
// here, and a record the actor may not see is refused exactly like one that does not exist
// (the same field error), so that ids reveal nothing. Every input that names a record by id
// resolves it through one of these functions; none reads such a record on its own.
//
//   - a caller: namedCaller
//   - a case (a call added to it): namedCase
//   - an event: namedEvent
//   - an account (an assignee, the account a case is shared with): namedAccount

// noSuchCaller is the one answer to a caller id the actor may not use.
const noSuchCaller = "v.no_such_caller"

// callerVisible reports whether u may see caller id: supervisors see every caller; a
// caseworker sees the caller of a case they may open (as its caller or by a call on it), and
// the callers of the information-only calls they took themselves.
func callerVisible(tx *gorm.DB, u *User, id uint) (bool, error) {
	switch {
	case u.Can(RoleSupervisor):
		return true, nil
	case !u.Can(RoleCaseworker):
		return false, nil
	}
	var n int64
	err := tx.Model(&Case{}).Scopes(visible(u)).
		Where("cases.caller_id = ? OR cases.id IN (SELECT case_id FROM contacts WHERE caller_id = ? AND case_id IS NOT NULL)", id, id).
		Limit(1).Count(&n).Error
	if err != nil || n > 0 {
		return n > 0, err
	}
	err = tx.Model(&Contact{}).Where("caller_id = ? AND case_id IS NULL AND taken_by_id = ?", id, u.ID).Limit(1).Count(&n).Error
	return n > 0, err
}

// callerListed reports whether the lookup by phone (FindCallers) shows caller id to u: a
// caller all of whose cases and calls are restricted away from u is not shown.
func callerListed(tx *gorm.DB, u *User, id uint) (bool, error) {
	if !u.WorksOnCases() {
		return false, nil
	}
	var n int64
	err := tx.Model(&Case{}).Scopes(notHidden(u)).
		Where("cases.caller_id = ? OR cases.id IN (SELECT case_id FROM contacts WHERE caller_id = ?)", id, id).
		Limit(1).Count(&n).Error
	if err != nil || n > 0 {
		return n > 0, err
	}
	err = tx.Model(&Contact{}).Scopes(callsNotHidden(u)).Where("caller_id = ?", id).Limit(1).Count(&n).Error
	return n > 0, err
}

// phoneProves reports whether phone, as typed in the same request, is the stored phone of a
// caller with blind index idx. A caseworker on the line with someone who called before finds
// them by their number (FindCallers): naming that caller by id together with the number
// reveals nothing the lookup did not, while an id alone — ids are sequential — proves nothing.
func (s *Store) phoneProves(phone, idx string) bool {
	if idx == "" || strings.TrimSpace(phone) == "" {
		return false
	}
	return phoneIndex(s.keys, phone) == idx
}

// namedCaller loads the caller a body names by id, for u. The caller must exist, not be
// erased, and be one u may see (callerVisible), or be proved by their phone number typed in
// the same request (phoneProves). Anything else adds the field error "no such caller" and
// returns nil.
func (s *Store) namedCaller(tx *gorm.DB, u *User, fe fieldErrors, id uint, phone string) (*Caller, error) {
	var c Caller
	if err := tx.First(&c, id).Error; err != nil {
		if translate(err) == ErrNotFound {
			fe.add("caller.id", noSuchCaller)
			return nil, nil
		}
		return nil, err
	}
	ok := false
	if c.ErasedAt == nil {
		var err error
		if ok, err = callerVisible(tx, u, id); err != nil {
			return nil, err
		}
		if !ok && s.phoneProves(phone, c.PhoneIndex) {
			if ok, err = callerListed(tx, u, id); err != nil {
				return nil, err
			}
		}
	}
	if !ok {
		fe.add("caller.id", noSuchCaller)
		return nil, nil
	}
	return &c, nil
}

// namedCase loads the case a call is to be added to, for u. u may add a call to a case they
// may open; or — so that a repeat caller's call reaches their case when a colleague handles
// it — to a case that is not restricted away from u, when the phone typed in the same request
// is the phone of the case's caller or of someone who called about it (what the lookup by
// phone shows). Anything else adds the field error "no such case" and returns nil.
func (s *Store) namedCase(tx *gorm.DB, u *User, fe fieldErrors, id uint, phone string) (*Case, error) {
	var cs Case
	if err := tx.Preload("Shares").First(&cs, id).Error; err != nil {
		if translate(err) == ErrNotFound {
			fe.add("case_id", "v.no_such_case")
			return nil, nil
		}
		return nil, err
	}
	if canSee(u, &cs) {
		return &cs, nil
	}
	if u.Can(RoleCaseworker) && !cs.Restricted {
		if idx := phoneIndex(s.keys, phone); idx != "" && strings.TrimSpace(phone) != "" {
			var n int64
			err := tx.Model(&Caller{}).Where("phone_index = ? AND erased_at IS NULL", idx).
				Where("id = ? OR id IN (SELECT caller_id FROM contacts WHERE case_id = ? AND caller_id IS NOT NULL)", cs.CallerID, cs.ID).
				Limit(1).Count(&n).Error
			if err != nil {
				return nil, err
			}
			if n > 0 {
				return &cs, nil
			}
		}
	}
	fe.add("case_id", "v.no_such_case")
	return nil, nil
}

// namedEvent checks that the event a case names exists. Events are not personal: every
// account that works on cases sees them all (the intake form offers them).
func namedEvent(tx *gorm.DB, u *User, fe fieldErrors, id uint) (bool, error) {
	if !u.WorksOnCases() {
		fe.add("event_id", "v.no_such_event")
		return false, nil
	}
	var n int64
	if err := tx.Model(&Event{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return false, err
	}
	if n == 0 {
		fe.add("event_id", "v.no_such_event")
		return false, nil
	}
	return true, nil
}

// namedAccount resolves the account a move, an assignment or a share names, by id or by
// e-mail, under the given field name. It must be active and work on cases; who may name whom
// for what is the workflow's and the sharing's rule. Accounts are staff, not the people in
// the records: their names show on every case they work on. Nothing named gives nil, nil.
func namedAccount(tx *gorm.DB, fe fieldErrors, field string, id uint, email string) (*User, error) {
	var a User
	var err error
	switch {
	case id != 0:
		err = tx.First(&a, id).Error
	case strings.TrimSpace(email) != "":
		err = tx.Where("email = ?", normEmail(email)).First(&a).Error
	default:
		return nil, nil
	}
	if err != nil {
		if translate(err) == ErrNotFound {
			fe.add(field, "v.no_such_user")
			return nil, nil
		}
		return nil, err
	}
	if !a.Active {
		fe.add(field, "v.this_account_deactivated")
		return nil, nil
	}
	if !a.WorksOnCases() {
		fe.add(field, "v.this_account_does_not_work")
		return nil, nil
	}
	return &a, nil
}
