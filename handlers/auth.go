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
// pre-session cookie binds the CSRF token of the login form before anyone is logged in.
const (
	sessionCookie = "himoya_session"
	preCookie     = "himoya_pre"
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
		u, err := h.Store.TokenUser(c.UserContext(), strings.TrimSpace(tok))
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
			bound = tok
		case errors.Is(err, models.ErrUnauthenticated):
			clearCookie(c, sessionCookie)
		default:
			return err
		}
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
		return fiber.NewError(fiber.StatusForbidden, "This form has expired or did not come from himoya. Go back, reload the page and try again.")
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
	return render(c, fiber.StatusOK, "auth/login", loginPage{Page: h.page(c, "Log in", "")})
}

// Login checks the e-mail and password and starts a new session.
func (h *Handler) Login(c *fiber.Ctx) error {
	email := c.FormValue("email")
	u, err := h.Store.Authenticate(c.UserContext(), email, c.FormValue("password"), c.IP())
	if errors.Is(err, models.ErrBadLogin) || errors.Is(err, models.ErrRateLimited) {
		p := loginPage{Page: h.page(c, "Log in", ""), Email: email}
		p.Error = err.Error()
		status := fiber.StatusUnauthorized
		if errors.Is(err, models.ErrRateLimited) {
			status = fiber.StatusTooManyRequests
		}
		return render(c, status, "auth/login", p)
	} else if err != nil {
		return err
	}
	if old := c.Cookies(sessionCookie); old != "" {
		if err := h.Store.EndSession(c.UserContext(), old); err != nil {
			return err
		}
	}
	tok, err := h.Store.CreateSession(c.UserContext(), u, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	setCookie(c, sessionCookie, tok, 0)
	clearCookie(c, preCookie)
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

// Home sends caseworkers to their cases and supervisors to the whole list.
func (h *Handler) Home(c *fiber.Ctx) error {
	if CurrentUser(c).Role.AtLeast(models.RoleSupervisor) {
		return seeOther(c, "/cases?open=1")
	}
	return seeOther(c, "/cases?assignee=me&open=1")
}

// accountPage shows the user's own account.
type accountPage struct {
	Page
}

// ShowAccount shows the user's account and the password form.
func (h *Handler) ShowAccount(c *fiber.Ctx) error {
	return render(c, fiber.StatusOK, "account/show", accountPage{Page: h.page(c, "Your account", "account")})
}

// ChangePassword changes the user's own password; their other sessions end.
func (h *Handler) ChangePassword(c *fiber.Ctx) error {
	u := CurrentUser(c)
	tok, _ := c.Locals(localToken).(string)
	if c.FormValue("next") != c.FormValue("confirm") {
		p := accountPage{Page: h.page(c, "Your account", "account")}
		p.Errors = map[string]string{"confirm": "the two new passwords differ"}
		return render(c, fiber.StatusUnprocessableEntity, "account/show", p)
	}
	err := h.Store.SetPassword(c.UserContext(), u, u.ID, c.FormValue("current"), c.FormValue("next"), tok)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		p := accountPage{Page: h.page(c, "Your account", "account")}
		p.Errors = ve.Fields
		return render(c, fiber.StatusUnprocessableEntity, "account/show", p)
	} else if err != nil {
		return err
	}
	flash(c, "Password changed. Your other sessions have ended.")
	return seeOther(c, "/account")
}
