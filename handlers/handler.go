// Package handlers holds himoya's thin HTTP handlers: HTML pages and the JSON API, one file
// per resource. They parse the request, call models and render or redirect; no rule of the
// domain is written here.
package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
	"himoya/models/stats"
)

// Handler holds what the handlers need.
type Handler struct {
	Store *models.Store
	// Stats computes the reports and the dashboard from Store.
	Stats *stats.Stats
	CSRF  *models.CSRFKeyer
	Notes *models.NoteSealer
	// MinCell is the smallest count a public report shows (HIMOYA_MIN_CELL); 0 means
	// stats.DefaultMinCell.
	MinCell int
	// Rules are the dashboard's thresholds (HIMOYA_SLA_*, HIMOYA_SURGE_*, HIMOYA_BURST_*);
	// zero fields mean the defaults.
	Rules stats.DashboardRules
}

// Keys of the request's locals.
const (
	localUser  = "himoya.user"
	localCSRF  = "himoya.csrf"
	localToken = "himoya.session"
)

// CurrentUser is the logged-in user of the request, or nil.
func CurrentUser(c *fiber.Ctx) *models.User {
	u, _ := c.Locals(localUser).(*models.User)
	return u
}

// Page is what every page template gets: the layout reads it.
type Page struct {
	Title  string
	User   *models.User
	CSRF   string
	Flash  string
	Error  string
	Errors map[string]string
	// Nav marks the current section in the menu.
	Nav string
	// Refresh, when not 0, makes the page update itself every so many seconds, without
	// reloading (views/static/live.js).
	Refresh int
	// Lang is the interface language of the page ("ru", "en"): the renderer picks its
	// templates by it.
	Lang string
}

// Language is the page's interface language (views.Renderer reads it).
func (p Page) Language() string { return p.Lang }

// IsSupervisor tells the layout whether to show supervisors' links.
func (p Page) IsSupervisor() bool { return p.User.Can(models.RoleSupervisor) }

// IsAdmin tells the layout whether to show admins' links.
func (p Page) IsAdmin() bool { return p.User.IsAdmin() }

// WorksOnCases tells the layout whether to show the links to calls and cases (an admin who
// is not also a supervisor has none).
func (p Page) WorksOnCases() bool { return p.User.WorksOnCases() }

// page starts the common part of a page; title is a message code (see tr).
func (h *Handler) page(c *fiber.Ctx, title, nav string) Page {
	l := h.locale(c)
	return Page{Title: l.Msg(title), User: CurrentUser(c), CSRF: csrfToken(c), Flash: h.takeFlash(c), Nav: nav, Lang: l.Lang}
}

// render renders a page template inside the main layout.
func render(c *fiber.Ctx, status int, name string, data any) error {
	return c.Status(status).Render(name, data, "layouts/main")
}

// id reads the :id parameter; a bad one is a 404.
func id(c *fiber.Ctx) (uint, error) {
	n, err := strconv.ParseUint(c.Params("id"), 10, 32)
	if err != nil || n == 0 {
		return 0, models.ErrNotFound
	}
	return uint(n), nil
}

const flashCookie = "himoya_flash"

// flash leaves a short message for the next page, as a message code (see tr) translated when
// it is shown, sealed (NoteSealer): no text reaches the response header as itself.
func (h *Handler) flash(c *fiber.Ctx, msg string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: h.Notes.Seal(msg), Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: c.Protocol() == "https", MaxAge: 60})
}

// takeFlash reads the message the last form left, once.
func (h *Handler) takeFlash(c *fiber.Ctx) string {
	v := c.Cookies(flashCookie)
	if v == "" {
		return ""
	}
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1})
	msg, ok := h.Notes.Open(v)
	if !ok {
		return ""
	}
	return h.tr(c, msg)
}

// seeOther redirects after a successful form post.
func seeOther(c *fiber.Ctx, to string) error {
	return c.Redirect(to, fiber.StatusSeeOther)
}

// Healthz answers while the process is alive.
func (h *Handler) Healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// Readyz answers when the database answers.
func (h *Handler) Readyz(c *fiber.Ctx) error {
	if err := h.Store.Ping(c.UserContext()); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "database unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

// pageNumber reads a page number or page size from a query or form value for models, which
// refuses a bad one with a message (the one check, for pages and the API alike): "" is 0,
// which models takes as the default, and anything but a whole number of 1 or more is -1.
func pageNumber(v string) int {
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return -1
	}
	return n
}

// neighbours gives the pages before and after page of a list of pages pages (0: none).
func neighbours(page, pages int) (prev, next int) {
	if page > 1 {
		prev = page - 1
	}
	if page < pages {
		next = page + 1
	}
	return prev, next
}
