package models

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Need-to-see access.
//
// An account has a role on cases — caseworker, supervisor, or none — and may also be an
// admin. Admins manage accounts and settings; they read case contents only when they are
// also supervisors. The users table keeps this in two columns: role (caseworker, supervisor
// or admin) and also_supervisor (meaningful for admins only). The forms and the command line
// offer the four combinations a hotline needs as one choice (RoleChoices).
//
// Caseworkers see the cases assigned to them, the unassigned queue (except restricted cases)
// and the cases a supervisor shared with them; supervisors see every case.

// IsAdmin reports whether u manages accounts and settings.
func (u *User) IsAdmin() bool { return u != nil && u.Role == RoleAdmin }

// CaseRole is u's role on cases: RoleSupervisor, RoleCaseworker, or "" for an account that
// does not work on cases (an admin who is not also a supervisor).
func (u *User) CaseRole() Role {
	switch {
	case u == nil:
		return ""
	case u.Role == RoleCaseworker || u.Role == RoleSupervisor:
		return u.Role
	case u.Role == RoleAdmin && u.AlsoSupervisor:
		return RoleSupervisor
	}
	return ""
}

// WorksOnCases reports whether u may open any case at all.
func (u *User) WorksOnCases() bool { return u.CaseRole() != "" }

// Can reports whether u holds role r: RoleAdmin asks whether u is an admin; a case role asks
// whether u's case role is r or above (a supervisor can do all a caseworker can).
func (u *User) Can(r Role) bool {
	if r == RoleAdmin {
		return u.IsAdmin()
	}
	return u.CaseRole().AtLeast(r)
}

// Choice is the entry of RoleChoices that u is.
func (u *User) Choice() Role {
	if u.Role == RoleAdmin && !u.AlsoSupervisor {
		return RoleAdminOnly
	}
	return u.Role
}

// RoleLabel is u's roles as people read them.
func (u *User) RoleLabel() string { return u.Choice().Label() }

// canSee reports whether u may open case c: supervisors see every case; caseworkers the cases
// assigned to them, those shared with them, and the unassigned ones that are not restricted.
// c.Shares must be loaded. Accounts that do not work on cases see none.
func canSee(u *User, c *Case) bool {
	switch {
	case u.Can(RoleSupervisor):
		return true
	case !u.Can(RoleCaseworker):
		return false
	case c.AssigneeID != nil && *c.AssigneeID == u.ID:
		return true
	case c.SharedWith(u.ID):
		return true
	}
	return c.AssigneeID == nil && !c.Restricted
}

// visible limits a query on cases to those u may see: the same rule as canSee, in SQL.
func visible(u *User) func(*gorm.DB) *gorm.DB {
	return func(q *gorm.DB) *gorm.DB {
		switch {
		case u.Can(RoleSupervisor):
			return q
		case !u.Can(RoleCaseworker):
			return q.Where("1 = 0")
		}
		return q.Where("(cases.assignee_id IS NULL AND NOT cases.restricted) OR "+namedOn, u.ID, u.ID)
	}
}

// namedOn is the SQL condition "u is the assignee of the case or it is shared with u", for
// a query on cases; it takes u's id twice. It is never NULL (an unassigned case gives false,
// not NULL), so that NOT (namedOn) means what it says.
const namedOn = "(cases.assignee_id IS NOT NULL AND cases.assignee_id = ?) OR " +
	"EXISTS (SELECT 1 FROM case_shares sh WHERE sh.case_id = cases.id AND sh.user_id = ?)"

// notHidden limits a query on cases to those that are not restricted away from u: a
// caseworker's caller lookup names a colleague's ordinary cases (without a link) but never a
// restricted case they are not named on.
func notHidden(u *User) func(*gorm.DB) *gorm.DB {
	return func(q *gorm.DB) *gorm.DB {
		if u.Can(RoleSupervisor) {
			return q
		}
		return q.Where("NOT cases.restricted OR "+namedOn, u.ID, u.ID)
	}
}

// callsNotHidden limits a query on contacts to the calls that are not on a case restricted
// away from u.
func callsNotHidden(u *User) func(*gorm.DB) *gorm.DB {
	return func(q *gorm.DB) *gorm.DB {
		if u.Can(RoleSupervisor) {
			return q
		}
		return q.Where("contacts.case_id IS NULL OR contacts.case_id NOT IN "+
			"(SELECT cases.id FROM cases WHERE cases.restricted AND NOT ("+namedOn+"))", u.ID, u.ID)
	}
}

// CaseShare gives a caseworker sight of a case that is not theirs: a supervisor shares a
// restricted case with the people who need it, or a colleague's case with a second worker.
type CaseShare struct {
	CaseID     uint `gorm:"primaryKey;autoIncrement:false"`
	UserID     uint `gorm:"primaryKey;autoIncrement:false"`
	User       *User
	SharedByID uint
	CreatedAt  time.Time
}

// SharedWith reports whether the case is shared with account id (c.Shares must be loaded).
func (c *Case) SharedWith(id uint) bool {
	for _, sh := range c.Shares {
		if sh.UserID == id {
			return true
		}
	}
	return false
}

// Audit actions of need-to-see access.
const (
	AuditCaseShare   = "case.share"
	AuditCaseUnshare = "case.unshare"
	AuditTokenCreate = "token.create"
	AuditTokenRevoke = "token.revoke"
)

// ShareCase lets account userID see case id (supervisors only). The account must work on
// cases; sharing twice changes nothing.
func (s *Store) ShareCase(ctx context.Context, u *User, id, userID uint) error {
	if !u.Can(RoleSupervisor) {
		return ErrForbidden
	}
	return s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		cs, err := s.getCase(tx, u, id)
		if err != nil {
			return err
		}
		fe := fieldErrors{}
		target, err := namedAccount(tx, fe, "user", userID, "")
		if err != nil {
			return err
		}
		if userID == 0 {
			fe.add("user", "v.choose_who_share_case")
		}
		if err := fe.err(); err != nil {
			return err
		}
		if cs.SharedWith(target.ID) {
			return nil
		}
		sh := CaseShare{CaseID: cs.ID, UserID: target.ID, SharedByID: u.ID, CreatedAt: s.now()}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&sh).Error; err != nil {
			return err
		}
		return s.audit(tx, Audit{Actor: u, Action: AuditCaseShare, Object: ObjectCase, ObjectID: cs.ID,
			Detail: "user=" + strconv.FormatUint(uint64(target.ID), 10)})
	})
}

// UnshareCase takes back what ShareCase gave (supervisors only).
func (s *Store) UnshareCase(ctx context.Context, u *User, id, userID uint) error {
	if !u.Can(RoleSupervisor) {
		return ErrForbidden
	}
	return s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		cs, err := s.getCase(tx, u, id)
		if err != nil {
			return err
		}
		res := tx.Where("case_id = ? AND user_id = ?", cs.ID, userID).Delete(&CaseShare{})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return s.audit(tx, Audit{Actor: u, Action: AuditCaseUnshare, Object: ObjectCase, ObjectID: cs.ID,
			Detail: "user=" + strconv.FormatUint(uint64(userID), 10)})
	})
}

// ShareCandidates lists the active caseworkers a supervisor may share case cs with: not its
// assignee, and not those it is already shared with (supervisors see it anyway).
func (s *Store) ShareCandidates(ctx context.Context, cs *Case) ([]User, error) {
	var us []User
	q := s.rdb(ctx).Where("active = ? AND role = ?", true, RoleCaseworker).
		Where("id NOT IN (SELECT user_id FROM case_shares WHERE case_id = ?)", cs.ID)
	if cs.AssigneeID != nil {
		q = q.Where("id <> ?", *cs.AssigneeID)
	}
	err := q.Order("name, email").Find(&us).Error
	return us, err
}

// onlyRestricted reports whether an update names no field but the restricted flag: that may
// be changed on a closed case too (an old case can become dangerous).
func onlyRestricted(present map[string]bool) bool {
	for k, v := range present {
		if v && k != "restricted" && k != "version" {
			return false
		}
	}
	return present["restricted"]
}
