package app

import (
	"himoya/models/stats"

	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"himoya/models"
)

// cli runs himoya's command line against a database in a temporary folder, with an
// environment of its own: the process's environment is never read.
type cli struct {
	t     *testing.T
	db    string
	env   map[string]string
	rawDB *gorm.DB
}

func newCLI(t *testing.T) *cli {
	db := filepath.Join(t.TempDir(), "himoya.db")
	return &cli{t: t, db: db, env: map[string]string{"HIMOYA_DB": db}}
}

func (c *cli) getenv(k string) string { return c.env[k] }

// run runs `himoya args...` with stdin and returns the exit code and what it printed.
func (c *cli) run(stdin string, args ...string) (int, string) {
	c.t.Helper()
	var out strings.Builder
	code := Run(context.Background(), append([]string{"himoya"}, args...), c.getenv, strings.NewReader(stdin), &out)
	return code, out.String()
}

// store opens the command's database the way the app does.
func (c *cli) store() *models.Store {
	c.t.Helper()
	s, err := models.Open(context.Background(), models.Options{Path: c.db})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { s.Close() })
	return s
}

// raw opens the database file directly, to look at what is stored.
func (c *cli) raw() *gorm.DB {
	c.t.Helper()
	if c.rawDB != nil {
		return c.rawDB
	}
	g, err := gorm.Open(sqlite.Open(c.db), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() {
		if d, err := g.DB(); err == nil {
			d.Close()
		}
	})
	c.rawDB = g
	return g
}

func (c *cli) count(q string, args ...any) int64 {
	c.t.Helper()
	var n int64
	if err := c.raw().Raw(q, args...).Scan(&n).Error; err != nil {
		c.t.Fatalf("%s: %v", q, err)
	}
	return n
}

const cliPassword = "a long enough password"

func TestCLIHelpAndUnknownCommand(t *testing.T) {
	c := newCLI(t)
	code, out := c.run("", "help")
	if code != 0 || !strings.Contains(out, "Usage:") || !strings.Contains(out, "himoya demo") {
		t.Fatalf("help: exit %d, output %q", code, out)
	}
	code, out = c.run("", "frobnicate")
	if code != 2 || !strings.Contains(out, "unknown command") || !strings.Contains(out, "Usage:") {
		t.Fatalf("unknown command: exit %d, output %q", code, out)
	}
}

func TestCLIUnknownTimeZone(t *testing.T) {
	c := newCLI(t)
	c.env["HIMOYA_TZ"] = "Mars/Olympus_Mons"
	code, out := c.run("", "user", "add", "-email", "cw@example.org", "-role", "caseworker")
	if code == 0 || !strings.Contains(out, "HIMOYA_TZ") || !strings.Contains(out, "unknown time zone") {
		t.Fatalf("unknown HIMOYA_TZ: exit %d, output %q", code, out)
	}
	if _, err := os.Stat(c.db); !os.IsNotExist(err) {
		t.Fatal("a bad configuration still created the database")
	}
}

func TestCLIUserAdd(t *testing.T) {
	c := newCLI(t)
	// The password is the first line of stdin; a Windows line end is not part of it.
	code, out := c.run(cliPassword+"\r\nsecond line\n", "user", "add", "-email", "CW@Example.org", "-role", "caseworker", "-name", "Ann Example")
	if code != 0 {
		t.Fatalf("user add: exit %d, output %q", code, out)
	}
	if strings.Contains(out, cliPassword) {
		t.Fatal("user add printed the password")
	}
	s := c.store()
	u, err := s.Authenticate(context.Background(), "cw@example.org", cliPassword, "cli-test")
	if err != nil {
		t.Fatalf("the new account does not log in: %v", err)
	}
	if u.Role != models.RoleCaseworker || u.Name != "Ann Example" {
		t.Fatalf("account is %s %q", u.Role, u.Name)
	}
}

func TestCLIUserAddRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"short password", "short pw\n", []string{"user", "add", "-email", "cw@example.org", "-role", "caseworker"}, 1, "at least 12"},
		{"empty stdin", "", []string{"user", "add", "-email", "cw@example.org", "-role", "caseworker"}, 1, "password"},
		{"bad role", cliPassword + "\n", []string{"user", "add", "-email", "cw@example.org", "-role", "boss"}, 2, "Usage:"},
		{"missing email", cliPassword + "\n", []string{"user", "add", "-role", "caseworker"}, 2, "Usage:"},
		{"missing role", cliPassword + "\n", []string{"user", "add", "-email", "cw@example.org"}, 2, "Usage:"},
		{"bad e-mail", cliPassword + "\n", []string{"user", "add", "-email", "not-an-address", "-role", "caseworker"}, 1, "e-mail"},
		{"unknown flag", cliPassword + "\n", []string{"user", "add", "-email", "cw@example.org", "-role", "caseworker", "-x"}, 2, "Usage:"},
		{"no sub-command", "", []string{"user"}, 2, "Usage:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			code, out := c.run(tc.stdin, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d (want %d), output %q (want %q in it)", code, tc.code, out, tc.want)
			}
			if n, err := c.store().CountUsers(context.Background()); err != nil || n != 0 {
				t.Fatalf("a refused user add left %d accounts (%v)", n, err)
			}
		})
	}
}

func TestCLITokenCreate(t *testing.T) {
	c := newCLI(t)
	if code, out := c.run(cliPassword+"\n", "user", "add", "-email", "bot@example.org", "-role", "caseworker"); code != 0 {
		t.Fatalf("user add: exit %d, %q", code, out)
	}
	code, out := c.run("", "token", "create", "-email", "bot@example.org", "-name", "telephony")
	if code != 0 {
		t.Fatalf("token create: exit %d, output %q", code, out)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	tok := strings.TrimSpace(lines[len(lines)-1])
	if len(tok) < 32 || strings.ContainsAny(tok, " :") {
		t.Fatalf("the last line is not a token: %q", tok)
	}
	u, err := c.store().TokenUser(context.Background(), tok)
	if err != nil || u.Email != "bot@example.org" {
		t.Fatalf("the printed token does not authenticate: %v", err)
	}
	// Only a hash is stored: the token is in no column of api_tokens, nor anywhere in the file.
	rows, err := c.raw().Raw("SELECT * FROM api_tokens").Rows()
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	n := 0
	for rows.Next() {
		n++
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			var s string
			switch x := v.(type) {
			case string:
				s = x
			case []byte:
				s = string(x)
			}
			if strings.Contains(s, tok) || (len(s) > 8 && strings.Contains(tok, s)) {
				t.Fatalf("api_tokens.%s holds the token", cols[i])
			}
		}
	}
	rows.Close()
	if n != 1 {
		t.Fatalf("api_tokens has %d rows, want 1", n)
	}
	for _, f := range []string{c.db, c.db + "-wal"} {
		data, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if strings.Contains(string(data), tok) {
			t.Fatalf("%s holds the raw token", filepath.Base(f))
		}
	}

	code, out = c.run("", "token", "create", "-email", "nobody@example.org")
	if code == 0 || strings.Contains(out, "API token for") || !strings.Contains(out, "no account") {
		t.Fatalf("token for an unknown e-mail: exit %d, output %q", code, out)
	}
	code, out = c.run("", "token", "create")
	if code != 2 || !strings.Contains(out, "Usage:") {
		t.Fatalf("token create without -email: exit %d, output %q", code, out)
	}
	if n := c.count("SELECT COUNT(*) FROM api_tokens"); n != 1 {
		t.Fatalf("refused token commands left %d tokens", n)
	}
}

var (
	passwordLine = regexp.MustCompile(`(?m)^\s*Password:\s*(\S+)\s*$`)
	surgeLine    = regexp.MustCompile(`crisis surge from .*\(the dashboard as of (\d{4}-\d\d-\d\d \d\d:\d\d) shows it\)`)
)

func TestCLIDemo(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	code, out := c.run("", "demo")
	if code != 0 {
		t.Fatalf("demo: exit %d, output %q", code, out)
	}
	m := passwordLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("demo printed no password: %q", out)
	}
	pw := m[1]
	s := c.store()
	if _, err := s.Authenticate(ctx, "aziza@demo.himoya.local", pw, "cli-test"); err != nil {
		t.Fatalf("the printed demo password does not log in: %v", err)
	}

	cases := c.count("SELECT COUNT(*) FROM cases")
	calls := c.count("SELECT COUNT(*) FROM contacts")
	if cases == 0 || calls <= cases {
		t.Fatalf("demo made %d cases and %d calls", cases, calls)
	}
	if !strings.Contains(out, strconv.FormatInt(cases, 10)+" cases") || !strings.Contains(out, strconv.FormatInt(calls, 10)+" calls") {
		t.Fatalf("the summary does not give the counts %d and %d: %q", cases, calls, out)
	}
	if n := c.count("SELECT COUNT(*) FROM contacts WHERE case_id IS NULL"); n == 0 {
		t.Fatal("demo has no information-only calls")
	}
	if n := c.count("SELECT COUNT(DISTINCT reference) FROM cases"); n != cases {
		t.Fatalf("%d distinct references for %d cases", n, cases)
	}
	if n := c.count("SELECT COUNT(*) FROM cases WHERE reference NOT GLOB 'HL-[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]'"); n != 0 {
		t.Fatalf("%d references are not like HL-2024-000123", n)
	}
	// Each case's status is where its last status entry took it, and its version counts the
	// changes saved to it, as Store.Transition and Store.Assign would have left them.
	if n := c.count(`SELECT COUNT(*) FROM cases c WHERE c.status IS NOT (SELECT e.to_status FROM case_entries e
		WHERE e.case_id = c.id AND e.kind IN ('opened', 'status') ORDER BY e.at DESC, e.id DESC LIMIT 1)`); n != 0 {
		t.Fatalf("%d cases have a status other than their last status entry's", n)
	}
	if n := c.count(`SELECT COUNT(*) FROM cases c WHERE c.version != 1 + (SELECT COUNT(*) FROM case_entries e
		WHERE e.case_id = c.id AND e.kind IN ('status', 'assign'))`); n != 0 {
		t.Fatalf("%d cases have a version that does not count their changes", n)
	}
	if n := c.count("SELECT COUNT(*) FROM case_entries WHERE kind = 'opened'"); n != cases {
		t.Fatalf("%d opening entries for %d cases", n, cases)
	}
	if n := c.count(`SELECT COUNT(*) FROM cases WHERE status IN ('assigned', 'in_progress', 'waiting', 'escalated') AND assignee_id IS NULL`); n != 0 {
		t.Fatalf("%d cases being worked on have no assignee", n)
	}
	if n := c.count(`SELECT COUNT(*) FROM cases WHERE status = 'resolved' AND (outcome = '' OR resolved_at IS NULL)`); n != 0 {
		t.Fatalf("%d resolved cases have no outcome", n)
	}
	if n := c.count(`SELECT COUNT(*) FROM cases WHERE status = 'new' AND assignee_id IS NOT NULL`); n != 0 {
		t.Fatalf("%d new cases have an assignee", n)
	}
	for _, st := range []string{"new", "assigned", "in_progress", "resolved", "closed"} {
		if c.count("SELECT COUNT(*) FROM cases WHERE status = ?", st) == 0 {
			t.Errorf("no case is %s: statuses should spread along the workflow", st)
		}
	}
	if n := c.count("SELECT COUNT(*) FROM cases WHERE people_affected > 1 AND event_id IS NOT NULL"); n == 0 {
		t.Error("no case of the surge affects several people")
	}

	// Every move in the timelines is one the workflow table allows, from the status the case
	// was in, with an outcome when resolved and a note when escalated.
	// (Read raw: the note is sealed, and only whether there is one matters here.)
	var entries []struct {
		CaseID               uint
		Kind                 string
		FromStatus, ToStatus models.Status
		Outcome, Note        string
	}
	if err := c.raw().Table("case_entries").Where("kind IN ?", []string{"opened", "status"}).Order("case_id, at, id").Find(&entries).Error; err != nil {
		t.Fatal(err)
	}
	allowed := models.TransitionMap()
	cur := map[uint]models.Status{}
	for _, e := range entries {
		if e.Kind == models.EntryOpened {
			cur[e.CaseID] = e.ToStatus
			continue
		}
		from, ok := cur[e.CaseID]
		if !ok || from != e.FromStatus {
			t.Fatalf("case %d: entry from %q but the case was %q", e.CaseID, e.FromStatus, from)
		}
		found := false
		for _, to := range allowed[from] {
			found = found || to == e.ToStatus
		}
		if !found {
			t.Fatalf("case %d: move %s -> %s is not in the workflow", e.CaseID, from, e.ToStatus)
		}
		if e.ToStatus == models.StatusResolved && e.Outcome == "" {
			t.Fatalf("case %d resolved without an outcome", e.CaseID)
		}
		if e.ToStatus == models.StatusEscalated && e.Note == "" {
			t.Fatalf("case %d escalated without a note", e.CaseID)
		}
		cur[e.CaseID] = e.ToStatus
	}

	// Only codes of the taxonomy.
	tax, err := s.Taxonomy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, chk := range []struct {
		kind models.TermKind
		q    string
	}{
		{models.KindCategory, "SELECT DISTINCT category FROM cases"},
		{models.KindCategory, "SELECT DISTINCT code FROM case_categories"},
		{models.KindCategory, "SELECT DISTINCT category FROM contacts"},
		{models.KindRegion, "SELECT DISTINCT region FROM cases"},
		{models.KindPlaceType, "SELECT DISTINCT place_type FROM cases WHERE place_type != ''"},
		{models.KindPerpetrator, "SELECT DISTINCT perpetrator FROM cases WHERE perpetrator != ''"},
		{models.KindOutcome, "SELECT DISTINCT outcome FROM cases WHERE outcome != ''"},
		{models.KindChannel, "SELECT DISTINCT channel FROM contacts"},
		{models.KindCitizenship, "SELECT DISTINCT citizenship FROM callers"},
		{models.KindLanguage, "SELECT DISTINCT language FROM callers"},
	} {
		var codes []string
		if err := c.raw().Raw(chk.q).Scan(&codes).Error; err != nil {
			t.Fatal(err)
		}
		if len(codes) == 0 {
			t.Errorf("%s: none", chk.q)
		}
		for _, code := range codes {
			if !hasTerm(tax, chk.kind, code) {
				t.Errorf("%s: %q is not in the taxonomy", chk.q, code)
			}
		}
	}
	if n := c.count("SELECT COUNT(DISTINCT category) FROM cases"); n < 15 {
		t.Errorf("cases use only %d categories", n)
	}

	// The surge: the dashboard as of the moment the summary names shows it, by the
	// dashboard's own rule.
	sup, err := s.UserByEmail(ctx, "aziza@demo.himoya.local")
	if err != nil {
		t.Fatal(err)
	}
	m = surgeLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the summary does not say when the dashboard shows the surge: %q", out)
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", m[1], s.Loc)
	if err != nil {
		t.Fatal(err)
	}
	d, err := stats.New(s).Dashboard(ctx, sup, at, stats.DashboardRules{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Surge.Active {
		t.Errorf("the dashboard as of %s shows no surge: %d calls in 24 hours, %.1f a day before", m[1], d.Surge.Calls24h, d.Surge.BaselineDaily)
	}

	// A case created afterwards gets the next reference of its year.
	cs, err := s.CreateCase(ctx, sup, models.IntakeInput{Channel: "phone",
		CaseFields: models.CaseFields{Category: "raid", Region: "RU-MOW", Summary: "after the demo"}})
	if err != nil {
		t.Fatalf("creating a case after the demo: %v", err)
	}
	var last string
	if err := c.raw().Raw("SELECT MAX(reference) FROM cases WHERE reference LIKE ? AND id != ?", cs.Reference[:8]+"%", cs.ID).Scan(&last).Error; err != nil {
		t.Fatal(err)
	}
	if last != "" && !nextRef(last, cs.Reference) {
		t.Fatalf("after %s the next case got %s", last, cs.Reference)
	}

	// A second demo is refused and changes nothing.
	code, out = c.run("", "demo")
	if code == 0 || !strings.Contains(out, "-force") {
		t.Fatalf("second demo: exit %d, output %q", code, out)
	}
	if n := c.count("SELECT COUNT(*) FROM cases"); n != cases+1 {
		t.Fatalf("the refused demo changed the cases: %d, want %d", n, cases+1)
	}

	// With -force it adds exactly -cases more, continuing the references, and the demo
	// accounts get the new password.
	code, out = c.run("", "demo", "-force", "-months", "1", "-cases", "30", "-seed", "42")
	if code != 0 {
		t.Fatalf("demo -force: exit %d, output %q", code, out)
	}
	if n := c.count("SELECT COUNT(*) FROM cases"); n != cases+31 {
		t.Fatalf("demo -force -cases 30: %d cases, want %d", n, cases+31)
	}
	if n := c.count("SELECT COUNT(DISTINCT reference) FROM cases"); n != cases+31 {
		t.Fatalf("references repeat after demo -force")
	}
	if n := c.count("SELECT COUNT(*) FROM users"); n != 7 {
		t.Fatalf("demo -force made %d accounts, want the same 7", n)
	}
	m = passwordLine.FindStringSubmatch(out)
	if m == nil || m[1] == pw {
		t.Fatal("demo -force printed no new password")
	}
	if _, err := s.Authenticate(ctx, "timur@demo.himoya.local", m[1], "cli-test"); err != nil {
		t.Fatalf("the new demo password does not log in: %v", err)
	}
}

func hasTerm(tax *models.Taxonomy, k models.TermKind, code string) bool {
	for _, x := range tax.Terms[k] {
		if x.Code == code {
			return true
		}
	}
	return false
}

// nextRef reports whether b is the reference right after a (HL-YYYY-NNNNNN).
func nextRef(a, b string) bool {
	na, err1 := strconv.Atoi(a[len(a)-6:])
	nb, err2 := strconv.Atoi(b[len(b)-6:])
	return err1 == nil && err2 == nil && a[:8] == b[:8] && nb == na+1
}

func TestCLIDemoRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"demo", "-months", "0"}, {"demo", "-cases", "-1"}, {"demo", "extra"}, {"demo", "-seed", "x"}} {
		c := newCLI(t)
		code, out := c.run("", args...)
		if code != 2 || !strings.Contains(out, "Usage:") {
			t.Fatalf("%v: exit %d, output %q", args, code, out)
		}
	}
}

func TestCLIServeFirstRun(t *testing.T) {
	c := newCLI(t)
	c.env["HIMOYA_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := Run(ctx, []string{"himoya", "serve"}, c.getenv, strings.NewReader(""), pw)
		pw.Close()
		done <- code
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	serving := regexp.MustCompile(`serving at (http://\S+)`)
	var password, base, out string
	for l := range lines {
		out += l + "\n"
		if m := passwordLine.FindStringSubmatch(l); m != nil {
			password = m[1]
		}
		if m := serving.FindStringSubmatch(l); m != nil {
			base = m[1]
		}
		if password != "" && base != "" {
			break
		}
	}
	if password == "" || base == "" || !strings.Contains(out, "admin@himoya.local") {
		t.Fatalf("serve on an empty database did not print the admin's login and its address: %q", out)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/healthz: %d", resp.StatusCode)
	}
	cancel()
	for range lines { // let Run finish writing
	}
	if code := <-done; code != 0 {
		t.Fatalf("serve stopped with exit %d", code)
	}
	if _, err := c.store().Authenticate(context.Background(), "admin@himoya.local", password, "cli-test"); err != nil {
		t.Fatalf("the printed first-run password does not log in: %v", err)
	}
}
