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
const notSaved = "banner.not_saved"

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
	Self bool
	// Current is the account's role as it is (Form holds what was typed).
	Current models.Role
	Form    userForm
	Errors  map[string]string
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
		rows[i] = userRow{User: u, Self: u.ID == me.ID, Current: u.Choice(), Form: userForm{u.Name, u.Choice(), u.Active}}
	}
	return &usersPage{Page: h.page(c, "title.users", "users"), Rows: rows, Roles: models.RoleChoices,
		New: models.UserInput{Role: models.RoleCaseworker}}, nil
}

// userRowFailed shows the page again with the errors (and typed values) of one account's form.
func (h *Handler) userRowFailed(c *fiber.Ctx, uid uint, ve *models.ValidationError, form *userForm) error {
	p, err := h.usersPage(c)
	if err != nil {
		return err
	}
	p.Error = h.tr(c, "banner.account_not_changed_see")
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
		p.New, p.Errors, p.Error = in, ve.Fields, h.tr(c, notSaved)
		return render(c, fiber.StatusUnprocessableEntity, "admin/users", p)
	} else if err != nil {
		return err
	}
	h.flash(c, "flash.account_added_give_person")
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
		h.flash(c, "flash.account_changed")
	} else {
		h.flash(c, "flash.account_changed_deactivated_cannot")
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
	h.flash(c, "flash.password_set_account_sessions")
	return seeOther(c, "/admin/users")
}

// termCodeHints tell the admin the form of a new code of each list (message keys).
var termCodeHints = map[models.TermKind]string{
	models.KindRegion:      "taxonomy.hint.region",
	models.KindCitizenship: "taxonomy.hint.citizenship",
	models.KindLanguage:    "taxonomy.hint.language",
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
	Code   string
	Labels models.TermLabels
	Active bool
}

// termLabels reads a term's labels in every language from the form.
func termLabels(c *fiber.Ctx) models.TermLabels {
	return models.TermLabels{EN: c.FormValue("label_en"), RU: c.FormValue("label_ru"), TG: c.FormValue("label_tg"),
		UZ: c.FormValue("label_uz"), KY: c.FormValue("label_ky")}
}

// termsPage loads every list, inactive terms included.
func (h *Handler) termsPage(c *fiber.Ctx) (*termsPage, error) {
	tax, err := h.Store.Taxonomy(c.UserContext())
	if err != nil {
		return nil, err
	}
	p := &termsPage{Page: h.page(c, "title.taxonomy", "taxonomy")}
	for _, k := range models.TermKinds {
		s := termSection{Kind: k, Title: h.tr(c, "taxonomy.kind."+string(k)), Hint: h.tr(c, termCodeHints[k])}
		if termCodeHints[k] == "" {
			s.Hint = h.tr(c, "taxonomy.hint.code")
		}
		for _, t := range tax.Terms[k] {
			l := models.TermLabels{EN: t.LabelEN, RU: t.LabelRU, TG: t.LabelTG, UZ: t.LabelUZ, KY: t.LabelKY}
			s.Rows = append(s.Rows, termRow{Term: t, Form: termForm{Code: t.Code, Labels: l, Active: t.Active}})
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
	in := termForm{Code: c.FormValue("code"), Labels: termLabels(c)}
	t, err := h.Store.AddTerm(c.UserContext(), CurrentUser(c), kind, in.Code, in.Labels)
	if ve := asValidationError(err); ve != nil {
		p, err := h.termsPage(c)
		if err != nil {
			return err
		}
		p.Error = h.tr(c, notSaved)
		if why, ok := ve.Fields["kind"]; ok {
			p.Error = h.locale(c).T("banner.not_saved_because", "Why", h.tr(c, why))
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
	h.flash(c, msg("flash.term_added", "Code", t.Code))
	return seeOther(c, "/admin/taxonomy#list-"+string(t.Kind))
}

// UpdateTerm renames a term or deactivates (or reactivates) it; its code stays.
func (h *Handler) UpdateTerm(c *fiber.Ctx) error {
	tid, err := id(c)
	if err != nil {
		return err
	}
	in := termForm{Labels: termLabels(c), Active: c.FormValue("active") != ""}
	t, err := h.Store.UpdateTerm(c.UserContext(), CurrentUser(c), tid, in.Labels, in.Active)
	if ve := asValidationError(err); ve != nil {
		p, err := h.termsPage(c)
		if err != nil {
			return err
		}
		p.Error = h.tr(c, "banner.term_not_changed_see")
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
	h.flash(c, msg("flash.term_changed", "Code", t.Code))
	return seeOther(c, "/admin/taxonomy#list-"+string(t.Kind))
}
