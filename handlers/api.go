package handlers

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
)

// decodeJSON reads a JSON body into v. Unreadable JSON is a 400; a value of the wrong type
// is a 422 naming the field, like any other invalid field.
func decodeJSON(c *fiber.Ctx, v any) error {
	err := json.Unmarshal(c.Body(), v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && te.Field != "":
		return &models.ValidationError{Fields: map[string]string{jsonField(te.Field): "must be a " + jsonType(te.Type.String())}}
	default:
		return models.ErrBadInput
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

// apiTerm is a taxonomy entry in the API.
type apiTerm struct {
	Code    string `json:"code"`
	Label   string `json:"label"`
	LabelRU string `json:"label_ru,omitempty"`
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

// apiCase is a case in the API.
type apiCase struct {
	ID             uint                  `json:"id"`
	Reference      string                `json:"reference"`
	Status         models.Status         `json:"status"`
	Version        int                   `json:"version"`
	Category       string                `json:"category"`
	Categories     []string              `json:"categories"`
	Summary        string                `json:"summary"`
	Region         string                `json:"region"`
	City           string                `json:"city"`
	PlaceType      string                `json:"place_type"`
	Perpetrator    string                `json:"perpetrator"`
	PeopleAffected int                   `json:"people_affected"`
	Urgency        models.Urgency        `json:"urgency"`
	Assignee       *string               `json:"assignee"`
	Outcome        string                `json:"outcome"`
	ReceivedAt     time.Time             `json:"received_at"`
	IncidentAt     *time.Time            `json:"incident_at"`
	EventID        *uint                 `json:"event_id"`
	Documents      []models.CaseDocument `json:"documents"`
	Restricted     bool                  `json:"restricted"`
	SharedWith     []string              `json:"shared_with,omitempty"`
	Caller         *models.Caller        `json:"caller,omitempty"`
	History        []apiEntry            `json:"history,omitempty"`
	Contacts       []apiContact          `json:"contacts,omitempty"`
	UpdatedAt      time.Time             `json:"updated_at"`
}

// apiEntry is one step of a case's history.
type apiEntry struct {
	Kind     string        `json:"kind"`
	From     models.Status `json:"from"`
	To       models.Status `json:"to"`
	At       time.Time     `json:"at"`
	By       string        `json:"by"`
	Note     string        `json:"note"`
	Outcome  string        `json:"outcome,omitempty"`
	Assignee string        `json:"assignee,omitempty"`
	Fields   []string      `json:"fields,omitempty"`
}

// apiContact is a call in the API.
type apiContact struct {
	ID         uint           `json:"id"`
	CaseID     *uint          `json:"case_id"`
	Channel    string         `json:"channel"`
	ReceivedAt time.Time      `json:"received_at"`
	TakenBy    string         `json:"taken_by"`
	Category   string         `json:"category"`
	Summary    string         `json:"summary"`
	Caller     *models.Caller `json:"caller"`
}

func email(u *models.User) string {
	if u == nil {
		return ""
	}
	return u.Email
}

func toAPIContact(ct *models.Contact) apiContact {
	return apiContact{ID: ct.ID, CaseID: ct.CaseID, Channel: ct.Channel, ReceivedAt: ct.ReceivedAt,
		TakenBy: email(ct.TakenBy), Category: ct.Category, Summary: ct.Summary.String(), Caller: ct.Caller}
}

// toAPICase turns a case into its API form; full adds the caller, history and calls.
func toAPICase(cs *models.Case, full bool) apiCase {
	out := apiCase{ID: cs.ID, Reference: cs.Reference, Status: cs.Status, Version: cs.Version, Category: cs.Category,
		Categories: cs.CategoryCodes(), Summary: cs.Summary.String(), Region: cs.Region, City: cs.City,
		PlaceType: cs.PlaceType, Perpetrator: cs.Perpetrator, PeopleAffected: cs.PeopleAffected, Urgency: cs.Urgency,
		Outcome: cs.Outcome, ReceivedAt: cs.ReceivedAt, IncidentAt: cs.IncidentAt, EventID: cs.EventID,
		Documents: cs.Documents, UpdatedAt: cs.UpdatedAt, Restricted: cs.Restricted}
	if out.Documents == nil {
		out.Documents = []models.CaseDocument{}
	}
	if cs.Assignee != nil {
		out.Assignee = &cs.Assignee.Email
	}
	if !full {
		return out
	}
	out.Caller = cs.Caller
	out.SharedWith = []string{}
	for _, sh := range cs.Shares {
		out.SharedWith = append(out.SharedWith, email(sh.User))
	}
	out.History = []apiEntry{}
	for _, e := range cs.Entries {
		ae := apiEntry{Kind: e.Kind, From: e.FromStatus, To: e.ToStatus, At: e.At, By: email(e.User),
			Note: e.Note.String(), Outcome: e.Outcome, Assignee: email(e.Assignee)}
		if e.Fields != "" {
			ae.Fields = strings.Split(e.Fields, ",")
		}
		out.History = append(out.History, ae)
	}
	out.Contacts = []apiContact{}
	for i := range cs.Contacts {
		out.Contacts = append(out.Contacts, toAPIContact(&cs.Contacts[i]))
	}
	return out
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
	var present map[string]json.RawMessage
	if err := json.Unmarshal(c.Body(), &present); err != nil || present == nil {
		return models.ErrBadInput
	}
	var in struct {
		Version    int   `json:"version"`
		Restricted *bool `json:"restricted"`
		models.CaseFields
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	up := models.CaseUpdate{Version: in.Version, CaseFields: in.CaseFields, Present: map[string]bool{}, Restricted: in.Restricted}
	for k := range present {
		up.Present[k] = true
	}
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
	var present map[string]json.RawMessage
	if err := json.Unmarshal(c.Body(), &present); err != nil || present == nil {
		return models.ErrBadInput
	}
	var in models.CallerInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	up := models.CallerUpdate{CallerInput: in, Present: map[string]bool{}}
	for k := range present {
		up.Present[k] = true
	}
	cl, err := h.Store.UpdateCaller(c.UserContext(), CurrentUser(c), n, up)
	if err != nil {
		return err
	}
	return c.JSON(cl)
}
