package app

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"himoya/handlers"
	"himoya/models"
)

// Access says who may use a route. The zero value lets nobody in: a route added without a
// rule is refused to everyone, never opened by mistake.
type Access struct {
	// Public routes need no login (the login page, health checks, static files).
	Public bool
	// Account routes need a login and nothing else: the user's own account, logging out.
	Account bool
	// Enrolling routes stay open to a user who must set up two-factor login first (their
	// role requires it and they have not): every other page sends them to the set-up.
	Enrolling bool
	// Min is the role needed (models.User.Can): the lowest role on cases (caseworker or
	// supervisor) for the routes of case work, or admin for the routes of admins, who do not
	// read cases unless they are also supervisors.
	Min models.Role
}

var (
	public     = Access{Public: true}
	anyUser    = Access{Account: true}
	enrolling  = Access{Account: true, Enrolling: true}
	caseworker = Access{Min: models.RoleCaseworker}
	supervisor = Access{Min: models.RoleSupervisor}
	admin      = Access{Min: models.RoleAdmin}
)

// Route is one line of the route table.
type Route struct {
	Method, Path string
	Access       Access
	Handler      func(*handlers.Handler) fiber.Handler
}

// Routes is himoya's route table: every page and API route, with who may use it.
func Routes() []Route {
	H := func(f func(*handlers.Handler, *fiber.Ctx) error) func(*handlers.Handler) fiber.Handler {
		return func(h *handlers.Handler) fiber.Handler { return func(c *fiber.Ctx) error { return f(h, c) } }
	}
	return []Route{
		{"GET", "/healthz", public, H((*handlers.Handler).Healthz)},
		{"GET", "/readyz", public, H((*handlers.Handler).Readyz)},

		{"GET", "/login", public, H((*handlers.Handler).ShowLogin)},
		{"POST", "/login", public, H((*handlers.Handler).Login)},
		// The second step of a login: its handler requires the pending login's cookie.
		{"GET", "/login/2fa", public, H((*handlers.Handler).ShowSecondStep)},
		{"POST", "/login/2fa", public, H((*handlers.Handler).SecondStep)},
		{"POST", "/logout", enrolling, H((*handlers.Handler).Logout)},
		{"GET", "/account/2fa", enrolling, H((*handlers.Handler).ShowTwoFactor)},
		{"POST", "/account/2fa", enrolling, H((*handlers.Handler).ConfirmTwoFactor)},
		{"POST", "/account/sessions/:id/end", anyUser, H((*handlers.Handler).EndSession)},
		{"GET", "/", anyUser, H((*handlers.Handler).Home)},
		{"GET", "/account", anyUser, H((*handlers.Handler).ShowAccount)},
		{"POST", "/account/password", anyUser, H((*handlers.Handler).ChangePassword)},
		{"POST", "/account/language", anyUser, H((*handlers.Handler).SetLanguage)},

		{"GET", "/calls/new", caseworker, H((*handlers.Handler).NewCall)},
		{"POST", "/calls", caseworker, H((*handlers.Handler).CreateCall)},
		{"GET", "/cases", caseworker, H((*handlers.Handler).ListCases)},
		{"POST", "/cases/search", caseworker, H((*handlers.Handler).SearchCases)},
		{"GET", "/cases/export.csv", supervisor, H((*handlers.Handler).ExportCases)}, // before /cases/:id
		{"GET", "/cases/:id", caseworker, H((*handlers.Handler).ShowCase)},
		{"GET", "/cases/:id/edit", caseworker, H((*handlers.Handler).EditCase)},
		{"POST", "/cases/:id", caseworker, H((*handlers.Handler).UpdateCase)},
		{"POST", "/cases/:id/transitions", caseworker, H((*handlers.Handler).TransitionCase)},
		{"POST", "/cases/:id/assign", supervisor, H((*handlers.Handler).AssignCase)},
		{"POST", "/cases/:id/restricted", supervisor, H((*handlers.Handler).RestrictCase)},
		{"POST", "/cases/:id/shares", supervisor, H((*handlers.Handler).ShareCase)},
		{"POST", "/cases/:id/unshare", supervisor, H((*handlers.Handler).UnshareCase)},
		{"POST", "/cases/:id/notes", caseworker, H((*handlers.Handler).AddNote)},
		{"POST", "/cases/:id/contacts", caseworker, H((*handlers.Handler).AddContact)},
		{"GET", "/callers/:id/edit", caseworker, H((*handlers.Handler).EditCaller)},
		{"POST", "/callers/:id", caseworker, H((*handlers.Handler).UpdateCaller)},
		{"GET", "/callers/:id/forget", supervisor, H((*handlers.Handler).ShowForgetCaller)},
		{"POST", "/callers/:id/forget", supervisor, H((*handlers.Handler).ForgetCaller)},

		// Supervisors get the dashboard, caseworkers their own work (handlers/pages_dashboard.go).
		{"GET", "/dashboard", caseworker, H((*handlers.Handler).ShowDashboard)},
		{"GET", "/events", supervisor, H((*handlers.Handler).ListEvents)},
		{"POST", "/events", supervisor, H((*handlers.Handler).CreateEvent)},
		{"POST", "/events/:id", supervisor, H((*handlers.Handler).UpdateEvent)},
		{"GET", "/reports", supervisor, H((*handlers.Handler).ShowReport)},
		{"GET", "/reports/export", supervisor, H((*handlers.Handler).ExportReport)},

		{"GET", "/admin/users", admin, H((*handlers.Handler).ListUsers)},
		{"POST", "/admin/users", admin, H((*handlers.Handler).CreateUser)},
		{"POST", "/admin/users/:id", admin, H((*handlers.Handler).UpdateUser)},
		{"POST", "/admin/users/:id/password", admin, H((*handlers.Handler).ResetPassword)},
		{"POST", "/admin/users/:id/sessions/end", admin, H((*handlers.Handler).EndUserSessions)},
		{"POST", "/admin/users/:id/2fa/reset", admin, H((*handlers.Handler).ResetTwoFactor)},
		{"GET", "/admin/taxonomy", admin, H((*handlers.Handler).ListTerms)},
		{"POST", "/admin/taxonomy", admin, H((*handlers.Handler).CreateTerm)},
		{"POST", "/admin/taxonomy/:id", admin, H((*handlers.Handler).UpdateTerm)},
		{"GET", "/admin/audit", admin, H((*handlers.Handler).ListAudit)},
		{"GET", "/admin/audit.csv", admin, H((*handlers.Handler).ExportAudit)},

		{"GET", "/api/v1/taxonomy", caseworker, H((*handlers.Handler).APITaxonomy)},
		{"GET", "/api/v1/cases", caseworker, H((*handlers.Handler).APIListCases)},
		{"POST", "/api/v1/cases", caseworker, H((*handlers.Handler).APICreateCase)},
		{"GET", "/api/v1/cases/:id", caseworker, H((*handlers.Handler).APIGetCase)},
		{"PATCH", "/api/v1/cases/:id", caseworker, H((*handlers.Handler).APIUpdateCase)},
		{"POST", "/api/v1/cases/:id/transitions", caseworker, H((*handlers.Handler).APITransitionCase)},
		{"POST", "/api/v1/contacts", caseworker, H((*handlers.Handler).APICreateContact)},
		{"PATCH", "/api/v1/callers/:id", caseworker, H((*handlers.Handler).APIUpdateCaller)},
		{"GET", "/api/v1/reports", supervisor, H((*handlers.Handler).APIReport)},
		{"GET", "/api/v1/dashboard", supervisor, H((*handlers.Handler).APIDashboard)},
		{"GET", "/api/v1/my-work", caseworker, H((*handlers.Handler).APIMyWork)},
	}
}

// register mounts the static files and every route of the table behind its access check.
// What no route answers is a 405, with the methods the path takes, when the path is a
// route's, and a 404 otherwise (JSON on the API, a page elsewhere: see handlers.Error).
func register(a *fiber.App, h *handlers.Handler) {
	a.Use("/static", static())
	routes := Routes()
	for _, r := range routes {
		a.Add(r.Method, r.Path, guard(r.Access), r.Handler(h))
	}
	a.Use(func(c *fiber.Ctx) error {
		if methods := allowedMethods(routes, c.Path()); len(methods) > 0 {
			c.Set(fiber.HeaderAllow, strings.Join(methods, ", "))
			return fiber.ErrMethodNotAllowed
		}
		return fiber.ErrNotFound
	})
}

// allowedMethods lists the methods of the routes whose pattern matches path, as Fiber
// matches them by default: a parameter (:id) takes one segment, letters match in either
// case, and a trailing slash is ignored.
func allowedMethods(routes []Route, path string) []string {
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	var out []string
	for _, r := range routes {
		pat := strings.Split(strings.TrimSuffix(r.Path, "/"), "/")
		if len(pat) != len(segs) || slices.Contains(out, r.Method) {
			continue
		}
		match := true
		for i, p := range pat {
			if !(strings.HasPrefix(p, ":") && segs[i] != "") && !strings.EqualFold(p, segs[i]) {
				match = false
				break
			}
		}
		if match {
			out = append(out, r.Method)
		}
	}
	return out
}

// guard is the one access check every route passes through.
func guard(acc Access) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if acc.Public {
			return c.Next()
		}
		u := handlers.CurrentUser(c)
		if u == nil {
			return models.ErrUnauthenticated
		}
		if handlers.MustEnrol(c) && !acc.Enrolling {
			return c.Redirect("/account/2fa", fiber.StatusSeeOther)
		}
		if acc.Account {
			return c.Next()
		}
		if acc.Min == "" || !u.Can(acc.Min) {
			return models.ErrForbidden
		}
		return c.Next()
	}
}
