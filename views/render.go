package views

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"time"

	"github.com/gofiber/template/html/v2"
)

// Renderer renders the templates in the language of the page: one set of templates per
// language, whose functions (t, tn, when, num, ...) speak it. A page says its language
// through a Language method (the handlers' Page has one); the default language otherwise.
//
// One template set per language, rather than a locale passed through every page, keeps the
// templates short ({{t "nav.cases"}} reads the same inside a range as outside it) with
// gofiber/template, whose functions are fixed when the templates are parsed.
type Renderer struct {
	engines map[string]*html.Engine
}

// NewRenderer parses the templates once per language, times shown in zone.
func NewRenderer(zone *time.Location) *Renderer {
	r := &Renderer{engines: map[string]*html.Engine{}}
	for _, l := range Languages {
		e := html.NewFileSystem(http.FS(FS), ".html")
		e.AddFuncMap(Funcs(zone))
		e.AddFuncMap(NewLocale(l, zone).Funcs())
		r.engines[l] = e
	}
	return r
}

// Load parses every language's templates (fiber.Views).
func (r *Renderer) Load() error {
	for _, e := range r.engines {
		if err := e.Load(); err != nil {
			return err
		}
	}
	return nil
}

// Render renders a template in the language the data names (fiber.Views).
func (r *Renderer) Render(w io.Writer, name string, bind any, layout ...string) error {
	lang := DefaultLanguage
	if p, ok := bind.(interface{ Language() string }); ok {
		if _, known := r.engines[p.Language()]; known {
			lang = p.Language()
		}
	}
	return r.engines[lang].Render(w, name, bind, layout...)
}

// Funcs are the template functions of this locale:
//
//	{{t "key"}} {{t "key" "Name" value}}   a message
//	{{tn "key" n}}                         a message with plural forms for n ({{.Count}})
//	{{msg code}}                           a message code from models (a field's error)
//	{{when t}} {{day t}} {{num n}}         a moment, a day, a number as the language writes them
//	{{status s}} {{urgency u}} {{role r}}  the names of the workflow's values
//	{{term t}} {{label tax kind code}}     taxonomy labels; {{sorted terms}} orders them
//	{{lang}}                               the language's code, for <html lang>
func (l *Locale) Funcs() template.FuncMap {
	return template.FuncMap{
		"t":       l.T,
		"tn":      l.N,
		"msg":     l.Msg,
		"when":    l.When,
		"day":     l.Day,
		"num":     l.Num,
		"dec":     l.Dec,
		"status":  func(s any) string { return l.T("status." + fmt.Sprint(s)) },
		"urgency": func(u any) string { return l.T("urgency." + fmt.Sprint(u)) },
		"role":    func(r any) string { return l.T("role." + fmt.Sprint(r)) },
		"term":    l.Term,
		"label":   l.Label,
		"sorted":  l.Sorted,
		"lang":    func() string { return l.Lang },
	}
}
