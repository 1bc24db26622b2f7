package models

import (
	"time"

	"gorm.io/gorm"
)

// Frozen structs of migration 10: when personal data was erased.
type (
	m10Case struct {
		ErasedAt *time.Time
	}
	m10Contact struct {
		ErasedAt *time.Time
	}
	m10Caller struct {
		ErasedAt *time.Time
	}
)

func (m10Case) TableName() string    { return "cases" }
func (m10Contact) TableName() string { return "contacts" }
func (m10Caller) TableName() string  { return "callers" }

// migrate0010 adds erased_at to cases, calls and callers: when retention or "forget this
// person" erased their personal data.
func migrate0010(tx *gorm.DB) error {
	for _, m := range []any{&m10Case{}, &m10Contact{}, &m10Caller{}} {
		if err := tx.Migrator().AddColumn(m, "ErasedAt"); err != nil {
			return err
		}
	}
	return nil
}
