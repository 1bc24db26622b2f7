package handlers

import (
	"errors"
	"log/slog"
	"net/http"

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
	case errors.Is(err, errFormExpired):
		return fiber.StatusForbidden, apiError{"forbidden", errFormExpired.Message, nil}
	case errors.As(err, &fe):
		if fe.Code >= 500 {
			return fe.Code, apiError{"internal", "Something went wrong on our side; nothing was saved. Try again.", nil}
		}
		if e, ok := requestErrors[fe.Code]; ok {
			return fe.Code, e
		}
		return fe.Code, apiError{"error", http.StatusText(fe.Code) + ".", nil}
	default:
		return fiber.StatusInternalServerError, apiError{"internal", "Something went wrong on our side; nothing was saved. Try again.", nil}
	}
}

// requestErrors are the answers, in himoya's words, to the errors that Fiber and its HTTP
// server raise themselves (no route, wrong method, a body too large or unreadable): their own
// text can describe the server's internals, e.g. how a multipart body failed to parse.
var requestErrors = map[int]apiError{
	fiber.StatusBadRequest:                  {"bad_request", "The request could not be read.", nil},
	fiber.StatusForbidden:                   {"forbidden", "Your role does not allow this.", nil},
	fiber.StatusNotFound:                    {"not_found", "Not found.", nil},
	fiber.StatusMethodNotAllowed:            {"method_not_allowed", "This address does not take this method: see the Allow header.", nil},
	fiber.StatusRequestTimeout:              {"timeout", "The request took too long to arrive.", nil},
	fiber.StatusRequestEntityTooLarge:       {"too_large", "The request's body is too large (at most 1 MiB).", nil},
	fiber.StatusUnsupportedMediaType:        {"unsupported_media_type", "Send the body as JSON, with Content-Type: application/json.", nil},
	fiber.StatusRequestHeaderFieldsTooLarge: {"headers_too_large", "The request's headers are too large.", nil},
}

// errFormExpired refuses a form post whose CSRF token is missing or wrong.
var errFormExpired = fiber.NewError(fiber.StatusForbidden,
	"This form has expired or did not come from himoya. Go back, reload the page and try again.")

// answersJSON reports whether an error is answered as JSON: on the API and the health checks,
// and for a request the HTTP server could not read to its end (a broken body), which it
// forgets entirely before the error reaches here, its path and Host header too: it may have
// been the API's, and JSON is what the API promises.
func answersJSON(c *fiber.Ctx) bool {
	return isAPI(c) || c.Path() == "/healthz" || c.Path() == "/readyz" || len(c.Request().Header.Host()) == 0
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
	if answersJSON(c) {
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
