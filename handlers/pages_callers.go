package handlers

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
)

// forgetPage asks a supervisor to confirm that a person is to be forgotten, and why.
type forgetPage struct {
	Page
	Footprint *models.CallerFootprint
	Reasons   []models.ForgetReason
	Reason    string
	Opt       formOptions
}

// ShowForgetCaller shows what forgetting a caller would erase, and the form that does it.
func (h *Handler) ShowForgetCaller(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	return h.showForget(c, fiber.StatusOK, n, "", nil)
}

func (h *Handler) showForget(c *fiber.Ctx, status int, n uint, reason string, fields map[string]string) error {
	fp, err := h.Store.CallerFootprint(c.UserContext(), CurrentUser(c), n)
	if err != nil {
		return err
	}
	p := forgetPage{Page: h.page(c, "Forget this person", ""), Footprint: fp, Reasons: models.ForgetReasons, Reason: reason}
	p.Errors = fields
	if p.Opt, err = h.formOptions(c, nil); err != nil {
		return err
	}
	return render(c, status, "callers/forget", p)
}

// ForgetCaller erases a caller's personal data everywhere, for the reason chosen.
func (h *Handler) ForgetCaller(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	rep, err := h.Store.ForgetCaller(c.UserContext(), CurrentUser(c), n, reason)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.showForget(c, fiber.StatusUnprocessableEntity, n, reason, ve.Fields)
	} else if err != nil {
		return err
	}
	flash(c, fmt.Sprintf("The person's personal data was erased from %d cases and %d calls.", rep.Cases, rep.Calls))
	if rep.FirstCase != 0 {
		return seeOther(c, fmt.Sprintf("/cases/%d", rep.FirstCase))
	}
	return seeOther(c, "/cases")
}
