package handlers

import (
	"github.com/gofiber/fiber/v2"

	"himoya/models"
	"himoya/views"
)

const localLocale = "himoya.locale"

// locale is the request's interface language: the account's choice when it made one, else
// the browser's Accept-Language, else Russian.
func (h *Handler) locale(c *fiber.Ctx) *views.Locale {
	if l, ok := c.Locals(localLocale).(*views.Locale); ok {
		return l
	}
	var account string
	if u := CurrentUser(c); u != nil {
		account = u.Language
	}
	l := views.NewLocale(views.Match(account, c.Get(fiber.HeaderAcceptLanguage)), h.Store.Loc)
	c.Locals(localLocale, l)
	return l
}

// tr translates a message code (a key, or models.Message's key with arguments) for the request.
func (h *Handler) tr(c *fiber.Ctx, code string) string {
	return h.locale(c).Msg(code)
}

// english translates for the JSON API, whose messages are in English.
var english = views.NewLocale("en", nil)

// msg is models.Message: a catalogue key with name, value pairs for its arguments.
var msg = models.Message

// SetLanguage saves the interface language chosen on the account page ("" follows the browser).
func (h *Handler) SetLanguage(c *fiber.Ctx) error {
	u := CurrentUser(c)
	if err := h.Store.SetLanguage(c.UserContext(), u, c.FormValue("language")); err != nil {
		return err
	}
	c.Locals(localLocale, nil) // the next message is in the new language
	h.flash(c, "flash.language_saved")
	return seeOther(c, "/account")
}
