package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// APIDashboard returns the supervisors' dashboard as of now, or as of ?at= (RFC 3339).
func (h *Handler) APIDashboard(c *fiber.Ctx) error {
	at, err := h.Stats.ParseAsOf(c.Query("at"))
	if err != nil {
		return err
	}
	d, err := h.Stats.Dashboard(c.UserContext(), CurrentUser(c), at, h.Rules)
	if err != nil {
		return err
	}
	return c.JSON(dashboardJSON(d))
}

// APIMyWork returns the caller's own open cases, those not started in time, and the queue of
// unassigned critical cases: the caseworkers' smaller dashboard.
func (h *Handler) APIMyWork(c *fiber.Ctx) error {
	w, err := h.Stats.MyWork(c.UserContext(), CurrentUser(c), h.Store.Now(), h.Rules)
	if err != nil {
		return err
	}
	return c.JSON(myWorkJSON(w))
}
