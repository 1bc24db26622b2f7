package demo

import (
	"himoya/models"

	"context"
	"strings"
	"testing"
	"time"
)

// TestDemoBulkLoadRestoresIndexesAndCounts: the demo sets indexes and triggers aside while it
// loads an empty database; afterwards the schema is as before and the call counts are right.
func TestDemoBulkLoadRestoresIndexesAndCounts(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	schema := func() string {
		var names []string
		if err := s.ReadDB(ctx).Raw("SELECT type || ' ' || name FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY 1").Scan(&names).Error; err != nil {
			t.Fatal(err)
		}
		return strings.Join(names, "\n")
	}
	before := schema()
	if _, err := Generate(ctx, s, Options{Months: 1, Seed: 7, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if after := schema(); after != before {
		t.Fatalf("indexes and triggers after the demo:\n%s\nbefore:\n%s", after, before)
	}
	counts := func() (contacts, hours, regionHours int64) {
		s.ReadDB(ctx).Raw("SELECT COUNT(*) FROM contacts").Scan(&contacts)
		s.ReadDB(ctx).Raw("SELECT COALESCE(SUM(calls), 0) FROM call_hours").Scan(&hours)
		s.ReadDB(ctx).Raw("SELECT COALESCE(SUM(calls), 0) FROM call_region_hours").Scan(&regionHours)
		return
	}
	c, h, r := counts()
	if c == 0 || h != c || r != c {
		t.Fatalf("after the demo: %d calls, %d in call_hours, %d in call_region_hours", c, h, r)
	}
	// The triggers work again: a new call is counted.
	u := mkUser(t, s, "cw@example.org", models.RoleCaseworker)
	mkCase(t, s, u)
	c2, h2, r2 := counts()
	if c2 != c+1 || h2 != h+1 || r2 != r+1 {
		t.Fatalf("a call after the demo: %d/%d/%d, want %d", c2, h2, r2, c+1)
	}
}
