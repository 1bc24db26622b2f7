package models

import (
	"context"
	"path/filepath"
	"testing"
)

// openTest opens a fresh database in a temporary folder through the production path.
func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "himoya.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mkUser adds an account.
func mkUser(t *testing.T, s *Store, email string, role Role) *User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), UserInput{Email: email, Role: role, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mkCase opens a case through the intake.
func mkCase(t *testing.T, s *Store, by *User) *Case {
	t.Helper()
	cs, err := s.CreateCase(context.Background(), by, IntakeInput{Channel: "phone", CaseFields: CaseFields{Category: "raid", Summary: "raid at the market"}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestSQLitePragmas(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	} {
		var got string
		if err := s.wdb(ctx).Raw("PRAGMA " + tc.pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("writer PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
		if err := s.rdb(ctx).Raw("PRAGMA " + tc.pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("reader PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
	// The read pool cannot write.
	if err := s.read.Exec("INSERT INTO settings(key, value) VALUES ('x', 'y')").Error; err == nil {
		t.Error("the read pool wrote")
	}
	d, _ := s.db.DB()
	if n := d.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool has %d connections, want 1", n)
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"+7 (916) 123-45-67": "79161234567",
		"8 916 123 45 67":    "79161234567",
		"9161234567":         "79161234567",
		"+992 93 123 4567":   "992931234567",
		"00992931234567":     "992931234567",
		"+998-90-123-45-67":  "998901234567",
		"12345":              "",
		"call me":            "",
		"+7 916 123 45 67 x": "",
		"1234567890123456":   "",
	} {
		if got := NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReferencesAreSequentialPerYear(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	u := mkUser(t, s, "cw@example.org", RoleCaseworker)
	var refs []string
	for _, at := range []string{"2023-12-31T20:59:00Z", "2023-12-31T21:01:00Z", "2024-05-01T10:00:00Z", ""} {
		cs, err := s.CreateCase(ctx, u, IntakeInput{ReceivedAt: at, Channel: "phone", CaseFields: CaseFields{Category: "raid"}})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, cs.Reference)
	}
	year := s.now().In(s.Loc).Format("2006")
	// 2023-12-31T21:01Z is already 2024 in Moscow.
	want := []string{"HL-2023-000001", "HL-2024-000001", "HL-2024-000002", "HL-" + year + "-00000"}
	for i := 0; i < 3; i++ {
		if refs[i] != want[i] {
			t.Errorf("reference %d = %s, want %s", i, refs[i], want[i])
		}
	}
	if refs[3][:len(want[3])] != want[3] {
		t.Errorf("reference of today = %s", refs[3])
	}
}

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
