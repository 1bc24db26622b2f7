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
