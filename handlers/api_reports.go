package handlers

import (
	"himoya/views"

	"himoya/models/stats"

	"github.com/gofiber/fiber/v2"
)

// reportRequest reads a report's period and version from the query string: month=YYYY-MM,
// or from and to (inclusive days); public=1 for the public version. The smallest cell of a
// public report is the configured one.
func (h *Handler) reportRequest(c *fiber.Ctx) (from, to string, opts stats.ReportOptions, err error) {
	from, to = c.Query("from"), c.Query("to")
	if m := c.Query("month"); m != "" {
		from, to, err = stats.MonthPeriod(m)
	}
	switch c.Query("public") {
	case "1", "true", "on":
		opts.Public = true
	}
	opts.MinCell = h.MinCell
	return from, to, opts, err
}

// sendReportFile computes a report's export and sends it as a download.
func (h *Handler) sendReportFile(c *fiber.Ctx, format string) error {
	from, to, opts, err := h.reportRequest(c)
	if err != nil {
		return err
	}
	f, err := h.Stats.ExportReport(c.UserContext(), CurrentUser(c), from, to, opts, format, views.ReportFiles)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+f.Name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(f.Data)
}

// APIReport serves the report of a period as JSON, or as a CSV, XLSX or PDF file with
// format=csv|xlsx|pdf.
func (h *Handler) APIReport(c *fiber.Ctx) error {
	if f := c.Query("format"); f != "" && f != "json" {
		return h.sendReportFile(c, f)
	}
	from, to, opts, err := h.reportRequest(c)
	if err != nil {
		return err
	}
	r, err := h.Stats.Report(c.UserContext(), CurrentUser(c), from, to, opts)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(reportJSON(r))
}
