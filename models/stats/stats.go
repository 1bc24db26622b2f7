// Package stats computes what people read from the store: the hotline's reports and the
// supervisors' dashboard. It reads through models' exported entry points only; the thresholds
// it applies (a public report's smallest cell, the dashboard's rules) are passed in by the
// caller, which reads them from the configuration.
package stats

import "himoya/models"

// Stats computes reports and the dashboard from a store, through its exported entry points
// for child packages (models/children.go): its read pool, clock and time zone.
type Stats struct {
	store *models.Store
}

// New returns the statistics of a store.
func New(s *models.Store) *Stats { return &Stats{store: s} }

// Store is the store the statistics are computed from.
func (s *Stats) Store() *models.Store { return s.store }
