package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
)

// asValidationError returns err as a *models.ValidationError, or nil when it is another error
// (or none): the forms below show those again with the user's input.
func asValidationError(err error) *models.ValidationError {
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return ve
	}
	return nil
}

// notSaved is the banner of a form shown again with field errors.
const notSaved = "Nothing was saved: correct the fields marked below."

// usersPage is the admin's list of accounts with the forms to change them.
type usersPage struct {
	Page
	Rows  []userRow
	Roles []models.Role
	// New holds what was typed in the add form (never the password).
	New models.UserInput
}

// userRow is one account: what is stored, and what its form shows (the stored values, or
// what was typed when the form came back with errors).
type userRow struct {
	models.User
	Self   bool
	Form   userForm
	Errors map[string]string
}

type userForm struct {
	Name   string
	Role   models.Role
	Active bool
}

// usersPage loads the accounts.
func (h *Handler) usersPage(c *fiber.Ctx) (*usersPage, error) {
	us, err := h.Store.ListUsers(c.UserContext())
	if err != nil {
		return nil, err
	}
	me := CurrentUser(c)
	rows := make([]userRow, len(us))
	for i, u := range us {
		rows[i] = userRow{User: u, Self: u.ID == me.ID, Form: userForm{u.Name, u.Choice(), u.Active}}
	}
	return &usersPage{Page: h.page(c, "Users", "users"), Rows: rows, Roles: models.RoleChoices,
		New: models.UserInput{Role: models.RoleCaseworker}}, nil
}

// userRowFailed shows the page again with the errors (and typed values) of one account's form.
func (h *Handler) userRowFailed(c *fiber.Ctx, uid uint, ve *models.ValidationError, form *userForm) error {
	p, err := h.usersPage(c)
	if err != nil {
		return err
	}
	p.Error = "The account was not changed: see the message in its row."
	for i := range p.Rows {
		if p.Rows[i].ID == uid {
			p.Rows[i].Errors = ve.Fields
			if form != nil {
				p.Rows[i].Form = *form
			}
		}
	}
	return render(c, fiber.StatusUnprocessableEntity, "admin/users", p)
}

// ListUsers shows every account and the forms to add and change them.
func (h *Handler) ListUsers(c *fiber.Ctx) error {
	p, err := h.usersPage(c)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, "admin/users", p)
}

// CreateUser adds an account with the password the admin typed.
func (h *Handler) CreateUser(c *fiber.Ctx) error {
	in := models.UserInput{Email: c.FormValue("email"), Name: c.FormValue("name"),
		Role: models.Role(c.FormValue("role")), Password: c.FormValue("password")}
	_, err := h.Store.CreateUserAs(c.UserContext(), CurrentUser(c), in)
	if ve := asValidationError(err); ve != nil {
		p, err := h.usersPage(c)
		if err != nil {
			return err
		}
		in.Password = ""
		p.New, p.Errors, p.Error = in, ve.Fields, notSaved
		return render(c, fiber.StatusUnprocessableEntity, "admin/users", p)
	} else if err != nil {
		return err
	}
	h.flash(c, "Account added. Give the person their password in person or by phone and never by e-mail.")
	return seeOther(c, "/admin/users")
}

// UpdateUser changes an account's name, role and whether it may log in.
func (h *Handler) UpdateUser(c *fiber.Ctx) error {
	uid, err := id(c)
	if err != nil {
		return err
	}
	form := userForm{Name: c.FormValue("name"), Role: models.Role(c.FormValue("role")), Active: c.FormValue("active") != ""}
	_, err = h.Store.UpdateUser(c.UserContext(), CurrentUser(c), uid, form.Name, form.Role, form.Active)
	if ve := asValidationError(err); ve != nil {
		return h.userRowFailed(c, uid, ve, &form)
	} else if err != nil {
		return err
	}
	if form.Active {
		h.flash(c, "Account changed.")
	} else {
		h.flash(c, "Account changed. It is deactivated: it cannot log in and its sessions have ended.")
	}
	return seeOther(c, "/admin/users")
}

// ResetPassword sets a new password for another account; its sessions end.
func (h *Handler) ResetPassword(c *fiber.Ctx) error {
	uid, err := id(c)
	if err != nil {
		return err
	}
	err = h.Store.ResetPassword(c.UserContext(), CurrentUser(c), uid, c.FormValue("password"))
	if ve := asValidationError(err); ve != nil {
		return h.userRowFailed(c, uid, ve, nil)
	} else if err != nil {
		return err
	}
	h.flash(c, "Password set and the account's sessions ended. Give the new password in person or by phone.")
	return seeOther(c, "/admin/users")
}

// termKindTitles are the headings of the taxonomy's lists.
var termKindTitles = map[models.TermKind]string{
	models.KindCategory:    "Categories",
	models.KindPerpetrator: "Perpetrators",
	models.KindOutcome:     "Outcomes",
	models.KindPlaceType:   "Kinds of place",
	models.KindChannel:     "Channels",
	models.KindRegion:      "Regions (ISO 3166-2)",
	models.KindCitizenship: "Citizenship (ISO 3166-1)",
	models.KindLanguage:    "Languages (ISO 639)",
}

// termCodeHints tell the admin the form of a new code of each list.
var termCodeHints = map[models.TermKind]string{
	models.KindRegion:      "ISO 3166-2, e.g. RU-MOW",
	models.KindCitizenship: "ISO 3166-1 alpha-2, two capital letters, e.g. TJ",
	models.KindLanguage:    "ISO 639, two or three small letters, e.g. tg",
}

// termsPage is the admin's view of the taxonomy: one section per list.
type termsPage struct {
	Page
	Sections []termSection
}

// termSection is one list with its add form (typed values and errors when it came back).
type termSection struct {
	Kind   models.TermKind
	Title  string
	Hint   string
	Rows   []termRow
	New    termForm
	Errors map[string]string
}

// termRow is one term and what its form shows.
type termRow struct {
	models.Term
	Form   termForm
	Errors map[string]string
}

type termForm struct {
	Code, LabelEN, LabelRU string
	Active                 bool
}

// termsPage loads every list, inactive terms included.
func (h *Handler) termsPage(c *fiber.Ctx) (*termsPage, error) {
	tax, err := h.Store.Taxonomy(c.UserContext())
	if err != nil {
		return nil, err
	}
	p := &termsPage{Page: h.page(c, "Taxonomy", "taxonomy")}
	for _, k := range models.TermKinds {
		s := termSection{Kind: k, Title: termKindTitles[k], Hint: termCodeHints[k]}
		if s.Title == "" {
			s.Title = string(k)
		}
		if s.Hint == "" {
			s.Hint = "small letters, digits and _, e.g. street_raid"
		}
		for _, t := range tax.Terms[k] {
			s.Rows = append(s.Rows, termRow{Term: t, Form: termForm{t.Code, t.LabelEN, t.LabelRU, t.Active}})
		}
		p.Sections = append(p.Sections, s)
	}
	return p, nil
}

// ListTerms shows every list of the taxonomy with the forms to add, rename and deactivate.
func (h *Handler) ListTerms(c *fiber.Ctx) error {
	p, err := h.termsPage(c)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, "admin/taxonomy", p)
}

// CreateTerm adds a term to one list.
func (h *Handler) CreateTerm(c *fiber.Ctx) error {
	kind := models.TermKind(c.FormValue("kind"))
	in := termForm{Code: c.FormValue("code"), LabelEN: c.FormValue("label_en"), LabelRU: c.FormValue("label_ru")}
	t, err := h.Store.AddTerm(c.UserContext(), CurrentUser(c), kind, in.Code, in.LabelEN, in.LabelRU)
	if ve := asValidationError(err); ve != nil {
		p, err := h.termsPage(c)
		if err != nil {
			return err
		}
		p.Error = notSaved
		if msg, ok := ve.Fields["kind"]; ok {
			p.Error = "Nothing was saved: " + msg + "."
		}
		for i := range p.Sections {
			if p.Sections[i].Kind == kind {
				p.Sections[i].New, p.Sections[i].Errors = in, ve.Fields
			}
		}
		return render(c, fiber.StatusUnprocessableEntity, "admin/taxonomy", p)
	} else if err != nil {
		return err
	}
	h.flash(c, "Term "+t.Code+" added.")
	return seeOther(c, "/admin/taxonomy#list-"+string(t.Kind))
}

// UpdateTerm renames a term or deactivates (or reactivates) it; its code stays.
func (h *Handler) UpdateTerm(c *fiber.Ctx) error {
	tid, err := id(c)
	if err != nil {
		return err
	}
	in := termForm{LabelEN: c.FormValue("label_en"), LabelRU: c.FormValue("label_ru"), Active: c.FormValue("active") != ""}
	t, err := h.Store.UpdateTerm(c.UserContext(), CurrentUser(c), tid, in.LabelEN, in.LabelRU, in.Active)
	if ve := asValidationError(err); ve != nil {
		p, err := h.termsPage(c)
		if err != nil {
			return err
		}
		p.Error = "The term was not changed: see the message in its row."
		for i := range p.Sections {
			for j := range p.Sections[i].Rows {
				if r := &p.Sections[i].Rows[j]; r.ID == tid {
					in.Code = r.Code
					r.Form, r.Errors = in, ve.Fields
				}
			}
		}
		return render(c, fiber.StatusUnprocessableEntity, "admin/taxonomy", p)
	} else if err != nil {
		return err
	}
	h.flash(c, "Term "+t.Code+" changed.")
	return seeOther(c, "/admin/taxonomy#list-"+string(t.Kind))
}
