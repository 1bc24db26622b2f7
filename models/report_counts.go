package models

import (
	"context"
	"database/sql"
	"strconv"
	"time"
)

// Counts are the numbers the hotline reports: calls and cases, and the people affected,
// broken down by every non-identifying field. They are read from columns that retention and
// "forget this person" never touch, so erasing personal data leaves them the same (the
// retention test compares them before and after).
type Counts struct {
	Calls          int64
	Cases          int64
	PeopleAffected int64
	// CallsBy maps a dimension (e.g. "category") to its values' call counts.
	CallsBy map[string]map[string]int64
	// CasesBy maps a dimension to its values' case counts; PeopleBy to the people affected
	// in those cases.
	CasesBy  map[string]map[string]int64
	PeopleBy map[string]map[string]int64
}

// Dimensions of the counts. Months are received months in the organisation's time zone
// (YYYY-MM); "categories" counts a case once under each of its categories, "category" under
// its primary one; "document" counts document:status pairs; citizenship and language are
// the caller's ("" when no caller was recorded).
var (
	CallDimensions = []string{"category", "channel", "citizenship", "month", "with_case"}
	CaseDimensions = []string{"category", "categories", "region", "city", "citizenship", "language", "status",
		"outcome", "urgency", "perpetrator", "place_type", "event", "month", "document"}
)

// CountRange limits the counts to what was received in [From, To); zero times are open ends.
type CountRange struct {
	From, To time.Time
}

// Count computes the hotline's numbers over the calls and cases received in r. It reads the
// rows one by one (a constant amount of memory at any size) so that months can be days of the
// organisation's time zone, which SQLite cannot compute.
func (s *Store) Count(ctx context.Context, r CountRange) (*Counts, error) {
	c := &Counts{CallsBy: map[string]map[string]int64{}, CasesBy: map[string]map[string]int64{}, PeopleBy: map[string]map[string]int64{}}
	for _, d := range CallDimensions {
		c.CallsBy[d] = map[string]int64{}
	}
	for _, d := range CaseDimensions {
		c.CasesBy[d], c.PeopleBy[d] = map[string]int64{}, map[string]int64{}
	}
	db := s.rdb(ctx)
	in := func(col string) (string, []any) {
		where, args := "1=1", []any{}
		if !r.From.IsZero() {
			where, args = where+" AND "+col+" >= ?", append(args, r.From.UTC())
		}
		if !r.To.IsZero() {
			where, args = where+" AND "+col+" < ?", append(args, r.To.UTC())
		}
		return where, args
	}

	where, args := in("cases.received_at")
	rows, err := db.Raw(`SELECT cases.category, cases.region, cases.city, cases.status, cases.outcome, cases.urgency,
		cases.perpetrator, cases.place_type, COALESCE(cases.event_id, 0), cases.people_affected, cases.received_at,
		COALESCE(callers.citizenship, ''), COALESCE(callers.language, '')
		FROM cases LEFT JOIN callers ON callers.id = cases.caller_id WHERE `+where, args...).Rows()
	if err != nil {
		return nil, err
	}
	err = eachRow(rows, func() error {
		var cat, region, city, status, outcome, urgency, perp, place, cit, lang string
		var event, people int64
		var at time.Time
		if err := rows.Scan(&cat, &region, &city, &status, &outcome, &urgency, &perp, &place, &event, &people, &at, &cit, &lang); err != nil {
			return err
		}
		c.Cases++
		c.PeopleAffected += people
		ev := ""
		if event != 0 {
			ev = strconv.FormatInt(event, 10)
		}
		for d, v := range map[string]string{"category": cat, "region": region, "city": city, "status": status,
			"outcome": outcome, "urgency": urgency, "perpetrator": perp, "place_type": place, "event": ev,
			"month": at.In(s.Loc).Format("2006-01"), "citizenship": cit, "language": lang} {
			c.CasesBy[d][v]++
			c.PeopleBy[d][v] += people
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	for _, q := range []struct{ dim, sql string }{
		{"categories", `SELECT cc.code, COUNT(*), COALESCE(SUM(cases.people_affected), 0) FROM case_categories cc
			JOIN cases ON cases.id = cc.case_id WHERE ` + where + ` GROUP BY cc.code`},
		{"document", `SELECT d.document || ':' || d.status, COUNT(*), COALESCE(SUM(cases.people_affected), 0)
			FROM case_documents d JOIN cases ON cases.id = d.case_id WHERE ` + where + ` GROUP BY 1`},
	} {
		rows, err := db.Raw(q.sql, args...).Rows()
		if err != nil {
			return nil, err
		}
		err = eachRow(rows, func() error {
			var k string
			var n, people int64
			if err := rows.Scan(&k, &n, &people); err != nil {
				return err
			}
			c.CasesBy[q.dim][k], c.PeopleBy[q.dim][k] = n, people
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	where, args = in("contacts.received_at")
	rows, err = db.Raw(`SELECT contacts.category, contacts.channel, contacts.received_at, contacts.case_id IS NOT NULL,
		COALESCE(callers.citizenship, '') FROM contacts LEFT JOIN callers ON callers.id = contacts.caller_id WHERE `+where, args...).Rows()
	if err != nil {
		return nil, err
	}
	err = eachRow(rows, func() error {
		var cat, channel, cit string
		var at time.Time
		var withCase bool
		if err := rows.Scan(&cat, &channel, &at, &withCase, &cit); err != nil {
			return err
		}
		c.Calls++
		for d, v := range map[string]string{"category": cat, "channel": channel, "citizenship": cit,
			"month": at.In(s.Loc).Format("2006-01"), "with_case": strconv.FormatBool(withCase)} {
			c.CallsBy[d][v]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// eachRow calls scan for every row and closes rows.
func eachRow(rows *sql.Rows, scan func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := scan(); err != nil {
			return err
		}
	}
	return rows.Err()
}
