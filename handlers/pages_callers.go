package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

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
	p := forgetPage{Page: h.page(c, "title.forget_person", ""), Footprint: fp, Reasons: models.ForgetReasons, Reason: reason}
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
	h.flash(c, msg("flash.erased", "Cases", rep.Cases, "Calls", rep.Calls))
	if rep.FirstCase != 0 {
		return seeOther(c, fmt.Sprintf("/cases/%d", rep.FirstCase))
	}
	return seeOther(c, "/cases")
}

// callerPage is the form that corrects a caller's details.
type callerPage struct {
	Page
	Caller models.Caller
	Form   callerForm
	Opt    formOptions
	// Back is where the form returns: the case it was opened from (BackCase), when it was.
	Back, BackCase string
}

// EditCaller shows the form that corrects a caller's details.
func (h *Handler) EditCaller(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	cl, err := h.Store.GetCaller(c.UserContext(), CurrentUser(c), n)
	if err != nil {
		return err
	}
	f := callerForm{Name: cl.Name.String(), Phone: cl.Phone.String(), Citizenship: cl.Citizenship,
		Language: cl.Language, SafeToCall: cl.SafeToCall, SafeContact: cl.SafeContact.String()}
	return h.showCallerForm(c, fiber.StatusOK, cl, f, nil)
}

func (h *Handler) showCallerForm(c *fiber.Ctx, status int, cl *models.Caller, f callerForm, fields map[string]string) error {
	p := callerPage{Page: h.page(c, "title.correct_caller_details", "cases"), Caller: *cl, Form: f, Back: backToCase(c)}
	p.BackCase = strings.TrimPrefix(p.Back, "/cases/")
	p.Errors = fields
	if len(fields) > 0 {
		p.Error = h.tr(c, "banner.nothing_saved_correct_fields")
	}
	var err error
	if p.Opt, err = h.formOptions(c, nil); err != nil {
		return err
	}
	return render(c, status, "callers/edit", p)
}

// backToCase is the case page a form came from ("case" field or query), or "".
func backToCase(c *fiber.Ctx) string {
	v := c.FormValue("case")
	if v == "" {
		v = c.Query("case")
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil && n > 0 {
		return "/cases/" + strconv.FormatUint(n, 10)
	}
	return ""
}

// UpdateCaller saves the corrected details of a caller.
func (h *Handler) UpdateCaller(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	f := callerForm{Name: c.FormValue("name"), Phone: c.FormValue("phone"), Citizenship: c.FormValue("citizenship"),
		Language: c.FormValue("language"), SafeToCall: c.FormValue("safe_to_call") == "1", SafeContact: c.FormValue("safe_contact")}
	safe := f.SafeToCall
	in := models.CallerUpdate{
		CallerInput: models.CallerInput{Name: f.Name, Phone: f.Phone, Citizenship: f.Citizenship, Language: f.Language,
			SafeToCall: &safe, SafeContact: f.SafeContact},
		Present: map[string]bool{"name": true, "phone": true, "citizenship": true, "language": true, "safe_to_call": true, "safe_contact": true},
	}
	cl, err := h.Store.UpdateCaller(c.UserContext(), CurrentUser(c), n, in)
	if ve := asFieldErrors(err, nil); ve != nil {
		stored, gerr := h.Store.GetCaller(c.UserContext(), CurrentUser(c), n)
		if gerr != nil {
			return gerr
		}
		return h.showCallerForm(c, fiber.StatusUnprocessableEntity, stored, f, ve)
	} else if err != nil {
		return err
	}
	h.flash(c, "flash.caller_details_were_saved")
	if back := backToCase(c); back != "" {
		return seeOther(c, back)
	}
	return seeOther(c, "/callers/"+strconv.FormatUint(uint64(cl.ID), 10)+"/edit")
}
