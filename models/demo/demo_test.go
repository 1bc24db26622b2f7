package demo

import (
	"context"
	"testing"
	"time"

	"himoya/models/stats"
)

// TestDemoSurgeShowsOnTheDashboard: whatever the seed, the day of the week, the size and the
// rules, the dashboard as of the demo's SurgeAt shows a surge by those rules, and the demo's
// own surge days are what it counts (the last 24 hours are the busiest day's).
func TestDemoSurgeShowsOnTheDashboard(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2025, 3, 10, 15, 30, 0, 0, time.UTC)
	strict := stats.DashboardRules{SurgeRatio: 6, SurgeMin: 40, SurgeBaselineDays: 14}
	long := stats.DashboardRules{SurgeBaselineDays: 90} // longer than the history: zeros before it
	for seed := uint64(1); seed <= 20; seed++ {
		opts := Options{Months: 1, Cases: 60, Seed: seed, Now: base.AddDate(0, 0, int(seed))}
		switch seed % 4 {
		case 1:
			opts.Rules = strict
		case 2:
			opts.Rules = long
		case 3:
			opts.Months, opts.Cases = 2, 0 // sized by the months
		}
		s := openTest(t)
		run := func(ctx context.Context, opts Options) (*Result, error) { return Generate(ctx, s, opts) }
		if seed > 1 { // the accounts' passwords need not be hashed each time
			run = func(ctx context.Context, opts Options) (*Result, error) {
				return generate(ctx, s, opts, fakeDemoHashes)
			}
		}
		res, err := run(ctx, opts)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if seed == 4 {
			// Again over the first: the calls already there count in the rule's periods.
			opts.Force, opts.Seed, opts.Rules = true, 99, strict
			if res, err = run(ctx, opts); err != nil {
				t.Fatalf("seed %d again: %v", seed, err)
			}
		}
		if res.SurgeAt.IsZero() || !res.SurgeAt.After(res.SurgeFrom) || !res.SurgeAt.Before(res.To) {
			t.Fatalf("seed %d: surge from %v at %v, history to %v", seed, res.SurgeFrom, res.SurgeAt, res.To)
		}
		sup, err := s.UserByEmail(ctx, demoAccounts[0].Email)
		if err != nil {
			t.Fatal(err)
		}
		d, err := stats.New(s).Dashboard(ctx, sup, res.SurgeAt, opts.Rules)
		if err != nil {
			t.Fatal(err)
		}
		rules := opts.Rules.WithDefaults()
		if sg := d.Surge; !sg.Active || sg.Calls24h < rules.SurgeMin || float64(sg.Calls24h) < rules.SurgeRatio*sg.BaselineDaily {
			t.Errorf("seed %d (peak on %s; ratio %v, minimum %d, %d days): no surge as of %v: %d calls in 24 hours, baseline %.1f a day",
				seed, res.SurgeAt.Add(-time.Hour).In(s.Loc).Format("Mon 2 Jan"), rules.SurgeRatio, rules.SurgeMin, rules.SurgeBaselineDays,
				res.SurgeAt, sg.Calls24h, sg.BaselineDaily)
		}
	}
}

// fakeHash is a well-formed argon2id hash of a password nobody knows.
const fakeHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3j2mvbrvRBQcFO5UYaZD3XjlRTJWwbUPNXtM0jLTM2M"

// fakeDemoHashes stands for the demo accounts' password hashes: one that opens nothing.
func fakeDemoHashes(string) ([]string, error) {
	out := make([]string, len(demoAccounts))
	for i := range out {
		out[i] = fakeHash
	}
	return out, nil
}
