package stats

import (
	"himoya/models"

	"context"
	"reflect"
	"testing"
	"time"
)

// clock lets a test move the store's time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// retentionFixture is a hotline's history over four years, for the retention tests.
type retentionFixture struct {
	s       *Stats
	clk     *clock
	sup, cw *models.User
}

func newRetentionFixture(t *testing.T) *retentionFixture {
	s := openTest(t)
	clk := &clock{t: time.Date(2021, 1, 10, 9, 0, 0, 0, time.UTC)}
	s.store.Now = clk.now
	return &retentionFixture{s: s, clk: clk, sup: mkUser(t, s, "sup@example.org", models.RoleSupervisor),
		cw: mkUser(t, s, "cw@example.org", models.RoleCaseworker)}
}

// open records a call that opens a case on day at, by the caller given.
func (f *retentionFixture) open(t *testing.T, at time.Time, caller models.CallerInput, cat, summary string) *models.Case {
	t.Helper()
	f.clk.t = at
	people := 2
	cs, err := f.s.store.CreateCase(context.Background(), f.cw, models.IntakeInput{Channel: "phone", Caller: caller, CaseFields: models.CaseFields{
		Category: cat, Categories: []string{"document_destruction"}, Summary: summary, Region: "RU-MOW", City: "Moscow",
		PlaceType: "market", Perpetrator: "police", PeopleAffected: &people, Urgency: "high",
		Documents: []models.DocumentInput{{Document: "passport", Status: "torn"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// move takes a case through the workflow on day at, with a note on each move.
func (f *retentionFixture) move(t *testing.T, at time.Time, id uint, moves ...string) {
	t.Helper()
	f.clk.t = at
	for _, to := range moves {
		in := models.TransitionInput{To: to, Note: "note on " + to + " about the person"}
		switch to {
		case "assigned":
			in.AssigneeID = f.cw.ID
		case "resolved":
			in.Outcome = "released"
		}
		if _, err := f.s.store.Transition(context.Background(), f.sup, id, in); err != nil {
			t.Fatalf("case %d to %s: %v", id, to, err)
		}
	}
}

// call logs a call, on a case or (caseID 0) on its own.
func (f *retentionFixture) call(t *testing.T, at time.Time, caseID uint, caller models.CallerInput, summary string) *models.Contact {
	t.Helper()
	f.clk.t = at
	in := models.ContactInput{Channel: "whatsapp", Caller: caller, Summary: summary, Category: "consultation"}
	if caseID != 0 {
		in.CaseID = &caseID
	}
	ct, err := f.s.store.LogContact(context.Background(), f.cw, in)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }

// TestRetentionKeepsTheReports: retention erases personal data only, so the hotline's
// reports (internal and public, over both ends of the history) and the dashboard are the same
// before and after it (models' TestRetentionKeepsTheNumbers checks the raw counts on the same
// history).
func TestRetentionKeepsTheReports(t *testing.T) {
	f := newRetentionFixture(t)
	s, ctx := f.s, context.Background()
	alisher := models.CallerInput{Name: "Alisher Oldcase", Phone: "+992 90 111 11 11", Citizenship: "TJ", Language: "tg", SafeContact: "via his cousin Rustam"}
	bobur := models.CallerInput{Name: "Bobur Stillopen", Phone: "+998 90 222 22 22", Citizenship: "UZ"}
	chyngyz := models.CallerInput{Name: "Chyngyz Recent", Phone: "+996 555 333 333", Citizenship: "KG"}
	dilshod := models.CallerInput{Name: "Dilshod Twocases", Phone: "+992 91 444 44 44", Citizenship: "TJ"}
	info := models.CallerInput{Name: "Erkin Infoonly", Phone: "+998 91 555 55 55", Citizenship: "UZ"}

	// 2021: Alisher's case, closed in March 2021, with a follow-up call and a note.
	a := f.open(t, day(2021, 1, 10), alisher, "raid", "Alisher Oldcase detained at Sadovod market")
	f.call(t, day(2021, 1, 12), a.ID, models.CallerInput{ID: *a.CallerID}, "Alisher released, permit torn")
	f.clk.t = day(2021, 1, 13)
	if err := s.store.AddNote(ctx, f.cw, a.ID, "lawyer visited Alisher at the station"); err != nil {
		t.Fatal(err)
	}
	f.move(t, day(2021, 3, 1), a.ID, "assigned", "in_progress", "resolved", "closed")
	// 2021: Bobur's case, still being worked on.
	b := f.open(t, day(2021, 2, 5), bobur, "deportation", "Bobur Stillopen faces expulsion, appeal pending")
	f.move(t, day(2021, 2, 6), b.ID, "assigned", "in_progress")
	// 2021: Dilshod's first case, closed; his second, in 2025, is open.
	d1 := f.open(t, day(2021, 4, 1), dilshod, "police_extortion", "Dilshod Twocases paid police at the metro")
	f.move(t, day(2021, 5, 1), d1.ID, "assigned", "in_progress", "resolved", "closed")
	f.open(t, day(2025, 3, 1), models.CallerInput{ID: *d1.CallerID}, "raid", "Dilshod Twocases caught in a second raid")
	// 2021: resolved but never closed: not past retention.
	r := f.open(t, day(2021, 6, 1), models.CallerInput{Name: "Farrukh Resolvedonly", Citizenship: "TJ"}, "discrimination", "Farrukh Resolvedonly refused a flat")
	f.move(t, day(2021, 6, 2), r.ID, "assigned", "in_progress", "resolved")
	// 2024: Chyngyz's case, closed recently: within the period.
	c := f.open(t, day(2024, 5, 1), chyngyz, "hate_crime", "Chyngyz Recent attacked near the hostel")
	f.move(t, day(2024, 9, 1), c.ID, "assigned", "in_progress", "resolved", "closed")
	// Calls with no case: one old (its caller has nothing else), one recent.
	f.call(t, day(2021, 7, 1), 0, info, "Erkin asked about the patent fee")
	f.call(t, day(2025, 4, 1), 0, models.CallerInput{Name: "Gulnora Newinfo", Phone: "+7 916 666 66 66", Citizenship: "TJ"}, "Gulnora asked about registration")

	f.clk.t = day(2025, 6, 1) // cutoff with 24 months: 2023-06-01
	// The hotline's own reports (internal and public, over both ends of the history) and the
	// dashboard, as they are before retention.
	reports := func() []any {
		t.Helper()
		var out []any
		for _, period := range [][2]string{{"2021-01-01", "2023-12-31"}, {"2024-01-01", "2025-05-31"}} {
			for _, public := range []bool{false, true} {
				r, err := s.Report(ctx, f.sup, period[0], period[1], ReportOptions{Public: public, MinCell: 1})
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, r)
			}
		}
		for _, at := range []time.Time{day(2021, 3, 15), day(2025, 6, 1)} {
			d, err := s.Dashboard(ctx, f.sup, at, DefaultDashboardRules())
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
		}
		return out
	}
	reportsBefore := reports()
	if r := reportsBefore[0].(*Report); r.Cases != 4 || r.Calls != 6 {
		t.Fatalf("the 2021-2023 report counts %d cases and %d calls, want 4 and 6", r.Cases, r.Calls)
	}
	if _, err := s.store.RunRetention(ctx, models.DefaultRetentionMonths); err != nil {
		t.Fatal(err)
	}
	if reportsAfter := reports(); !reflect.DeepEqual(reportsBefore, reportsAfter) {
		for i := range reportsBefore {
			if !reflect.DeepEqual(reportsBefore[i], reportsAfter[i]) {
				t.Errorf("report %d changed:\nbefore %+v\nafter  %+v", i, reportsBefore[i], reportsAfter[i])
			}
		}
	}
}
