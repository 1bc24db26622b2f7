package handlers

import (
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
	"himoya/views"
)

// caseForm is the case part of the intake and edit forms, as typed: a refused form comes
// back exactly as the user left it.
type caseForm struct {
	Category       string
	Categories     []string
	Summary        string
	Region         string
	City           string
	PlaceType      string
	Perpetrator    string
	PeopleAffected string
	Urgency        string
	IncidentAt     string
	EventID        string
	// Documents maps a document kind to what happened to it.
	Documents map[string]string
}

// caseFormFields are the models' names of the fields the case forms have: the edit form
// sends every one of them.
var caseFormFields = []string{"category", "categories", "summary", "region", "city", "place_type",
	"perpetrator", "people_affected", "urgency", "incident_at", "event_id", "documents"}

// readCaseForm reads the case fields of a form.
func readCaseForm(c *fiber.Ctx) caseForm {
	f := caseForm{
		Category: c.FormValue("category"), Categories: formValues(c, "categories"), Summary: c.FormValue("summary"),
		Region: c.FormValue("region"), City: c.FormValue("city"), PlaceType: c.FormValue("place_type"),
		Perpetrator: c.FormValue("perpetrator"), PeopleAffected: c.FormValue("people_affected"),
		Urgency: c.FormValue("urgency"), IncidentAt: c.FormValue("incident_at"), EventID: c.FormValue("event_id"),
		Documents: map[string]string{},
	}
	for _, k := range models.DocumentKinds {
		if v := c.FormValue("doc_" + k); v != "" {
			f.Documents[k] = v
		}
	}
	return f
}

// formValues reads every value of a repeated form field (checkboxes).
func formValues(c *fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	return out
}

// caseFormOf fills the edit form from a case.
func caseFormOf(cs *models.Case, loc *time.Location) caseForm {
	f := caseForm{Category: cs.Category, Categories: cs.CategoryCodes()[1:], Summary: cs.Summary.String(),
		Region: cs.Region, City: cs.City, PlaceType: cs.PlaceType, Perpetrator: cs.Perpetrator,
		PeopleAffected: strconv.Itoa(cs.PeopleAffected), Urgency: string(cs.Urgency), Documents: map[string]string{}}
	if cs.IncidentAt != nil {
		f.IncidentAt = cs.IncidentAt.In(loc).Format("2006-01-02T15:04")
	}
	if cs.EventID != nil {
		f.EventID = strconv.FormatUint(uint64(*cs.EventID), 10)
	}
	for _, d := range cs.Documents {
		f.Documents[d.Document] = d.Status
	}
	return f
}

// fields turns the form into the models' input, with messages for what could not be read.
// A people count that is not a number goes on as 0, which models refuses as well: nothing is
// saved, and every other field is still checked in the same round. The event comes from a
// select, so an id that is not a number is a tampered form.
func (f caseForm) fields() (models.CaseFields, map[string]string, error) {
	out := models.CaseFields{Category: f.Category, Categories: f.Categories, Summary: f.Summary, Region: f.Region,
		City: f.City, PlaceType: f.PlaceType, Perpetrator: f.Perpetrator, Urgency: f.Urgency, IncidentAt: f.IncidentAt}
	bad := map[string]string{}
	if v := strings.TrimSpace(f.PeopleAffected); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n, bad["people_affected"] = 0, "v.enter_number"
		}
		out.PeopleAffected = &n
	}
	if f.EventID != "" {
		n, err := strconv.ParseUint(f.EventID, 10, 32)
		if err != nil {
			return out, nil, models.ErrBadInput
		}
		ev := uint(n)
		out.EventID = &ev
	}
	for _, k := range models.DocumentKinds {
		if st := f.Documents[k]; st != "" {
			out.Documents = append(out.Documents, models.DocumentInput{Document: k, Status: st})
		}
	}
	return out, bad, nil
}

// formOptions are the choices the case forms and pages offer, and the labels they show.
type formOptions struct {
	Tax                                                     *models.Taxonomy
	Categories, Regions, PlaceTypes, Perpetrators, Outcomes []models.Term
	Channels, Citizenships, Languages                       []models.Term
	Events                                                  []models.Event
	Urgencies                                               []models.Urgency
	Statuses                                                []models.Status
	DocumentKinds, DocumentStatuses                         []string
}

// formOptions loads the active taxonomy terms and events. For a case being edited, its own
// values stay on offer even when they have been deactivated since.
func (h *Handler) formOptions(c *fiber.Ctx, cs *models.Case) (formOptions, error) {
	tax, err := h.Store.Taxonomy(c.UserContext())
	if err != nil {
		return formOptions{}, err
	}
	evs, err := h.Store.ListEvents(c.UserContext(), true)
	if err != nil {
		return formOptions{}, err
	}
	keep := map[models.TermKind][]string{}
	if cs != nil {
		keep[models.KindCategory] = cs.CategoryCodes()
		keep[models.KindRegion], keep[models.KindPlaceType] = []string{cs.Region}, []string{cs.PlaceType}
		keep[models.KindPerpetrator] = []string{cs.Perpetrator}
		if cs.Event != nil && !cs.Event.Active {
			evs = append(evs, *cs.Event)
		}
	}
	terms := func(k models.TermKind) []models.Term {
		var out []models.Term
		for _, t := range tax.Terms[k] {
			if t.Active || inList(keep[k], t.Code) {
				out = append(out, t)
			}
		}
		return out
	}
	return formOptions{Tax: tax, Categories: terms(models.KindCategory), Regions: terms(models.KindRegion),
		PlaceTypes: terms(models.KindPlaceType), Perpetrators: terms(models.KindPerpetrator),
		Outcomes: terms(models.KindOutcome), Channels: terms(models.KindChannel),
		Citizenships: terms(models.KindCitizenship), Languages: terms(models.KindLanguage), Events: evs,
		Urgencies: models.Urgencies, Statuses: models.Statuses,
		DocumentKinds: models.DocumentKinds, DocumentStatuses: models.DocumentStatuses}, nil
}

// inList reports whether v is in list.
func inList(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// documentLabels name the documents as people read them.
var documentLabels = map[string]string{
	"work_permit": "Work permit (patent)", "passport": "Passport", "registration": "Registration",
	"migration_card": "Migration card", "residence_permit": "Residence permit", "other": "Other document",
}

// DocLabel names a kind of document.
func (formOptions) DocLabel(kind string) string {
	if l, ok := documentLabels[kind]; ok {
		return l
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// Label names a taxonomy code (English label), or gives the code if it is unknown.
func (o formOptions) Label(kind, code string) string {
	if code == "" || o.Tax == nil {
		return code
	}
	return o.Tax.Label(models.TermKind(kind), code)
}

// IDString writes an id as a form value.
func (formOptions) IDString(id uint) string { return strconv.FormatUint(uint64(id), 10) }

// notSavedBanner is the message above a refused form. Messages for fields the form shows
// sit next to them; the others (e.g. a closed case) are spelled out here.
func notSavedBanner(l *views.Locale, fields map[string]string, shown ...string) string {
	var other []string
	for k, v := range fields {
		if !inList(shown, k) && !strings.HasPrefix(k, "caller.") {
			other = append(other, l.Msg(v))
		}
	}
	sort.Strings(other)
	if len(other) == 0 {
		return l.T("banner.not_saved")
	}
	return l.T("banner.not_saved_because", "Why", strings.Join(other, "; "))
}

// caseListPage is the list of cases with its filters.
type caseListPage struct {
	Page
	Filter    models.CaseFilter
	Result    *models.CasePage
	Opt       formOptions
	Assignees []models.User
	// Search is set on the answer to the search form: its pages are reached by POST, so that
	// the search text never goes into a URL.
	Search     bool
	Prev, Next int
	Hidden     []hiddenField
}

// hiddenField is one filter carried by a pagination form.
type hiddenField struct{ Name, Value string }

// query is the filter as a URL query (without the search text).
func (p caseListPage) query() url.Values {
	q := url.Values{}
	for _, h := range p.Hidden {
		if h.Name != "q" {
			q.Set(h.Name, h.Value)
		}
	}
	return q
}

// PageURL is the link to another page of the list.
func (p caseListPage) PageURL(n int) string {
	q := p.query()
	q.Set("page", strconv.Itoa(n))
	return "/cases?" + q.Encode()
}

// readCaseFilter reads the list's filters from the query or the search form. A bad page
// goes on to models, which refuses it with a message (pageNumber).
func readCaseFilter(get func(string, ...string) string, search bool) models.CaseFilter {
	f := models.CaseFilter{Status: get("status"), Category: get("category"), Region: get("region"),
		Urgency: get("urgency"), Assignee: get("assignee"), From: get("from"), To: get("to"), Open: get("open") == "1"}
	if search {
		f.Q = get("q")
	}
	f.Page = pageNumber(get("page"))
	return f
}

// ListCases lists the cases the user may see, filtered by the query: "My cases"
// (assignee=me), the unassigned queue (assignee=none), or every case for supervisors.
func (h *Handler) ListCases(c *fiber.Ctx) error {
	return h.listCases(c, readCaseFilter(c.Query, false), false)
}

// SearchCases lists the cases matching the filter form, whose text search (reference,
// summary) comes by POST: search text can be a name and must stay out of URLs and logs.
func (h *Handler) SearchCases(c *fiber.Ctx) error {
	return h.listCases(c, readCaseFilter(c.FormValue, true), true)
}

func (h *Handler) listCases(c *fiber.Ctx, f models.CaseFilter, search bool) error {
	title, nav := "Cases", "cases"
	switch f.Assignee {
	case "me":
		title, nav = "title.my_cases", "mine"
	case "none":
		title, nav = "title.unassigned_cases", "queue"
	}
	p := caseListPage{Page: h.page(c, title, nav), Filter: f, Search: search, Hidden: filterFields(f)}
	var err error
	if p.Opt, err = h.formOptions(c, nil); err != nil {
		return err
	}
	if p.IsSupervisor() {
		if p.Assignees, err = h.Store.Caseworkers(c.UserContext()); err != nil {
			return err
		}
	}
	p.Result, err = h.Store.ListCases(c.UserContext(), p.User, f)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		p.Errors, p.Error = ve.Fields, h.tr(c, "banner.some_filters_need_correcting")
		return render(c, fiber.StatusUnprocessableEntity, "cases/list", p)
	} else if err != nil {
		return err
	}
	p.Prev, p.Next = neighbours(p.Result.Page, p.Result.Pages())
	return render(c, fiber.StatusOK, "cases/list", p)
}

// filterFields lists the filters that are set, for pagination.
func filterFields(f models.CaseFilter) []hiddenField {
	var out []hiddenField
	for _, x := range []hiddenField{{"status", f.Status}, {"category", f.Category}, {"region", f.Region},
		{"urgency", f.Urgency}, {"assignee", f.Assignee}, {"from", f.From}, {"to", f.To}, {"q", f.Q}} {
		if x.Value != "" {
			out = append(out, x)
		}
	}
	if f.Open {
		out = append(out, hiddenField{"open", "1"})
	}
	return out
}

// casePage is a case with its timeline and the forms that act on it.
type casePage struct {
	Page
	Case      *models.Case
	Opt       formOptions
	Timeline  []timelineItem
	Moves     []moveForm
	Assignees []models.User
	// ShowAssign offers supervisors the assign form on an open case that has no move that
	// assigns it (a new case is assigned by its "Assign" move).
	ShowAssign bool
	Now        time.Time
	// Retry holds what the user typed in a form that was refused, to show it again.
	Retry caseRetry
	// ShowAccess offers supervisors the forms that restrict and share the case, sharing it
	// with one of ShareCandidates.
	ShowAccess      bool
	ShareCandidates []models.User
	// Audit is who opened and changed the case, shown when ShowAudit (supervisors).
	Audit     []models.AuditEntry
	ShowAudit bool
}

// IsAssignee reports whether user id is the case's assignee (to preselect them).
func (p casePage) IsAssignee(id uint) bool {
	return p.Case.AssigneeID != nil && *p.Case.AssigneeID == id
}

// caseRetry is what the user typed in one of the case page's forms.
type caseRetry struct {
	Form                         string // move, note, assign or call
	To, Note, Outcome, Assignee  string
	Channel, ReceivedAt, Summary string
}

// timelineItem is one line of a case's timeline: a call, or an entry of its history.
type timelineItem struct {
	At      time.Time
	Kind    string // "call", or the kind of entry (models.EntryOpened, ...)
	By      string
	Contact *models.Contact
	Entry   *models.CaseEntry
	// Fields names the fields an edit changed.
	Fields []string
}

// timeline merges a case's calls and history in time order.
func timeline(cs *models.Case) []timelineItem {
	items := make([]timelineItem, 0, len(cs.Contacts)+len(cs.Entries))
	for i := range cs.Contacts {
		ct := &cs.Contacts[i]
		items = append(items, timelineItem{At: ct.ReceivedAt, Kind: "call", By: ct.TakenBy.DisplayName(), Contact: ct})
	}
	for i := range cs.Entries {
		e := &cs.Entries[i]
		it := timelineItem{At: e.At, Kind: e.Kind, By: e.User.DisplayName(), Entry: e}
		if e.Fields != "" {
			for _, name := range strings.Split(e.Fields, ",") {
				it.Fields = append(it.Fields, strings.ReplaceAll(name, "_", " "))
			}
		}
		items = append(items, it)
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].At.Before(items[b].At) })
	return items
}

// moveForm is one button of the workflow, with the fields its rule needs.
type moveForm struct {
	To                                              models.Status
	Label                                           string
	NeedsNote, NeedsOutcome, PickAssignee, TakeSelf bool
}

// movesFor lists the moves models allows the user from the case's status. A move that needs
// an assignee lets a supervisor choose one; a caseworker takes the case themselves.
func movesFor(u *models.User, cs *models.Case) []moveForm {
	var out []moveForm
	for _, r := range models.MovesFor(u, cs) {
		m := moveForm{To: r.To, NeedsNote: r.Needs&models.NeedsNote != 0, NeedsOutcome: r.Needs&models.NeedsOutcome != 0}
		if r.Needs&models.NeedsAssignee != 0 {
			m.PickAssignee = u.Can(models.RoleSupervisor)
			m.TakeSelf = !m.PickAssignee
		}
		m.Label = moveLabel(r, m.TakeSelf)
		out = append(out, m)
	}
	return out
}

// moveLabel is the button's text, in the words of the hotline's work.
func moveLabel(r models.Rule, takeSelf bool) string {
	switch {
	case r.To == models.StatusAssigned && takeSelf:
		return "move.take"
	case r.To == models.StatusAssigned:
		return "move.assign"
	case r.From == models.StatusNew && r.To == models.StatusClosed:
		return "move.close_invalid"
	case r.To == models.StatusInProgress && !r.From.Open():
		return "move.reopen"
	case r.To == models.StatusInProgress && r.From == models.StatusAssigned:
		return "move.start"
	case r.To == models.StatusInProgress:
		return "move.resume"
	case r.To == models.StatusWaiting:
		return "move.waiting"
	case r.To == models.StatusEscalated:
		return "move.escalate"
	case r.To == models.StatusResolved:
		return "move.resolve"
	case r.To == models.StatusClosed:
		return "move.close"
	}
	return msg("move.to", "To", r.To)
}

// ShowCase shows a case: its facts, its caller, its whole timeline, and the moves, notes and
// calls the user can add.
func (h *Handler) ShowCase(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	return h.showCase(c, fiber.StatusOK, n, caseRetry{}, "", nil)
}

func (h *Handler) showCase(c *fiber.Ctx, status int, n uint, r caseRetry, banner string, fields map[string]string) error {
	u := CurrentUser(c)
	cs, err := h.Store.GetCase(c.UserContext(), u, n)
	if err != nil {
		return err
	}
	p := casePage{Page: h.page(c, cs.Reference, ""), Case: cs, Timeline: timeline(cs), Moves: movesFor(u, cs),
		Now: h.Store.Now(), Retry: r}
	p.Error, p.Errors = h.tr(c, banner), fields
	if p.Opt, err = h.formOptions(c, cs); err != nil {
		return err
	}
	if p.IsSupervisor() {
		if p.Assignees, err = h.Store.Caseworkers(c.UserContext()); err != nil {
			return err
		}
		p.ShowAssign = cs.Status.Open()
		for _, m := range p.Moves {
			p.ShowAssign = p.ShowAssign && !m.PickAssignee
		}
		p.ShowAccess = true
		if p.ShareCandidates, err = h.Store.ShareCandidates(c.UserContext(), cs); err != nil {
			return err
		}
	}
	// The log of the case is for supervisors: models says who may read it.
	switch p.Audit, err = h.Store.CaseAudit(c.UserContext(), u, cs.ID); {
	case err == nil:
		p.ShowAudit = true
	case !errors.Is(err, models.ErrForbidden):
		return err
	}
	return render(c, status, "cases/show", p)
}

// caseFormFailed shows the case page again after one of its forms was refused: invalid
// input, a move the workflow does not have, or a stale version are explained there, with
// what the user typed; other errors go to the error handler.
func (h *Handler) caseFormFailed(c *fiber.Ctx, n uint, r caseRetry, err error) error {
	var ve *models.ValidationError
	var te *models.TransitionError
	switch {
	case errors.As(err, &ve):
		var msgs []string
		for k, v := range ve.Fields {
			msgs = append(msgs, strings.ReplaceAll(k, "_", " ")+": "+h.tr(c, v))
		}
		sort.Strings(msgs)
		return h.showCase(c, fiber.StatusUnprocessableEntity, n, r, msg("banner.not_changed_because", "Why", strings.Join(msgs, "; ")), ve.Fields)
	case errors.As(err, &te):
		return h.showCase(c, fiber.StatusUnprocessableEntity, n, r, msg("banner.not_changed_transition", "From", te.From, "To", te.To), nil)
	case errors.Is(err, models.ErrConflict):
		return h.showCase(c, fiber.StatusConflict, n, r,
			"banner.stale", nil)
	}
	return err
}

// readTransition reads a move or assignment form. Version and assignee come from hidden
// fields and selects, so values that are not numbers are a tampered form.
func readTransition(c *fiber.Ctx) (models.TransitionInput, error) {
	in := models.TransitionInput{To: c.FormValue("to"), Note: c.FormValue("note"), Outcome: c.FormValue("outcome")}
	v, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		return in, models.ErrBadInput
	}
	in.Version = v
	if a := c.FormValue("assignee_id"); a != "" {
		n, err := strconv.ParseUint(a, 10, 32)
		if err != nil {
			return in, models.ErrBadInput
		}
		in.AssigneeID = uint(n)
	}
	return in, nil
}

// TransitionCase moves a case to the status of the button pressed.
func (h *Handler) TransitionCase(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	in, err := readTransition(c)
	if err != nil {
		return err
	}
	cs, err := h.Store.Transition(c.UserContext(), CurrentUser(c), n, in)
	if err != nil {
		return h.caseFormFailed(c, n, caseRetry{Form: "move", To: in.To, Note: in.Note, Outcome: in.Outcome}, err)
	}
	h.flash(c, msg("flash.case_now", "Ref", cs.Reference, "Status", cs.Status))
	return seeOther(c, views.CaseURL(cs.ID))
}

// AssignCase gives a case to a caseworker, or to another one (supervisors).
func (h *Handler) AssignCase(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	in, err := readTransition(c)
	if err != nil {
		return err
	}
	in.To = ""
	cs, err := h.Store.Assign(c.UserContext(), CurrentUser(c), n, in)
	if err != nil {
		return h.caseFormFailed(c, n, caseRetry{Form: "assign", Note: in.Note, Assignee: c.FormValue("assignee_id")}, err)
	}
	h.flash(c, msg("flash.case_assigned", "Ref", cs.Reference, "Name", cs.Assignee.DisplayName()))
	return seeOther(c, views.CaseURL(cs.ID))
}

// AddNote adds a note to a case's timeline.
func (h *Handler) AddNote(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	note := c.FormValue("note")
	if err := h.Store.AddNote(c.UserContext(), CurrentUser(c), n, note); err != nil {
		return h.caseFormFailed(c, n, caseRetry{Form: "note", Note: note}, err)
	}
	h.flash(c, "flash.note_added")
	return seeOther(c, "/cases/"+strconv.FormatUint(uint64(n), 10))
}

// AddContact logs a follow-up call on a case, from the case's caller.
func (h *Handler) AddContact(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	cs, err := h.Store.GetCase(c.UserContext(), CurrentUser(c), n)
	if err != nil {
		return err
	}
	in := models.ContactInput{ReceivedAt: c.FormValue("received_at"), Channel: c.FormValue("channel"),
		Summary: c.FormValue("summary"), CaseID: &cs.ID}
	if cs.CallerID != nil {
		in.Caller.ID = *cs.CallerID
	}
	if _, err := h.Store.LogContact(c.UserContext(), CurrentUser(c), in); err != nil {
		return h.caseFormFailed(c, n, caseRetry{Form: "call", Channel: in.Channel, ReceivedAt: in.ReceivedAt, Summary: in.Summary}, err)
	}
	h.flash(c, "flash.call_added_timeline")
	return seeOther(c, views.CaseURL(cs.ID))
}

// caseEditPage is the form that edits a case's fields.
type caseEditPage struct {
	Page
	Case    *models.Case
	Form    caseForm
	Version int
	Opt     formOptions
	// Conflict is set when someone else saved the case while the user was editing it.
	Conflict bool
}

// EditCase shows the form that edits a case's fields.
func (h *Handler) EditCase(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	cs, err := h.Store.GetCase(c.UserContext(), CurrentUser(c), n)
	if err != nil {
		return err
	}
	return h.showEditForm(c, fiber.StatusOK, cs, caseFormOf(cs, h.Store.Loc), cs.Version, nil)
}

func (h *Handler) showEditForm(c *fiber.Ctx, status int, cs *models.Case, f caseForm, version int, fields map[string]string) error {
	p := caseEditPage{Page: h.page(c, msg("title.edit_case", "Ref", cs.Reference), ""), Case: cs, Form: f, Version: version,
		Conflict: status == fiber.StatusConflict}
	if len(fields) > 0 {
		p.Errors, p.Error = fields, notSavedBanner(h.locale(c), fields, caseFormFields...)
	}
	var err error
	if p.Opt, err = h.formOptions(c, cs); err != nil {
		return err
	}
	return render(c, status, "cases/edit", p)
}

// UpdateCase saves the edit form if nobody changed the case since the form was loaded. If
// someone did, nothing is saved and the form comes back with the user's input, the current
// version and a link to the case as it is now.
func (h *Handler) UpdateCase(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		return models.ErrBadInput
	}
	f := readCaseForm(c)
	fields, bad, err := f.fields()
	if err != nil {
		return err
	}
	up := models.CaseUpdate{Version: version, CaseFields: fields, Present: map[string]bool{}}
	for _, k := range caseFormFields {
		up.Present[k] = true
	}
	cs, err := h.Store.UpdateCase(c.UserContext(), CurrentUser(c), n, up)
	if err != nil {
		return h.editFailed(c, n, f, version, asFieldErrors(err, bad), err)
	}
	h.flash(c, "flash.case_saved")
	return seeOther(c, views.CaseURL(cs.ID))
}

// editFailed shows the edit form again after a refused save: with the field messages (422),
// or, when someone else saved the case meanwhile, with the conflict banner and the current
// version (409), so that saving again is a deliberate choice.
func (h *Handler) editFailed(c *fiber.Ctx, n uint, f caseForm, version int, msgs map[string]string, err error) error {
	if msgs == nil && !errors.Is(err, models.ErrConflict) {
		return err
	}
	cur, gerr := h.Store.GetCase(c.UserContext(), CurrentUser(c), n)
	if gerr != nil {
		return gerr
	}
	if msgs != nil {
		return h.showEditForm(c, fiber.StatusUnprocessableEntity, cur, f, version, msgs)
	}
	return h.showEditForm(c, fiber.StatusConflict, cur, f, cur.Version, nil)
}
