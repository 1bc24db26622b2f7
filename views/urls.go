package views

import (
	"strconv"

	"himoya/models"
)

// The addresses of pages live here, beside the templates that link to them, rather than in
// models: the domain knows no URL. Handlers redirect to them and templates link to them
// (caseURL, recordURL in Funcs).

// CaseURL is the page of case id.
func CaseURL(id uint) string { return "/cases/" + strconv.FormatUint(uint64(id), 10) }

// RecordURL is the page of the record an audit entry is about (its Object and ObjectID), or
// "" when it has none.
func RecordURL(object string, id *uint) string {
	if object == models.ObjectCase && id != nil {
		return CaseURL(*id)
	}
	return ""
}
