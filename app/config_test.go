package app

import (
	"strings"
	"testing"
	"time"

	"himoya/models/stats"
)

// TestDashboardRulesFromEnv: the rules come from the environment, with defaults.
func TestDashboardRulesFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	r, err := dashboardRulesFromEnv(env(nil))
	if err != nil || r != stats.DefaultDashboardRules() {
		t.Errorf("defaults: %+v %v", r, err)
	}
	r, err = dashboardRulesFromEnv(env(map[string]string{"HIMOYA_SLA_CRITICAL": "30m", "HIMOYA_SLA_HIGH": "2h",
		"HIMOYA_SLA_NEW": "12h", "HIMOYA_SURGE_RATIO": "2.5", "HIMOYA_SURGE_MIN": "50", "HIMOYA_BURST_WINDOW": "6h",
		"HIMOYA_BURST_MIN": "8", "HIMOYA_BURST_RATIO": "4", "HIMOYA_SURGE_DAYS": "14"}))
	want := stats.DashboardRules{CriticalWithin: 30 * time.Minute, HighWithin: 2 * time.Hour, NewWithin: 12 * time.Hour,
		SurgeRatio: 2.5, SurgeMin: 50, SurgeBaselineDays: 14, BurstWindow: 6 * time.Hour, BurstMin: 8, BurstRatio: 4}
	if err != nil || r != want {
		t.Errorf("set: %+v %v", r, err)
	}
	for k, v := range map[string]string{"HIMOYA_SLA_CRITICAL": "soon", "HIMOYA_SLA_HIGH": "-1h", "HIMOYA_SURGE_RATIO": "0.5",
		"HIMOYA_SURGE_MIN": "x", "HIMOYA_BURST_MIN": "0", "HIMOYA_SURGE_DAYS": "400"} {
		if _, err := dashboardRulesFromEnv(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}
