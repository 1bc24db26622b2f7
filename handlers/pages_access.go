package handlers

import (
	"bytes"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
	"himoya/views"
)

// formID reads an id from a hidden field or a select; a value that is not a number is a
// tampered form.
func formID(c *fiber.Ctx, name string) (uint, error) {
	n, err := strconv.ParseUint(c.FormValue(name), 10, 32)
	if err != nil || n == 0 {
		return 0, models.ErrBadInput
	}
	return uint(n), nil
}

// RestrictCase restricts a case to its assignee, the people it is shared with and the
// supervisors, or lifts the restriction (supervisors).
func (h *Handler) RestrictCase(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		return models.ErrBadInput
	}
	restricted := c.FormValue("restricted") == "1"
	up := models.CaseUpdate{Version: version, Restricted: &restricted, Present: map[string]bool{"restricted": true}}
	cs, err := h.Store.UpdateCase(c.UserContext(), CurrentUser(c), n, up)
	if err != nil {
		return h.caseFormFailed(c, n, caseRetry{Form: "restrict"}, err)
	}
	if cs.Restricted {
		h.flash(c, msg("flash.restricted", "Ref", cs.Reference))
	} else {
		h.flash(c, msg("flash.unrestricted", "Ref", cs.Reference))
	}
	return seeOther(c, views.CaseURL(cs.ID))
}

// ShareCase lets a caseworker see a case that is not theirs (supervisors).
func (h *Handler) ShareCase(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	uid, err := formID(c, "user_id")
	if err != nil {
		return h.caseFormFailed(c, n, caseRetry{Form: "share"},
			&models.ValidationError{Fields: map[string]string{"user": "v.choose_whom_share"}})
	}
	if err := h.Store.ShareCase(c.UserContext(), CurrentUser(c), n, uid); err != nil {
		return h.caseFormFailed(c, n, caseRetry{Form: "share"}, err)
	}
	h.flash(c, "flash.case_shared")
	return seeOther(c, "/cases/"+strconv.FormatUint(uint64(n), 10))
}

// UnshareCase takes back a share (supervisors).
func (h *Handler) UnshareCase(c *fiber.Ctx) error {
	n, err := id(c)
	if err != nil {
		return err
	}
	uid, err := formID(c, "user_id")
	if err != nil {
		return err
	}
	if err := h.Store.UnshareCase(c.UserContext(), CurrentUser(c), n, uid); err != nil {
		return err
	}
	h.flash(c, "flash.case_no_longer_shared")
	return seeOther(c, "/cases/"+strconv.FormatUint(uint64(n), 10))
}

// ExportURL is the link that exports the cases the list's filters select (not its text
// search, which stays out of URLs).
func (p caseListPage) ExportURL() string {
	return "/cases/export.csv?" + p.query().Encode()
}

// ExportCases downloads the cases the list's filters select as a CSV file with the callers'
// names and phone numbers (supervisors; recorded in the audit log).
func (h *Handler) ExportCases(c *fiber.Ctx) error {
	var buf bytes.Buffer
	w := views.NewCasesCSV(&buf, h.Store.Loc)
	if _, err := h.Store.ExportCases(c.UserContext(), CurrentUser(c), readCaseFilter(c.Query, true), w.Write); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, views.CSVContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="himoya-cases-`+h.Store.Now().In(h.Store.Loc).Format("2006-01-02")+`.csv"`)
	return c.Send(buf.Bytes())
}
