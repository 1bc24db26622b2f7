package models

import "strings"

// Role is what an account may do. The roles on cases are ranked: a supervisor may do all a
// caseworker may. Admin is apart: admins manage accounts and settings and read cases only when
// they are also supervisors (User.AlsoSupervisor; see access.go). Ask User.Can, not the Role
// field, what an account may do.
type Role string

// The roles.
const (
	RoleCaseworker Role = "caseworker"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Roles lists every role an account row can hold, lowest first.
var Roles = []Role{RoleCaseworker, RoleSupervisor, RoleAdmin}

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether r is one of Roles or RoleAdminOnly (what forms may ask for).
func (r Role) Valid() bool { return r.rank() > 0 || r == RoleAdminOnly }

// AtLeast reports whether r ranks at or above min among the roles on cases. Admin ranks
// with no other role: it is at least admin only, and is not at least supervisor (an admin who
// is also a supervisor is so by User.AlsoSupervisor, which User.Can reads).
func (r Role) AtLeast(min Role) bool {
	if r == RoleAdmin || min == RoleAdmin {
		return r == min
	}
	return r.rank() > 0 && r.rank() >= min.rank()
}

// RoleAdminOnly names, in forms and on the command line, an admin who does not work on cases
// and so cannot open them. It is never stored: such an account has role admin and
// also_supervisor false.
const RoleAdminOnly Role = "admin-only"

// RoleChoices lists what an account can be, as the forms offer it. RoleAdmin as a choice is
// an admin who is also a supervisor (what an admin was before need-to-see access).
var RoleChoices = []Role{RoleCaseworker, RoleSupervisor, RoleAdmin, RoleAdminOnly}

// Label is the role choice as people read it.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "admin + supervisor"
	case RoleAdminOnly:
		return "admin only (no access to cases)"
	}
	return string(r)
}

// stored turns a role choice into what the users table keeps: the role and whether an admin
// is also a supervisor.
func (r Role) stored() (Role, bool) {
	switch r {
	case RoleAdmin:
		return RoleAdmin, true
	case RoleAdminOnly:
		return RoleAdmin, false
	}
	return r, false
}

// ParseRole reads a role choice as people type it on the command line: caseworker,
// supervisor, admin (= admin + supervisor), admin+supervisor, or admin-only.
func ParseRole(s string) (Role, bool) {
	norm := strings.NewReplacer(" ", "", "_", "-").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch norm {
	case "caseworker", "supervisor":
		return Role(norm), true
	case "admin", "admin+supervisor", "admin,supervisor", "supervisor+admin", "supervisor,admin":
		return RoleAdmin, true
	case "admin-only", "adminonly":
		return RoleAdminOnly, true
	}
	return "", false
}
