package models

import (
	"context"
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
