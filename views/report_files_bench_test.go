package views

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"himoya/models"
	"himoya/models/stats"
)

// benchReportStore opens the database of HIMOYA_BENCH_DB, made with
//
//	HIMOYA_DB=/tmp/big/big.db himoya demo -cases 1000000 -months 24
//
// exporting writes audit entries: benchmark a copy. Skipped when HIMOYA_BENCH_DB is not set
// (CI has no such database).
func benchReportStore(b *testing.B) (*stats.Stats, *models.User) {
	path := os.Getenv("HIMOYA_BENCH_DB")
	if path == "" {
		b.Skip("set HIMOYA_BENCH_DB to a copy of a database made by himoya demo -cases 1000000")
	}
	ctx := context.Background()
	store, err := models.Open(ctx, models.Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	var sup models.User
	if err := store.ReadDB(ctx).Where("role = ?", models.RoleSupervisor).First(&sup).Error; err != nil {
		b.Fatal(err)
	}
	return stats.New(store), &sup
}

// benchMonths are the months benchmarked: the last complete month before the newest call,
// and HIMOYA_BENCH_MONTH (e.g. a surge month) when set.
func benchMonths(b *testing.B, s *stats.Stats) []string {
	var last models.Contact
	if err := s.Store().ReadDB(context.Background()).Order("received_at DESC").Limit(1).Find(&last).Error; err != nil {
		b.Fatal(err)
	}
	n := last.ReceivedAt.In(s.Store().Loc)
	months := []string{time.Date(n.Year(), n.Month()-1, 1, 0, 0, 0, 0, s.Store().Loc).Format("2006-01")}
	if m := os.Getenv("HIMOYA_BENCH_MONTH"); m != "" {
		months = append(months, m)
	}
	return months
}

// BenchmarkReportExport measures a month's export in each format, as the download button
// gets it: the report, the file and the audit entry.
func BenchmarkReportExport(b *testing.B) {
	s, sup := benchReportStore(b)
	ctx := context.Background()
	for _, m := range benchMonths(b, s) {
		from, to, err := stats.MonthPeriod(m)
		if err != nil {
			b.Fatal(err)
		}
		for _, format := range []string{"xlsx", "pdf", "csv"} {
			b.Run(m+"-"+format, func(b *testing.B) {
				var f *stats.ReportFile
				took := make([]float64, 0, b.N)
				for i := 0; i < b.N; i++ {
					start := time.Now()
					if f, err = s.ExportReport(ctx, sup, from, to, stats.ReportOptions{}, format, ReportFiles); err != nil {
						b.Fatal(err)
					}
					took = append(took, float64(time.Since(start).Microseconds())/1000)
				}
				b.ReportMetric(medianMS(took), "median-ms")
				b.ReportMetric(float64(len(f.Data)), "bytes")
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
