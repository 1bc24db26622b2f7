package models

import (
	"context"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// clock lets a test move the store's time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// retentionFixture is a hotline's history over four years, for the retention tests.
type retentionFixture struct {
	s       *Store
	clk     *clock
	sup, cw *User
}

func newRetentionFixture(t *testing.T) *retentionFixture {
	s := openTest(t)
	clk := &clock{t: time.Date(2021, 1, 10, 9, 0, 0, 0, time.UTC)}
	s.Now = clk.now
	return &retentionFixture{s: s, clk: clk, sup: mkUser(t, s, "sup@example.org", RoleSupervisor),
		cw: mkUser(t, s, "cw@example.org", RoleCaseworker)}
}

// open records a call that opens a case on day at, by the caller given.
func (f *retentionFixture) open(t *testing.T, at time.Time, caller CallerInput, cat, summary string) *Case {
	t.Helper()
	f.clk.t = at
	people := 2
	cs, err := f.s.CreateCase(context.Background(), f.cw, IntakeInput{Channel: "phone", Caller: caller, CaseFields: CaseFields{
		Category: cat, Categories: []string{"document_destruction"}, Summary: summary, Region: "RU-MOW", City: "Moscow",
		PlaceType: "market", Perpetrator: "police", PeopleAffected: &people, Urgency: "high",
		Documents: []DocumentInput{{Document: "passport", Status: "torn"}}}})
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
		in := TransitionInput{To: to, Note: "note on " + to + " about the person"}
		switch to {
		case "assigned":
			in.AssigneeID = f.cw.ID
		case "resolved":
			in.Outcome = "released"
		}
		if _, err := f.s.Transition(context.Background(), f.sup, id, in); err != nil {
			t.Fatalf("case %d to %s: %v", id, to, err)
		}
	}
}

// call logs a call, on a case or (caseID 0) on its own.
func (f *retentionFixture) call(t *testing.T, at time.Time, caseID uint, caller CallerInput, summary string) *Contact {
	t.Helper()
	f.clk.t = at
	in := ContactInput{Channel: "whatsapp", Caller: caller, Summary: summary, Category: "consultation"}
	if caseID != 0 {
		in.CaseID = &caseID
	}
	ct, err := f.s.LogContact(context.Background(), f.cw, in)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }

// sealedIn finds every sealed value in the database file and its WAL and opens it with the
// keyring, as someone holding both the database and the key file would. A value's end is not
// marked in a page, so each candidate is tried at every length.
func sealedIn(t *testing.T, s *Store, path string) []string {
	t.Helper()
	re := regexp.MustCompile(`hk[0-9]+\.[0-9]+\.[A-Za-z0-9+/]{20,}`)
	var out []string
	for _, file := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(file)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAll(data, -1) {
			for n := len(m); n > 20; n-- {
				if plain, err := s.keys.Open(string(m[:n])); err == nil {
					out = append(out, plain)
					break
				}
			}
		}
	}
	return out
}

// TestRetentionKeepsTheNumbers: retention erases the personal data of cases closed before the
// retention period, of old calls with no case, and of callers with nothing left within it;
// every count is the same before and after (the reports and the dashboard too: see
// models/stats); open and recent cases keep their data; nothing
// erased can be read back from the database file or its WAL, even with the key file.
func TestRetentionKeepsTheNumbers(t *testing.T) {
	f := newRetentionFixture(t)
	s, ctx := f.s, context.Background()
	alisher := CallerInput{Name: "Alisher Oldcase", Phone: "+992 90 111 11 11", Citizenship: "TJ", Language: "tg", SafeContact: "via his cousin Rustam"}
	bobur := CallerInput{Name: "Bobur Stillopen", Phone: "+998 90 222 22 22", Citizenship: "UZ"}
	chyngyz := CallerInput{Name: "Chyngyz Recent", Phone: "+996 555 333 333", Citizenship: "KG"}
	dilshod := CallerInput{Name: "Dilshod Twocases", Phone: "+992 91 444 44 44", Citizenship: "TJ"}
	info := CallerInput{Name: "Erkin Infoonly", Phone: "+998 91 555 55 55", Citizenship: "UZ"}

	// 2021: Alisher's case, closed in March 2021, with a follow-up call and a note.
	a := f.open(t, day(2021, 1, 10), alisher, "raid", "Alisher Oldcase detained at Sadovod market")
	f.call(t, day(2021, 1, 12), a.ID, CallerInput{ID: *a.CallerID}, "Alisher released, permit torn")
	f.clk.t = day(2021, 1, 13)
	if err := s.AddNote(ctx, f.cw, a.ID, "lawyer visited Alisher at the station"); err != nil {
		t.Fatal(err)
	}
	f.move(t, day(2021, 3, 1), a.ID, "assigned", "in_progress", "resolved", "closed")
	// 2021: Bobur's case, still being worked on.
	b := f.open(t, day(2021, 2, 5), bobur, "deportation", "Bobur Stillopen faces expulsion, appeal pending")
	f.move(t, day(2021, 2, 6), b.ID, "assigned", "in_progress")
	// 2021: Dilshod's first case, closed; his second, in 2025, is open.
	d1 := f.open(t, day(2021, 4, 1), dilshod, "police_extortion", "Dilshod Twocases paid police at the metro")
	f.move(t, day(2021, 5, 1), d1.ID, "assigned", "in_progress", "resolved", "closed")
	d2 := f.open(t, day(2025, 3, 1), CallerInput{ID: *d1.CallerID}, "raid", "Dilshod Twocases caught in a second raid")
	// 2021: resolved but never closed: not past retention.
	r := f.open(t, day(2021, 6, 1), CallerInput{Name: "Farrukh Resolvedonly", Citizenship: "TJ"}, "discrimination", "Farrukh Resolvedonly refused a flat")
	f.move(t, day(2021, 6, 2), r.ID, "assigned", "in_progress", "resolved")
	// 2024: Chyngyz's case, closed recently: within the period.
	c := f.open(t, day(2024, 5, 1), chyngyz, "hate_crime", "Chyngyz Recent attacked near the hostel")
	f.move(t, day(2024, 9, 1), c.ID, "assigned", "in_progress", "resolved", "closed")
	// Calls with no case: one old (its caller has nothing else), one recent.
	oldInfo := f.call(t, day(2021, 7, 1), 0, info, "Erkin asked about the patent fee")
	newInfo := f.call(t, day(2025, 4, 1), 0, CallerInput{Name: "Gulnora Newinfo", Phone: "+7 916 666 66 66", Citizenship: "TJ"}, "Gulnora asked about registration")

	f.clk.t = day(2025, 6, 1) // cutoff with 24 months: 2023-06-01
	before, err := s.Count(ctx, CountRange{})
	if err != nil {
		t.Fatal(err)
	}
	if before.Cases != 6 || before.Calls != 9 || before.PeopleAffected != 12 || before.CasesBy["status"]["closed"] != 3 ||
		before.CasesBy["citizenship"]["TJ"] != 4 || before.CallsBy["month"]["2021-01"] != 2 || before.CasesBy["categories"]["document_destruction"] != 6 {
		t.Fatalf("counts before: %+v", before)
	}

	rep, err := s.RunRetention(ctx, DefaultRetentionMonths)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases != 2 || rep.Callers != 2 || rep.Calls != 1 || !rep.Checkpointed {
		t.Fatalf("report %+v, want 2 cases (Alisher's, Dilshod's first), 2 callers (Alisher, Erkin), 1 call", rep)
	}
	after, err := s.Count(ctx, CountRange{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("the numbers changed:\nbefore %+v\nafter  %+v", before, after)
	}

	// Erased: Alisher's case, call, notes and record; Dilshod's first case; Erkin's call and record.
	ga, _ := s.GetCase(ctx, f.sup, a.ID)
	if ga.Summary != "" || ga.ErasedAt == nil || ga.Caller.Name != "" || ga.Caller.Phone != "" || ga.Caller.SafeContact != "" ||
		ga.Caller.ErasedAt == nil || ga.Caller.PhoneIndex != "" {
		t.Fatalf("Alisher's case kept personal data: %+v %+v", ga, ga.Caller)
	}
	if ga.Caller.Citizenship != "TJ" || ga.Caller.Language != "tg" || ga.Category != "raid" || ga.City != "Moscow" ||
		ga.Outcome != "released" || ga.Status != StatusClosed || ga.PeopleAffected != 2 || len(ga.Documents) != 1 || ga.Reference != a.Reference {
		t.Fatalf("Alisher's case lost a non-identifying field: %+v", ga)
	}
	for _, ct := range ga.Contacts {
		if ct.Summary != "" {
			t.Errorf("a call of Alisher's case kept its summary")
		}
	}
	for _, e := range ga.Entries {
		if e.Note != "" {
			t.Errorf("a %s entry of Alisher's case kept its note", e.Kind)
		}
	}
	if m, err := s.FindCallers(ctx, f.sup, alisher.Phone); err != nil || len(m) != 0 {
		t.Errorf("the phone lookup still finds Alisher: %v %v", m, err)
	}
	gd1, _ := s.GetCase(ctx, f.sup, d1.ID)
	if gd1.Summary != "" || gd1.ErasedAt == nil {
		t.Errorf("Dilshod's closed case kept its summary")
	}
	// Kept: Dilshod himself (his 2025 case is open), Bobur's open case, the resolved case,
	// Chyngyz's recent case, the recent call.
	if gd1.Caller.Name != "Dilshod Twocases" || gd1.Caller.ErasedAt != nil {
		t.Errorf("Dilshod was erased while his other case is open: %+v", gd1.Caller)
	}
	if m, _ := s.FindCallers(ctx, f.sup, dilshod.Phone); len(m) != 1 {
		t.Errorf("the phone lookup lost Dilshod")
	}
	for _, k := range []struct {
		id      uint
		summary string
		moved   bool // the moves left notes
	}{{b.ID, "Bobur Stillopen faces", true}, {d2.ID, "second raid", false}, {r.ID, "refused a flat", true}, {c.ID, "attacked near the hostel", true}} {
		g, _ := s.GetCase(ctx, f.sup, k.id)
		if !strings.Contains(g.Summary.String(), k.summary) || g.ErasedAt != nil || g.Caller.Name == "" || (k.moved && g.Entries[len(g.Entries)-1].Note == "") {
			t.Errorf("case %s lost its data: %q", g.Reference, g.Summary)
		}
	}
	var calls []Contact
	s.rdb(ctx).Preload("Caller").Where("id IN ?", []uint{oldInfo.ID, newInfo.ID}).Order("id").Find(&calls)
	if calls[0].Summary != "" || calls[0].ErasedAt == nil || calls[0].Caller.Name != "" || calls[0].Caller.Citizenship != "UZ" {
		t.Errorf("the old call with no case kept personal data: %+v %+v", calls[0], calls[0].Caller)
	}
	if calls[1].Summary == "" || calls[1].Caller.Name != "Gulnora Newinfo" {
		t.Errorf("the recent call lost its data: %+v", calls[1])
	}

	// The run is in the audit log, with counts only.
	var last AuditEntry
	s.rdb(ctx).Where("action = ?", AuditRetentionRun).Order("id DESC").First(&last)
	if last.Detail != "cases=2 callers=2 calls=1" || last.ActorID != nil {
		t.Errorf("audit entry %+v", last)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}

	// Nothing erased is left in the files, even for someone holding the key file; what is
	// kept is there (so the search could find it).
	plains := strings.Join(sealedIn(t, s, dbPath(t, s)), "\n")
	for _, gone := range []string{"Alisher", "Sadovod", "lawyer visited", "cousin Rustam", "111 11 11", "paid police", "Erkin", "patent fee"} {
		if strings.Contains(plains, gone) {
			t.Errorf("%q can still be read from the database files", gone)
		}
	}
	for _, kept := range []string{"Bobur Stillopen", "attacked near the hostel", "Gulnora"} {
		if !strings.Contains(plains, kept) {
			t.Errorf("%q is not found in the database files: the scan cannot see sealed values", kept)
		}
	}

	// Running again erases nothing more and records it.
	rep, err = s.RunRetention(ctx, DefaultRetentionMonths)
	if err != nil || rep.Cases+rep.Callers+rep.Calls != 0 {
		t.Fatalf("second run: %+v %v", rep, err)
	}
	last = AuditEntry{}
	s.rdb(ctx).Where("action = ?", AuditRetentionRun).Order("id DESC").First(&last)
	if last.ID == 0 || last.Detail != "cases=0 callers=0 calls=0" {
		t.Errorf("second run's entry %+v", last)
	}

	// A note added to an erased closed case is erased by the next run.
	if err := s.AddNote(ctx, f.sup, a.ID, "Alisher called again"); err != nil {
		t.Fatal(err)
	}
	if rep, _ = s.RunRetention(ctx, DefaultRetentionMonths); rep.Cases != 1 {
		t.Errorf("a new note on an erased case was not erased: %+v", rep)
	}

	// A shorter period reaches Chyngyz's case (closed 2024-09) too, and still keeps the numbers.
	if rep, _ = s.RunRetention(ctx, 6); rep.Cases != 1 || rep.Callers != 1 {
		t.Errorf("6 months: %+v", rep)
	}
	after, _ = s.Count(ctx, CountRange{})
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("the numbers changed after a second period")
	}
	if _, err := s.RunRetention(ctx, 0); err == nil {
		t.Error("a retention period of 0 months was accepted")
	}
}

// dbPath is the file of the store's database.
func dbPath(t *testing.T, s *Store) string {
	t.Helper()
	var rows []struct {
		Seq        int
		Name, File string
	}
	if err := s.wdb(context.Background()).Raw("PRAGMA database_list").Scan(&rows).Error; err != nil || len(rows) == 0 {
		t.Fatal(err)
	}
	return rows[0].File
}

// TestSecureDeleteOnTheWriter: the writer overwrites what it deletes.
func TestSecureDeleteOnTheWriter(t *testing.T) {
	s := openTest(t)
	var v int
	if err := s.wdb(context.Background()).Raw("PRAGMA secure_delete").Scan(&v).Error; err != nil || v != 1 {
		t.Fatalf("secure_delete = %d (%v), want 1", v, err)
	}
}

// TestRetentionInBatches: a run larger than one batch erases everything, and leaves one
// entry per batch and one for the run.
func TestRetentionInBatches(t *testing.T) {
	f := newRetentionFixture(t)
	s, ctx := f.s, context.Background()
	n := retentionBatch + 3
	f.clk.t = day(2020, 1, 1)
	// One case through the intake, copied n-1 times straight into the table (the intake
	// would take a while), all closed in 2020.
	cs := mkCase(t, s, f.cw)
	err := s.db.Exec(`INSERT INTO cases(reference, status, version, category, summary, region, city, place_type, perpetrator,
		people_affected, urgency, opened_by_id, received_at, created_at, updated_at)
		WITH RECURSIVE seq(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		SELECT 'T-' || i, status, version, category, summary, region, city, place_type, perpetrator, people_affected, urgency,
		opened_by_id, received_at, created_at, updated_at FROM cases, seq WHERE cases.id = ?`, n, cs.ID).Error
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec("UPDATE cases SET status = 'closed', closed_at = ?", day(2020, 2, 1)).Error; err != nil {
		t.Fatal(err)
	}
	f.clk.t = day(2025, 1, 1)
	rep, err := s.RunRetention(ctx, 24)
	if err != nil || rep.Cases != n {
		t.Fatalf("%+v %v", rep, err)
	}
	var left int64
	s.db.Table("cases").Where("summary <> ''").Count(&left)
	if left != 0 {
		t.Errorf("%d cases kept their summary", left)
	}
	var runs, batches int64
	s.db.Model(&AuditEntry{}).Where("action = ?", AuditRetentionRun).Count(&runs)
	s.db.Model(&AuditEntry{}).Where("action = ?", AuditRetentionErase).Count(&batches)
	if runs != 1 || batches != 2 {
		t.Errorf("%d run entries and %d batch entries, want 1 and 2", runs, batches)
	}
}

// TestForgetCaller: a supervisor erases one person everywhere, for a reason code.
func TestForgetCaller(t *testing.T) {
	f := newRetentionFixture(t)
	s, ctx := f.s, context.Background()
	f.clk.t = day(2025, 1, 1)
	zarina := CallerInput{Name: "Zarina Forgetme", Phone: "+992 93 777 88 99", Citizenship: "TJ", SafeContact: "text only"}
	// Her own case, a case she shares with another caller, and a call with no case.
	own := f.open(t, day(2025, 1, 1), zarina, "forced_return", "Zarina Forgetme fears abduction by home-country officials")
	zid := *own.CallerID
	f.call(t, day(2025, 1, 2), own.ID, CallerInput{ID: zid}, "she moved to another flat")
	shared := f.open(t, day(2025, 1, 3), CallerInput{Name: "Kamol Other", Citizenship: "UZ"},
		"raid", "Kamol and ZARINA were detained together; call Zarina on +992 (93) 777-88-99")
	f.call(t, day(2025, 1, 4), shared.ID, CallerInput{ID: zid}, "Zarina confirmed the raid")
	f.clk.t = day(2025, 1, 5)
	if err := s.AddNote(ctx, f.cw, shared.ID, "Forgetme's lawyer is on it; Kamol's too"); err != nil {
		t.Fatal(err)
	}
	f.call(t, day(2025, 1, 6), 0, CallerInput{ID: zid}, "Zarina asked about her patent")
	other := f.open(t, day(2025, 1, 7), CallerInput{Name: "Zarinabonu Different", Citizenship: "TJ"}, "raid", "Zarinabonu Different, not the same person")
	before, _ := s.Count(ctx, CountRange{})
	fp, err := s.CallerFootprint(ctx, f.sup, zid)
	if err != nil || len(fp.Cases) != 2 || fp.Calls != 4 || !fp.Cases[1].Sole || fp.Cases[0].Sole {
		t.Fatalf("footprint %+v %v", fp, err)
	}

	if _, err := s.ForgetCaller(ctx, f.cw, zid, "safety_risk"); !errors.Is(err, ErrForbidden) {
		t.Errorf("a caseworker forgot a person: %v", err)
	}
	var ve *ValidationError
	if _, err := s.ForgetCaller(ctx, f.sup, zid, "she asked"); !errors.As(err, &ve) {
		t.Errorf("a free-text reason was accepted: %v", err)
	}
	if _, err := s.ForgetCaller(ctx, f.sup, 9999, "safety_risk"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown caller: %v", err)
	}
	rep, err := s.ForgetCaller(ctx, f.sup, zid, "safety_risk")
	if err != nil || rep.Cases != 2 || rep.Calls != 4 || rep.FirstCase != own.ID {
		t.Fatalf("forget: %+v %v", rep, err)
	}
	after, _ := s.Count(ctx, CountRange{})
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("the numbers changed:\nbefore %+v\nafter  %+v", before, after)
	}
	g, _ := s.GetCase(ctx, f.sup, own.ID)
	if g.Summary != "" || g.ErasedAt == nil || g.Caller.Name != "" || g.Caller.Phone != "" || g.Caller.SafeContact != "" ||
		g.Caller.Citizenship != "TJ" || g.Contacts[1].Summary != "" || g.Version != own.Version+1 {
		t.Errorf("her own case: %+v", g)
	}
	g, _ = s.GetCase(ctx, f.sup, shared.ID)
	want := "Kamol and [erased] were detained together; call [erased] on [erased]"
	if g.Summary.String() != want || g.ErasedAt != nil || g.Caller.Name != "Kamol Other" {
		t.Errorf("shared case summary %q, want %q", g.Summary, want)
	}
	if g.Contacts[1].Summary != "" || g.Contacts[0].Summary.String() != want {
		t.Errorf("shared case's calls: %q / %q", g.Contacts[0].Summary, g.Contacts[1].Summary)
	}
	if n := g.Entries[len(g.Entries)-1].Note.String(); n != "[erased]'s lawyer is on it; Kamol's too" {
		t.Errorf("shared case's note: %q", n)
	}
	g, _ = s.GetCase(ctx, f.sup, other.ID)
	if g.Summary.String() != "Zarinabonu Different, not the same person" {
		t.Errorf("another person's case was touched: %q", g.Summary)
	}
	var info Contact
	s.rdb(ctx).Where("caller_id = ? AND case_id IS NULL", zid).First(&info)
	if info.Summary != "" {
		t.Errorf("her call with no case kept its summary")
	}
	if m, _ := s.FindCallers(ctx, f.sup, zarina.Phone); len(m) != 0 {
		t.Errorf("the phone lookup still finds her")
	}
	if p, _ := s.ListCases(ctx, f.sup, CaseFilter{Q: "forgetme"}); p.Total != 0 {
		t.Errorf("search still finds her: %d", p.Total)
	}
	var last AuditEntry
	s.rdb(ctx).Where("action = ?", AuditCallerForget).Order("id DESC").First(&last)
	if last.Action != AuditCallerForget || last.Object != ObjectCaller || last.ObjectID == nil || *last.ObjectID != zid ||
		last.ActorID == nil || *last.ActorID != f.sup.ID || last.Detail != "reason=safety_risk cases=2 calls=4" {
		t.Errorf("audit entry %+v", last)
	}
	plains := strings.Join(sealedIn(t, s, dbPath(t, s)), "\n")
	for _, gone := range []string{"Forgetme", "777", "text only", "abduction", "another flat", "her patent"} {
		if strings.Contains(plains, gone) {
			t.Errorf("%q can still be read from the database files", gone)
		}
	}
	if !strings.Contains(plains, "Kamol Other") {
		t.Error("the scan does not see what is kept")
	}
}

// TestRedactor: names as whole words in any case, and phones in any spelling.
func TestRedactor(t *testing.T) {
	r := redactor("Зарина Каримова", "+7 916 123-45-67")
	for in, want := range map[string]string{
		"ЗАРИНА КАРИМОВА задержана":         "[erased] задержана",
		"звонила каримова, тел 89161234567": "звонила [erased], тел [erased]",
		"Зарина's friend":                   "[erased]'s friend",
		"Заринабону, other person":          "Заринабону, other person",
		"call (916) 123 45 67 or 916 000":   "call [erased] or 916 000",
		"nothing here":                      "nothing here",
	} {
		if got := r(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
	if got := redactor("", "")("Anything 123 4567 890"); got != "Anything 123 4567 890" {
		t.Errorf("an empty person redacted %q", got)
	}
}

// TestMigration10: erased_at is added to the tables, empty.
func TestMigration10(t *testing.T) {
	s := openTest(t)
	for _, table := range []string{"cases", "contacts", "callers"} {
		if !s.db.Migrator().HasColumn(table, "erased_at") {
			t.Errorf("%s has no erased_at", table)
		}
	}
}
