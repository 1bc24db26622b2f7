package models

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestMigrationAccess: migration 8 makes existing admins admins and supervisors (no hotline
// loses sight of its cases on upgrade) and adds restricted cases and shares; migration 9
// gives existing tokens the role their account had.
func TestMigrationAccess(t *testing.T) {
	ctx := context.Background()
	k, _ := ParseKeyring(NewKeyFile())
	s := &Store{Now: time.Now, Loc: time.UTC, keys: k, hashSlots: make(chan struct{}, 1)}
	w, err := openWriter(filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.db = w
	t.Cleanup(func() {
		if d, err := w.DB(); err == nil {
			d.Close()
		}
	})
	if err := s.migrateTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	must := func(sql string, args ...any) {
		t.Helper()
		if err := w.Exec(sql, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	for i, role := range []string{"caseworker", "supervisor", "admin"} {
		must("INSERT INTO users(id, email, name, role, password_hash, active, created_at, updated_at) VALUES (?, ?, '', ?, 'x', 1, ?, ?)", i+1, role+"@example.org", role, now, now)
		must("INSERT INTO api_tokens(id, user_id, hash, name, created_at) VALUES (?, ?, ?, 'old', ?)", i+1, i+1, role, now)
	}
	must("INSERT INTO cases(id, reference, status, version, category, summary, urgency, opened_by_id, received_at, created_at, updated_at) VALUES (1, 'HL-2024-000001', 'new', 1, 'raid', '', 'normal', 1, ?, ?, ?)", now, now, now)
	if err := s.migrateTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	var users []User
	w.Order("id").Find(&users)
	for _, u := range users {
		wantSup := u.Role != RoleCaseworker
		if u.Can(RoleSupervisor) != wantSup || u.IsAdmin() != (u.Role == RoleAdmin) {
			t.Errorf("%s after migration 8: supervisor %v admin %v", u.Email, u.Can(RoleSupervisor), u.IsAdmin())
		}
	}
	var roles []string
	w.Table("api_tokens").Order("id").Pluck("role", &roles)
	if len(roles) != 3 || roles[0] != "caseworker" || roles[1] != "supervisor" || roles[2] != "supervisor" {
		t.Errorf("token roles after migration 9: %v", roles)
	}
	var cs Case
	if err := w.Preload("Shares").First(&cs, 1).Error; err != nil || cs.Restricted {
		t.Fatalf("case after migration 8: %v %+v", err, cs)
	}
	must("INSERT INTO case_shares(case_id, user_id, shared_by_id, created_at) VALUES (1, 1, 2, ?)", now)
	if err := w.Exec("INSERT INTO case_shares(case_id, user_id, shared_by_id, created_at) VALUES (1, 99, 2, ?)", now).Error; err == nil {
		t.Error("a share with no such account was accepted")
	}
}
