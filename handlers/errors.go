package handlers

import (
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"himoya/models"
)

// apiError is the body of every API error: {"error": {"code", "message", "fields"}}.
type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// classify maps an error to a status and an API error. Internal errors get a generic
// message: their text may name tables or values and is only logged.
func classify(err error) (int, apiError) {
	var ve *models.ValidationError
	var fe *fiber.Error
	switch {
	case errors.As(err, &ve):
		return fiber.StatusUnprocessableEntity, apiError{"validation", "Some fields need correcting.", ve.Fields}
	case errors.Is(err, models.ErrInvalidTransition):
		return fiber.StatusUnprocessableEntity, apiError{"invalid_transition", err.Error(), nil}
	case errors.Is(err, models.ErrNotFound):
		return fiber.StatusNotFound, apiError{"not_found", "Not found.", nil}
	case errors.Is(err, models.ErrConflict):
		return fiber.StatusConflict, apiError{"conflict", "Someone else changed this case since you loaded it; reload it and try again.", nil}
	case errors.Is(err, models.ErrForbidden):
		return fiber.StatusForbidden, apiError{"forbidden", "Your role does not allow this.", nil}
	case errors.Is(err, models.ErrUnauthenticated):
		return fiber.StatusUnauthorized, apiError{"unauthenticated", "Log in first (API: send Authorization: Bearer <token>).", nil}
	case errors.Is(err, models.ErrRateLimited):
		return fiber.StatusTooManyRequests, apiError{"rate_limited", err.Error(), nil}
	case errors.Is(err, models.ErrBadLogin):
		return fiber.StatusUnauthorized, apiError{"unauthenticated", err.Error(), nil}
	case errors.Is(err, models.ErrBadInput):
		return fiber.StatusBadRequest, apiError{"bad_request", "The request could not be read: send valid JSON or form data.", nil}
	case errors.As(err, &fe):
		code := "error"
		switch fe.Code {
		case fiber.StatusNotFound:
			code = "not_found"
		case fiber.StatusMethodNotAllowed:
			code = "method_not_allowed"
		case fiber.StatusRequestEntityTooLarge:
			code = "too_large"
		case fiber.StatusForbidden:
			code = "forbidden"
		case fiber.StatusBadRequest:
			code = "bad_request"
		}
		if fe.Code >= 500 {
			return fe.Code, apiError{"internal", "Something went wrong on our side; nothing was saved. Try again.", nil}
		}
		return fe.Code, apiError{code, fe.Message, nil}
	default:
		return fiber.StatusInternalServerError, apiError{"internal", "Something went wrong on our side; nothing was saved. Try again.", nil}
	}
}

// errorPage is the page shown for an error.
type errorPage struct {
	Page
	Status  int
	Message string
	Back    string
}

// Error is Fiber's error handler: JSON for the API, a page for the rest. A page that needs
// a login sends the browser to the login form.
func (h *Handler) Error(c *fiber.Ctx, err error) error {
	status, body := classify(err)
	if status >= 500 {
		slog.Error("request failed", "id", c.Locals(requestid.ConfigDefault.ContextKey), "route", c.Route().Path, "err", err)
	}
	if isAPI(c) || c.Path() == "/healthz" || c.Path() == "/readyz" {
		return c.Status(status).JSON(fiber.Map{"error": body})
	}
	if status == fiber.StatusUnauthorized && c.Method() == fiber.MethodGet {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	p := errorPage{Page: h.page(c, "Error", ""), Status: status, Message: body.Message, Back: "/"}
	if status == fiber.StatusConflict {
		p.Back = c.Path()
	}
	if status == fiber.StatusUnprocessableEntity && len(body.Fields) > 0 {
		p.Errors = body.Fields
	}
	if rerr := render(c, status, "errors/show", p); rerr != nil {
		slog.Error("rendering the error page", "err", rerr)
		return c.Status(status).SendString(body.Message)
	}
	return nil
}
