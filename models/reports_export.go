package models

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/xuri/excelize/v2"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"gorm.io/gorm"
)

// Export formats of a report, and their content types.
var ReportFormats = map[string]string{
	"csv":  "text/csv; charset=utf-8",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"pdf":  "application/pdf",
}

// ReportFile is a report written as a file to download.
type ReportFile struct {
	Name        string // e.g. himoya-report-2024-03.xlsx
	ContentType string
	Data        []byte
}

// ExportReport computes a report and writes it as a CSV, XLSX or PDF file (supervisors). The
// export is recorded in the audit log with its format and period.
func (s *Store) ExportReport(ctx context.Context, u *User, from, to string, opts ReportOptions, format string) (*ReportFile, error) {
	ct, ok := ReportFormats[format]
	if !ok {
		return nil, &ValidationError{Fields: map[string]string{"format": "v.choose_csv_xlsx_pdf"}}
	}
	r, err := s.Report(ctx, u, from, to, opts)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	switch format {
	case "csv":
		err = r.WriteCSV(&buf)
	case "xlsx":
		err = r.WriteXLSX(&buf)
	case "pdf":
		err = r.writePDF(&buf, true)
	}
	if err != nil {
		return nil, err
	}
	pub := 0
	if r.Public {
		pub = 1
	}
	detail := fmt.Sprintf("report format=%s from=%s to=%s public=%d", format, r.From, r.To, pub)
	err = s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		return s.audit(tx, Audit{Actor: u, Action: AuditExport, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return &ReportFile{Name: r.FileName(format), ContentType: ct, Data: buf.Bytes()}, nil
}

// FileName is the report's file name: himoya-report-2024-03.xlsx for a whole month,
// himoya-report-2024-03-23_2024-03-24.csv for other periods, with "-public" for the public
// version.
func (r *Report) FileName(format string) string {
	name := "himoya-report-" + r.From + "_" + r.To
	switch {
	case isWholeMonth(r.fromDay, r.toDay):
		name = "himoya-report-" + r.fromDay.Format("2006-01")
	case r.From == r.To:
		name = "himoya-report-" + r.From
	}
	if r.Public {
		name += "-public"
	}
	return name + "." + format
}

// jsonObject is a JSON object whose keys keep their order.
type jsonObject []jsonField

type jsonField struct {
	key   string
	value any
}

// MarshalJSON writes the fields in order.
func (o jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func minutes(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	return ptr(math.Round(d.Minutes()*10) / 10)
}

// MarshalJSON writes the report as the API serves it. A withheld count is null; a row
// carries only the measures its breakdown counts.
func (r *Report) MarshalJSON() ([]byte, error) {
	o := jsonObject{{"from", r.From}, {"to", r.To}, {"public", r.Public},
		{"calls", r.Calls}, {"cases", r.Cases}, {"people_affected", r.PeopleAffected}, {"resolved", r.Resolved}}
	measures := jsonObject{}
	notes := jsonObject{}
	for _, b := range r.Breakdowns {
		rows := make([]jsonObject, 0, len(b.Rows))
		for _, x := range b.Rows {
			row := jsonObject{{"code", x.Code}, {"label", x.Label}, {"label_ru", x.LabelRU}}
			for _, m := range b.Measures {
				row = append(row, jsonField{m, x.cell(m)})
			}
			if b.Counts(MeasureCalls) {
				row = append(row, jsonField{"share", x.Share})
			}
			rows = append(rows, row)
		}
		o = append(o, jsonField{"by_" + b.Key, rows})
		measures = append(measures, jsonField{"by_" + b.Key, b.Measures})
		if b.Note != "" {
			notes = append(notes, jsonField{"by_" + b.Key, b.Note})
		}
	}
	days := make([]jsonObject, len(r.ByDay))
	for i, d := range r.ByDay {
		days[i] = jsonObject{{"date", d.Date}, {"calls", d.Calls}, {"cases", d.Cases}}
	}
	o = append(o, jsonField{"by_day", days})
	o = append(o, jsonField{"previous", jsonObject{{"from", r.Previous.From}, {"to", r.Previous.To},
		{"calls", r.Previous.Calls}, {"cases", r.Previous.Cases}, {"people_affected", r.Previous.PeopleAffected},
		{"resolved", r.Previous.Resolved}}})
	rts := make([]jsonObject, len(r.ResponseTimes))
	for i, rt := range r.ResponseTimes {
		rts[i] = jsonObject{{"urgency", rt.Urgency}, {"label", rt.Label}, {"label_ru", rt.LabelRU},
			{"assigned", rt.Assigned}, {"median_to_assignment_minutes", minutes(rt.MedianToAssignment)},
			{"resolved", rt.Resolved}, {"median_to_resolution_minutes", minutes(rt.MedianToResolution)}}
	}
	o = append(o, jsonField{"response_times", jsonObject{{"rule", ResponseRule}, {"by_urgency", rts}}})
	o = append(o, jsonField{"headline", r.Headline})
	var sup any
	if r.Public {
		sup = jsonObject{{"min_cell", r.MinCell}, {"rule", r.Suppression()}}
	}
	o = append(o, jsonField{"suppression", sup}, jsonField{"measures", measures}, jsonField{"notes", notes},
		jsonField{"generated_at", r.GeneratedAt.UTC().Format(time.RFC3339)})
	return o.MarshalJSON()
}

// WriteCSV writes the report as tidy CSV: one value a line (breakdown, key, label, label_ru,
// measure, value), UTF-8 with a byte-order mark so that spreadsheet programs read the
// Cyrillic right. A withheld count reads "x". Every text goes through SpreadsheetText: the
// labels come from the taxonomy and the events, which people type. The values that are
// numbers (counts, shares, minutes) are written as numbers.
func (r *Report) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	line := func(breakdown, key, label, labelRU, measure, value string) {
		t := SpreadsheetText
		_ = cw.Write([]string{t(breakdown), t(key), t(label), t(labelRU), t(measure), value})
	}
	// rec writes a line whose value is text; num one whose value is a number.
	rec := func(breakdown, key, label, labelRU, measure, value string) {
		line(breakdown, key, label, labelRU, measure, SpreadsheetText(value))
	}
	num := line
	rec("breakdown", "key", "label", "label_ru", "measure", "value")
	version := "internal"
	if r.Public {
		version = "public"
	}
	rec("report", "period", "Period", "Период", "from", r.From)
	rec("report", "period", "Period", "Период", "to", r.To)
	rec("report", "version", "Version", "Версия", "text", version)
	rec("report", "headline", "Headline", "Заголовок", "en", r.Headline.EN)
	rec("report", "headline", "Headline", "Заголовок", "ru", r.Headline.RU)
	rec("report", "rule", "Version note", "Примечание", "text", r.Statement())
	for _, b := range r.Breakdowns {
		if b.Note != "" {
			rec("report", "note_"+b.Key, b.Title, b.TitleRU, "text", b.Note)
		}
	}
	rec("report", "response_times", "Response times", "Время реакции", "text", ResponseRule)
	rec("report", "previous_period", "Previous period", "Предыдущий период", "from", r.Previous.From)
	rec("report", "previous_period", "Previous period", "Предыдущий период", "to", r.Previous.To)
	for _, f := range r.Figures() {
		num("summary", f.Key, f.Label, f.LabelRU, "value", strconv.Itoa(f.Value))
		num("summary", f.Key, f.Label, f.LabelRU, "previous", strconv.Itoa(f.Previous))
	}
	// A count is a number, or the text "x" when withheld.
	cell := func(n *int) string {
		if n == nil {
			return SpreadsheetText(WithheldMark)
		}
		return strconv.Itoa(*n)
	}
	for _, b := range r.Breakdowns {
		for _, x := range b.Rows {
			for _, m := range b.Measures {
				num(b.Key, x.Code, x.Label, x.LabelRU, m, cell(x.cell(m)))
			}
			if x.Share != nil {
				num(b.Key, x.Code, x.Label, x.LabelRU, "share", strconv.FormatFloat(*x.Share, 'f', 4, 64))
			}
		}
	}
	for _, d := range r.ByDay {
		num("day", d.Date, d.Date, d.Date, MeasureCalls, cell(d.Calls))
		num("day", d.Date, d.Date, d.Date, MeasureCases, cell(d.Cases))
	}
	for _, rt := range r.ResponseTimes {
		num("response_time", rt.Urgency, rt.Label, rt.LabelRU, "assigned", cell(rt.Assigned))
		if m := minutes(rt.MedianToAssignment); m != nil {
			num("response_time", rt.Urgency, rt.Label, rt.LabelRU, "median_to_assignment_minutes", strconv.FormatFloat(*m, 'f', 1, 64))
		}
		num("response_time", rt.Urgency, rt.Label, rt.LabelRU, "resolved", cell(rt.Resolved))
		if m := minutes(rt.MedianToResolution); m != nil {
			num("response_time", rt.Urgency, rt.Label, rt.LabelRU, "median_to_resolution_minutes", strconv.FormatFloat(*m, 'f', 1, 64))
		}
	}
	cw.Flush()
	return cw.Error()
}

// sheetName names the sheet of a breakdown after its key: "Category", "Status".
func sheetName(b *ReportBreakdown) string {
	return strings.ToUpper(b.Key[:1]) + b.Key[1:]
}

// WriteXLSX writes the report as a workbook: a summary sheet (headline, figures, the
// version's rule), one sheet per breakdown, the days with a chart of calls per day, and the
// response times. Counts are numbers, the change from the previous period a signed
// percentage; a withheld count is the text "x". Every text goes through SpreadsheetText.
func (r *Report) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	x := &xlsxWriter{f: f, r: r}
	x.styles()
	x.summary()
	for i := range r.Breakdowns {
		x.breakdown(&r.Breakdowns[i])
	}
	x.days()
	x.responseTimes()
	if x.err != nil {
		return x.err
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// xlsxWriter keeps the first error, so that the sheets read as a list of what they hold.
type xlsxWriter struct {
	f                        *excelize.File
	r                        *Report
	err                      error
	bold, title, pct, wrap   int
	header, withheld, number int
	change                   int
}

func (x *xlsxWriter) check(err error) {
	if x.err == nil {
		x.err = err
	}
}

func (x *xlsxWriter) style(s *excelize.Style) int {
	id, err := x.f.NewStyle(s)
	x.check(err)
	return id
}

func (x *xlsxWriter) styles() {
	x.bold = x.style(&excelize.Style{Font: &excelize.Font{Bold: true}})
	x.title = x.style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	x.header = x.style(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE4EE"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	x.pct = x.style(&excelize.Style{NumFmt: 10})   // 0.00%
	x.number = x.style(&excelize.Style{NumFmt: 3}) // #,##0
	signed := "+0%;-0%;0%"
	x.change = x.style(&excelize.Style{CustomNumFmt: &signed})
	x.withheld = x.style(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "right"}})
	x.wrap = x.style(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
}

// set writes one cell. Every cell of the workbook is written here, so every text goes
// through SpreadsheetText; numbers stay numeric cells.
func (x *xlsxWriter) set(sheet string, col, row int, v any, style int) {
	cell, err := excelize.CoordinatesToCellName(col, row)
	x.check(err)
	if s, ok := v.(string); ok {
		v = SpreadsheetText(s)
	}
	x.check(x.f.SetCellValue(sheet, cell, v))
	if style != 0 {
		x.check(x.f.SetCellStyle(sheet, cell, cell, style))
	}
}

// count writes a count as a number, or "x" as text when withheld.
func (x *xlsxWriter) count(sheet string, col, row int, n *int) {
	if n == nil {
		x.set(sheet, col, row, WithheldMark, x.withheld)
		return
	}
	x.set(sheet, col, row, *n, x.number)
}

func (x *xlsxWriter) widths(sheet string, ws ...float64) {
	for i, w := range ws {
		c, err := excelize.ColumnNumberToName(i + 1)
		x.check(err)
		x.check(x.f.SetColWidth(sheet, c, c, w))
	}
}

func (x *xlsxWriter) summary() {
	r, sh := x.r, "Summary"
	x.check(x.f.SetSheetName("Sheet1", sh))
	version := "Internal version"
	if r.Public {
		version = "Public version"
	}
	x.set(sh, 1, 1, "himoya report: "+r.Title(), x.title)
	x.set(sh, 1, 2, "Отчёт himoya: "+r.TitleRU(), x.bold)
	x.set(sh, 1, 3, "Period", x.bold)
	x.set(sh, 2, 3, r.From+" to "+r.To, 0)
	x.set(sh, 1, 4, "Version", x.bold)
	x.set(sh, 2, 4, version, 0)
	x.set(sh, 1, 5, "Headline", x.bold)
	x.set(sh, 2, 5, r.Headline.EN, 0)
	x.set(sh, 1, 6, "Заголовок", x.bold)
	x.set(sh, 2, 6, r.Headline.RU, 0)
	row := 8
	for i, h := range []string{"Figure", "Показатель", "This period", "Previous period (" + r.PreviousTitle() + ")", "Change"} {
		x.set(sh, i+1, row, h, x.header)
	}
	for _, fg := range r.Figures() {
		row++
		x.set(sh, 1, row, fg.Label, 0)
		x.set(sh, 2, row, fg.LabelRU, 0)
		x.set(sh, 3, row, fg.Value, x.number)
		x.set(sh, 4, row, fg.Previous, x.number)
		if ratio, ok := fg.ChangeRatio(); ok {
			x.set(sh, 5, row, ratio, x.change)
		} else {
			x.set(sh, 5, row, fg.Change(), x.withheld)
		}
	}
	row += 2
	x.set(sh, 1, row, "About this version", x.bold)
	x.set(sh, 2, row, r.Statement(), x.wrap)
	for _, b := range r.Breakdowns {
		if b.Note != "" {
			row++
			x.set(sh, 1, row, b.Title, x.bold)
			x.set(sh, 2, row, b.Note, x.wrap)
		}
	}
	row++
	x.set(sh, 1, row, "Response times", x.bold)
	x.set(sh, 2, row, ResponseRule, x.wrap)
	x.set(sh, 1, row+2, fmt.Sprintf("Generated %s", r.GeneratedAt.In(r.loc).Format("2006-01-02 15:04 MST")), 0)
	x.widths(sh, 24, 60, 14, 26, 10)
}

func (x *xlsxWriter) breakdown(b *ReportBreakdown) {
	sh := sheetName(b)
	_, err := x.f.NewSheet(sh)
	x.check(err)
	heads := []string{"Code", b.Title, b.TitleRU}
	for _, m := range b.Measures {
		heads = append(heads, MeasureLabel(m))
	}
	if b.Counts(MeasureCalls) {
		heads = append(heads, "Share of calls")
	}
	for i, h := range heads {
		x.set(sh, i+1, 1, h, x.header)
	}
	for i, row := range b.Rows {
		n := i + 2
		x.set(sh, 1, n, row.Code, 0)
		x.set(sh, 2, n, row.Label, 0)
		x.set(sh, 3, n, row.LabelRU, 0)
		col := 4
		for _, m := range b.Measures {
			x.count(sh, col, n, row.cell(m))
			col++
		}
		if b.Counts(MeasureCalls) && row.Share != nil {
			x.set(sh, col, n, *row.Share, x.pct)
		}
	}
	if b.Note != "" {
		x.set(sh, 1, len(b.Rows)+3, b.Note, 0)
	}
	x.set(sh, 1, len(b.Rows)+4, x.r.Statement(), 0)
	x.widths(sh, 24, 36, 36, 14, 14, 16, 14)
	x.check(x.f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
}

func (x *xlsxWriter) days() {
	sh := "By day"
	_, err := x.f.NewSheet(sh)
	x.check(err)
	for i, h := range []string{"Date", "Calls", "New cases"} {
		x.set(sh, i+1, 1, h, x.header)
	}
	for i, d := range x.r.ByDay {
		x.set(sh, 1, i+2, d.Date, 0)
		x.count(sh, 2, i+2, d.Calls)
		x.count(sh, 3, i+2, d.Cases)
	}
	x.widths(sh, 14, 12, 12)
	last := len(x.r.ByDay) + 1
	typ := excelize.Line
	if len(x.r.ByDay) <= 14 {
		typ = excelize.Col
	}
	x.check(x.f.AddChart(sh, "E2", &excelize.Chart{
		Type: typ,
		Series: []excelize.ChartSeries{{Name: "'By day'!$B$1", Categories: fmt.Sprintf("'By day'!$A$2:$A$%d", last),
			Values: fmt.Sprintf("'By day'!$B$2:$B$%d", last)}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Calls per day, " + x.r.Title()}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		Dimension: excelize.ChartDimension{Width: 720, Height: 320},
	}))
}

func (x *xlsxWriter) responseTimes() {
	sh := "Response times"
	_, err := x.f.NewSheet(sh)
	x.check(err)
	for i, h := range []string{"Urgency", "Срочность", "Cases assigned", "Median to assignment (hours)",
		"Cases resolved", "Median to resolution (hours)"} {
		x.set(sh, i+1, 1, h, x.header)
	}
	hours := func(col, row int, d *time.Duration) {
		if d != nil {
			x.set(sh, col, row, math.Round(d.Hours()*100)/100, 0)
		}
	}
	for i, rt := range x.r.ResponseTimes {
		n := i + 2
		x.set(sh, 1, n, rt.Label, 0)
		x.set(sh, 2, n, rt.LabelRU, 0)
		x.count(sh, 3, n, rt.Assigned)
		hours(4, n, rt.MedianToAssignment)
		x.count(sh, 5, n, rt.Resolved)
		hours(6, n, rt.MedianToResolution)
	}
	x.set(sh, 1, len(x.r.ResponseTimes)+3, ResponseRule, 0)
	x.widths(sh, 14, 14, 14, 18, 14, 18)
}

// writePDF writes the report as a printable A4 document: the headline, the figures, a
// chart of calls per day and every table. The Go fonts are embedded: they have Cyrillic.
// compress is false only in tests that read the text back.
func (r *Report) writePDF(w io.Writer, compress bool) error {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(compress)
	p.AddUTF8FontFromBytes("go", "", goregular.TTF)
	p.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	p.SetTitle("himoya report "+r.Title(), true)
	p.SetCreator("himoya", true)
	p.SetCreationDate(r.GeneratedAt)
	p.SetModificationDate(r.GeneratedAt)
	p.SetMargins(15, 15, 15)
	p.SetAutoPageBreak(true, 15)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("go", "", 8)
		p.SetTextColor(110, 110, 110)
		p.CellFormat(0, 5, fmt.Sprintf("himoya report %s · %s · page %d of {nb}", r.From+" – "+r.To, r.version(), p.PageNo()), "", 0, "C", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	p.AddPage()
	pw := &pdfWriter{p: p, r: r}
	pw.front()
	pw.chart()
	for i := range r.Breakdowns {
		pw.breakdown(&r.Breakdowns[i])
	}
	pw.responseTimes()
	pw.days()
	if err := p.Error(); err != nil {
		return err
	}
	return p.Output(w)
}

func (r *Report) version() string {
	if r.Public {
		return "public version"
	}
	return "internal version, not for publication"
}

type pdfWriter struct {
	p *fpdf.Fpdf
	r *Report
}

const pdfWidth = 180.0 // A4 less the margins

func (pw *pdfWriter) heading(s string) {
	pw.need(20)
	pw.p.Ln(4)
	pw.p.SetFont("go", "B", 12)
	pw.p.CellFormat(0, 7, s, "", 1, "L", false, 0, "")
	pw.p.SetFont("go", "", 9)
}

// need starts a new page unless h millimetres are left on this one.
func (pw *pdfWriter) need(h float64) {
	_, ph := pw.p.GetPageSize()
	if pw.p.GetY()+h > ph-18 {
		pw.p.AddPage()
	}
}

// fit shortens s to fit w millimetres at the current font.
func (pw *pdfWriter) fit(s string, w float64) string {
	if pw.p.GetStringWidth(s) <= w-2 {
		return s
	}
	rs := []rune(s)
	for len(rs) > 1 && pw.p.GetStringWidth(string(rs)+"…") > w-2 {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}

// table writes rows under a header, repeating the header on each new page. Columns after
// the first align is "L" are right-aligned numbers.
func (pw *pdfWriter) table(widths []float64, aligns string, head []string, rows [][]string) {
	p := pw.p
	header := func() {
		p.SetFont("go", "B", 8.5)
		p.SetFillColor(221, 228, 238)
		for i, h := range head {
			p.CellFormat(widths[i], 6, pw.fit(h, widths[i]), "B", 0, string(aligns[i]), true, 0, "")
		}
		p.Ln(-1)
		p.SetFont("go", "", 8.5)
	}
	pw.need(12)
	header()
	for _, row := range rows {
		_, ph := p.GetPageSize()
		if p.GetY()+5.5 > ph-18 {
			p.AddPage()
			header()
		}
		for i, c := range row {
			p.CellFormat(widths[i], 5.5, pw.fit(c, widths[i]), "B", 0, string(aligns[i]), false, 0, "")
		}
		p.Ln(-1)
	}
}

func (pw *pdfWriter) front() {
	p, r := pw.p, pw.r
	p.SetFont("go", "B", 16)
	p.CellFormat(0, 9, "himoya report: "+r.Title(), "", 1, "L", false, 0, "")
	p.SetFont("go", "", 11)
	p.CellFormat(0, 6, "Отчёт himoya: "+r.TitleRU(), "", 1, "L", false, 0, "")
	p.SetFont("go", "", 9)
	p.CellFormat(0, 5, fmt.Sprintf("Period %s to %s (days in %s) · %s", r.From, r.To, r.loc.String(), r.version()), "", 1, "L", false, 0, "")
	p.Ln(3)
	p.SetFont("go", "B", 12)
	p.MultiCell(0, 6, r.Headline.EN, "", "L", false)
	p.SetFont("go", "", 12)
	p.MultiCell(0, 6, r.Headline.RU, "", "L", false)
	p.Ln(3)
	p.SetFont("go", "", 8.5)
	p.SetFillColor(245, 241, 230)
	p.MultiCell(0, 4.5, r.Statement(), "", "L", true)
	pw.heading("Figures · Показатели")
	var rows [][]string
	for _, f := range r.Figures() {
		rows = append(rows, []string{f.Label, f.LabelRU, FormatCount(f.Value), FormatCount(f.Previous), f.Change()})
	}
	pw.table([]float64{45, 45, 30, 40, 20}, "LLRRR", []string{"Figure", "Показатель", "This period", r.PreviousTitle(), "Change"}, rows)
}

// chart draws calls per day as bars, with the largest day's count on the axis.
func (pw *pdfWriter) chart() {
	p, r := pw.p, pw.r
	pw.heading("Calls per day · Обращения по дням")
	const h = 45.0
	pw.need(h + 12)
	x0, y0 := p.GetX(), p.GetY()+2
	peak := 0
	for _, d := range r.ByDay {
		if d.Calls != nil && *d.Calls > peak {
			peak = *d.Calls
		}
	}
	p.SetDrawColor(120, 120, 120)
	p.SetLineWidth(0.2)
	p.Line(x0+12, y0, x0+12, y0+h)
	p.Line(x0+12, y0+h, x0+pdfWidth, y0+h)
	p.SetFont("go", "", 7)
	p.SetXY(x0, y0-2)
	p.CellFormat(11, 4, FormatCount(peak), "", 0, "R", false, 0, "")
	p.SetXY(x0, y0+h-2)
	p.CellFormat(11, 4, "0", "", 0, "R", false, 0, "")
	n := len(r.ByDay)
	if n > 0 && peak > 0 {
		slot := (pdfWidth - 13) / float64(n)
		gap := min(slot*0.2, 0.6)
		p.SetFillColor(47, 95, 143)
		for i, d := range r.ByDay {
			if d.Calls == nil || *d.Calls == 0 {
				continue
			}
			bh := h * float64(*d.Calls) / float64(peak)
			p.Rect(x0+13+float64(i)*slot+gap/2, y0+h-bh, slot-gap, bh, "F")
		}
	}
	if n > 0 {
		p.SetXY(x0+12, y0+h+1)
		p.CellFormat(40, 4, r.ByDay[0].Date, "", 0, "L", false, 0, "")
		p.SetXY(x0+pdfWidth-40, y0+h+1)
		p.CellFormat(40, 4, r.ByDay[n-1].Date, "", 0, "R", false, 0, "")
	}
	p.SetXY(x0, y0+h+6)
	p.SetFont("go", "", 7.5)
	if r.Public {
		p.CellFormat(0, 4, "Days with a withheld count have no bar. The numbers are in the table at the end.", "", 1, "L", false, 0, "")
	} else {
		p.CellFormat(0, 4, "The numbers are in the table at the end.", "", 1, "L", false, 0, "")
	}
}

func (pw *pdfWriter) breakdown(b *ReportBreakdown) {
	pw.heading(b.Title + " · " + b.TitleRU)
	head := []string{b.Title, b.TitleRU}
	aligns := "LL"
	for _, m := range b.Measures {
		head = append(head, MeasureLabel(m))
		aligns += "R"
	}
	if b.Counts(MeasureCalls) {
		head = append(head, "Share")
		aligns += "R"
	}
	label := 60.0
	rest := (pdfWidth - 2*label) / float64(len(head)-2)
	widths := []float64{label, label}
	for range head[2:] {
		widths = append(widths, rest)
	}
	var rows [][]string
	for _, x := range b.Rows {
		row := []string{x.Label, x.LabelRU}
		for _, m := range b.Measures {
			row = append(row, pw.r.Cell(x.cell(m)))
		}
		if b.Counts(MeasureCalls) {
			row = append(row, ShareText(x.Share))
		}
		rows = append(rows, row)
	}
	pw.table(widths, aligns, head, rows)
	if b.Note != "" {
		pw.p.SetFont("go", "", 7.5)
		pw.p.MultiCell(0, 4, b.Note, "", "L", false)
	}
}

func (pw *pdfWriter) responseTimes() {
	pw.heading("Response times · Время реакции")
	var rows [][]string
	for _, rt := range pw.r.ResponseTimes {
		rows = append(rows, []string{rt.Label, rt.LabelRU, pw.r.Cell(rt.Assigned), DurationText(rt.MedianToAssignment),
			pw.r.Cell(rt.Resolved), DurationText(rt.MedianToResolution)})
	}
	pw.table([]float64{28, 28, 28, 34, 28, 34}, "LLRRRR",
		[]string{"Urgency", "Срочность", "Assigned", "Median to assignment", "Resolved", "Median to resolution"}, rows)
	pw.p.SetFont("go", "", 7.5)
	pw.p.MultiCell(0, 4, ResponseRule, "", "L", false)
}

func (pw *pdfWriter) days() {
	pw.heading("By day · По дням")
	var rows [][]string
	for _, d := range pw.r.ByDay {
		rows = append(rows, []string{d.Date, pw.r.Cell(d.Calls), pw.r.Cell(d.Cases)})
	}
	pw.table([]float64{40, 30, 30}, "LRR", []string{"Date", "Calls", "New cases"}, rows)
}
