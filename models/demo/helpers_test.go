package demo

import (
	"context"
	"path/filepath"
	"testing"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"himoya/models"
)

// openTest opens a fresh database in a temporary folder through the production path.
func openTest(t *testing.T) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), models.Options{Path: filepath.Join(t.TempDir(), "himoya.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mkUser adds an account.
func mkUser(t *testing.T, s *models.Store, email string, role models.Role) *models.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), models.UserInput{Email: email, Role: role, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mkCase opens a case through the intake.
func mkCase(t *testing.T, s *models.Store, by *models.User) *models.Case {
	t.Helper()
	cs, err := s.CreateCase(context.Background(), by, models.IntakeInput{Channel: "phone", CaseFields: models.CaseFields{Category: "raid", Summary: "raid at the market"}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// rawDB opens the store's database file directly, outside the store, for tests that write
// what no entry point of models writes.
func rawDB(t *testing.T, s *models.Store) *gorm.DB {
	t.Helper()
	var path string
	if err := s.ReadDB(context.Background()).Raw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path).Error; err != nil {
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

// callHour is the hour a call was received in, as whole hours since 1970 (UTC), written out
// again here so that the tests check the count tables against an expression of their own.
func callHour(col string) string {
	return `(CAST(strftime('%s', ` + col + `) AS INTEGER) / 3600)`
}
