package models

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
)

// The entry points in this file are for models' child packages (models/stats, models/demo),
// which compute from the store or fill it without reaching into its internals. Handlers call
// the store's own methods, never these.

// ReadDB is the pool of read-only connections, for models' child packages that compute
// from the store (reports, the dashboard). What it reads is not audited: callers check the
// user's role before they read and record what they show.
func (s *Store) ReadDB(ctx context.Context) *gorm.DB { return s.rdb(ctx) }

// UTCNow is the store's clock in UTC, for models' child packages, so that they read the same
// time as the store (tests replace Store.Now).
func (s *Store) UTCNow() time.Time { return s.now() }

// RecordExport writes the audit entry of a file exported by u (a report), for models' child
// packages that compute what is exported. detail says what was exported, without personal
// data.
func (s *Store) RecordExport(ctx context.Context, u *User, detail string) error {
	return s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		return s.audit(tx, Audit{Actor: u, Action: AuditExport, Detail: detail})
	})
}

// LoadTaxonomy reads the terms of the taxonomy within tx, for models' child packages that
// read the taxonomy in the same transaction as their counts.
func LoadTaxonomy(tx *gorm.DB) (*Taxonomy, error) { return loadTaxonomy(tx) }

// Visible limits a query on cases to those u may see (the need-to-see rule in SQL), for
// models' child packages.
func Visible(u *User) func(*gorm.DB) *gorm.DB { return visible(u) }

// ParseTime reads an RFC 3339 time, or a local "2006-01-02T15:04" as an HTML form sends it
// (read in loc), as the intake does; for models' child packages.
func ParseTime(v string, loc *time.Location) (time.Time, bool) { return parseTime(v, loc) }

// EachRow calls scan for every row and closes rows, for models' child packages.
func EachRow(rows *sql.Rows, scan func() error) error { return eachRow(rows, scan) }

// HashPassword hashes a password as accounts' passwords are hashed, for the demo generator
// (models/demo), which writes its accounts in bulk.
func (s *Store) HashPassword(pw string) (string, error) { return s.hashPassword(pw) }

// PhoneIndex is the blind index of a phone number under the store's keys, for the demo
// generator (models/demo), which writes callers in bulk.
func (s *Store) PhoneIndex(phone string) string { return phoneIndex(s.keys, phone) }

// StoredRole is how role r is stored in an account (a role and whether an admin also
// supervises), for the demo generator (models/demo), which writes its accounts in bulk.
func StoredRole(r Role) (stored Role, alsoSupervisor bool) { return r.stored() }

// Has tells whether the taxonomy has an active term code of kind k, for models' child
// packages.
func (t *Taxonomy) Has(k TermKind, code string) bool { return t.has(k, code, "") }

// MayMove tells whether u may move case c to status to, by the workflow's rules, and returns
// the rule; for the demo generator (models/demo), which writes timelines in bulk that must
// be ones the workflow allows.
func MayMove(u *User, c *Case, to Status) (Rule, bool) {
	r, ok := rule(c.Status, to)
	if !ok || !mayMove(u, c, r) {
		return Rule{}, false
	}
	return r, true
}
