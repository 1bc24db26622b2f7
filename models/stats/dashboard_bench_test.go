package stats

import (
	"himoya/models"

	"context"
	"os"
	"sort"
	"testing"
	"time"
)

// BenchmarkDashboard measures the supervisors' dashboard and a caseworker's page on a large
// database made with
//
//	HIMOYA_DB=/tmp/big.db himoya demo -cases 1000000 -months 24
//	cp /tmp/big.db /tmp/bench.db; cp /tmp/big.key /tmp/bench.key
//	HIMOYA_BENCH_DB=/tmp/bench.db go test ./models/stats -run '^$' -bench Dashboard -benchtime 20x
//
// Open brings the copy's schema up to date first (migration 15 counts the existing calls
// once), so give it a copy. "now" is the dashboard as of the newest call; "surge" looks back
// at the second day of the demo's crisis, when the state of every case changed since then is
// rebuilt from its timeline. Skipped when HIMOYA_BENCH_DB is not set (CI has no such database).
func BenchmarkDashboard(b *testing.B) {
	path := os.Getenv("HIMOYA_BENCH_DB")
	if path == "" {
		b.Skip("set HIMOYA_BENCH_DB to a copy of a database made by himoya demo -cases 1000000")
	}
	ctx := context.Background()
	store, err := models.Open(ctx, models.Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	s := New(store)
	defer s.store.Close()
	sup := &models.User{ID: 1, Role: models.RoleSupervisor}
	var last models.Contact
	if err := s.store.ReadDB(ctx).Select("received_at").Order("received_at DESC").First(&last).Error; err != nil {
		b.Fatal(err)
	}
	now := last.ReceivedAt
	s.store.Now = func() time.Time { return now }
	var surge models.Event
	if err := s.store.ReadDB(ctx).Order("starts_on DESC").First(&surge).Error; err != nil {
		b.Fatal(err)
	}
	var worker models.User
	if err := s.store.ReadDB(ctx).Where("role = ?", models.RoleCaseworker).First(&worker).Error; err != nil {
		b.Fatal(err)
	}
	rules := DefaultDashboardRules()
	for _, tc := range []struct {
		name string
		at   time.Time
	}{
		{"now", now},
		{"an-hour-ago", now.Add(-time.Hour)},
		{"surge", surge.StartsOn.Add(36 * time.Hour)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var d *Dashboard
			took := make([]time.Duration, b.N)
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if d, err = s.Dashboard(ctx, sup, tc.at, rules); err != nil {
					b.Fatal(err)
				}
				took[i] = time.Since(t0)
			}
			reportMedian(b, took)
			b.ReportMetric(float64(d.Calls7d), "calls-7d")
			b.ReportMetric(float64(d.OpenTotal), "open")
			b.ReportMetric(float64(len(d.EarlyWarnings)), "warnings")
			if d.Surge.Active {
				b.ReportMetric(1, "surge")
			}
		})
	}
	b.Run("my-work", func(b *testing.B) {
		took := make([]time.Duration, b.N)
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if _, err := s.MyWork(ctx, &worker, now, rules); err != nil {
				b.Fatal(err)
			}
			took[i] = time.Since(t0)
		}
		reportMedian(b, took)
	})
}

// reportMedian reports the median time of the runs (ns/op is their mean, which the first,
// cold run pulls up).
func reportMedian(b *testing.B, took []time.Duration) {
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2])/1e6, "median-ms")
}
