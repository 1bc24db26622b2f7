package views

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"himoya/models"
)

// The CSV files people download: the cases of a list (CasesCSV) and the audit log
// (AuditCSV). Both are UTF-8; every text cell goes through SpreadsheetText.

// CSVContentType is the content type of every CSV file himoya sends.
const CSVContentType = "text/csv; charset=utf-8"

// casesHeader names the columns of an export of cases.
var casesHeader = []string{"reference", "received_at", "status", "urgency", "category", "categories", "region", "city",
	"place_type", "perpetrator", "people_affected", "incident_at", "assignee", "restricted", "outcome",
	"caller_name", "caller_phone", "caller_citizenship", "caller_language", "safe_to_call", "safe_contact", "summary"}

// CasesCSV writes cases as CSV: UTF-8 with a byte order mark, so that spreadsheet programs
// read Cyrillic, and every text cell through SpreadsheetText (no cell is read as a formula).
// Its Write is what models.Store.ExportCases calls with each case.
type CasesCSV struct {
	w     io.Writer
	cw    *csv.Writer
	loc   *time.Location
	begun bool
}

// NewCasesCSV starts a CSV of cases on w; times show in loc.
func NewCasesCSV(w io.Writer, loc *time.Location) *CasesCSV {
	return &CasesCSV{w: w, cw: csv.NewWriter(w), loc: loc}
}

// begin writes the byte order mark and the header, once.
func (c *CasesCSV) begin() error {
	if c.begun {
		return nil
	}
	c.begun = true
	if _, err := io.WriteString(c.w, "\uFEFF"); err != nil {
		return err
	}
	return c.cw.Write(casesHeader)
}

// Write writes one case as a row.
func (c *CasesCSV) Write(cs *models.Case) error {
	if err := c.begin(); err != nil {
		return err
	}
	return c.cw.Write(c.row(cs))
}

// Close writes what is buffered (the header alone when there was no case).
func (c *CasesCSV) Close() error {
	if err := c.begin(); err != nil {
		return err
	}
	c.cw.Flush()
	return c.cw.Error()
}

// row is one case as a row of casesHeader: text through SpreadsheetText, the number
// of people as a number, dates and yes/no as the program writes them.
func (c *CasesCSV) row(cs *models.Case) []string {
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(c.loc).Format("2006-01-02 15:04")
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	assignee := ""
	if cs.Assignee != nil {
		assignee = cs.Assignee.Email
	}
	var caller models.Caller
	if cs.Caller != nil {
		caller = *cs.Caller
	}
	text := SpreadsheetText
	return []string{text(cs.Reference), day(&cs.ReceivedAt), text(string(cs.Status)), text(string(cs.Urgency)), text(cs.Category),
		text(strings.Join(cs.CategoryCodes(), ";")), text(cs.Region), text(cs.City), text(cs.PlaceType), text(cs.Perpetrator),
		strconv.Itoa(cs.PeopleAffected), day(cs.IncidentAt), text(assignee), yes(cs.Restricted), text(cs.Outcome),
		text(caller.Name.String()), text(caller.Phone.String()), text(caller.Citizenship), text(caller.Language), yes(caller.SafeToCall),
		text(caller.SafeContact.String()), text(cs.Summary.String())}
}

// auditHeader names the columns of an export of the audit log.
var auditHeader = []string{"id", "at", "actor_id", "actor", "action", "object", "object_id", "ip", "request_id", "detail", "prev_hash", "hash"}

// AuditCSV writes entries of the audit log as CSV, oldest first as they come: ids as
// numbers, every text through SpreadsheetText. Its Write is what models.Store.ExportAudit
// calls with each entry.
type AuditCSV struct {
	cw  *csv.Writer
	loc *time.Location
}

// NewAuditCSV starts a CSV of audit entries on w with its header; times show in loc.
func NewAuditCSV(w io.Writer, loc *time.Location) (*AuditCSV, error) {
	a := &AuditCSV{cw: csv.NewWriter(w), loc: loc}
	return a, a.cw.Write(auditHeader)
}

// Write writes one entry as a row.
func (a *AuditCSV) Write(e *models.AuditEntry) error { return a.cw.Write(a.row(e)) }

// Close writes what is buffered.
func (a *AuditCSV) Close() error {
	a.cw.Flush()
	return a.cw.Error()
}

// row is one entry as a row of auditHeader: ids as numbers, every text through the
// formula guard.
func (a *AuditCSV) row(e *models.AuditEntry) []string {
	opt := func(p *uint) string {
		if p == nil {
			return ""
		}
		return strconv.FormatUint(uint64(*p), 10)
	}
	actor := ""
	if e.Actor != nil {
		actor = e.Actor.Email
	}
	text := SpreadsheetText
	return []string{strconv.FormatUint(uint64(e.ID), 10), e.At.In(a.loc).Format(time.RFC3339), opt(e.ActorID), text(actor),
		text(e.Action), text(e.Object), opt(e.ObjectID), text(e.IP), text(e.RequestID), text(e.Detail), text(e.PrevHash), text(e.Hash)}
}
