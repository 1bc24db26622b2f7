package stats

import (
	"himoya/models"

	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// categoryFamilies groups categories that a headline may name together ("police raids or
// illegal detention"); categories without a family are named alone.
var categoryFamilies = map[string]string{
	"raid": "police", "illegal_detention": "police", "document_destruction": "police",
	"police_extortion": "police", "police_violence": "police", "detention_conditions": "police",
	"deportation": "expulsion", "forced_return": "expulsion", "entry_ban": "expulsion",
	"hate_crime": "hate", "discrimination": "hate",
	"protest_related": "persecution", "transnational_repression": "persecution", "conscription_pressure": "persecution",
}

// headlineSkips are categories a headline does not lead with: they say what the calls were
// not about.
var headlineSkips = map[string]bool{"consultation": true, "other": true, "unknown": true}

// headline writes the sentence about the period: how many calls, and what the largest share
// of them was about (the top category, or the top two when they are of one family).
func (r *Report) headline(tax *models.Taxonomy) Headline {
	en, ru := r.PeriodPhrase()
	if r.Calls == 0 {
		return Headline{EN: "No calls " + en, RU: "Нет обращений " + ru}
	}
	calls := "calls"
	if r.Calls == 1 {
		calls = "call"
	}
	h := Headline{
		EN: FormatCount(r.Calls) + " " + calls + " " + en,
		RU: FormatCountRU(r.Calls) + " " + pluralRU(r.Calls, "обращение", "обращения", "обращений") + " " + ru,
	}
	var top []ReportRow
	if b := r.Breakdown("category"); b != nil {
		var cands []ReportRow
		for _, x := range b.Rows {
			if x.Calls != nil && *x.Calls > 0 && !headlineSkips[x.Code] {
				cands = append(cands, x)
			}
		}
		// The largest first, ties in the taxonomy's order (the public version's rows are
		// not sorted by size).
		for i := range cands {
			for j := i + 1; j < len(cands); j++ {
				if *cands[j].Calls > *cands[i].Calls || (*cands[j].Calls == *cands[i].Calls && cands[j].pos < cands[i].pos) {
					cands[i], cands[j] = cands[j], cands[i]
				}
			}
		}
		if len(cands) > 0 {
			top = cands[:1]
			if len(cands) > 1 && categoryFamilies[cands[0].Code] != "" && categoryFamilies[cands[0].Code] == categoryFamilies[cands[1].Code] {
				top = cands[:2]
			}
		}
	}
	if len(top) == 0 {
		return h
	}
	n := 0
	var labelsEN, labelsRU []string
	for _, x := range top {
		n += *x.Calls
		labelsEN = append(labelsEN, lowerFirst(x.Label))
		labelsRU = append(labelsRU, "«"+x.LabelRU+"»")
	}
	pct := int(math.Round(100 * float64(n) / float64(r.Calls)))
	h.EN += fmt.Sprintf("; %d%% about %s", pct, strings.Join(labelsEN, " or "))
	h.RU += fmt.Sprintf("; %d%% — %s", pct, strings.Join(labelsRU, " или "))
	return h
}

// lowerFirst lowers the first letter of a label for the middle of a sentence, unless the
// label starts with an abbreviation ("WhatsApp" stays; "Police raid" becomes "police raid").
func lowerFirst(s string) string {
	first, size := utf8.DecodeRuneInString(s)
	second, _ := utf8.DecodeRuneInString(s[size:])
	if unicode.IsUpper(second) {
		return s
	}
	return string(unicode.ToLower(first)) + s[size:]
}

// pluralRU picks the Russian form for n: 1 обращение, 2 обращения, 5 обращений.
func pluralRU(n int, one, few, many string) string {
	switch n10, n100 := n%10, n%100; {
	case n10 == 1 && n100 != 11:
		return one
	case n10 >= 2 && n10 <= 4 && (n100 < 12 || n100 > 14):
		return few
	}
	return many
}

// FormatCount writes a count with thousands separators: 2,514.
func FormatCount(n int) string { return group(n, ",") }

// FormatCountRU writes a count the Russian way, with a no-break space: 2 514.
func FormatCountRU(n int) string { return group(n, "\u00a0") }

func group(n int, sep string) string {
	s := strconv.Itoa(n)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return neg + b.String()
}

var (
	monthsRUGen  = []string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"}
	monthsRUPrep = []string{"январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре", "октябре", "ноябре", "декабре"}
	monthsRUNom  = []string{"Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"}
)

// PeriodPhrase says when, for the middle of a sentence: "on 23-24 March 2024", "in March
// 2024", "from 28 February to 3 March 2024"; and in Russian: "23-24 марта 2024 г.", "в марте
// 2024 г.", "с 28 февраля по 3 марта 2024 г.".
func (r *Report) PeriodPhrase() (en, ru string) {
	a, b := r.fromDay, r.toDay
	ruDay := func(t time.Time, year bool) string {
		s := fmt.Sprintf("%d %s", t.Day(), monthsRUGen[t.Month()-1])
		if year {
			s += fmt.Sprintf(" %d г.", t.Year())
		}
		return s
	}
	switch {
	case a.Equal(b):
		return "on " + a.Format("2 January 2006"), ruDay(a, true)
	case isWholeMonth(a, b):
		return "in " + a.Format("January 2006"), fmt.Sprintf("в %s %d г.", monthsRUPrep[a.Month()-1], a.Year())
	case a.Month() == 1 && a.Day() == 1 && b.Month() == 12 && b.Day() == 31 && a.Year() == b.Year():
		return fmt.Sprintf("in %d", a.Year()), fmt.Sprintf("в %d г.", a.Year())
	case a.Year() == b.Year() && a.Month() == b.Month():
		return fmt.Sprintf("on %d-%s", a.Day(), b.Format("2 January 2006")), fmt.Sprintf("%d-%s", a.Day(), ruDay(b, true))
	case a.Year() == b.Year():
		return fmt.Sprintf("from %s to %s", a.Format("2 January"), b.Format("2 January 2006")),
			fmt.Sprintf("с %s по %s", ruDay(a, false), ruDay(b, true))
	}
	return fmt.Sprintf("from %s to %s", a.Format("2 January 2006"), b.Format("2 January 2006")),
		fmt.Sprintf("с %s по %s", ruDay(a, true), ruDay(b, true))
}

// Month is the period as YYYY-MM when it is one calendar month, else "".
func (r *Report) Month() string {
	if isWholeMonth(r.fromDay, r.toDay) {
		return r.fromDay.Format("2006-01")
	}
	return ""
}

// Title names the period as a heading: "March 2024", "23-24 March 2024".
func (r *Report) Title() string {
	a, b := r.fromDay, r.toDay
	switch {
	case a.Equal(b):
		return a.Format("2 January 2006")
	case isWholeMonth(a, b):
		return a.Format("January 2006")
	case a.Year() == b.Year() && a.Month() == b.Month():
		return fmt.Sprintf("%d-%s", a.Day(), b.Format("2 January 2006"))
	case a.Year() == b.Year():
		return a.Format("2 January") + " - " + b.Format("2 January 2006")
	}
	return a.Format("2 January 2006") + " - " + b.Format("2 January 2006")
}

// TitleRU names the period in Russian: "Март 2024", "23-24 марта 2024 г.".
func (r *Report) TitleRU() string {
	if isWholeMonth(r.fromDay, r.toDay) {
		return fmt.Sprintf("%s %d", monthsRUNom[r.fromDay.Month()-1], r.fromDay.Year())
	}
	_, ru := r.PeriodPhrase()
	return strings.TrimPrefix(ru, "в ")
}

// PreviousTitle names the period the figures are compared with.
func (r *Report) PreviousTitle() string {
	a, _ := time.ParseInLocation("2006-01-02", r.Previous.From, r.loc)
	b, _ := time.ParseInLocation("2006-01-02", r.Previous.To, r.loc)
	p := Report{fromDay: a, toDay: b}
	return p.Title()
}

// ReportFigure is one headline figure with its value in the previous period.
type ReportFigure struct {
	Key      string
	Label    string
	LabelRU  string
	Value    int
	Previous int
}

// ChangeRatio is the change from the previous period as a fraction, rounded to a whole
// percent (-0.05 for 5% fewer); ok is false when the previous period had none and this one
// has some (a change that is no number: "new").
func (f ReportFigure) ChangeRatio() (ratio float64, ok bool) {
	switch {
	case f.Previous == 0 && f.Value == 0:
		return 0, true
	case f.Previous == 0:
		return 0, false
	}
	return math.Round(100*float64(f.Value-f.Previous)/float64(f.Previous)) / 100, true
}

// Change is the change from the previous period: "+12%", "-5%", "0%", or "new" when the
// previous period had none.
func (f ReportFigure) Change() string {
	r, ok := f.ChangeRatio()
	if !ok {
		return "new"
	}
	p := int(math.Round(100 * r))
	if p > 0 {
		return fmt.Sprintf("+%d%%", p)
	}
	return fmt.Sprintf("%d%%", p)
}

// Figures lists the headline figures with the previous period's.
func (r *Report) Figures() []ReportFigure {
	return []ReportFigure{
		{MeasureCalls, "Calls", "Обращения", r.Calls, r.Previous.Calls},
		{MeasureCases, "New cases", "Новые дела", r.Cases, r.Previous.Cases},
		{MeasurePeople, "People affected", "Пострадавшие", r.PeopleAffected, r.Previous.PeopleAffected},
		{"resolved", "Cases resolved", "Решённые дела", r.Resolved, r.Previous.Resolved},
	}
}

// MeasureLabel names a measure as a column heading.
func MeasureLabel(m string) string {
	switch m {
	case MeasureCalls:
		return "Calls"
	case MeasureCases:
		return "Cases"
	case MeasurePeople:
		return "People affected"
	}
	return m
}

// WithheldMark stands for a count the public version withholds. It is the same for a small
// count and for one withheld with it (secondary suppression): telling them apart would say
// that the second is at least the threshold, and with the total give the first away. It is
// not "<5", which would be untrue of the second.
const WithheldMark = "x"

// Cell writes a count of the report: "1,234", or "x" when withheld.
func (r *Report) Cell(n *int) string {
	if n == nil {
		return WithheldMark
	}
	return FormatCount(*n)
}

// ShareText writes a share as a percentage with one decimal: "55.2%"; "" when withheld.
func ShareText(s *float64) string {
	if s == nil {
		return ""
	}
	return strconv.FormatFloat(100**s, 'f', 1, 64) + "%"
}

// DurationText writes a response time for reading: "45 min", "3 h 20 min", "2.5 days".
func DurationText(d *time.Duration) string {
	if d == nil {
		return ""
	}
	switch m := int(d.Round(time.Minute).Minutes()); {
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m < 48*60:
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
	return strconv.FormatFloat(d.Hours()/24, 'f', 1, 64) + " days"
}

// ResponseRule says what the response times measure.
const ResponseRule = "Median time from the call that opened a case to its first assignment, over the cases first assigned " +
	"during the period; and to its resolution, over the cases resolved during the period (a case reopened and resolved " +
	"again counts at its first resolution in the period)."

// ReportCell is a count as a page shows it: its text, or that it is withheld.
type ReportCell struct {
	Value *int
}

// Withheld reports whether the public version withholds the count.
func (c ReportCell) Withheld() bool { return c.Value == nil }

// Text is the count with thousands separators.
func (c ReportCell) Text() string {
	if c.Value == nil {
		return WithheldMark
	}
	return FormatCount(*c.Value)
}

// CellOf wraps a count of the report for a page.
func (r *Report) CellOf(n *int) ReportCell { return ReportCell{Value: n} }

// Count is the row's count of measure m (nil when withheld).
func (x ReportRow) Count(m string) *int { return x.cell(m) }

// ShareText is the row's share of all calls as a percentage, "" when withheld.
func (x ReportRow) ShareText() string { return ShareText(x.Share) }

// Headings are the column headings of the breakdown's measures.
func (b ReportBreakdown) Headings() []string {
	out := make([]string, len(b.Measures))
	for i, m := range b.Measures {
		out[i] = MeasureLabel(m)
	}
	return out
}

// ToAssignment is the median time to assignment for reading ("" when there is none).
func (t ResponseTime) ToAssignment() string { return DurationText(t.MedianToAssignment) }

// ToResolution is the median time to resolution for reading.
func (t ResponseTime) ToResolution() string { return DurationText(t.MedianToResolution) }

// ValueText is the figure with thousands separators.
func (f ReportFigure) ValueText() string { return FormatCount(f.Value) }

// PreviousText is the previous period's figure with thousands separators.
func (f ReportFigure) PreviousText() string { return FormatCount(f.Previous) }

// ResponseRule says what the response times measure (for templates).
func (r *Report) ResponseRule() string { return ResponseRule }

// Minutes is a duration in minutes rounded to a tenth, as files and the API give it; nil
// when there is none.
func Minutes(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	return ptr(math.Round(d.Minutes()*10) / 10)
}

// Location is the time zone the report's days are days of.
func (r *Report) Location() *time.Location { return r.loc }
