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

// classify maps an error to a status and an API error whose message and fields are message
// codes (see tr), translated by Error. Internal errors get a generic message: their text may
// name tables or values and is only logged.
func classify(err error) (int, apiError) {
	var ve *models.ValidationError
	var fe *fiber.Error
	var te *models.TransitionError
	switch {
	case errors.As(err, &ve):
		return fiber.StatusUnprocessableEntity, apiError{"validation", "err.validation", ve.Fields}
	case errors.As(err, &te):
		return fiber.StatusUnprocessableEntity, apiError{"invalid_transition", msg("err.transition", "From", te.From, "To", te.To), nil}
	case errors.Is(err, models.ErrInvalidTransition):
		return fiber.StatusUnprocessableEntity, apiError{"invalid_transition", "err.invalid_transition", nil}
	case errors.Is(err, models.ErrNotFound):
		return fiber.StatusNotFound, apiError{"not_found", "err.not_found", nil}
	case errors.Is(err, models.ErrConflict):
		return fiber.StatusConflict, apiError{"conflict", "err.conflict", nil}
	case errors.Is(err, models.ErrForbidden):
		return fiber.StatusForbidden, apiError{"forbidden", "err.forbidden", nil}
	case errors.Is(err, models.ErrUnauthenticated):
		return fiber.StatusUnauthorized, apiError{"unauthenticated", "err.unauthenticated", nil}
	case errors.Is(err, models.ErrRateLimited):
		return fiber.StatusTooManyRequests, apiError{"rate_limited", "err.rate_limited", nil}
	case errors.Is(err, models.ErrBadLogin):
		return fiber.StatusUnauthorized, apiError{"unauthenticated", "err.bad_login", nil}
	case errors.Is(err, models.ErrBadInput):
		return fiber.StatusBadRequest, apiError{"bad_request", "err.bad_input", nil}
	case errors.Is(err, errFormExpired):
		return fiber.StatusForbidden, apiError{"forbidden", errFormExpired.Message, nil}
	case errors.As(err, &fe):
		if fe.Code >= 500 {
			return fe.Code, apiError{"internal", "err.internal", nil}
		}
		if e, ok := requestErrors[fe.Code]; ok {
			return fe.Code, e
		}
		return fe.Code, apiError{"error", msg("err.status", "Text", http.StatusText(fe.Code)), nil}
	default:
		return fiber.StatusInternalServerError, apiError{"internal", "err.internal", nil}
	}
}

// requestErrors are the answers, in himoya's words, to the errors that Fiber and its HTTP
// server raise themselves (no route, wrong method, a body too large or unreadable): their own
// text can describe the server's internals, e.g. how a multipart body failed to parse.
var requestErrors = map[int]apiError{
	fiber.StatusBadRequest:                  {"bad_request", "err.bad_request", nil},
	fiber.StatusForbidden:                   {"forbidden", "err.forbidden", nil},
	fiber.StatusNotFound:                    {"not_found", "err.not_found", nil},
	fiber.StatusMethodNotAllowed:            {"method_not_allowed", "err.method", nil},
	fiber.StatusRequestTimeout:              {"timeout", "err.timeout", nil},
	fiber.StatusRequestEntityTooLarge:       {"too_large", "err.too_large", nil},
	fiber.StatusUnsupportedMediaType:        {"unsupported_media_type", "err.media_type", nil},
	fiber.StatusRequestHeaderFieldsTooLarge: {"headers_too_large", "err.headers_too_large", nil},
}

// errFormExpired refuses a form post whose CSRF token is missing or wrong.
var errFormExpired = fiber.NewError(fiber.StatusForbidden,
	"err.form_expired")

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
	if answersJSON(c) { // the API speaks English
		body.Message, body.Fields = english.Msg(body.Message), english.Msgs(body.Fields)
		return c.Status(status).JSON(fiber.Map{"error": body})
	}
	body.Message = h.tr(c, body.Message)
	if status == fiber.StatusUnauthorized && c.Method() == fiber.MethodGet {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	p := errorPage{Page: h.page(c, "title.error", ""), Status: status, Message: body.Message, Back: "/"}
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
