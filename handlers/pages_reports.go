package handlers

import (
	"himoya/models/stats"

	"net/url"

	"github.com/gofiber/fiber/v2"
)

// reportPage shows the report of a period with the forms that choose it.
type reportPage struct {
	Page
	Report *stats.Report
	// What the forms show: the month picked, or the days.
	Month, From, To string
	Public          bool
	Formats         []string
}

// DownloadURL is the link to the report as a file: the same period and version.
func (p reportPage) DownloadURL(format string) string {
	q := url.Values{"from": {p.Report.From}, "to": {p.Report.To}, "format": {format}}
	if p.Report.Public {
		q.Set("public", "1")
	}
	return "/reports/export?" + q.Encode()
}

// ShowReport shows the report of a period (by default the last complete month).
func (h *Handler) ShowReport(c *fiber.Ctx) error {
	p := &reportPage{Page: h.page(c, "title.reports", "reports"), Month: c.Query("month"), From: c.Query("from"),
		To: c.Query("to"), Formats: []string{"csv", "xlsx", "pdf"}}
	from, to, opts, err := h.reportRequest(c)
	p.Public = opts.Public
	if err == nil {
		p.Report, err = h.Stats.Report(c.UserContext(), CurrentUser(c), from, to, opts)
	}
	if ve := asValidationError(err); ve != nil {
		p.Errors, p.Error = ve.Fields, h.tr(c, "banner.choose_another_period")
		return render(c, fiber.StatusUnprocessableEntity, "reports/show", p)
	} else if err != nil {
		return err
	}
	if p.Month == "" && p.From == "" {
		p.Month, p.From, p.To = p.Report.Month(), p.Report.From, p.Report.To
	}
	return render(c, fiber.StatusOK, "reports/show", p)
}

// ExportReport sends the report of a period as a CSV, XLSX or PDF file.
func (h *Handler) ExportReport(c *fiber.Ctx) error {
	return h.sendReportFile(c, c.Query("format"))
}
