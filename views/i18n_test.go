package views

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/BurntSushi/toml"

	"himoya/models"
)

// catalogues reads every shipped catalogue as key -> message (a string, or plural forms).
func catalogues(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, err := CatalogueFiles()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for lang, b := range files {
		m := map[string]any{}
		if err := toml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		out[lang] = m
	}
	return out
}

// pluralForms are the CLDR plural categories each language's messages must spell out.
var pluralForms = map[string][]string{
	"ru": {"one", "few", "many", "other"},
	"en": {"one", "other"},
}

func TestCataloguesHaveTheSameKeysAndPluralForms(t *testing.T) {
	cats := catalogues(t)
	if _, err := Bundle(); err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		if pluralForms[lang] == nil {
			t.Fatalf("no plural forms known for %s", lang)
		}
	}
	base := cats[DefaultLanguage]
	for lang, m := range cats {
		for k, v := range m {
			if _, ok := base[k]; !ok {
				t.Errorf("%s has %q, which %s lacks", lang, k, DefaultLanguage)
			}
			switch v := v.(type) {
			case string:
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s: %q is empty", lang, k)
				}
				if _, plural := base[k].(map[string]any); plural {
					t.Errorf("%s: %q is plural in %s but not here", lang, k, DefaultLanguage)
				}
			case map[string]any:
				for _, f := range pluralForms[lang] {
					if s, _ := v[f].(string); s == "" {
						t.Errorf("%s: plural %q lacks the form %q", lang, k, f)
					}
				}
			default:
				t.Errorf("%s: %q is neither a message nor plural forms", lang, k)
			}
		}
		for k := range base {
			if _, ok := m[k]; !ok {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}

// keysUsed finds the message keys templates name: {{t "key"}}, {{tn "key" n}}.
var keyInTemplate = regexp.MustCompile(`\{\{-?\s*(?:t|tn)\s+"([^"]+)"`)

func TestEveryKeyInTemplatesExists(t *testing.T) {
	cats := catalogues(t)
	n := 0
	err := fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := fs.ReadFile(FS, path)
		if err != nil {
			return err
		}
		for _, m := range keyInTemplate.FindAllStringSubmatch(string(b), -1) {
			n++
			for lang, cat := range cats {
				if _, ok := cat[m[1]]; !ok {
					t.Errorf("%s: key %q is missing in %s", path, m[1], lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d keys found in the templates: the search is broken", n)
	}
}

// textAllowed is what may stand in a template outside the catalogue: the product's name and
// symbols.
var textAllowed = map[string]bool{"himoya": true}

var letter = regexp.MustCompile(`\p{L}`)

// visibleAttrs are the attributes whose values people read or hear.
var visibleAttrs = regexp.MustCompile(`(?i)\b(placeholder|aria-label|title|alt|label)\s*=\s*"([^"]*)"`)

// tagOrComment splits a text node into tags and text.
var tagOrComment = regexp.MustCompile(`(?s)<!--.*?-->|<[^>]*>`)

// sweepText lists the letters a template holds outside {{...}}: in text between tags, and in
// attributes people read.
func sweepText(name, src string) []string {
	tmpl, err := template.New(name).Funcs(builtinStubs()).Parse(src)
	if err != nil {
		return []string{err.Error()}
	}
	var problems, texts []string
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.TextNode:
			texts = append(texts, string(n.Text))
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		}
	}
	for _, tr := range tmpl.Templates() {
		walk(tr.Tree.Root)
	}
	// The text nodes are joined so that a tag split by an action stays one tag.
	all := strings.Join(texts, "\x00")
	for _, m := range visibleAttrs.FindAllStringSubmatch(all, -1) {
		if v := strings.TrimSpace(m[2]); letter.MatchString(v) && !textAllowed[v] {
			problems = append(problems, fmt.Sprintf("%s: attribute %s holds text outside the catalogue: %q", name, m[1], v))
		}
	}
	for _, piece := range tagOrComment.Split(all, -1) {
		for _, s := range strings.Split(piece, "\x00") {
			if s = strings.TrimSpace(s); letter.MatchString(s) && !textAllowed[s] && !textAllowed[strings.Trim(s, "· ")] {
				problems = append(problems, fmt.Sprintf("%s: text outside the catalogue: %q", name, s))
			}
		}
	}
	return problems
}

// builtinStubs are the template functions by name, for the parser.
func builtinStubs() map[string]any {
	m := map[string]any{}
	for k, v := range Funcs(time.UTC) {
		m[k] = v
	}
	for k, v := range NewLocale("en", time.UTC).Funcs() {
		m[k] = v
	}
	m["embed"] = func() string { return "" }
	return m
}

func TestTemplatesHoldNoTextOutsideTheCatalogue(t *testing.T) {
	var names []string
	err := fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".html") {
			names = append(names, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	for _, name := range names {
		b, _ := fs.ReadFile(FS, name)
		for _, p := range sweepText(name, string(b)) {
			t.Error(p)
		}
	}
	if len(names) < 20 {
		t.Fatalf("only %d templates found", len(names))
	}
}

func TestTheSweepCatchesText(t *testing.T) {
	for _, src := range []string{
		`<p>Hello</p>`, `<p>{{if .X}}Привет{{end}}</p>`, `<input placeholder="e.g. Moscow">`,
		`<button aria-label="Close">×</button>`, `<img alt="QR code" src="x">`, `{{define "x"}}<b>Save</b>{{end}}`,
	} {
		if len(sweepText("probe", src)) == 0 {
			t.Errorf("the sweep passes %q", src)
		}
	}
	for _, src := range []string{`<p>{{t "x"}}</p>`, `<a class="brand" href="/">himoya</a>`, `<p>{{.Title}} · {{t "x"}} — 5</p>`,
		`<input placeholder="{{t "x"}}" value="{{.V}}">`} {
		if p := sweepText("probe", src); len(p) > 0 {
			t.Errorf("the sweep refuses %q: %v", src, p)
		}
	}
}

func TestRussianPlurals(t *testing.T) {
	ru := NewLocale("ru", nil)
	for n, want := range map[int]string{
		1: "1 обращение", 2: "2 обращения", 5: "5 обращений", 11: "11 обращений", 21: "21 обращение",
		22: "22 обращения", 1351: "1\u00a0351 обращение",
	} {
		if got := ru.N("calls.count", n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
	en := NewLocale("en", nil)
	for n, want := range map[int]string{1: "1 call", 2: "2 calls", 1351: "1,351 calls"} {
		if got := en.N("calls.count", n); got != want {
			t.Errorf("en %d: %q, want %q", n, got, want)
		}
	}
}

func TestDatesAndNumbersInTheLocale(t *testing.T) {
	at := time.Date(2026, 12, 3, 6, 18, 0, 0, time.UTC)
	msk := time.FixedZone("MSK", 3*3600)
	if got := NewLocale("ru", msk).When(at); got != "03.12.2026 09:18" {
		t.Errorf("ru: %q", got)
	}
	if got := NewLocale("en", msk).When(at); got != "2026-12-03 09:18" {
		t.Errorf("en: %q", got)
	}
	if got := NewLocale("ru", msk).Num(1351); got != "1\u00a0351" {
		t.Errorf("ru number: %q", got)
	}
	if got := NewLocale("en", msk).Num(1351); got != "1,351" {
		t.Errorf("en number: %q", got)
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct{ account, header, want string }{
		{"", "", "ru"}, {"", "en-GB,en;q=0.9", "en"}, {"", "ru-RU,ru;q=0.9,en;q=0.8", "ru"},
		{"", "de-DE,fr;q=0.8", "ru"}, {"", "de,en;q=0.5", "en"}, {"ru", "en", "ru"}, {"en", "ru", "en"},
		{"xx", "en", "en"}, {"", "garbage;;q=", "ru"},
	} {
		if got := Match(tc.account, tc.header); got != tc.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tc.account, tc.header, got, tc.want)
		}
	}
}

func TestModelMessagesTranslate(t *testing.T) {
	ru := NewLocale("ru", nil)
	if got := ru.Msg("v.max_chars?N=100"); got != "не более 100 символов" {
		t.Errorf("%q", got)
	}
	if got := ru.Msg("err.transition?From=new&To=resolved"); got != "дело нельзя перевести из статуса «новое» в «решено»" {
		t.Errorf("%q", got)
	}
}

// keyInGo matches the message keys Go code names: models' field messages and the handlers'
// titles, banners, flash messages and errors.
var keyInGo = regexp.MustCompile(`"((?:v|err|flash|banner|title|move|chart|taxonomy\.kind|taxonomy\.hint)\.[a-z0-9_.-]+)"`)

func TestEveryKeyInGoCodeExists(t *testing.T) {
	cats := catalogues(t)
	n := 0
	for _, dir := range []string{"../models", "../handlers", "../app"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range keyInGo.FindAllStringSubmatch(string(b), -1) {
				if strings.HasSuffix(m[1], ".") {
					continue // a prefix a code completes: checked below
				}
				n++
				for lang, cat := range cats {
					if _, ok := cat[m[1]]; !ok {
						t.Errorf("%s/%s: key %q is missing in %s", dir, e.Name(), m[1], lang)
					}
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d keys found in Go code: the search is broken", n)
	}
	// Keys made from codes: every status, urgency, role, document and unknown-code message.
	var made []string
	for _, s := range models.Statuses {
		made = append(made, "status."+string(s))
	}
	for _, u := range models.Urgencies {
		made = append(made, "urgency."+string(u))
	}
	for _, r := range models.RoleChoices {
		made = append(made, "role."+string(r))
	}
	for _, d := range models.DocumentKinds {
		made = append(made, "doc.kind."+d)
	}
	for _, d := range models.DocumentStatuses {
		made = append(made, "doc.status."+d)
	}
	for _, r := range models.ForgetReasons {
		made = append(made, "forget.reason."+r.Code)
	}
	for _, k := range models.TermKinds {
		made = append(made, "taxonomy.kind."+string(k), "v.unknown_code."+string(k))
	}
	for _, k := range made {
		for lang, cat := range cats {
			if _, ok := cat[k]; !ok {
				t.Errorf("key %q is missing in %s", k, lang)
			}
		}
	}
}
