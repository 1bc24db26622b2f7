package models

import (
	"context"
	"errors"
	"testing"
)

// TestRoleChoices: what each kind of account may do, and how the choices are stored and read
// back.
func TestRoleChoices(t *testing.T) {
	s := openTest(t)
	for _, tc := range []struct {
		choice                            Role
		caseworker, supervisor, admin, ok bool
		label                             string
	}{
		{RoleCaseworker, true, false, false, true, "caseworker"},
		{RoleSupervisor, true, true, false, true, "supervisor"},
		{RoleAdmin, true, true, true, true, "admin + supervisor"},
		{RoleAdminOnly, false, false, true, true, "admin only (no access to cases)"},
		{"boss", false, false, false, false, ""},
	} {
		u, err := s.CreateUser(context.Background(), UserInput{Email: string(tc.choice) + "@example.org", Role: tc.choice, Password: "correct horse battery"})
		if !tc.ok {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields["role"] == "" {
				t.Errorf("%s: %v, want a role error", tc.choice, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		u, _ = s.UserByID(context.Background(), u.ID) // as stored
		if got := [3]bool{u.Can(RoleCaseworker), u.Can(RoleSupervisor), u.Can(RoleAdmin)}; got != [3]bool{tc.caseworker, tc.supervisor, tc.admin} {
			t.Errorf("%s: can caseworker/supervisor/admin = %v", tc.choice, got)
		}
		if u.WorksOnCases() != tc.caseworker || u.IsAdmin() != tc.admin || u.Choice() != tc.choice || u.RoleLabel() != tc.label {
			t.Errorf("%s: works on cases %v, admin %v, choice %s, label %q", tc.choice, u.WorksOnCases(), u.IsAdmin(), u.Choice(), u.RoleLabel())
		}
		if u.Role == RoleAdminOnly {
			t.Errorf("%s: the pseudo-role was stored", tc.choice)
		}
	}
	// Role alone no longer says "supervisor" for an admin: the check is User.Can.
	if RoleAdmin.AtLeast(RoleSupervisor) || RoleSupervisor.AtLeast(RoleAdmin) || !RoleSupervisor.AtLeast(RoleCaseworker) {
		t.Error("Role.AtLeast ranks admin with the roles on cases")
	}
	var nobody *User
	if nobody.Can(RoleCaseworker) || nobody.Can(RoleAdmin) || nobody.WorksOnCases() {
		t.Error("a nil user may do something")
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]Role{
		"caseworker": RoleCaseworker, "Supervisor": RoleSupervisor, "admin": RoleAdmin, "admin+supervisor": RoleAdmin,
		"admin, supervisor": RoleAdmin, "admin-only": RoleAdminOnly, "admin only": RoleAdminOnly, "admin_only": RoleAdminOnly,
		"boss": "", "": "", "admin+caseworker": "",
	} {
		got, ok := ParseRole(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseRole(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}
