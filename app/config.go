// Package app wires himoya together: configuration, the database, the Fiber application
// with its route table, middleware and error handler, and the command-line sub-commands.
package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the organisation's time zone must load on machines without zoneinfo

	"himoya/models"
	"himoya/models/stats"
)

// Config is what the environment sets.
type Config struct {
	Addr string         // HIMOYA_ADDR
	DB   string         // HIMOYA_DB
	Loc  *time.Location // HIMOYA_TZ
	// KeyFile (HIMOYA_KEY_FILE) holds the keys that seal personal data; by default the
	// database's path with ".key". Key (HIMOYA_KEY), when set, is the key file's content
	// itself, for deployments that pass secrets through the environment.
	KeyFile string
	Key     string
	// TwoFactorFrom (HIMOYA_2FA_REQUIRED) is who must log in with a second factor:
	// "supervisor" (the default: supervisors and admins), "everyone", "admin" or "none".
	TwoFactorFrom models.Role
	// RetentionMonths (HIMOYA_RETENTION_MONTHS, default 24): the personal data of a case is
	// erased this many months after it was closed.
	RetentionMonths int
	// MinCell (HIMOYA_MIN_CELL, default 5) is the smallest count a public report shows:
	// counts from 1 to MinCell-1 are withheld.
	MinCell int
	// Dashboard holds the dashboard's rules: HIMOYA_SLA_CRITICAL (1h), HIMOYA_SLA_HIGH (4h),
	// HIMOYA_SLA_NEW (24h), HIMOYA_SURGE_RATIO (3), HIMOYA_SURGE_MIN (20), HIMOYA_SURGE_DAYS
	// (28), HIMOYA_BURST_WINDOW (3h), HIMOYA_BURST_MIN (5), HIMOYA_BURST_RATIO (3).
	Dashboard stats.DashboardRules
}

// loadConfig reads the configuration from the environment, with the documented defaults.
func loadConfig(getenv func(string) string) (Config, error) {
	c := Config{Addr: "127.0.0.1:8080", DB: "himoya.db", RetentionMonths: models.DefaultRetentionMonths}
	if v := getenv("HIMOYA_ADDR"); v != "" {
		c.Addr = v
	}
	if v := getenv("HIMOYA_DB"); v != "" {
		c.DB = v
	}
	if v := getenv("HIMOYA_RETENTION_MONTHS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1200 {
			return c, fmt.Errorf("HIMOYA_RETENTION_MONTHS: use a whole number of months from 1 to 1200, not %q", v)
		}
		c.RetentionMonths = n
	}
	switch v := getenv("HIMOYA_2FA_REQUIRED"); v {
	case "", "supervisor":
		c.TwoFactorFrom = models.RoleSupervisor
	case "everyone":
		c.TwoFactorFrom = models.RoleCaseworker
	case "admin", "none":
		c.TwoFactorFrom = models.Role(v)
	default:
		return c, fmt.Errorf("HIMOYA_2FA_REQUIRED: use supervisor, everyone, admin or none, not %q", v)
	}
	c.MinCell = stats.DefaultMinCell
	if v := getenv("HIMOYA_MIN_CELL"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 100 {
			return c, fmt.Errorf("HIMOYA_MIN_CELL: use a whole number from 2 to 100, not %q", v)
		}
		c.MinCell = n
	}
	rules, err := dashboardRulesFromEnv(getenv)
	if err != nil {
		return c, err
	}
	c.Dashboard = rules
	c.KeyFile = getenv("HIMOYA_KEY_FILE")
	c.Key = getenv("HIMOYA_KEY")
	tz := "Europe/Moscow"
	if v := getenv("HIMOYA_TZ"); v != "" {
		tz = v
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return c, fmt.Errorf("HIMOYA_TZ: unknown time zone %q", tz)
	}
	c.Loc = loc
	return c, nil
}

// dashboardRulesFromEnv reads the rules from the environment: HIMOYA_SLA_CRITICAL (1h),
// HIMOYA_SLA_HIGH (4h), HIMOYA_SLA_NEW (24h), HIMOYA_SURGE_RATIO (3), HIMOYA_SURGE_MIN (20),
// HIMOYA_SURGE_DAYS (28), HIMOYA_BURST_WINDOW (3h), HIMOYA_BURST_MIN (5) and
// HIMOYA_BURST_RATIO (3). Unset variables keep their defaults; a malformed one is an error
// naming the variable.
func dashboardRulesFromEnv(getenv func(string) string) (stats.DashboardRules, error) {
	r := stats.DefaultDashboardRules()
	durations := []struct {
		name string
		dst  *time.Duration
	}{
		{"HIMOYA_SLA_CRITICAL", &r.CriticalWithin}, {"HIMOYA_SLA_HIGH", &r.HighWithin},
		{"HIMOYA_SLA_NEW", &r.NewWithin}, {"HIMOYA_BURST_WINDOW", &r.BurstWindow},
	}
	for _, d := range durations {
		v := strings.TrimSpace(getenv(d.name))
		if v == "" {
			continue
		}
		x, err := time.ParseDuration(v)
		if err != nil || x <= 0 {
			return r, fmt.Errorf("%s: use a positive duration like 90m or 4h", d.name)
		}
		*d.dst = x
	}
	ints := []struct {
		name string
		dst  *int
	}{{"HIMOYA_SURGE_MIN", &r.SurgeMin}, {"HIMOYA_SURGE_DAYS", &r.SurgeBaselineDays}, {"HIMOYA_BURST_MIN", &r.BurstMin}}
	for _, d := range ints {
		v := strings.TrimSpace(getenv(d.name))
		if v == "" {
			continue
		}
		x, err := strconv.Atoi(v)
		if err != nil || x < 1 || x > 1_000_000 {
			return r, fmt.Errorf("%s: use a whole number from 1", d.name)
		}
		*d.dst = x
	}
	floats := []struct {
		name string
		dst  *float64
	}{{"HIMOYA_SURGE_RATIO", &r.SurgeRatio}, {"HIMOYA_BURST_RATIO", &r.BurstRatio}}
	for _, d := range floats {
		v := strings.TrimSpace(getenv(d.name))
		if v == "" {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || !(x >= 1 && x <= 1000) {
			return r, fmt.Errorf("%s: use a number from 1, like 3 or 2.5", d.name)
		}
		*d.dst = x
	}
	if r.SurgeBaselineDays > 366 {
		return r, fmt.Errorf("HIMOYA_SURGE_DAYS: use at most 366 days")
	}
	return r, nil
}
