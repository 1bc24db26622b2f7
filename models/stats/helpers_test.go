package stats

import (
	"context"
	"path/filepath"
	"testing"

	"himoya/models"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// openTest opens a fresh database in a temporary folder through the production path.
func openTest(t testing.TB) *Stats {
	t.Helper()
	s, err := models.Open(context.Background(), models.Options{Path: filepath.Join(t.TempDir(), "himoya.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return New(s)
}

// mkUser adds an account.
func mkUser(t testing.TB, s *Stats, email string, role models.Role) *models.User {
	t.Helper()
	u, err := s.store.CreateUser(context.Background(), models.UserInput{Email: email, Role: role, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// rawDB opens the store's database file directly, outside the store, for tests that write
// what no entry point of models writes (calls at a given hour, a migration undone).
func rawDB(t testing.TB, s *Stats) *gorm.DB {
	t.Helper()
	var path string
	if err := s.store.ReadDB(context.Background()).Raw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path).Error; err != nil {
		t.Fatal(err)
	}
	g, err := gorm.Open(sqlite.Open(filepath.ToSlash(path)+"?_busy_timeout=10000"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d, err := g.DB(); err == nil {
			d.Close()
		}
	})
	return g
}

// callHour is the hour a call was received in, as whole hours since 1970 (UTC), from a
// received_at column: written out again here so that the tests check the count tables
// against an expression of their own.
func callHour(col string) string {
	return `(CAST(strftime('%s', ` + col + `) AS INTEGER) / 3600)`
}
