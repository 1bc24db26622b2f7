package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"himoya/handlers"
	"himoya/models"
	"himoya/models/stats"
	"himoya/views"
)

// requestTimeout bounds the database work of one request.
const requestTimeout = 15 * time.Second

// NewServer builds the Fiber application over a store: middleware, route table, error handler.
// cfg gives the thresholds of reports and the dashboard (zero values: the defaults).
func NewServer(ctx context.Context, s *models.Store, cfg Config) (*fiber.App, error) {
	csrf, err := s.CSRF(ctx)
	if err != nil {
		return nil, err
	}
	engine := views.NewRenderer(s.Loc)
	notes, err := s.NoteSealer(ctx)
	if err != nil {
		return nil, err
	}
	h := &handlers.Handler{Store: s, Stats: stats.New(s), CSRF: csrf, Notes: notes, MinCell: cfg.MinCell, Rules: cfg.Dashboard}
	a := fiber.New(fiber.Config{
		// Values from the request are copied, so none outlives its buffer (a Fiber v2 trap).
		Immutable: true,
		BodyLimit: 1 << 20,
		// fasthttp would otherwise parse a multipart body while reading the request, before
		// any route, and on a malformed one forget the whole request, its path too: the error
		// could then not be answered as the API's (JSON). Bodies are read by the handlers.
		DisablePreParseMultipartForm: true,
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
		Views:                        engine,
		ErrorHandler:                 h.Error,
		DisableStartupMessage:        true,
	})
	a.Use(recover.New())
	// A request's id is always himoya's own: one a client sends would be text of theirs echoed
	// in a response header and written into the audit log.
	a.Use(func(c *fiber.Ctx) error {
		c.Request().Header.Del(fiber.HeaderXRequestID)
		return c.Next()
	})
	a.Use(requestid.New())
	a.Use(accessLog)
	a.Use(securityHeaders)
	a.Use(func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		// The audit log records where each request came from.
		rid, _ := c.Locals(requestid.ConfigDefault.ContextKey).(string)
		c.SetUserContext(models.WithRequestInfo(ctx, c.IP(), rid))
		return c.Next()
	})
	a.Use(h.Identify)
	a.Use(h.CheckCSRF)
	register(a, h)
	return a, nil
}

// static serves the embedded stylesheet and scripts.
func static() fiber.Handler {
	return filesystem.New(filesystem.Config{Root: http.FS(views.Static), MaxAge: 3600})
}

// securityHeaders sets the headers every response carries. No page uses inline script or
// style, so the Content-Security-Policy can be strict.
func securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	if c.Protocol() == "https" {
		c.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	err := c.Next()
	if len(c.Response().Header.Peek(fiber.HeaderCacheControl)) == 0 {
		c.Set(fiber.HeaderCacheControl, "no-store") // pages and API answers hold personal data
	}
	return err
}

// accessLog logs each request without personal data: the route pattern (not the URL, whose
// query may hold a search), the status and the duration.
func accessLog(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		// Answer the error here so that the log shows the status the client gets.
		if herr := c.App().Config().ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	slog.Info("request", "id", c.Locals(requestid.ConfigDefault.ContextKey), "method", c.Method(),
		"route", c.Route().Path, "status", c.Response().StatusCode(), "ms", time.Since(start).Milliseconds())
	return nil
}

// serve runs the web app until ctx ends.
func serve(ctx context.Context, cfg Config, stdout io.Writer) error {
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := NewServer(ctx, s, cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("HIMOYA_ADDR %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	fmt.Fprintf(stdout, "himoya is serving at http://%s (database %s, time zone %s)\n", ln.Addr(), cfg.DB, cfg.Loc)
	if s.KeyFileCreated {
		keyFile := cfg.KeyFile
		if keyFile == "" {
			keyFile = models.DefaultKeyFile(cfg.DB)
		}
		fmt.Fprintf(stdout, `
New encryption key file: %s (readable by you only).
Names, phone numbers and every free text are sealed with it. If it is lost, that data is lost:
nobody, not even himoya's developers, can read it again. Keep a copy somewhere safe, and in
production keep the key file away from the database (HIMOYA_KEY_FILE).
`, keyFile)
	}
	if err := firstRun(ctx, s, browsable(ln.Addr()), stdout); err != nil {
		return err
	}
	go purgeLoop(ctx, s)
	go retentionLoop(ctx, s, cfg.RetentionMonths)
	errc := make(chan error, 1)
	go func() { errc <- a.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return a.ShutdownWithContext(sctx)
	}
}

// browsable is an address a browser on this machine can open: a server listening on every
// interface (0.0.0.0, as in the container) is reached at 127.0.0.1.
func browsable(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}

// purgeLoop deletes expired sessions and old login failures every few minutes.
func purgeLoop(ctx context.Context, s *models.Store) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.PurgeSessions(ctx); err != nil {
				slog.Warn("purging sessions", "err", err)
			}
		}
	}
}

// firstAdminEmail is the account made on the first start of an empty database.
const firstAdminEmail = "admin@himoya.local"

// firstRun creates the first admin account, with a random password printed once, when the
// database has no account yet. himoya never ships a default password.
func firstRun(ctx context.Context, s *models.Store, addr string, stdout io.Writer) error {
	n, err := s.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	pw := models.NewPassword()
	if _, err := s.CreateUser(ctx, models.UserInput{Email: firstAdminEmail, Name: "Administrator", Role: models.RoleAdmin, Password: pw}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, `
First start: himoya created the administrator account.
  Open:     http://%s/login
  E-mail:   %s
  Password: %s
This password is shown only once. Log in: himoya first asks you to set up two-factor login
with an authenticator app on your phone (admins and supervisors must). Then change the
password on the Account page and add your colleagues' accounts under Users.

`, addr, firstAdminEmail, pw)
	return nil
}
