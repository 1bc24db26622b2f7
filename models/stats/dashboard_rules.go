package stats

import (
	"himoya/models"

	"fmt"
	"strconv"
	"strings"
	"time"
)

// DashboardRules are the thresholds of the supervisors' dashboard: when a case is overdue,
// when the volume of calls is a surge, and when one region's burst of one category is an early
// warning. The zero value of a field means its default (DefaultDashboardRules).
type DashboardRules struct {
	// CriticalWithin, HighWithin and NewWithin are how soon after the call a critical case, a
	// high-urgency case and every case must have someone assigned to it.
	CriticalWithin time.Duration
	HighWithin     time.Duration
	NewWithin      time.Duration
	// A surge is SurgeMin calls or more in the last 24 hours, and at least SurgeRatio times
	// the median of the calls of each of the SurgeBaselineDays 24-hour periods before them.
	SurgeRatio        float64
	SurgeMin          int
	SurgeBaselineDays int
	// An early warning is BurstMin calls or more of one category from one region within
	// BurstWindow, and at least BurstRatio times that region and category's usual number of
	// calls in the same hours of the day, averaged over the SurgeBaselineDays before.
	BurstWindow time.Duration
	BurstMin    int
	BurstRatio  float64
}

// DefaultDashboardRules are the rules when nothing is configured.
func DefaultDashboardRules() DashboardRules {
	return DashboardRules{
		CriticalWithin: time.Hour, HighWithin: 4 * time.Hour, NewWithin: 24 * time.Hour,
		SurgeRatio: 3, SurgeMin: 20, SurgeBaselineDays: 28,
		BurstWindow: 3 * time.Hour, BurstMin: 5, BurstRatio: 3,
	}
}

// WithDefaults fills the fields left at zero.
func (r DashboardRules) WithDefaults() DashboardRules {
	d := DefaultDashboardRules()
	if r.CriticalWithin <= 0 {
		r.CriticalWithin = d.CriticalWithin
	}
	if r.HighWithin <= 0 {
		r.HighWithin = d.HighWithin
	}
	if r.NewWithin <= 0 {
		r.NewWithin = d.NewWithin
	}
	if r.SurgeRatio <= 0 {
		r.SurgeRatio = d.SurgeRatio
	}
	if r.SurgeMin <= 0 {
		r.SurgeMin = d.SurgeMin
	}
	if r.SurgeBaselineDays <= 0 {
		r.SurgeBaselineDays = d.SurgeBaselineDays
	}
	if r.BurstWindow <= 0 {
		r.BurstWindow = d.BurstWindow
	}
	if r.BurstMin <= 0 {
		r.BurstMin = d.BurstMin
	}
	if r.BurstRatio <= 0 {
		r.BurstRatio = d.BurstRatio
	}
	return r
}

// Deadline is how soon after the call a case of urgency u must be assigned.
func (r DashboardRules) Deadline(u models.Urgency) time.Duration {
	r = r.WithDefaults()
	d := r.NewWithin
	switch u {
	case models.UrgencyCritical:
		d = min(d, r.CriticalWithin)
	case models.UrgencyHigh:
		d = min(d, r.HighWithin)
	}
	return d
}

// RulesText states the rules as the dashboard prints them.
type RulesText struct {
	Overdue      string
	Surge        string
	EarlyWarning string
	// MyWork is the rule of the caseworkers' own overdue cases.
	MyWork string
}

// Text states the rules in words, with their current thresholds.
func (r DashboardRules) Text() RulesText {
	r = r.WithDefaults()
	return RulesText{
		Overdue: fmt.Sprintf("A case is overdue when nobody is assigned to it %s after the call if it is critical, "+
			"%s after if it is high, and %s after for every case.",
			HumanDuration(r.CriticalWithin), HumanDuration(r.HighWithin), HumanDuration(r.NewWithin)),
		Surge: fmt.Sprintf("A surge is %d calls or more in the last 24 hours, and at least %s times the median number of "+
			"calls per 24 hours over the %d days before them.", r.SurgeMin, trimFloat(r.SurgeRatio), r.SurgeBaselineDays),
		EarlyWarning: fmt.Sprintf("An early warning is %d calls or more about one category from one region within the last %s, "+
			"and at least %s times what that region usually has of that category in the same hours of the day "+
			"(the mean of the %d days before). A call's region is its case's region; calls without a case have none.",
			r.BurstMin, HumanDuration(r.BurstWindow), trimFloat(r.BurstRatio), r.SurgeBaselineDays),
		MyWork: fmt.Sprintf("Your case is overdue when work on it has not started (it is still \"assigned\") %s after "+
			"the call if it is critical, %s if high, %s for every case.",
			HumanDuration(r.CriticalWithin), HumanDuration(r.HighWithin), HumanDuration(r.NewWithin)),
	}
}

// HumanDuration writes a duration the way people say it: "1 h", "90 min", "2 days 3 h".
func HumanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	switch {
	case days > 0:
		parts = append(parts, plural(days, "day"))
		if hours > 0 {
			parts = append(parts, strconv.Itoa(hours)+" h")
		}
	case hours > 0 && mins == 0:
		parts = append(parts, strconv.Itoa(hours)+" h")
	case hours > 0:
		parts = append(parts, strconv.Itoa(hours)+" h", strconv.Itoa(mins)+" min")
	default:
		parts = append(parts, strconv.Itoa(mins)+" min")
	}
	return strings.Join(parts, " ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
