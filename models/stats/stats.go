// Package stats computes what people read from the store: the hotline's reports and the
// supervisors' dashboard. It reads through models' exported entry points only; the thresholds
// it applies (a public report's smallest cell, the dashboard's rules) are passed in by the
// caller, which reads them from the configuration.
package stats

import "himoya/models"

// Stats computes reports and the dashboard from a store. It embeds the store so that the
// code that computes reads the store's clock and time zone as the store does.
type Stats struct {
	*models.Store
}

// New returns the statistics of a store.
func New(s *models.Store) *Stats { return &Stats{Store: s} }
