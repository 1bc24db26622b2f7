package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
)

// Cookie names. The session cookie holds a secret whose hash is the session's row id; the
// pre-session cookie binds the CSRF token of the login form before anyone is logged in; the
// pending cookie holds the secret of a login halfway (password right, second factor awaited).
const (
	sessionCookie = "himoya_session"
	preCookie     = "himoya_pre"
	pendingCookie = "himoya_2fa"
)

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }

// Identify finds who is calling: a session cookie on pages, a bearer token on the API (and
// only there, so that a browser's cookie can never drive the API from another site).
func (h *Handler) Identify(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/static/") {
		return c.Next()
	}
	if isAPI(c) {
		auth := c.Get(fiber.HeaderAuthorization)
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			return c.Next()
		}
		u, err := h.Store.TokenUserFrom(c.UserContext(), strings.TrimSpace(tok), c.IP())
		if err != nil {
			return err
		}
		c.Locals(localUser, u)
		return c.Next()
	}
	bound := ""
	if tok := c.Cookies(sessionCookie); tok != "" {
		u, err := h.Store.SessionUser(c.UserContext(), tok)
		switch {
		case err == nil:
			c.Locals(localUser, u)
			c.Locals(localToken, tok)
			c.Locals(localEnrol, h.Store.MustEnrolTwoFactor(u))
			bound = tok
		case errors.Is(err, models.ErrUnauthenticated):
			clearCookie(c, sessionCookie)
		default:
			return err
		}
	}
	if bound == "" {
		bound = c.Cookies(pendingCookie)
	}
	if bound == "" {
		bound = c.Cookies(preCookie)
		if bound == "" {
			bound = randomString()
			setCookie(c, preCookie, bound, 0)
		}
	}
	c.Locals(localCSRF, h.CSRF.Token(bound))
	return c.Next()
}

// CheckCSRF refuses a form post whose CSRF token does not match the browser's cookie.
func (h *Handler) CheckCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if isAPI(c) {
		return c.Next() // bearer tokens only: not a cookie a forged form could send
	}
	tok := c.FormValue("_csrf")
	if tok == "" {
		tok = c.Get("X-CSRF-Token")
	}
	expected, _ := c.Locals(localCSRF).(string)
	if expected == "" || tok != expected {
		return errFormExpired
	}
	return c.Next()
}

func csrfToken(c *fiber.Ctx) string {
	s, _ := c.Locals(localCSRF).(string)
	return s
}

func randomString() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// setCookie sets an HttpOnly, SameSite=Lax cookie, Secure over TLS. maxAge 0 lasts the
// browser session.
func setCookie(c *fiber.Ctx, name, value string, maxAge int) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: c.Protocol() == "https", MaxAge: maxAge})
}

func clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", HTTPOnly: true, SameSite: "Lax", MaxAge: -1})
}

// loginPage is the login form.
type loginPage struct {
	Page
	Email string
}

// ShowLogin shows the login form.
func (h *Handler) ShowLogin(c *fiber.Ctx) error {
	if CurrentUser(c) != nil {
		return seeOther(c, "/")
	}
	return render(c, fiber.StatusOK, "auth/login", loginPage{Page: h.page(c, "title.log", "")})
}

// Login checks the e-mail and password and starts a new session, or, for an account with
// two-factor login, a pending login that the code form finishes.
func (h *Handler) Login(c *fiber.Ctx) error {
	email := c.FormValue("email")
	res, err := h.Store.Login(c.UserContext(), email, c.FormValue("password"), c.IP(), c.Get(fiber.HeaderUserAgent))
	if errors.Is(err, models.ErrBadLogin) || errors.Is(err, models.ErrRateLimited) {
		p := loginPage{Page: h.page(c, "title.log", ""), Email: email}
		p.Error = h.tr(c, "err.bad_login")
		status := fiber.StatusUnauthorized
		if errors.Is(err, models.ErrRateLimited) {
			status, p.Error = fiber.StatusTooManyRequests, h.tr(c, "err.rate_limited")
		}
		return render(c, status, "auth/login", p)
	} else if err != nil {
		return err
	}
	if old := c.Cookies(sessionCookie); old != "" {
		if err := h.Store.EndSession(c.UserContext(), old); err != nil {
			return err
		}
		clearCookie(c, sessionCookie)
	}
	clearCookie(c, preCookie)
	if res.SecondStep {
		setCookie(c, pendingCookie, res.Token, 0)
		return seeOther(c, "/login/2fa")
	}
	setCookie(c, sessionCookie, res.Token, 0)
	if res.MustEnrol {
		return seeOther(c, "/account/2fa")
	}
	return seeOther(c, "/")
}

// secondStepPage is the form that asks for the second factor.
type secondStepPage struct {
	Page
}

// ShowSecondStep asks for the code of a login whose password was right.
func (h *Handler) ShowSecondStep(c *fiber.Ctx) error {
	if _, err := h.Store.PendingLogin(c.UserContext(), c.Cookies(pendingCookie)); errors.Is(err, models.ErrUnauthenticated) {
		clearCookie(c, pendingCookie)
		return seeOther(c, "/login")
	} else if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, "auth/second_step", secondStepPage{Page: h.page(c, "title.two_factor_code", "")})
}

// SecondStep checks the code (from the app, or a recovery code) and starts the session.
func (h *Handler) SecondStep(c *fiber.Ctx) error {
	_, tok, err := h.Store.FinishLogin(c.UserContext(), c.Cookies(pendingCookie), c.FormValue("code"), c.IP(), c.Get(fiber.HeaderUserAgent))
	switch {
	case errors.Is(err, models.ErrBadCode):
		p := secondStepPage{Page: h.page(c, "title.two_factor_code", "")}
		p.Errors = map[string]string{"code": "v.bad_code"}
		return render(c, fiber.StatusUnauthorized, "auth/second_step", p)
	case errors.Is(err, models.ErrRateLimited):
		clearCookie(c, pendingCookie)
		p := loginPage{Page: h.page(c, "title.log", "")}
		p.Error = h.tr(c, "err.rate_limited")
		return render(c, fiber.StatusTooManyRequests, "auth/login", p)
	case errors.Is(err, models.ErrUnauthenticated):
		clearCookie(c, pendingCookie)
		h.flash(c, "flash.your_login_timed_out")
		return seeOther(c, "/login")
	case err != nil:
		return err
	}
	clearCookie(c, pendingCookie)
	setCookie(c, sessionCookie, tok, 0)
	return seeOther(c, "/")
}

// Logout ends the session in the database and forgets the cookie.
func (h *Handler) Logout(c *fiber.Ctx) error {
	if tok, _ := c.Locals(localToken).(string); tok != "" {
		if err := h.Store.EndSession(c.UserContext(), tok); err != nil {
			return err
		}
	}
	clearCookie(c, sessionCookie)
	return seeOther(c, "/login")
}

// Home sends caseworkers to their cases, supervisors to the dashboard, and admins who do
// not work on cases to the accounts.
func (h *Handler) Home(c *fiber.Ctx) error {
	u := CurrentUser(c)
	if u.Can(models.RoleSupervisor) {
		return seeOther(c, "/dashboard")
	}
	if !u.WorksOnCases() {
		return seeOther(c, "/admin/users")
	}
	return seeOther(c, "/cases?assignee=me&open=1")
}

// localEnrol marks a request whose user must set up two-factor login before anything else.
const localEnrol = "himoya.enrol"

// MustEnrol reports whether the logged-in user of a page request must set up two-factor
// login first (the route guard then sends them to the set-up page). API requests never do:
// tokens are separate from logins.
func MustEnrol(c *fiber.Ctx) bool {
	b, _ := c.Locals(localEnrol).(bool)
	return b
}
