package demo

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestCallCitizenshipHoursKeptInStep: the hourly counts of calls by caller citizenship that
// reports read (migration 17) equal a count of the calls themselves after the demo's bulk
// load and after every kind of write that changes a call's hour or caller, or a caller's
// citizenship.
func TestCallCitizenshipHoursKeptInStep(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := Generate(ctx, s, Options{Months: 1, Seed: 3, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	dump := func(q string) string {
		var rows []struct {
			Hour        int64
			Citizenship string
			Calls       int
		}
		if err := s.ReadDB(ctx).Raw(q).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, r := range rows {
			fmt.Fprintf(&b, "%d %q %d\n", r.Hour, r.Citizenship, r.Calls)
		}
		return b.String()
	}
	check := func(after string) {
		t.Helper()
		kept := dump(`SELECT hour, citizenship, calls FROM call_citizenship_hours WHERE calls <> 0 ORDER BY 1, 2`)
		counted := dump(`SELECT ` + callHour("ct.received_at") + ` AS hour, COALESCE(cl.citizenship, '') AS citizenship,
			COUNT(*) AS calls FROM contacts ct LEFT JOIN callers cl ON cl.id = ct.caller_id GROUP BY 1, 2 ORDER BY 1, 2`)
		if kept == "" || kept != counted {
			t.Fatalf("after %s: call_citizenship_hours\n%s\nthe calls\n%s", after, kept, counted)
		}
	}
	check("the demo")
	var ids struct{ A, B, C int64 }
	err := s.ReadDB(ctx).Raw(`SELECT (SELECT caller_id FROM contacts WHERE caller_id IS NOT NULL ORDER BY id LIMIT 1) AS a,
		(SELECT caller_id FROM contacts WHERE caller_id IS NOT NULL ORDER BY id DESC LIMIT 1) AS b,
		(SELECT id FROM contacts WHERE caller_id IS NOT NULL ORDER BY id LIMIT 1 OFFSET 5) AS c`).Scan(&ids).Error
	if err != nil || ids.A == ids.B {
		t.Fatalf("callers %+v: %v", ids, err)
	}
	for _, w := range []struct{ what, sql string }{
		{"a caller's new citizenship", fmt.Sprintf(`UPDATE callers SET citizenship = 'XX' WHERE id = %d`, ids.A)},
		{"no citizenship", fmt.Sprintf(`UPDATE callers SET citizenship = '' WHERE id = %d`, ids.B)},
		{"a call moved to another caller", fmt.Sprintf(`UPDATE contacts SET caller_id = %d WHERE id = %d`, ids.B, ids.C)},
		{"a call without its caller", fmt.Sprintf(`UPDATE contacts SET caller_id = NULL WHERE id = (SELECT MAX(id) FROM contacts WHERE caller_id = %d)`, ids.A)},
		{"a call moved in time", fmt.Sprintf(`UPDATE contacts SET received_at = '2020-05-01 10:30:00+00:00' WHERE id = %d`, ids.C)},
		{"a new call", fmt.Sprintf(`INSERT INTO contacts(caller_id, channel, received_at, taken_by_id, category, created_at)
			SELECT %d, channel, received_at, taken_by_id, category, created_at FROM contacts WHERE id = %d`, ids.A, ids.C)},
		{"a deleted call", fmt.Sprintf(`DELETE FROM contacts WHERE id = %d`, ids.C)},
		{"the caller's citizenship back", fmt.Sprintf(`UPDATE callers SET citizenship = 'TJ' WHERE id = %d`, ids.A)},
		{"a deleted caller", fmt.Sprintf(`DELETE FROM callers WHERE id = %d`, ids.A)},
	} {
		if err := rawDB(t, s).Exec(w.sql).Error; err != nil {
			t.Fatalf("%s: %v", w.what, err)
		}
		check(w.what)
	}
}
