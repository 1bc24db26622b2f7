package stats

import (
	"himoya/models"

	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// The report's queries. Each reads a range of an index made for it (migration 12) or of the
// hourly counts of calls by citizenship (migration 17), never a whole table
// (TestReportQueriesUseIndexes checks their plans). INDEXED BY names the narrow covering
// indexes SQLite would otherwise pass over for the table itself, whose rows carry sealed
// text and are many times wider.
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
	// Calls by their caller's citizenship over the whole hours of a period, from the hourly
	// counts migration 17's triggers keep; hours whose calls have all gone count nothing.
	sqlCallsByCitizenshipHours = `SELECT citizenship, SUM(calls) FROM call_citizenship_hours
		WHERE hour >= ? AND hour < ? GROUP BY citizenship HAVING SUM(calls) <> 0`
	// The same from the calls themselves, for the ragged ends of a period that are not whole
	// hours (none when the organisation's time zone is whole hours off UTC).
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
	// ended (a case whose opening was recorded after the end counts as new), read from one
	// entry of the index, as "status:outcome": a resolved case's outcome is that of the entry;
	// a closed case's is that of its last resolution before the end, looked up only for them
	// (its pages just read); the other statuses have none. The application splits the two.
	sqlCasesAtEnd = `SELECT COALESCE((SELECT CASE e.to_status
				WHEN 'resolved' THEN 'resolved:' || e.outcome
				WHEN 'closed' THEN 'closed:' || COALESCE(
					(SELECT r.outcome FROM case_entries AS r INDEXED BY idx_case_entries_report_status
					 WHERE r.case_id = e.case_id AND r.at < ? AND r.to_status = 'resolved' ORDER BY r.at DESC LIMIT 1), '')
				ELSE e.to_status || ':' END
			FROM case_entries AS e INDEXED BY idx_case_entries_report_status
			WHERE e.case_id = c.id AND e.at < ? AND e.to_status <> '' ORDER BY e.at DESC LIMIT 1), 'new:'),
			COUNT(*), COALESCE(SUM(c.people_affected), 0)
		FROM cases AS c INDEXED BY idx_cases_report WHERE c.received_at >= ? AND c.received_at < ? GROUP BY 1`
	// A case is assigned once (only new moves to assigned). julianday reads the stored times.
	sqlAssignTimes = `SELECT c.urgency, (julianday(e.at) - julianday(c.received_at)) * 86400.0
		FROM case_entries AS e INDEXED BY idx_case_entries_report_moves
		JOIN cases AS c INDEXED BY idx_cases_report_times ON c.id = e.case_id
		WHERE e.to_status = 'assigned' AND e.at >= ? AND e.at < ?`
	// A case can be resolved twice in a period (reopened): its first resolution counts. The
	// grouping also hands the cases over in order of id, so that their look-ups read
	// neighbouring pages.
	sqlResolveTimes = `SELECT c.urgency, MAX(0, (julianday(r.at) - julianday(c.received_at)) * 86400.0)
		FROM (SELECT case_id, MIN(at) AS at FROM case_entries INDEXED BY idx_case_entries_report_moves
			WHERE to_status = 'resolved' AND at >= ? AND at < ? GROUP BY case_id) AS r
		JOIN cases AS c INDEXED BY idx_cases_report_times ON c.id = r.case_id`
	sqlCountCalls = `SELECT COUNT(*) FROM contacts INDEXED BY idx_contacts_report_callers
		WHERE received_at >= ? AND received_at < ?`
	sqlCountCases = `SELECT COUNT(*), COALESCE(SUM(people_affected), 0) FROM cases INDEXED BY idx_cases_report
		WHERE received_at >= ? AND received_at < ?`
	// Grouping counts the resolved cases sooner than COUNT(DISTINCT case_id) does.
	sqlCountResolved = `SELECT COUNT(*) FROM (SELECT case_id FROM case_entries INDEXED BY idx_case_entries_report_moves
		WHERE to_status = 'resolved' AND at >= ? AND at < ? GROUP BY case_id) AS r`
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
	return []string{sqlPairs(2), sqlCallsByCategoryChannel, sqlCallsByCitizenshipHours, sqlCallsByCitizenship, sqlCasesByFields, sqlCasesByCategory,
		sqlCasesByCitizenship, sqlCasesAtEnd, sqlAssignTimes, sqlResolveTimes, sqlCountCalls, sqlCountCases,
		sqlCountResolved, sqlPerDay(2), sqlWriteMark}
}

// tally is what one code of one breakdown counts.
type tally struct{ calls, cases, people int }

// figures are the headline counts of a period.
type figures struct{ calls, cases, people, resolved int }

// reportQuery runs a report's queries and keeps their raw results. The queries run on two
// connections at once (readReport), each with its own reportQuery; the two are then merged.
type reportQuery struct {
	tx       *gorm.DB
	tax      *models.Taxonomy
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

// merge adds o's results (the other connection's) to q's.
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
	return models.EachRow(rows, func() error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		scan()
		return nil
	})
}

// readReport reads what a report of [a, b] counts, and the figures of the previous period
// [pa, pb]. Its queries (reportTasks) run on two connections at once, each in a read
// transaction, each taking the next query not yet taken, so that both stay busy to the end.
// Both transactions must have read the same state of the database, or the breakdowns might
// not add up to the totals: when a write came between their starts, they run again, and
// after three tries one after the other in one transaction.
func (s *Stats) readReport(ctx context.Context, tax *models.Taxonomy, a, b, pa, pb time.Time) (*reportQuery, error) {
	mk := func() *reportQuery {
		q := &reportQuery{tax: tax, from: instant(a), to: instant(nextDay(b)), a: a, b: b, pa: pa, pb: pb}
		q.reset()
		return q
	}
	for range 3 {
		workers := []*reportQuery{mk(), mk()}
		marks := make([]string, len(workers))
		errs := make([]error, len(workers))
		var next atomic.Int64
		var wg sync.WaitGroup
		for i, w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.store.ReadDB(ctx).Transaction(func(tx *gorm.DB) error {
					// The first read fixes the transaction's snapshot.
					if err := tx.Raw(sqlWriteMark).Scan(&marks[i]).Error; err != nil {
						return err
					}
					w.tx = tx
					for t := next.Add(1) - 1; t < int64(len(reportTasks)); t = next.Add(1) - 1 {
						if err := reportTasks[t](w); err != nil {
							return err
						}
					}
					return nil
				})
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		if marks[0] == marks[1] {
			workers[0].merge(workers[1])
			return workers[0], nil
		}
	}
	q := mk()
	err := s.store.ReadDB(ctx).Transaction(func(tx *gorm.DB) error {
		q.tx = tx
		for _, task := range reportTasks {
			if err := task(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// reportTasks are a report's queries, each adding its counts to the reportQuery it is given
// (the two connections' results are merged), the longest first so that the two finish
// together.
var reportTasks = []func(*reportQuery) error{
	(*reportQuery).resolutions,
	(*reportQuery).casesAtEnd,
	(*reportQuery).assignments,
	(*reportQuery).previous,
	(*reportQuery).casesByCategory,
	(*reportQuery).casesByFields,
	(*reportQuery).casesByCitizenship,
	(*reportQuery).callsByCategoryChannel,
	(*reportQuery).callsByCitizenship,
}

// callsByCategoryChannel counts the calls by category and channel, and the calls of each day.
func (q *reportQuery) callsByCategoryChannel() error {
	type pair struct {
		cat, ch string
		n       int
	}
	var pairs []pair
	var p pair
	var args []any
	for _, cat := range q.tax.Terms[models.KindCategory] {
		for _, ch := range q.tax.Terms[models.KindChannel] {
			args = append(args, cat.Code, ch.Code)
		}
	}
	calls := 0
	err := q.each(sqlPairs(len(args)/2), append(args, q.from, q.to), []any{&p.cat, &p.ch, &p.n}, func() {
		if p.n > 0 {
			calls += p.n
			pairs = append(pairs, p)
		}
	})
	if err != nil {
		return err
	}
	// The days split the period: their calls are all its calls.
	args = nil
	for d := q.a; !d.After(q.b); d = nextDay(d) {
		args = append(args, d.Format("2006-01-02"), instant(d), instant(nextDay(d)))
	}
	var dc dayCount
	all := 0
	err = q.each(sqlPerDay(len(args)/3), args, []any{&dc.date, &dc.calls, &dc.cases}, func() {
		q.days = append(q.days, dc)
		all += dc.calls
	})
	if err != nil {
		return err
	}
	if all != calls { // codes the taxonomy lacks: count them by grouping
		calls, pairs = 0, nil
		err := q.each(sqlCallsByCategoryChannel, []any{q.from, q.to}, []any{&p.cat, &p.ch, &p.n}, func() {
			calls += p.n
			pairs = append(pairs, p)
		})
		if err != nil {
			return err
		}
	}
	q.calls += calls
	for _, p := range pairs {
		q.add("category", p.cat, tally{calls: p.n})
		q.add("channel", p.ch, tally{calls: p.n})
	}
	return nil
}

// callsByCitizenship counts the period's calls by their caller's citizenship: the whole
// hours from call_citizenship_hours, the ragged ends (if any) from the calls themselves.
func (q *reportQuery) callsByCitizenship() error {
	var code string
	var n int
	add := func() {
		if n != 0 {
			q.add("citizenship", orUnknown(code), tally{calls: n})
		}
	}
	h0, h1 := ceilHour(q.from), unixHour(q.to)
	if h0 >= h1 {
		return q.each(sqlCallsByCitizenship, []any{q.from, q.to}, []any{&code, &n}, add)
	}
	if err := q.each(sqlCallsByCitizenshipHours, []any{h0, h1}, []any{&code, &n}, add); err != nil {
		return err
	}
	for _, sp := range []span{{q.from, hourStart(h0)}, {hourStart(h1), q.to}} {
		if sp.from.Before(sp.to) {
			if err := q.each(sqlCallsByCitizenship, []any{sp.from, sp.to}, []any{&code, &n}, add); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolutions reads how long the cases resolved in the period took, and counts them.
func (q *reportQuery) resolutions() error {
	var urgency string
	var secs float64
	return q.each(sqlResolveTimes, []any{q.from, q.to}, []any{&urgency, &secs}, func() {
		q.resolve[urgency] = append(q.resolve[urgency], secs)
		q.resolved++
	})
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

// casesByFields counts the cases and people by region, perpetrator and event, and names the
// events.
func (q *reportQuery) casesByFields() error {
	var region, perpetrator string
	var n, people int
	var ev int64
	var ids []int64
	err := q.each(sqlCasesByFields, []any{q.from, q.to}, []any{&region, &perpetrator, &ev, &n, &people}, func() {
		q.cases += n
		q.people += people
		t := tally{cases: n, people: people}
		q.add("region", orUnknown(region), t)
		q.add("perpetrator", orUnknown(perpetrator), t)
		e := "none"
		if ev != 0 {
			e = strconv.FormatInt(ev, 10)
			ids = append(ids, ev)
		}
		q.add("event", e, t)
	})
	if err != nil || len(ids) == 0 {
		return err
	}
	var evs []models.Event
	if err := q.tx.Select("id, name").Where("id IN ?", ids).Find(&evs).Error; err != nil {
		return err
	}
	for _, e := range evs {
		q.events[strconv.FormatUint(uint64(e.ID), 10)] = e.Name
	}
	return nil
}

// casesByCategory counts the cases and people by category (a case in each of its categories).
func (q *reportQuery) casesByCategory() error {
	var code string
	var n, people int
	return q.each(sqlCasesByCategory, []any{q.from, q.to}, []any{&code, &n, &people}, func() {
		q.add("category", code, tally{cases: n, people: people})
	})
}

// casesByCitizenship counts the cases and people by their caller's citizenship.
func (q *reportQuery) casesByCitizenship() error {
	var code string
	var n, people int
	return q.each(sqlCasesByCitizenship, []any{q.from, q.to}, []any{&code, &n, &people}, func() {
		q.add("citizenship", orUnknown(code), tally{cases: n, people: people})
	})
}

// casesAtEnd counts the cases and people by status and outcome at the end of the period.
func (q *reportQuery) casesAtEnd() error {
	var last string
	var n, people int
	return q.each(sqlCasesAtEnd, []any{q.to, q.to, q.from, q.to}, []any{&last, &n, &people}, func() {
		st, outcome, _ := strings.Cut(last, ":")
		switch models.Status(st) {
		case models.StatusResolved, models.StatusClosed:
		default:
			outcome = "open"
		}
		if outcome == "" {
			outcome = "none" // closed without a resolution (e.g. a duplicate)
		}
		q.add("status", st, tally{cases: n, people: people})
		q.add("outcome", outcome, tally{cases: n, people: people})
	})
}

// assignments reads how long the cases first assigned in the period waited.
func (q *reportQuery) assignments() error {
	var urgency string
	var secs float64
	return q.each(sqlAssignTimes, []any{q.from, q.to}, []any{&urgency, &secs}, func() {
		q.assign[urgency] = append(q.assign[urgency], max(0, secs))
	})
}
