package models

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestMigrationTwoFactor: migrations 6 and 7 apply to a database with accounts and sessions:
// nobody has two-factor login yet, no session is pending, and the new tables exist.
func TestMigrationTwoFactor(t *testing.T) {
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
	if err := s.migrateTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, q := range []string{
		"INSERT INTO users(id, email, name, role, password_hash, active, created_at, updated_at) VALUES (1, 'a@example.org', '', 'supervisor', 'x', 1, ?, ?)",
		"INSERT INTO sessions(id, user_id, created_at, last_seen_at) VALUES ('abc', 1, ?, ?)",
	} {
		if err := w.Exec(q, now, now).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.migrateTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	var row struct {
		TwoFactorAt *time.Time
		Pending     bool
	}
	if err := w.Raw("SELECT u.two_factor_at, s.pending FROM users u JOIN sessions s ON s.user_id = u.id").Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.TwoFactorAt != nil || row.Pending {
		t.Fatalf("after migration 6: %+v", row)
	}
	for _, table := range []string{"two_factors", "recovery_codes", "token_failures"} {
		if !w.Migrator().HasTable(table) {
			t.Errorf("no table %s", table)
		}
	}
	// A secret belongs to an existing account.
	if err := w.Exec("INSERT INTO two_factors(user_id, updated_at) VALUES (1, ?)", now).Error; err != nil {
		t.Fatal(err)
	}
	if err := w.Exec("INSERT INTO two_factors(user_id, updated_at) VALUES (99, ?)", now).Error; err == nil {
		t.Error("a secret of no account was accepted")
	}
}
