package stats

import (
	"strings"
	"time"

	"gorm.io/gorm"
)

// span is the half-open interval of instants [from, to).
type span struct{ from, to time.Time }

// callKey is what calls are counted by: a category, and the region of the call's case when
// counting by region ("" for a call without a case, or when not counting by region).
type callKey struct {
	Region   string
	Category string
}

// unixHour is an instant's hour as whole hours since 1970 (UTC), as call_hours keys it.
func unixHour(t time.Time) int64 { return t.Unix() / 3600 }

// ceilHour is the first whole hour at or after t.
func ceilHour(t time.Time) int64 {
	h := unixHour(t)
	if hourStart(h).Before(t) {
		h++
	}
	return h
}

func hourStart(h int64) time.Time { return time.Unix(h*3600, 0).UTC() }

// callCounts counts the calls received in each span, by category (and by the region of their
// case when byRegion). The whole hours of each span are read from the hourly tables that
// migration 15's triggers keep in step with the calls; the ragged ends before the first and
// after the last whole hour are counted from the calls themselves. Both reads are index
// searches, so the cost follows the length of the spans in hours, not the number of calls.
func callCounts(db *gorm.DB, spans []span, byRegion bool) ([]map[callKey]int, error) {
	out := make([]map[callKey]int, len(spans))
	var wholeArgs, rawArgs []any
	var whole, raw []string
	for i, sp := range spans {
		out[i] = map[callKey]int{}
		if !sp.from.Before(sp.to) {
			continue
		}
		h0, h1 := ceilHour(sp.from), unixHour(sp.to)
		if h0 >= h1 {
			raw = append(raw, "(?,?,?)")
			rawArgs = append(rawArgs, i, sp.from.UTC(), sp.to.UTC())
			continue
		}
		whole = append(whole, "(?,?,?)")
		wholeArgs = append(wholeArgs, i, h0, h1)
		if t := hourStart(h0); sp.from.Before(t) {
			raw = append(raw, "(?,?,?)")
			rawArgs = append(rawArgs, i, sp.from.UTC(), t)
		}
		if t := hourStart(h1); t.Before(sp.to) {
			raw = append(raw, "(?,?,?)")
			rawArgs = append(rawArgs, i, t, sp.to.UTC())
		}
	}
	type row struct {
		I        int
		Region   string
		Category string
		N        int
	}
	add := func(rows []row) {
		for _, r := range rows {
			out[r.I][callKey{r.Region, r.Category}] += r.N
		}
	}
	if len(whole) > 0 {
		var q string
		if byRegion {
			// "+h.region" keeps the planner on the hour range of the primary key rather than
			// walking the whole pair index in region order to save a sort.
			q = `SELECT w.i AS i, h.region AS region, h.category AS category, SUM(h.calls) AS n
				FROM w JOIN call_region_hours h ON h.hour >= w.a AND h.hour < w.b
				GROUP BY w.i, +h.region, h.category`
		} else {
			q = `SELECT w.i AS i, '' AS region, h.category AS category, SUM(h.calls) AS n
				FROM w JOIN call_hours h ON h.hour >= w.a AND h.hour < w.b
				GROUP BY w.i, h.category`
		}
		q = "WITH w(i, a, b) AS (VALUES " + strings.Join(whole, ",") + ") " + q
		var rows []row
		if err := db.Raw(q, wholeArgs...).Scan(&rows).Error; err != nil {
			return nil, err
		}
		add(rows)
	}
	if len(raw) > 0 {
		var q string
		if byRegion {
			q = `SELECT w.i AS i, COALESCE(cs.region, '') AS region, c.category AS category, COUNT(*) AS n
				FROM w JOIN contacts c ON c.received_at >= w.a AND c.received_at < w.b
				LEFT JOIN cases cs ON cs.id = c.case_id
				GROUP BY w.i, COALESCE(cs.region, ''), c.category`
		} else {
			q = `SELECT w.i AS i, '' AS region, c.category AS category, COUNT(*) AS n
				FROM w JOIN contacts c ON c.received_at >= w.a AND c.received_at < w.b
				GROUP BY w.i, c.category`
		}
		q = "WITH w(i, a, b) AS (VALUES " + strings.Join(raw, ",") + ") " + q
		var rows []row
		if err := db.Raw(q, rawArgs...).Scan(&rows).Error; err != nil {
			return nil, err
		}
		add(rows)
	}
	return out, nil
}

// total adds up the counts of a span.
func total(m map[callKey]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// DailyCalls counts the calls received in each of the n periods of 24 hours that end at end
// (0: the last 24 hours, 1: the 24 hours before, ...), as the dashboard's surge counts them.
// It is for the demo generator (models/demo), which makes its crisis surge one the dashboard
// shows.
func DailyCalls(db *gorm.DB, end time.Time, n int) ([]int, error) {
	spans := make([]span, n)
	for k := range spans {
		spans[k] = span{end.Add(-time.Duration(k+1) * 24 * time.Hour), end.Add(-time.Duration(k) * 24 * time.Hour)}
	}
	counts, err := callCounts(db, spans, false)
	if err != nil {
		return nil, err
	}
	out := make([]int, n)
	for k, m := range counts {
		out[k] = total(m)
	}
	return out, nil
}

// MedianCount is the median of daily counts, as the surge rule reads the baseline; for the
// demo generator (models/demo).
func MedianCount(xs []int) float64 { return medianCount(xs) }
