package handlers

import (
	"himoya/views"

	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
)

// auditPage is the admin's view of the whole audit log, with its filters.
type auditPage struct {
	Page
	Filter     models.AuditFilter
	Result     *models.AuditPage
	Choices    *models.AuditChoices
	Prev, Next int
}

// query is the filter as a URL query (codes and numbers only).
func (p auditPage) query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" && v != "0" {
			q.Set(k, v)
		}
	}
	f := p.Filter
	set("actor", strconv.FormatUint(uint64(f.ActorID), 10))
	set("action", f.Action)
	set("object", f.Object)
	set("object_id", strconv.FormatUint(uint64(f.ObjectID), 10))
	set("from", f.From)
	set("to", f.To)
	return q
}

// PageURL is the link to another page of the log.
func (p auditPage) PageURL(n int) string {
	q := p.query()
	q.Set("page", strconv.Itoa(n))
	return "/admin/audit?" + q.Encode()
}

// CSVURL is the link that exports what the filters select.
func (p auditPage) CSVURL() string {
	if q := p.query().Encode(); q != "" {
		return "/admin/audit.csv?" + q
	}
	return "/admin/audit.csv"
}

// IsActor reports whether account id is the chosen actor (to preselect it).
func (p auditPage) IsActor(id uint) bool { return p.Filter.ActorID == id }

// readAuditFilter reads the log's filters from the query. The actor and kind come from
// selects, so ids that are not numbers are a tampered request; a bad page goes on to models,
// which refuses it with a message (pageNumber).
func readAuditFilter(c *fiber.Ctx) (models.AuditFilter, error) {
	f := models.AuditFilter{Action: c.Query("action"), Object: c.Query("object"), From: c.Query("from"), To: c.Query("to")}
	for k, dst := range map[string]*uint{"actor": &f.ActorID, "object_id": &f.ObjectID} {
		if v := strings.TrimSpace(c.Query(k)); v != "" {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return f, models.ErrBadInput
			}
			*dst = uint(n)
		}
	}
	f.Page = pageNumber(c.Query("page"))
	return f, nil
}

// ListAudit shows the audit log, newest first, filtered and paged (admins).
func (h *Handler) ListAudit(c *fiber.Ctx) error {
	f, err := readAuditFilter(c)
	if err != nil {
		return err
	}
	p := auditPage{Page: h.page(c, "title.audit_log", "audit"), Filter: f}
	if p.Choices, err = h.Store.AuditFilterChoices(c.UserContext(), p.User); err != nil {
		return err
	}
	p.Result, err = h.Store.ListAudit(c.UserContext(), p.User, f)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		p.Errors, p.Error = ve.Fields, h.tr(c, "banner.some_filters_need_correcting")
		return render(c, fiber.StatusUnprocessableEntity, "audit/index", p)
	} else if err != nil {
		return err
	}
	p.Prev, p.Next = neighbours(p.Result.Page, p.Result.Pages())
	return render(c, fiber.StatusOK, "audit/index", p)
}

// ExportAudit sends what the log's filters select as CSV, oldest first (admins). The export
// is recorded in the log.
func (h *Handler) ExportAudit(c *fiber.Ctx) error {
	f, err := readAuditFilter(c)
	if err != nil {
		return err
	}
	// The body is buffered until the handler returns, so a failed export sends no CSV.
	w, err := views.NewAuditCSV(c, h.Store.Loc)
	if err != nil {
		return err
	}
	_, err = h.Store.ExportAudit(c.UserContext(), CurrentUser(c), f, w.Write)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		c.Response().ResetBody()
		return err
	}
	c.Set(fiber.HeaderContentType, views.CSVContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="himoya-audit.csv"`)
	return nil
}
