package views

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/csv"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"himoya/models"
	"himoya/models/stats"
)

// The fixture is the one of models/stats' report tests: the files are checked against
// numbers known by construction.

// reportFixture is a hotline's March 2024 whose report for 23-24 March is known by
// construction (times are Moscow time):
//
//	A  received 22 Mar 23:59 (previous period), raid, normal; assigned 23 Mar 00:30, resolved
//	   23 Mar 20:00 (fine_paid); a follow-up call without a caller on 23 Mar 15:00.
//	B  received 23 Mar 00:01, raid + illegal_detention, 3 people, critical, police, RU-MOW,
//	   caller TJ by phone; assigned 01:00, in progress 02:00, resolved 24 Mar 10:00 (released),
//	   reopened 26 Mar: resolved at the period's end, in progress today.
//	C  received 24 Mar 23:59 (recorded 25 Mar 00:30), illegal_detention, 1 person, high,
//	   RU-SPE, caller UZ by WhatsApp; assigned 25 Mar 01:00: new at the period's end.
//	D  received 25 Mar 00:01: after the period.
//	calls without a case: 23 Mar 12:00 consultation (caller KG, phone), 24 Mar 10:00 raid
//	(no caller, Telegram).
type reportFixture struct {
	s       *stats.Stats
	sup, cw *models.User
	clock   time.Time
	a, b, c *models.Case
	moscow  *time.Location
	ctx     context.Context
	t       *testing.T
}

func (f *reportFixture) at(s string) {
	f.t.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", s, f.moscow)
	if err != nil {
		f.t.Fatal(err)
	}
	f.clock = t
}

func (f *reportFixture) open(received string, in models.IntakeInput) *models.Case {
	f.t.Helper()
	in.ReceivedAt = received
	if in.Summary == "" {
		in.Summary = "Detained near the market"
	}
	cs, err := f.s.Store().CreateCase(f.ctx, f.cw, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return cs
}

func (f *reportFixture) move(cs *models.Case, by *models.User, in models.TransitionInput) {
	f.t.Helper()
	if _, err := f.s.Store().Transition(f.ctx, by, cs.ID, in); err != nil {
		f.t.Fatalf("move %s to %s: %v", cs.Reference, in.To, err)
	}
}

func (f *reportFixture) call(in models.ContactInput) {
	f.t.Helper()
	if _, err := f.s.Store().LogContact(f.ctx, f.cw, in); err != nil {
		f.t.Fatal(err)
	}
}

// newEmptyFixture is a store with a supervisor and a caseworker, on a clock the test sets.
func newEmptyFixture(t *testing.T) *reportFixture {
	s := openTest(t)
	f := &reportFixture{s: s, moscow: s.Store().Loc, ctx: context.Background(), t: t}
	s.Store().Now = func() time.Time { return f.clock }
	f.at("2024-03-01 09:00")
	f.sup = mkUser(t, s, "sup@example.org", models.RoleSupervisor)
	f.cw = mkUser(t, s, "cw@example.org", models.RoleCaseworker)
	return f
}

func newReportFixture(t *testing.T) *reportFixture {
	f := newEmptyFixture(t)
	three := 3

	f.at("2024-03-23 00:00")
	f.a = f.open("2024-03-22T23:59", models.IntakeInput{Channel: "phone", CaseFields: models.CaseFields{Category: "raid", Region: "RU-MOW"}})
	f.at("2024-03-23 00:05")
	f.b = f.open("2024-03-23T00:01", models.IntakeInput{Channel: "phone", Caller: models.CallerInput{Name: "Farrukh", Phone: "+992931234567", Citizenship: "TJ"},
		CaseFields: models.CaseFields{Category: "raid", Categories: []string{"illegal_detention"}, Region: "RU-MOW", Perpetrator: "police",
			PeopleAffected: &three, Urgency: "critical"}})
	f.at("2024-03-23 00:30")
	f.move(f.a, f.sup, models.TransitionInput{To: "assigned", AssigneeID: f.cw.ID})
	f.at("2024-03-23 00:40")
	f.move(f.a, f.cw, models.TransitionInput{To: "in_progress"})
	f.at("2024-03-23 01:00")
	f.move(f.b, f.sup, models.TransitionInput{To: "assigned", AssigneeID: f.cw.ID})
	f.at("2024-03-23 02:00")
	f.move(f.b, f.cw, models.TransitionInput{To: "in_progress"})
	f.at("2024-03-23 12:00")
	f.call(models.ContactInput{ReceivedAt: "2024-03-23T12:00", Channel: "phone", Category: "consultation",
		Caller: models.CallerInput{Name: "Dilshod", Phone: "+996555123456", Citizenship: "KG"}, Summary: "Asked about a patent"})
	f.at("2024-03-23 15:00")
	f.call(models.ContactInput{ReceivedAt: "2024-03-23T15:00", Channel: "phone", CaseID: &f.a.ID, Summary: "Brother called"})
	f.at("2024-03-23 20:00")
	f.move(f.a, f.cw, models.TransitionInput{To: "resolved", Outcome: "fine_paid"})
	f.at("2024-03-24 10:00")
	f.call(models.ContactInput{ReceivedAt: "2024-03-24T10:00", Channel: "telegram", Category: "raid", Summary: "Raid at a dormitory"})
	f.move(f.b, f.cw, models.TransitionInput{To: "resolved", Outcome: "released"})
	f.at("2024-03-25 00:30")
	f.c = f.open("2024-03-24T23:59", models.IntakeInput{Channel: "whatsapp", Caller: models.CallerInput{Name: "Aziz", Phone: "+998901234567", Citizenship: "UZ"},
		CaseFields: models.CaseFields{Category: "illegal_detention", Region: "RU-SPE", Urgency: "high"}})
	f.open("2024-03-25T00:01", models.IntakeInput{Channel: "phone", CaseFields: models.CaseFields{Category: "deportation", Region: "RU-MOW"}})
	f.at("2024-03-25 01:00")
	f.move(f.c, f.sup, models.TransitionInput{To: "assigned", AssigneeID: f.cw.ID})
	f.at("2024-03-26 09:00")
	f.move(f.b, f.cw, models.TransitionInput{To: "in_progress"})
	f.at("2024-04-02 09:00")
	return f
}

// openTest opens a fresh database in a temporary folder through the production path.
func openTest(t testing.TB) *stats.Stats {
	t.Helper()
	s, err := models.Open(context.Background(), models.Options{Path: filepath.Join(t.TempDir(), "himoya.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return stats.New(s)
}

// mkUser adds an account.
func mkUser(t testing.TB, s *stats.Stats, email string, role models.Role) *models.User {
	t.Helper()
	u, err := s.Store().CreateUser(context.Background(), models.UserInput{Email: email, Role: role, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestReportExports(t *testing.T) {
	f := newReportFixture(t)
	r, err := f.s.Report(f.ctx, f.sup, "2024-03-23", "2024-03-24", stats.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := f.s.Report(f.ctx, f.sup, "2024-03-23", "2024-03-24", stats.ReportOptions{Public: true})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteReportCSV(&buf, pub); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("\ufeff")) {
			t.Fatal("no byte-order mark")
		}
		recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		find := func(b, k, m string) string {
			for _, rec := range recs {
				if rec[0] == b && rec[1] == k && rec[4] == m {
					return rec[5]
				}
			}
			return "missing"
		}
		if strings.Join(recs[0], ",") != "breakdown,key,label,label_ru,measure,value" {
			t.Errorf("header %v", recs[0])
		}
		for _, tc := range [][4]string{
			{"summary", "calls", "value", "5"}, {"summary", "calls", "previous", "1"},
			{"category", "raid", "calls", "x"}, {"status", "in_progress", "cases", "x"},
			{"report", "headline", "ru", pub.Headline.RU},
		} {
			if got := find(tc[0], tc[1], tc[2]); got != tc[3] {
				t.Errorf("%s %s %s = %q, want %q", tc[0], tc[1], tc[2], got, tc[3])
			}
		}
		if !strings.Contains(find("report", "rule", "text"), "withheld") {
			t.Error("the rule is not stated")
		}
	})

	t.Run("xlsx", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteReportXLSX(&buf, r); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		sheets := strings.Join(x.GetSheetList(), "|")
		if sheets != "Summary|Category|Region|Citizenship|Perpetrator|Channel|Outcome|Status|Event|By day|Response times" {
			t.Errorf("sheets %s", sheets)
		}
		if v, _ := x.GetCellValue("Summary", "B5"); v != r.Headline.EN {
			t.Errorf("headline cell %q", v)
		}
		// Counts are numbers, not text.
		for _, c := range []struct{ sheet, cell, want string }{
			{"Summary", "C9", "5"}, {"Category", "D2", "3"}, {"By day", "B2", "3"}, {"Channel", "D2", "3"},
		} {
			v, _ := x.GetCellValue(c.sheet, c.cell)
			typ, _ := x.GetCellType(c.sheet, c.cell)
			if v != c.want || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
				t.Errorf("%s!%s = %q (type %v), want the number %s", c.sheet, c.cell, v, typ, c.want)
			}
		}
		if v, _ := x.GetCellValue("Category", "C2"); v != "Рейд полиции" {
			t.Errorf("Russian label %q", v)
		}
		var found bool
		for _, name := range zipNames(t, r) {
			if strings.HasPrefix(name, "xl/charts/chart") {
				found = true
			}
		}
		if !found {
			t.Error("no chart in the workbook")
		}

		var pbuf bytes.Buffer
		if err := WriteReportXLSX(&pbuf, pub); err != nil {
			t.Fatal(err)
		}
		px, err := excelize.OpenReader(&pbuf)
		if err != nil {
			t.Fatal(err)
		}
		defer px.Close()
		if v, _ := px.GetCellValue("Category", "D2"); v != "x" {
			t.Errorf("withheld cell %q", v)
		}
		if v, _ := px.GetCellValue("Summary", "C9"); v != "5" {
			t.Errorf("public total %q", v)
		}
	})

	t.Run("pdf", func(t *testing.T) {
		var buf bytes.Buffer
		if err := writeReportPDF(&buf, r, true); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		if !bytes.HasPrefix(data, []byte("%PDF-")) {
			t.Fatal("not a PDF")
		}
		if n := pdfPages(data); n < 2 {
			t.Errorf("%d pages", n)
		}
		// Lines wrap where the PDF chose: compare without spaces.
		text := strings.Join(strings.Fields(pdfText(data)), "")
		for _, want := range []string{r.Headline.EN, r.Headline.RU, "Рейд полиции", "Calls per day", "Незаконное задержание"} {
			if !strings.Contains(text, strings.Join(strings.Fields(want), "")) {
				t.Errorf("PDF text lacks %q", want)
			}
		}
	})
}

// zipNames lists the parts of the report's workbook.
func zipNames(t *testing.T, r *stats.Report) []string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteReportXLSX(&b, r); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range zr.File {
		out = append(out, f.Name)
	}
	return out
}

var (
	pdfStream = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)
	pdfPage   = regexp.MustCompile(`/Type /Page\b[^s]`)
)

// pdfPages counts the pages of a PDF written by fpdf.
func pdfPages(data []byte) int { return len(pdfPage.FindAll(data, -1)) }

// pdfText extracts the text shown by a PDF written by fpdf with UTF-8 fonts: it inflates the
// streams and decodes the UTF-16 strings of their Tj and TJ operators.
func pdfText(data []byte) string {
	var out strings.Builder
	for _, m := range pdfStream.FindAllSubmatch(data, -1) {
		body := m[1]
		if zr, err := zlib.NewReader(bytes.NewReader(body)); err == nil {
			if b, err := io.ReadAll(zr); err == nil {
				body = b
			}
		}
		for _, s := range pdfStrings(body) {
			if len(s)%2 != 0 {
				continue
			}
			u := make([]uint16, len(s)/2)
			for i := range u {
				u[i] = uint16(s[2*i])<<8 | uint16(s[2*i+1])
			}
			out.WriteString(string(utf16.Decode(u)))
		}
		out.WriteString("\n")
	}
	return out.String()
}

// pdfStrings returns the literal strings of a content stream that are shown with Tj.
func pdfStrings(b []byte) [][]byte {
	var out [][]byte
	for i := 0; i < len(b); i++ {
		if b[i] != '(' {
			continue
		}
		var s []byte
		j := i + 1
		for ; j < len(b) && b[j] != ')'; j++ {
			if b[j] == '\\' && j+1 < len(b) {
				j++
				switch b[j] {
				case 'r':
					s = append(s, '\r')
				case 'n':
					s = append(s, '\n')
				default:
					s = append(s, b[j])
				}
				continue
			}
			s = append(s, b[j])
		}
		if bytes.HasPrefix(b[j:], []byte(")Tj")) {
			out = append(out, s)
		}
		i = j
	}
	return out
}
