package models

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCreateCase measures saving one call that opens a case (one write transaction:
// caller, case, categories, contact, timeline), with the durability himoya uses (FULL) and,
// for comparison, with NORMAL, which can lose the last commits when the machine crashes.
func BenchmarkCreateCase(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("synchronous="+sync, func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "bench.db")})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if err := s.db.Exec("PRAGMA synchronous = " + sync).Error; err != nil {
				b.Fatal(err)
			}
			u, err := s.CreateUser(ctx, UserInput{Email: "cw@example.org", Role: RoleCaseworker, Password: "correct horse battery"})
			if err != nil {
				b.Fatal(err)
			}
			in := IntakeInput{Channel: "phone", Caller: CallerInput{Name: "Farkhat", Phone: "+992931234567", Citizenship: "TJ"},
				CaseFields: CaseFields{Category: "illegal_detention", Categories: []string{"document_destruction"},
					Summary: "Detained at the market; permit torn during questioning.", Region: "RU-MOW", Urgency: "critical"}}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.CreateCase(ctx, u, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSearchLargeDatabase measures text search (summaries and names are sealed, so they
// are opened and matched in the application) on a large database made with
//
//	HIMOYA_DB=/tmp/big.db himoya demo -cases 1000000 -months 24
//	HIMOYA_BENCH_DB=/tmp/big.db go test ./models -run '^$' -bench SearchLargeDatabase -benchtime 5x
//
// It is skipped when HIMOYA_BENCH_DB is not set (CI has no such database).
func BenchmarkSearchLargeDatabase(b *testing.B) {
	path := os.Getenv("HIMOYA_BENCH_DB")
	if path == "" {
		b.Skip("set HIMOYA_BENCH_DB to a database made by himoya demo -cases 1000000")
	}
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sup := &User{ID: 1, Role: RoleSupervisor}
	var last Case
	if err := s.rdb(ctx).Order("received_at DESC").First(&last).Error; err != nil {
		b.Fatal(err)
	}
	month := last.ReceivedAt.In(s.Loc).AddDate(0, -1, 0)
	from, to := month.Format("2006-01-02"), last.ReceivedAt.In(s.Loc).Format("2006-01-02")
	for _, tc := range []struct {
		name string
		f    CaseFilter
	}{
		{"all-cases-capped", CaseFilter{Q: "dormitory"}},
		{"last-month", CaseFilter{Q: "dormitory", From: from, To: to}},
		{"last-month-one-region", CaseFilter{Q: "dormitory", From: from, To: to, Region: "RU-MOW"}},
		{"open-critical", CaseFilter{Q: "dormitory", Open: true, Urgency: "critical"}},
		{"no-text-last-month", CaseFilter{From: from, To: to}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var p *CasePage
			for i := 0; i < b.N; i++ {
				if p, err = s.ListCases(ctx, sup, tc.f); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.Total), "matches")
		})
	}
}

// BenchmarkIntakeWithListReads measures calls saved while colleagues read lists, each read
// leaving its audit entry (a short write transaction of its own): "alone" saves calls from 4
// goroutines; "with-reads" adds 4 goroutines that read one list page per call saved, at the
// same time. ns/op is the time per call saved (and, with reads, per list read too).
// Compare ns/op of the two in one run.
//
//	go test ./models -run '^$' -bench IntakeWithListReads -benchtime 400x
func BenchmarkIntakeWithListReads(b *testing.B) {
	for _, readers := range []int{0, 4} {
		name := "alone"
		if readers > 0 {
			name = "with-reads"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "bench.db")})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			u, err := s.CreateUser(ctx, UserInput{Email: "cw@example.org", Role: RoleCaseworker, Password: "correct horse battery"})
			if err != nil {
				b.Fatal(err)
			}
			in := IntakeInput{Channel: "phone", Caller: CallerInput{Name: "Farkhat", Phone: "+992931234567", Citizenship: "TJ"},
				CaseFields: CaseFields{Category: "illegal_detention", Summary: "Detained at the market.", Region: "RU-MOW", Urgency: "critical"}}
			work := make(chan struct{}, b.N)
			for i := 0; i < b.N; i++ {
				work <- struct{}{}
			}
			close(work)
			done := make(chan error, 8)
			b.ResetTimer()
			for w := 0; w < 4; w++ {
				go func() {
					for range work {
						if _, err := s.CreateCase(ctx, u, in); err != nil {
							done <- err
							return
						}
					}
					done <- nil
				}()
			}
			reads := make(chan error, readers)
			listWork := make(chan struct{}, b.N)
			for i := 0; i < b.N && readers > 0; i++ {
				listWork <- struct{}{}
			}
			close(listWork)
			for r := 0; r < readers; r++ {
				go func() {
					for range listWork {
						if _, err := s.ListCases(ctx, u, CaseFilter{Open: true}); err != nil {
							reads <- err
							return
						}
					}
					reads <- nil
				}()
			}
			for w := 0; w < 4; w++ {
				if err := <-done; err != nil {
					b.Fatal(err)
				}
			}
			for r := 0; r < readers; r++ {
				if err := <-reads; err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
