package models

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// The report's queries. Each reads a range of an index made for it (migration 12), never a
// whole table (TestReportQueriesUseIndexes checks their plans). INDEXED BY names the narrow
// covering indexes SQLite would otherwise pass over for the table itself, whose rows carry
// sealed text and are many times wider.
const (
	// Calls of one category and channel: one range of the index per pair, counted without
	// reading a row. Grouping the period's calls instead sorts them all, ten times slower.
	sqlCallsPairs = `SELECT cat, ch, (SELECT COUNT(*) FROM contacts INDEXED BY idx_contacts_report_pairs
			WHERE category = k.cat AND channel = k.ch AND received_at >= ? AND received_at < ?)
		FROM k`
	// The same, for codes the taxonomy does not have (never, unless someone edits the
	// database by hand): used only when the pairs do not add up to all calls.
	sqlCallsByCategoryChannel = `SELECT category, channel, COUNT(*) FROM contacts
		WHERE received_at >= ? AND received_at < ? GROUP BY category, channel`
	sqlCallsByCitizenship = `SELECT COALESCE(cl.citizenship, ''), COUNT(*)
		FROM contacts AS ct INDEXED BY idx_contacts_report_callers
		LEFT JOIN callers AS cl INDEXED BY idx_callers_report ON cl.id = ct.caller_id
		WHERE ct.received_at >= ? AND ct.received_at < ? GROUP BY 1`
	sqlCasesByFields = `SELECT region, perpetrator, COALESCE(event_id, 0), COUNT(*), COALESCE(SUM(people_affected), 0)
		FROM cases INDEXED BY idx_cases_report WHERE received_at >= ? AND received_at < ? GROUP BY 1, 2, 3`
	sqlCasesByCategory = `SELECT cc.code, COUNT(*), COALESCE(SUM(c.people_affected), 0)
		FROM cases AS c INDEXED BY idx_cases_report JOIN case_categories cc ON cc.case_id = c.id
		WHERE c.received_at >= ? AND c.received_at < ? GROUP BY cc.code`
	sqlCasesByCitizenship = `SELECT COALESCE(cl.citizenship, ''), COUNT(*), COALESCE(SUM(c.people_affected), 0)
		FROM cases AS c INDEXED BY idx_cases_report
		LEFT JOIN callers AS cl INDEXED BY idx_callers_report ON cl.id = c.caller_id
		WHERE c.received_at >= ? AND c.received_at < ? GROUP BY 1`
	// The status at the end of the period is the last status the timeline reached before it
	// ended (a case whose opening was recorded after the end counts as new), read with its
	// outcome from one entry of the index; for the cases then closed, the outcome is that of
	// their last resolution before the end. The application splits status and outcome.
	sqlCasesAtEnd = `WITH x AS MATERIALIZED (
			SELECT c.id, c.people_affected AS pa,
				(SELECT e.to_status || ':' || e.outcome FROM case_entries AS e INDEXED BY idx_case_entries_report_status
				 WHERE e.case_id = c.id AND e.at < ? AND e.to_status <> '' ORDER BY e.at DESC LIMIT 1) AS last
			FROM cases AS c INDEXED BY idx_cases_report WHERE c.received_at >= ? AND c.received_at < ?),
		y AS MATERIALIZED (
			SELECT COALESCE(last, 'new:') AS last, CASE WHEN last LIKE 'closed:%' THEN COALESCE(
				(SELECT e.outcome FROM case_entries AS e INDEXED BY idx_case_entries_report_status
				 WHERE e.case_id = x.id AND e.at < ? AND e.to_status = 'resolved' ORDER BY e.at DESC LIMIT 1), '')
				ELSE '' END AS closed_outcome, pa
			FROM x)
		SELECT last, closed_outcome, COUNT(*), COALESCE(SUM(pa), 0) FROM y GROUP BY 1, 2`
	// A case is assigned once (only new moves to assigned). julianday reads the stored times.
	sqlAssignTimes = `SELECT c.urgency, (julianday(e.at) - julianday(c.received_at)) * 86400.0
		FROM case_entries AS e INDEXED BY idx_case_entries_report_moves
		JOIN cases AS c INDEXED BY idx_cases_report_times ON c.id = e.case_id
		WHERE e.to_status = 'assigned' AND e.at >= ? AND e.at < ?`
	// A case can be resolved twice in a period (reopened): the application keeps its first.
	sqlResolveTimes = `SELECT e.case_id, c.urgency, (julianday(e.at) - julianday(c.received_at)) * 86400.0
		FROM case_entries AS e INDEXED BY idx_case_entries_report_moves
		JOIN cases AS c INDEXED BY idx_cases_report_times ON c.id = e.case_id
		WHERE e.to_status = 'resolved' AND e.at >= ? AND e.at < ? ORDER BY e.at`
	sqlCountCalls = `SELECT COUNT(*) FROM contacts INDEXED BY idx_contacts_report_callers
		WHERE received_at >= ? AND received_at < ?`
	sqlCountCases = `SELECT COUNT(*), COALESCE(SUM(people_affected), 0) FROM cases INDEXED BY idx_cases_report
		WHERE received_at >= ? AND received_at < ?`
	sqlCountResolved = `SELECT COUNT(DISTINCT case_id) FROM case_entries INDEXED BY idx_case_entries_report_moves
		WHERE to_status = 'resolved' AND at >= ? AND at < ?`
	// writeMark changes whenever anything a report counts is written: every such write adds
	// a call, a case, a timeline entry, a caller or an audit entry. Each is the largest id of
	// its table, read from the end of its primary key.
	sqlWriteMark = `SELECT COALESCE((SELECT MAX(id) FROM contacts), 0) || '/' || COALESCE((SELECT MAX(id) FROM cases), 0)
		|| '/' || COALESCE((SELECT MAX(id) FROM case_entries), 0) || '/' || COALESCE((SELECT MAX(id) FROM callers), 0)
		|| '/' || COALESCE((SELECT MAX(id) FROM audit_entries), 0)`
)

// sqlPairs lists the category and channel pairs to count, as a WITH clause.
func sqlPairs(n int) string {
	return "WITH k(cat, ch) AS (VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ") + ") " + sqlCallsPairs
}

// sqlPerDay counts the calls and cases of each day, one index range per day: days are days
// of the organisation's time zone, whose offset SQLite does not know.
func sqlPerDay(n int) string {
	return "WITH days(d, a, b) AS (VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", n), ", ") + `) SELECT d,
		(SELECT COUNT(*) FROM contacts INDEXED BY idx_contacts_report_callers WHERE received_at >= days.a AND received_at < days.b),
		(SELECT COUNT(*) FROM cases INDEXED BY idx_cases_report WHERE received_at >= days.a AND received_at < days.b)
		FROM days ORDER BY d`
}

// reportQueries lists every query a report runs (with two pairs and two days).
func reportQueries() []string {
	return []string{sqlPairs(2), sqlCallsByCategoryChannel, sqlCallsByCitizenship, sqlCasesByFields, sqlCasesByCategory,
		sqlCasesByCitizenship, sqlCasesAtEnd, sqlAssignTimes, sqlResolveTimes, sqlCountCalls, sqlCountCases,
		sqlCountResolved, sqlPerDay(2), sqlWriteMark}
}

// tally is what one code of one breakdown counts.
type tally struct{ calls, cases, people int }

// figures are the headline counts of a period.
type figures struct{ calls, cases, people, resolved int }

// reportQuery runs a report's queries and keeps their raw results. Its work is split in two
// halves (calls and cases) that run at the same time on two connections.
type reportQuery struct {
	tx       *gorm.DB
	tax      *Taxonomy
	from, to time.Time // [from, to) in UTC
	a, b     time.Time // the period's first and last days
	pa, pb   time.Time // the previous period's

	figures
	prev            figures
	by              map[string]map[string]*tally // breakdown -> code -> tally
	days            []dayCount
	assign, resolve map[string][]float64 // urgency -> seconds
	events          map[string]string    // event id -> name
}

type dayCount struct {
	date         string
	calls, cases int
}

func (q *reportQuery) reset() {
	q.figures, q.prev, q.days = figures{}, figures{}, nil
	q.by = map[string]map[string]*tally{}
	q.assign, q.resolve, q.events = map[string][]float64{}, map[string][]float64{}, map[string]string{}
}

func (q *reportQuery) add(breakdown, code string, t tally) {
	m := q.by[breakdown]
	if m == nil {
		m = map[string]*tally{}
		q.by[breakdown] = m
	}
	x := m[code]
	if x == nil {
		x = &tally{}
		m[code] = x
	}
	x.calls += t.calls
	x.cases += t.cases
	x.people += t.people
}

// merge adds o's results (the other half) to q's.
func (q *reportQuery) merge(o *reportQuery) {
	q.calls += o.calls
	q.cases += o.cases
	q.people += o.people
	q.resolved += o.resolved
	q.prev.calls += o.prev.calls
	q.prev.cases += o.prev.cases
	q.prev.people += o.prev.people
	q.prev.resolved += o.prev.resolved
	for b, m := range o.by {
		for code, t := range m {
			q.add(b, code, *t)
		}
	}
	q.days = append(q.days, o.days...)
	for k, v := range o.assign {
		q.assign[k] = append(q.assign[k], v...)
	}
	for k, v := range o.resolve {
		q.resolve[k] = append(q.resolve[k], v...)
	}
	for k, v := range o.events {
		q.events[k] = v
	}
}

// each runs a query and calls scan with each row's values.
func (q *reportQuery) each(sql string, args []any, dest []any, scan func()) error {
	rows, err := q.tx.Raw(sql, args...).Rows()
	if err != nil {
		return err
	}
	return eachRow(rows, func() error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		scan()
		return nil
	})
}

// readReport reads what a report of [a, b] counts, and the figures of the previous period
// [pa, pb]. The calls half and the cases half run at the same time, each in a read
// transaction; both must have read the same state of the database, or the breakdowns might
// not add up to the totals: when a write came between their starts, they run again, and
// after three tries one after the other in one transaction.
func (s *Store) readReport(ctx context.Context, tax *Taxonomy, a, b, pa, pb time.Time) (*reportQuery, error) {
	mk := func() *reportQuery {
		return &reportQuery{tax: tax, from: instant(a), to: instant(nextDay(b)), a: a, b: b, pa: pa, pb: pb}
	}
	calls, cases := mk(), mk()
	halves := []func(*gorm.DB) error{
		func(tx *gorm.DB) error { calls.tx = tx; return calls.callsHalf() },
		func(tx *gorm.DB) error { cases.tx = tx; return cases.casesHalf() },
	}
	for range 3 {
		marks := make([]string, len(halves))
		errs := make([]error, len(halves))
		var wg sync.WaitGroup
		for i, half := range halves {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.rdb(ctx).Transaction(func(tx *gorm.DB) error {
					// The first read fixes the transaction's snapshot.
					if err := tx.Raw(sqlWriteMark).Scan(&marks[i]).Error; err != nil {
						return err
					}
					return half(tx)
				})
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		if marks[0] == marks[1] {
			calls.merge(cases)
			return calls, nil
		}
	}
	err := s.rdb(ctx).Transaction(func(tx *gorm.DB) error {
		for _, half := range halves {
			if err := half(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	calls.merge(cases)
	return calls, nil
}

// callsHalf reads the calls by category, channel and citizenship, the days, the
// resolutions and the previous period's figures.
func (q *reportQuery) callsHalf() error {
	q.reset()
	rng := []any{q.from, q.to}
	var c1, c2 string
	var n int
	var args []any
	for _, cat := range q.tax.Terms[KindCategory] {
		for _, ch := range q.tax.Terms[KindChannel] {
			args = append(args, cat.Code, ch.Code)
		}
	}
	pairs := len(args) / 2
	err := q.each(sqlPairs(pairs), append(args, rng...), []any{&c1, &c2, &n}, func() {
		if n > 0 {
			q.calls += n
			q.add("category", c1, tally{calls: n})
			q.add("channel", c2, tally{calls: n})
		}
	})
	if err != nil {
		return err
	}
	var all int
	if err := q.tx.Raw(sqlCountCalls, rng...).Scan(&all).Error; err != nil {
		return err
	}
	if all != q.calls { // codes the taxonomy lacks: count them by grouping
		q.calls = 0
		delete(q.by, "category")
		delete(q.by, "channel")
		err := q.each(sqlCallsByCategoryChannel, rng, []any{&c1, &c2, &n}, func() {
			q.calls += n
			q.add("category", c1, tally{calls: n})
			q.add("channel", c2, tally{calls: n})
		})
		if err != nil {
			return err
		}
	}
	err = q.each(sqlCallsByCitizenship, rng, []any{&c1, &n}, func() { q.add("citizenship", orUnknown(c1), tally{calls: n}) })
	if err != nil {
		return err
	}
	args = nil
	for d := q.a; !d.After(q.b); d = nextDay(d) {
		args = append(args, d.Format("2006-01-02"), instant(d), instant(nextDay(d)))
	}
	var dc dayCount
	err = q.each(sqlPerDay(len(args)/3), args, []any{&dc.date, &dc.calls, &dc.cases}, func() { q.days = append(q.days, dc) })
	if err != nil {
		return err
	}
	var id uint
	var secs float64
	seen := map[uint]bool{}
	err = q.each(sqlResolveTimes, rng, []any{&id, &c1, &secs}, func() {
		if !seen[id] {
			seen[id] = true
			q.resolve[c1] = append(q.resolve[c1], max(0, secs))
		}
	})
	if err != nil {
		return err
	}
	q.resolved = len(seen)
	return q.previous()
}

// previous counts the previous period's figures.
func (q *reportQuery) previous() error {
	from, to := instant(q.pa), instant(nextDay(q.pb))
	err := q.tx.Raw(sqlCountCalls, from, to).Scan(&q.prev.calls).Error
	if err == nil {
		err = q.tx.Raw(sqlCountCases, from, to).Row().Scan(&q.prev.cases, &q.prev.people)
	}
	if err == nil {
		err = q.tx.Raw(sqlCountResolved, from, to).Scan(&q.prev.resolved).Error
	}
	return err
}

// casesHalf reads the cases by every field, their status and outcome at the end of the
// period, and the assignments.
func (q *reportQuery) casesHalf() error {
	q.reset()
	rng := []any{q.from, q.to}
	var c1, c2 string
	var n, people int
	var ev int64
	err := q.each(sqlCasesByFields, rng, []any{&c1, &c2, &ev, &n, &people}, func() {
		q.cases += n
		q.people += people
		t := tally{cases: n, people: people}
		q.add("region", orUnknown(c1), t)
		q.add("perpetrator", orUnknown(c2), t)
		e := "none"
		if ev != 0 {
			e = strconv.FormatInt(ev, 10)
		}
		q.add("event", e, t)
	})
	if err != nil {
		return err
	}
	err = q.each(sqlCasesByCategory, rng, []any{&c1, &n, &people}, func() { q.add("category", c1, tally{cases: n, people: people}) })
	if err != nil {
		return err
	}
	err = q.each(sqlCasesByCitizenship, rng, []any{&c1, &n, &people}, func() {
		q.add("citizenship", orUnknown(c1), tally{cases: n, people: people})
	})
	if err != nil {
		return err
	}
	err = q.each(sqlCasesAtEnd, []any{q.to, q.from, q.to, q.to}, []any{&c1, &c2, &n, &people}, func() {
		st, outcome, _ := strings.Cut(c1, ":")
		switch Status(st) {
		case StatusResolved:
		case StatusClosed:
			outcome = c2
		default:
			outcome = "open"
		}
		if outcome == "" {
			outcome = "none" // closed without a resolution (e.g. a duplicate)
		}
		q.add("status", st, tally{cases: n, people: people})
		q.add("outcome", outcome, tally{cases: n, people: people})
	})
	if err != nil {
		return err
	}
	var secs float64
	err = q.each(sqlAssignTimes, rng, []any{&c1, &secs}, func() { q.assign[c1] = append(q.assign[c1], max(0, secs)) })
	if err != nil {
		return err
	}
	var ids []uint64
	for code := range q.by["event"] {
		if id, err := strconv.ParseUint(code, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		var evs []Event
		if err := q.tx.Select("id, name").Where("id IN ?", ids).Find(&evs).Error; err != nil {
			return err
		}
		for _, e := range evs {
			q.events[strconv.FormatUint(uint64(e.ID), 10)] = e.Name
		}
	}
	return nil
}
