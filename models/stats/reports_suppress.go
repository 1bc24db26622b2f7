package stats

import "fmt"

// Suppression of small counts in the public version of a report: the rule as people read it,
// and its application to every column, the days and the response times.

// Suppression is the rule a public report applies, stated in every file and in the JSON;
// "" for the internal version.
func (r *Report) Suppression() string {
	if !r.Public {
		return ""
	}
	return fmt.Sprintf("Public version: counts from 1 to %d are withheld so that no person can be recognised. Where a "+
		"withheld count could be worked out from the total and the other counts, the next smallest counts are withheld "+
		"too, until at least two counts are withheld and together they make %d or more (and more than one for each). "+
		"Withheld counts are shown as \"%s\" (null in JSON): an \"%s\" may stand for any number, small or not. The rule "+
		"applies to every column of every table, to the days and to the response times. Totals are published. Rows are "+
		"in a fixed order, not by size.", r.MinCell-1, r.MinCell, WithheldMark, WithheldMark)
}

// Statement is the sentence every file carries about its version.
func (r *Report) Statement() string {
	if r.Public {
		return r.Suppression()
	}
	return "Internal version: small counts are shown. Do not publish it; publish the public version."
}

// suppress withholds small counts (see Suppression), in each column of each breakdown, in
// the days and in the response times.
func (r *Report) suppress() {
	k := r.MinCell
	for bi := range r.Breakdowns {
		b := &r.Breakdowns[bi]
		var casesHeld []bool
		for _, m := range b.Measures {
			cells := make([]*int, len(b.Rows))
			for i := range b.Rows {
				cells[i] = b.Rows[i].cell(m)
			}
			var force []bool
			if m == MeasurePeople {
				// The people of a withheld number of cases are withheld too: they would
				// describe fewer than k incidents.
				force = casesHeld
			}
			held := withhold(cells, k, force)
			if m == MeasureCases {
				casesHeld = held
			}
			for i, h := range held {
				if h {
					b.Rows[i].setCell(m, nil)
					if m == MeasureCalls {
						b.Rows[i].Share = nil
					}
				}
			}
		}
	}
	for _, m := range []string{MeasureCalls, MeasureCases} {
		cells := make([]*int, len(r.ByDay))
		for i := range r.ByDay {
			cells[i] = r.ByDay[i].Calls
			if m == MeasureCases {
				cells[i] = r.ByDay[i].Cases
			}
		}
		for i, h := range withhold(cells, k, nil) {
			if h && m == MeasureCalls {
				r.ByDay[i].Calls = nil
			} else if h {
				r.ByDay[i].Cases = nil
			}
		}
	}
	// Response times: the counts by urgency, with "all" as their published total. A median
	// of a withheld count is withheld with it.
	n := len(r.ResponseTimes) - 1
	for _, resolved := range []bool{false, true} {
		cells := make([]*int, n)
		for i := range n {
			cells[i] = r.ResponseTimes[i].Assigned
			if resolved {
				cells[i] = r.ResponseTimes[i].Resolved
			}
		}
		for i, h := range withhold(cells, k, nil) {
			if !h {
				continue
			}
			if resolved {
				r.ResponseTimes[i].Resolved, r.ResponseTimes[i].MedianToResolution = nil, nil
			} else {
				r.ResponseTimes[i].Assigned, r.ResponseTimes[i].MedianToAssignment = nil, nil
			}
		}
	}
	all := &r.ResponseTimes[n]
	if all.Assigned != nil && *all.Assigned < k {
		all.MedianToAssignment = nil
	}
	if all.Resolved != nil && *all.Resolved < k {
		all.MedianToResolution = nil
	}
}

func (x ReportRow) cell(m string) *int {
	switch m {
	case MeasureCalls:
		return x.Calls
	case MeasureCases:
		return x.Cases
	}
	return x.People
}

func (x *ReportRow) setCell(m string, v *int) {
	switch m {
	case MeasureCalls:
		x.Calls = v
	case MeasureCases:
		x.Cases = v
	default:
		x.People = v
	}
}

// withhold decides which cells of one column to withhold, given the smallest count k that
// may be shown. Primary: every count from 1 to k-1 (and those force names). Secondary: the
// sum of the withheld cells can be worked out from the published total, so while fewer than
// two cells are withheld, or they add up to less than k, or to no more than their number
// (every one of them would then be 1), the smallest published cell is withheld too, non-zero
// cells first. Zero is published: it says nobody.
func withhold(cells []*int, k int, force []bool) []bool {
	held := make([]bool, len(cells))
	n, sum := 0, 0
	val := func(i int) int {
		if cells[i] == nil {
			return 0
		}
		return *cells[i]
	}
	for i := range cells {
		v := val(i)
		if (v >= 1 && v < k) || (i < len(force) && force[i] && v > 0) {
			held[i] = true
			n++
			sum += v
		}
	}
	if n == 0 {
		return held
	}
	for n < 2 || sum < k || sum <= n {
		j := -1
		for i := range cells {
			if held[i] {
				continue
			}
			if j < 0 || smaller(val(i), val(j)) {
				j = i
			}
		}
		if j < 0 {
			break
		}
		held[j] = true
		n++
		sum += val(j)
	}
	return held
}

// smaller orders candidates for secondary suppression: the smallest non-zero count first,
// zeros last.
func smaller(a, b int) bool {
	if (a == 0) != (b == 0) {
		return b == 0
	}
	return a < b
}
