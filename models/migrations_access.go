package models

import (
	"time"

	"gorm.io/gorm"
)

// Migrations 8 and 9: need-to-see access (admins apart from supervisors, restricted and shared
// cases) and API tokens that carry a role.

// Frozen structs of migration 8.
type (
	m8User struct {
		AlsoSupervisor bool `gorm:"not null;default:false"`
	}
	m8Case struct {
		Restricted bool `gorm:"not null;default:false"`
	}
	m8CaseShare struct {
		CaseID     uint    `gorm:"primaryKey;autoIncrement:false"`
		Case       *m1Case `gorm:"constraint:OnDelete:CASCADE"`
		UserID     uint    `gorm:"primaryKey;autoIncrement:false;index"`
		User       *m1User `gorm:"constraint:OnDelete:CASCADE"`
		SharedByID uint    `gorm:"not null"`
		CreatedAt  time.Time
	}
)

func (m8User) TableName() string      { return "users" }
func (m8Case) TableName() string      { return "cases" }
func (m8CaseShare) TableName() string { return "case_shares" }

// migrate0008 gives accounts a role on cases apart from being an admin, lets cases be
// restricted and shared. Existing admins become admins and supervisors, so that no hotline
// loses sight of its cases on upgrade.
func migrate0008(tx *gorm.DB) error {
	m := tx.Migrator()
	if err := m.AddColumn(&m8User{}, "AlsoSupervisor"); err != nil {
		return err
	}
	if err := tx.Exec("UPDATE users SET also_supervisor = ? WHERE role = ?", true, "admin").Error; err != nil {
		return err
	}
	if err := m.AddColumn(&m8Case{}, "Restricted"); err != nil {
		return err
	}
	return m.CreateTable(&m8CaseShare{})
}

// m9APIToken is what migration 9 adds to api_tokens.
type m9APIToken struct {
	Role   string `gorm:"size:20;not null;default:''"`
	Prefix string `gorm:"size:16;not null;default:'';index"`
}

func (m9APIToken) TableName() string { return "api_tokens" }

// migrate0009 gives API tokens a role and a recognisable prefix. Existing tokens keep acting
// as their account did: with its role on cases (admins are supervisors since migration 8), or
// as an admin for an account with none. Their prefix is unknown (only hashes were kept): they
// are revoked by id.
func migrate0009(tx *gorm.DB) error {
	m := tx.Migrator()
	for _, col := range []string{"Role", "Prefix"} {
		if err := m.AddColumn(&m9APIToken{}, col); err != nil {
			return err
		}
	}
	return tx.Exec(`UPDATE api_tokens SET role = COALESCE((SELECT CASE
			WHEN u.role = 'admin' AND u.also_supervisor THEN 'supervisor'
			ELSE u.role END FROM users u WHERE u.id = api_tokens.user_id), 'caseworker')
		WHERE role = ''`).Error
}
