package models

import (
	"context"
	"path/filepath"
	"testing"
)

func TestMigrationsFromEmpty(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "himoya.db")
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != LatestSchema() {
		t.Fatalf("schema version %d (%v), want %d", v, err, LatestSchema())
	}
	for _, table := range []string{"users", "sessions", "api_tokens", "login_failures", "settings", "terms", "callers",
		"events", "cases", "case_categories", "case_documents", "contacts", "case_entries", "reference_counters"} {
		if !s.db.Migrator().HasTable(table) {
			t.Errorf("no table %s", table)
		}
	}
	tax, err := s.Taxonomy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for kind, n := range map[TermKind]int{KindCategory: 17, KindPerpetrator: 8, KindOutcome: 12, KindChannel: 6, KindRegion: 86} {
		if got := len(tax.Terms[kind]); got != n {
			t.Errorf("%s: %d terms, want %d", kind, got, n)
		}
	}
	u := mkUser(t, s, "cw@example.org", RoleCaseworker)
	cs := mkCase(t, s, u)
	s.Close()

	// Opening again runs nothing twice and keeps the data.
	s2, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var n int64
	s2.db.Model(&SchemaMigration{}).Count(&n)
	if int(n) != len(migrations) {
		t.Errorf("%d migration rows after reopening, want %d", n, len(migrations))
	}
	got, err := s2.GetCase(ctx, u, cs.ID)
	if err != nil || got.Reference != cs.Reference {
		t.Fatalf("case after reopening: %v %v", got, err)
	}
	tax2, _ := s2.Taxonomy(ctx)
	if len(tax2.Terms[KindCategory]) != 17 {
		t.Errorf("taxonomy seeded twice: %d categories", len(tax2.Terms[KindCategory]))
	}
}

func TestMigrationStepByStep(t *testing.T) {
	// Each migration applies on top of the previous ones, on a database with data in it.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "himoya.db")
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Start again from a database stopped after migration 1 with a user in it.
	path = filepath.Join(t.TempDir(), "step.db")
	s = &Store{Now: s.Now, Loc: s.Loc, hashSlots: make(chan struct{}, 1)}
	w, err := openWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	s.db = w
	if err := s.migrateTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if s.db.Migrator().HasTable("terms") == false {
		t.Fatal("migration 1 made no terms table")
	}
	var n int64
	s.db.Table("terms").Count(&n)
	if n != 0 {
		t.Fatalf("migration 1 seeded %d terms", n)
	}
	if err := s.db.Exec("INSERT INTO users(email, name, role, password_hash, active, created_at, updated_at) VALUES ('a@example.org', 'A', 'admin', 'x', 1, ?, ?)", s.now(), s.now()).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.migrateTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	s.db.Table("terms").Count(&n)
	if n == 0 {
		t.Fatal("migration 2 seeded nothing")
	}
	s.db.Table("users").Count(&n)
	if n != 1 {
		t.Fatalf("users after migration 2: %d", n)
	}
	if d, err := s.db.DB(); err == nil {
		d.Close()
	}
}
