package stats

import (
	"himoya/models"

	"context"
	"os"
	"sort"
	"testing"
	"time"
)

// benchReportStore opens the large database named by HIMOYA_BENCH_DB, made with
//
//	HIMOYA_DB=/tmp/big/big.db himoya demo -cases 1000000 -months 24
//
// Opening it runs the pending migrations (migration 12 builds the report indexes) and
// exporting writes audit entries: benchmark a copy. Skipped when HIMOYA_BENCH_DB is not set
// (CI has no such database).
func benchReportStore(b *testing.B) (*Stats, *models.User) {
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
	b.Cleanup(func() { s.store.Close() })
	var sup models.User
	if err := s.store.ReadDB(ctx).Where("role = ?", models.RoleSupervisor).First(&sup).Error; err != nil {
		b.Fatal(err)
	}
	for _, bad := range reportFullScans(b, s) {
		b.Fatal(bad)
	}
	return s, &sup
}

// benchMonths are the months benchmarked: the last complete month before the newest call,
// and HIMOYA_BENCH_MONTH (e.g. a surge month) when set.
func benchMonths(b *testing.B, s *Stats) []string {
	var last models.Contact
	if err := s.store.ReadDB(context.Background()).Order("received_at DESC").Limit(1).Find(&last).Error; err != nil {
		b.Fatal(err)
	}
	n := last.ReceivedAt.In(s.store.Loc)
	months := []string{time.Date(n.Year(), n.Month()-1, 1, 0, 0, 0, 0, s.store.Loc).Format("2006-01")}
	if m := os.Getenv("HIMOYA_BENCH_MONTH"); m != "" {
		months = append(months, m)
	}
	return months
}

// BenchmarkReportMonth measures a month's report (internal and public), warm:
//
//	HIMOYA_BENCH_DB=/tmp/rbig/big.db HIMOYA_BENCH_MONTH=2026-01 \
//	  go test ./models/stats -run '^$' -bench 'Report' -benchtime 20x
func BenchmarkReportMonth(b *testing.B) {
	s, sup := benchReportStore(b)
	ctx := context.Background()
	for _, m := range benchMonths(b, s) {
		from, to, err := MonthPeriod(m)
		if err != nil {
			b.Fatal(err)
		}
		for _, public := range []bool{false, true} {
			name := m
			if public {
				name += "-public"
			}
			b.Run(name, func(b *testing.B) {
				var r *Report
				if r, err = s.Report(ctx, sup, from, to, ReportOptions{Public: public}); err != nil { // warm up
					b.Fatal(err)
				}
				b.ResetTimer()
				took := make([]float64, 0, b.N)
				for i := 0; i < b.N; i++ {
					start := time.Now()
					if r, err = s.Report(ctx, sup, from, to, ReportOptions{Public: public}); err != nil {
						b.Fatal(err)
					}
					took = append(took, float64(time.Since(start).Microseconds())/1000)
				}
				b.ReportMetric(medianMS(took), "median-ms")
				b.ReportMetric(float64(r.Calls), "calls")
				b.ReportMetric(float64(r.Cases), "cases")
			})
		}
	}
}

// medianMS is the median of durations in milliseconds.
func medianMS(ms []float64) float64 {
	sort.Float64s(ms)
	if len(ms)%2 == 1 {
		return ms[len(ms)/2]
	}
	return (ms[len(ms)/2-1] + ms[len(ms)/2]) / 2
}
