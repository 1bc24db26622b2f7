package handlers

import (
	"encoding/base64"
	"errors"
	"html/template"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
	"himoya/views"
)

// accountPage shows the user's own account: password, two-factor login, sessions.
type accountPage struct {
	Page
	Sessions  []models.SessionInfo
	TwoFactor bool
}

// accountPage loads the account page's data.
func (h *Handler) accountPage(c *fiber.Ctx) (*accountPage, error) {
	u := CurrentUser(c)
	tok, _ := c.Locals(localToken).(string)
	ss, err := h.Store.ListSessions(c.UserContext(), u, tok)
	if err != nil {
		return nil, err
	}
	return &accountPage{Page: h.page(c, "title.your_account", "account"), Sessions: ss, TwoFactor: u.TwoFactorAt != nil}, nil
}

// ShowAccount shows the user's account, the password form and their sessions.
func (h *Handler) ShowAccount(c *fiber.Ctx) error {
	p, err := h.accountPage(c)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, "account/show", p)
}

// proof is what the forms that change the user's own credentials ask for besides the
// change: the current password and, with two-factor login on, a current code.
func proof(c *fiber.Ctx) models.Proof {
	return models.Proof{Password: c.FormValue("current"), Code: c.FormValue("current_code")}
}

// ChangePassword changes the user's own password; their other sessions end.
func (h *Handler) ChangePassword(c *fiber.Ctx) error {
	u := CurrentUser(c)
	tok, _ := c.Locals(localToken).(string)
	var err error = &models.ValidationError{Fields: map[string]string{"confirm": "v.passwords_differ"}}
	if c.FormValue("next") == c.FormValue("confirm") {
		err = h.Store.ChangePassword(c.UserContext(), u, c.IP(), proof(c), c.FormValue("next"), tok)
	}
	if ve := asValidationError(err); ve != nil || errors.Is(err, models.ErrRateLimited) {
		p, perr := h.accountPage(c)
		if perr != nil {
			return perr
		}
		status := fiber.StatusUnprocessableEntity
		if ve != nil {
			p.Errors, p.Error = ve.Fields, h.tr(c, "banner.your_password_not_changed")
		} else {
			status, p.Error = fiber.StatusTooManyRequests, h.tr(c, "banner.password_rate_limited")
		}
		return render(c, status, "account/show", p)
	} else if err != nil {
		return err
	}
	h.flash(c, "flash.password_changed_your_other")
	return seeOther(c, "/account")
}

// EndSession ends one of the user's own sessions (another browser or device).
func (h *Handler) EndSession(c *fiber.Ctx) error {
	if err := h.Store.EndOwnSession(c.UserContext(), CurrentUser(c), c.Params("id")); err != nil {
		return err
	}
	h.flash(c, "flash.session_has_ended_whoever")
	return seeOther(c, "/account")
}

// twoFactorPage sets up two-factor login: a QR code and the secret as text, and the form
// that confirms them with a code.
type twoFactorPage struct {
	Page
	models.Enrolment
	QR template.URL
	// Codes are the recovery codes, shown once, right after the set-up is confirmed.
	Codes []string
}

// ShowTwoFactor shows the set-up of two-factor login (or of a new phone).
func (h *Handler) ShowTwoFactor(c *fiber.Ctx) error {
	return h.twoFactorForm(c, fiber.StatusOK, nil, "")
}

func (h *Handler) twoFactorForm(c *fiber.Ctx, status int, errs map[string]string, banner string) error {
	en, err := h.Store.StartEnrolment(c.UserContext(), CurrentUser(c))
	if err != nil {
		return err
	}
	qr, err := views.QRCodePNG(en.OTPAuthURL)
	if err != nil {
		return err
	}
	p := twoFactorPage{Page: h.page(c, "title.two_factor_login", "account"), Enrolment: *en,
		// A data: URI made here from our own PNG: the CSP allows img-src data:.
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(qr))}
	p.Errors, p.Error = errs, h.tr(c, banner)
	return render(c, status, "account/two_factor", p)
}

// ConfirmTwoFactor turns two-factor login on (or moves it to a new phone) once the code from
// the app matches and the user proved who they are, and shows the recovery codes this once.
func (h *Handler) ConfirmTwoFactor(c *fiber.Ctx) error {
	codes, err := h.Store.ConfirmEnrolment(c.UserContext(), CurrentUser(c), c.IP(), proof(c), c.FormValue("code"))
	if ve := asValidationError(err); ve != nil {
		return h.twoFactorForm(c, fiber.StatusUnprocessableEntity, ve.Fields, "banner.nothing_changed_see_messages")
	} else if errors.Is(err, models.ErrRateLimited) {
		return h.twoFactorForm(c, fiber.StatusTooManyRequests, nil, "banner.rate_limited")
	} else if err != nil {
		return err
	}
	p := twoFactorPage{Page: h.page(c, "title.two_factor_login_2", "account"), Codes: codes}
	return render(c, fiber.StatusOK, "account/recovery_codes", p)
}

// EndUserSessions logs an account out everywhere (admins): every session of theirs ends.
func (h *Handler) EndUserSessions(c *fiber.Ctx) error {
	uid, err := id(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") == "" {
		return h.userRowFailed(c, uid, &models.ValidationError{Fields: map[string]string{
			"sessions": "v.tick_to_confirm"}}, nil)
	}
	if _, err := h.Store.EndUserSessions(c.UserContext(), CurrentUser(c), uid); err != nil {
		return err
	}
	h.flash(c, "flash.every_session_account_has")
	return seeOther(c, "/admin/users")
}

// ResetTwoFactor turns off an account's two-factor login (admins), for a person who lost
// their phone and their recovery codes; supervisors and admins set it up again at login.
func (h *Handler) ResetTwoFactor(c *fiber.Ctx) error {
	uid, err := id(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") == "" {
		return h.userRowFailed(c, uid, &models.ValidationError{Fields: map[string]string{
			"two_factor": "v.tick_to_confirm"}}, nil)
	}
	if err := h.Store.ResetTwoFactor(c.UserContext(), CurrentUser(c), uid); err != nil {
		return err
	}
	h.flash(c, "flash.two_factor_login_account")
	return seeOther(c, "/admin/users")
}
