package handlers

import (
	"github.com/gofiber/fiber/v2"

	"himoya/models"
)

// eventsPage lists the named events and the form to add one.
type eventsPage struct {
	Page
	Rows    []eventRow
	Regions []models.Term
	// New holds what was typed in the add form when it came back with errors.
	New models.EventInput
}

// eventRow is an event as the list shows it.
type eventRow struct {
	models.Event
	Day         string
	RegionLabel string
}

// eventsPage loads the events, withdrawn ones included.
func (h *Handler) eventsPage(c *fiber.Ctx) (*eventsPage, error) {
	evs, err := h.Store.ListEvents(c.UserContext(), false)
	if err != nil {
		return nil, err
	}
	tax, err := h.Store.Taxonomy(c.UserContext())
	if err != nil {
		return nil, err
	}
	l := h.locale(c)
	rows := make([]eventRow, len(evs))
	for i, ev := range evs {
		rows[i] = eventRow{Event: ev, Day: l.Day(ev.StartsOn)}
		if ev.Region != "" {
			rows[i].RegionLabel = l.Label(tax, string(models.KindRegion), ev.Region)
		}
	}
	return &eventsPage{Page: h.page(c, "title.events", "events"), Rows: rows, Regions: tax.Active(models.KindRegion)}, nil
}

// ListEvents shows the events that calls can be linked to.
func (h *Handler) ListEvents(c *fiber.Ctx) error {
	p, err := h.eventsPage(c)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, "events/index", p)
}

// CreateEvent adds an event, offered in the intake form from then on.
func (h *Handler) CreateEvent(c *fiber.Ctx) error {
	in := models.EventInput{Name: c.FormValue("name"), StartsOn: c.FormValue("starts_on"), Region: c.FormValue("region")}
	_, err := h.Store.CreateEvent(c.UserContext(), CurrentUser(c), in)
	if ve := asValidationError(err); ve != nil {
		p, err := h.eventsPage(c)
		if err != nil {
			return err
		}
		p.New, p.Errors, p.Error = in, ve.Fields, h.tr(c, notSaved)
		return render(c, fiber.StatusUnprocessableEntity, "events/index", p)
	} else if err != nil {
		return err
	}
	h.flash(c, "flash.event_added_intake_form")
	return seeOther(c, "/events")
}

// UpdateEvent withdraws an event from the intake form or offers it again.
func (h *Handler) UpdateEvent(c *fiber.Ctx) error {
	eid, err := id(c)
	if err != nil {
		return err
	}
	active := c.FormValue("active") == "1"
	if err := h.Store.SetEventActive(c.UserContext(), CurrentUser(c), eid, active); err != nil {
		return err
	}
	if active {
		h.flash(c, "flash.event_offered_intake_form")
	} else {
		h.flash(c, "flash.event_withdrawn_from_intake")
	}
	return seeOther(c, "/events")
}
