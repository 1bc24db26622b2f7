package handlers

import (
	"encoding/json"
	"errors"
	"mime"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
)

// notJSON is the error for a body that could not be read as JSON: a 415 when it said it
// was something else (a form, multipart, text), so that the client learns what to send; a
// 400 when it said it was JSON. A JSON body under another content type (curl -d sends
// JSON as a form) is read as JSON: the API reads nothing else.
func notJSON(c *fiber.Ctx) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err == nil && (mt == fiber.MIMEApplicationJSON || strings.HasSuffix(mt, "+json")) {
		return models.ErrBadInput
	}
	return fiber.ErrUnsupportedMediaType
}

// decodeJSON reads a JSON body into v. A body that is not JSON is a 415 or a 400 (notJSON);
// a value of the wrong type is a 422 naming the field, like any other invalid field.
// presentFields reads which fields a PATCH body sends (it changes those only): the body must
// be a JSON object.
func presentFields(c *fiber.Ctx) (map[string]bool, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(c.Body(), &raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, models.ErrBadInput // JSON, but not an object
		}
		return nil, notJSON(c)
	} else if raw == nil {
		return nil, models.ErrBadInput
	}
	present := make(map[string]bool, len(raw))
	for k := range raw {
		present[k] = true
	}
	return present, nil
}

func decodeJSON(c *fiber.Ctx, v any) error {
	err := json.Unmarshal(c.Body(), v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && te.Field != "":
		return &models.ValidationError{Fields: map[string]string{jsonField(te.Field): "must be a " + jsonType(te.Type.String())}}
	case errors.As(err, &te):
		return models.ErrBadInput // JSON, but not an object
	default:
		return notJSON(c)
	}
}

// jsonField drops the Go names of embedded structs from a decoder's field path
// ("CaseFields.people_affected" -> "people_affected").
func jsonField(path string) string {
	parts := strings.Split(path, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && !unicode.IsUpper(rune(p[0])) {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

func jsonType(goType string) string {
	switch {
	case strings.Contains(goType, "int"):
		return "whole number"
	case strings.Contains(goType, "bool"):
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "list"
	case strings.Contains(goType, "string"):
		return "string"
	default:
		return "JSON object"
	}
}

// APITaxonomy lists the codes an integration may send, and the workflow.
func (h *Handler) APITaxonomy(c *fiber.Ctx) error {
	tax, err := h.Store.Taxonomy(c.UserContext())
	if err != nil {
		return err
	}
	terms := func(k models.TermKind) []apiTerm {
		out := []apiTerm{}
		for _, t := range tax.Active(k) {
			out = append(out, apiTerm{t.Code, t.LabelEN, t.LabelRU})
		}
		return out
	}
	statuses := []apiTerm{}
	for _, s := range models.Statuses {
		statuses = append(statuses, apiTerm{Code: string(s), Label: s.Label()})
	}
	urgencies := []apiTerm{}
	for _, u := range models.Urgencies {
		urgencies = append(urgencies, apiTerm{Code: string(u), Label: string(u)})
	}
	return c.JSON(fiber.Map{
		"categories": terms(models.KindCategory), "regions": terms(models.KindRegion),
		"perpetrators": terms(models.KindPerpetrator), "outcomes": terms(models.KindOutcome),
		"place_types": terms(models.KindPlaceType), "channels": terms(models.KindChannel),
		"citizenships": terms(models.KindCitizenship), "languages": terms(models.KindLanguage),
		"statuses": statuses, "urgencies": urgencies, "transitions": models.TransitionMap(),
		"documents": fiber.Map{"kinds": models.DocumentKinds, "statuses": models.DocumentStatuses},
	})
}

// APIListCases lists cases with filters and paging.
func (h *Handler) APIListCases(c *fiber.Ctx) error {
	f := models.CaseFilter{Status: c.Query("status"), Category: c.Query("category"), Region: c.Query("region"),
		Urgency: c.Query("urgency"), Assignee: c.Query("assignee"), From: c.Query("from"), To: c.Query("to"),
		Q: c.Query("q"), Open: c.QueryBool("open")}
	f.Page, f.PerPage = pageNumber(c.Query("page")), pageNumber(c.Query("per_page"))
	p, err := h.Store.ListCases(c.UserContext(), CurrentUser(c), f)
	if err != nil {
		return err
	}
	items := make([]apiCase, 0, len(p.Items))
	for i := range p.Items {
		items = append(items, toAPICase(&p.Items[i], false))
	}
	return c.JSON(fiber.Map{"items": items, "total": p.Total, "page": p.Page, "per_page": p.PerPage})
}

// APICreateCase records a call that opens a case.
func (h *Handler) APICreateCase(c *fiber.Ctx) error {
	var in models.IntakeInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cs, err := h.Store.CreateCase(c.UserContext(), CurrentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toAPICase(cs, true))
}

// APIGetCase shows one case with its history and calls.
func (h *Handler) APIGetCase(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	cs, err := h.Store.GetCase(c.UserContext(), CurrentUser(c), n)
	if err != nil {
		return err
	}
	return c.JSON(toAPICase(cs, true))
}

// APIUpdateCase changes the fields given, if "version" is the case's current version.
func (h *Handler) APIUpdateCase(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	present, err := presentFields(c)
	if err != nil {
		return err
	}
	var in struct {
		Version    int   `json:"version"`
		Restricted *bool `json:"restricted"`
		models.CaseFields
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	up := models.CaseUpdate{Version: in.Version, CaseFields: in.CaseFields, Present: present, Restricted: in.Restricted}
	cs, err := h.Store.UpdateCase(c.UserContext(), CurrentUser(c), n, up)
	if err != nil {
		return err
	}
	return c.JSON(toAPICase(cs, true))
}

// APITransitionCase moves a case along the workflow.
func (h *Handler) APITransitionCase(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	var in models.TransitionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cs, err := h.Store.Transition(c.UserContext(), CurrentUser(c), n, in)
	if err != nil {
		return err
	}
	return c.JSON(toAPICase(cs, true))
}

// APICreateContact records a call, on its own or on a case.
func (h *Handler) APICreateContact(c *fiber.Ctx) error {
	var in models.ContactInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ct, err := h.Store.LogContact(c.UserContext(), CurrentUser(c), in)
	if err != nil {
		return err
	}
	ct.TakenBy = CurrentUser(c)
	return c.Status(fiber.StatusCreated).JSON(toAPIContact(ct))
}

// APIUpdateCaller corrects the details of a caller, the fields given only.
func (h *Handler) APIUpdateCaller(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	present, err := presentFields(c)
	if err != nil {
		return err
	}
	var in models.CallerInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	up := models.CallerUpdate{CallerInput: in, Present: present}
	cl, err := h.Store.UpdateCaller(c.UserContext(), CurrentUser(c), n, up)
	if err != nil {
		return err
	}
	return c.JSON(toAPICaller(cl))
}
