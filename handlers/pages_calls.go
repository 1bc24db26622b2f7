package handlers

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
	"himoya/views"
)

// Ways the intake form can save a call.
const (
	saveNewCase = "new"    // open a new case (the default)
	saveAttach  = "attach" // add the call to one of the caller's earlier cases
	saveInfo    = "info"   // an information-only call: no case
)

// intakeFields are the fields of the intake form besides the caller's, by the models' names.
var intakeFields = []string{"received_at", "channel", "case_id", "category", "categories", "summary", "region", "city",
	"place_type", "perpetrator", "people_affected", "urgency", "incident_at", "event_id", "documents"}

// callerForm is the caller section of the intake form, as typed.
type callerForm struct {
	ID, Name, Phone, Citizenship, Language, SafeContact string
	SafeToCall                                          bool
}

// callForm is the intake form as typed: a refused form comes back exactly as the caseworker
// left it, in the middle of the call.
type callForm struct {
	ReceivedAt, Channel string
	Caller              callerForm
	SaveAs              string
	CaseID              string
	// LookedUp is set once the caseworker has looked the phone up: the matches are shown
	// again when the form comes back.
	LookedUp bool
	caseForm
}

// callPage is the intake form.
type callPage struct {
	Page
	Form    callForm
	Opt     formOptions
	Now     time.Time
	Matches []callerMatch
}

// HasCases reports whether the lookup found earlier cases the call could be added to.
func (p callPage) HasCases() bool {
	for _, m := range p.Matches {
		if len(m.Cases) > 0 {
			return true
		}
	}
	return false
}

// callerMatch is a caller on record with the phone typed, and their earlier cases.
type callerMatch struct {
	Caller models.Caller
	Calls  int64
	Cases  []matchedCase
}

// matchedCase is an earlier case of a caller; Visible says whether to link it.
type matchedCase struct {
	Case    models.Case
	Visible bool
}

// readCallForm reads the intake form.
func readCallForm(c *fiber.Ctx) callForm {
	return callForm{
		ReceivedAt: c.FormValue("received_at"),
		Channel:    c.FormValue("channel"),
		Caller: callerForm{
			ID: c.FormValue("caller.id"), Name: c.FormValue("caller.name"), Phone: c.FormValue("caller.phone"),
			Citizenship: c.FormValue("caller.citizenship"), Language: c.FormValue("caller.language"),
			SafeToCall: c.FormValue("caller.safe_to_call") == "1", SafeContact: c.FormValue("caller.safe_contact"),
		},
		SaveAs:   c.FormValue("save_as", saveNewCase),
		CaseID:   c.FormValue("case_id"),
		LookedUp: c.FormValue("looked_up") == "1",
		caseForm: readCaseForm(c),
	}
}

// callerInput turns the caller section into the models' input. Its id comes from a radio
// button of the lookup, so a value that is not a number is a tampered form.
func (f callForm) callerInput() (models.CallerInput, error) {
	in := models.CallerInput{Name: f.Caller.Name, Phone: f.Caller.Phone, Citizenship: f.Caller.Citizenship,
		Language: f.Caller.Language, SafeContact: f.Caller.SafeContact}
	safe := f.Caller.SafeToCall
	in.SafeToCall = &safe
	if f.Caller.ID != "" {
		n, err := strconv.ParseUint(f.Caller.ID, 10, 32)
		if err != nil {
			return in, models.ErrBadInput
		}
		in.ID = uint(n)
	}
	return in, nil
}

// NewCall shows the intake form, for recording a call while it happens.
func (h *Handler) NewCall(c *fiber.Ctx) error {
	f := callForm{SaveAs: saveNewCase, caseForm: caseForm{PeopleAffected: "1", Urgency: string(models.UrgencyNormal)}}
	return h.showCallForm(c, fiber.StatusOK, f, nil)
}

// showCallForm renders the intake form with the values typed and the field errors, and the
// lookup's matches if the caseworker has looked the phone up.
func (h *Handler) showCallForm(c *fiber.Ctx, status int, f callForm, fields map[string]string) error {
	p := callPage{Page: h.page(c, "title.new_call", "call"), Now: h.Store.Now()}
	p.Errors = map[string]string{}
	var err error
	if p.Opt, err = h.formOptions(c, nil); err != nil {
		return err
	}
	if len(fields) > 0 {
		p.Errors, p.Error = fields, notSavedBanner(h.locale(c), fields, intakeFields...)
	}
	if f.LookedUp {
		p.Matches, err = h.findCallers(c, f.Caller.Phone)
		if ve := asFieldErrors(err, nil); ve != nil {
			// A number that cannot be looked up: say so next to it.
			f.LookedUp, status = false, fiber.StatusUnprocessableEntity
			for k, v := range ve {
				if p.Errors[k] == "" {
					p.Errors[k] = v
				}
			}
		} else if err != nil {
			return err
		}
	}
	p.Form = f
	return render(c, status, "calls/new", p)
}

// findCallers looks up the callers on record with a phone number, and marks which of their
// cases the user may open.
func (h *Handler) findCallers(c *fiber.Ctx, phone string) ([]callerMatch, error) {
	u := CurrentUser(c)
	ms, err := h.Store.FindCallers(c.UserContext(), u, phone)
	if err != nil {
		return nil, err
	}
	out := make([]callerMatch, 0, len(ms))
	for _, m := range ms {
		cm := callerMatch{Caller: m.Caller, Calls: m.Calls}
		for i := range m.Cases {
			cm.Cases = append(cm.Cases, matchedCase{Case: m.Cases[i], Visible: models.CanSee(u, &m.Cases[i])})
		}
		out = append(out, cm)
	}
	return out, nil
}

// CreateCall handles the intake form: its "Find earlier calls" button looks the phone up
// (by POST, so the number never goes into a URL); its save button opens a case, adds the
// call to an earlier case, or logs an information-only call.
func (h *Handler) CreateCall(c *fiber.Ctx) error {
	f := readCallForm(c)
	switch {
	case c.FormValue("action") == "lookup":
		return h.lookupCaller(c, f)
	case f.SaveAs == saveAttach || f.SaveAs == saveInfo:
		return h.logCall(c, f)
	default:
		return h.openCase(c, f)
	}
}

// lookupCaller shows the form again with the callers on record with the phone typed.
func (h *Handler) lookupCaller(c *fiber.Ctx, f callForm) error {
	f.LookedUp = true
	return h.showCallForm(c, fiber.StatusOK, f, nil)
}

// openCase saves the call as a new case.
func (h *Handler) openCase(c *fiber.Ctx, f callForm) error {
	caller, err := f.callerInput()
	if err != nil {
		return err
	}
	fields, bad, err := f.caseForm.fields()
	if err != nil {
		return err
	}
	in := models.IntakeInput{ReceivedAt: f.ReceivedAt, Channel: f.Channel, Caller: caller, CaseFields: fields}
	cs, err := h.Store.CreateCase(c.UserContext(), CurrentUser(c), in)
	if ve := asFieldErrors(err, bad); ve != nil {
		return h.showCallForm(c, fiber.StatusUnprocessableEntity, f, ve)
	} else if err != nil {
		return err
	}
	h.flash(c, msg("flash.case_opened", "Ref", cs.Reference))
	return seeOther(c, views.CaseURL(cs.ID))
}

// logCall saves the call on an earlier case of the caller, or on its own.
func (h *Handler) logCall(c *fiber.Ctx, f callForm) error {
	caller, err := f.callerInput()
	if err != nil {
		return err
	}
	in := models.ContactInput{ReceivedAt: f.ReceivedAt, Channel: f.Channel, Caller: caller, Category: f.Category, Summary: f.Summary}
	if f.SaveAs == saveAttach {
		n, err := strconv.ParseUint(f.CaseID, 10, 32)
		if err != nil || n == 0 {
			return h.showCallForm(c, fiber.StatusUnprocessableEntity, f, map[string]string{"case_id": "v.choose_case_for_call"})
		}
		caseID := uint(n)
		in.CaseID = &caseID
	}
	ct, err := h.Store.LogContact(c.UserContext(), CurrentUser(c), in)
	if ve := asFieldErrors(err, nil); ve != nil {
		return h.showCallForm(c, fiber.StatusUnprocessableEntity, f, ve)
	} else if err != nil {
		return err
	}
	if ct.CaseID == nil {
		h.flash(c, "flash.call_logged")
		return seeOther(c, "/calls/new")
	}
	ref, visible, err := h.Store.CaseReference(c.UserContext(), CurrentUser(c), *ct.CaseID)
	if err != nil {
		return err
	}
	if !visible {
		h.flash(c, msg("flash.call_added_colleague", "Ref", ref))
		return seeOther(c, "/calls/new")
	}
	h.flash(c, msg("flash.call_added", "Ref", ref))
	return seeOther(c, "/cases/"+strconv.FormatUint(uint64(*ct.CaseID), 10))
}

// asFieldErrors returns the field messages of a *ValidationError, with the messages the form
// reading found (bad) in place of the models' own for the same fields; nil for other errors.
func asFieldErrors(err error, bad map[string]string) map[string]string {
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	out := make(map[string]string, len(ve.Fields)+len(bad))
	for k, v := range ve.Fields {
		out[k] = v
	}
	for k, v := range bad {
		out[k] = v
	}
	return out
}
