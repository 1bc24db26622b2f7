package models

import (
	"time"

	"gorm.io/gorm"
)

// Frozen structs of migration 6: two-factor login.
type (
	m6TwoFactor struct {
		UserID    uint      `gorm:"primaryKey;autoIncrement:false"`
		User      *m1User   `gorm:"constraint:OnDelete:CASCADE"`
		Secret    string    `gorm:"not null;default:''"`
		Pending   string    `gorm:"not null;default:''"`
		LastStep  int64     `gorm:"not null;default:0"`
		UpdatedAt time.Time `gorm:"not null"`
	}
	m6RecoveryCode struct {
		ID        uint    `gorm:"primaryKey"`
		UserID    uint    `gorm:"not null;index"`
		User      *m1User `gorm:"constraint:OnDelete:CASCADE"`
		Hash      string  `gorm:"size:64;not null;index"`
		UsedAt    *time.Time
		CreatedAt time.Time `gorm:"not null"`
	}
)

func (m6TwoFactor) TableName() string    { return "two_factors" }
func (m6RecoveryCode) TableName() string { return "recovery_codes" }

// migrate0006 adds two-factor login: when an account set it up, its sealed TOTP secret, its
// recovery codes (keyed hashes), and pending logins (password right, code awaited).
func migrate0006(tx *gorm.DB) error {
	for _, q := range []string{
		"ALTER TABLE users ADD COLUMN two_factor_at datetime",
		"ALTER TABLE sessions ADD COLUMN pending numeric NOT NULL DEFAULT 0",
	} {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	return tx.Migrator().CreateTable(&m6TwoFactor{}, &m6RecoveryCode{})
}

// m7TokenFailure is the table of bad API token uses as migration 7 makes it.
type m7TokenFailure struct {
	ID uint      `gorm:"primaryKey"`
	IP string    `gorm:"size:64;not null;index:idx_token_failures_ip_at,priority:1"`
	At time.Time `gorm:"not null;index:idx_token_failures_ip_at,priority:2;index"`
}

func (m7TokenFailure) TableName() string { return "token_failures" }

// migrate0007 adds the table that limits guessing API tokens by address.
func migrate0007(tx *gorm.DB) error {
	return tx.Migrator().CreateTable(&m7TokenFailure{})
}
