package stats

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"himoya/models"
)

// ReportFile is a report written as a file to download.
type ReportFile struct {
	Name        string // e.g. himoya-report-2024-03.xlsx
	ContentType string
	Data        []byte
}

// A FileWriter writes reports as files people download: views.ReportFiles.
type FileWriter interface {
	// ContentType is the content type of a format's files; false when there is no such format.
	ContentType(format string) (string, bool)
	// WriteReport writes r as a file of the format.
	WriteReport(w io.Writer, r *Report, format string) error
}

// ExportReport computes a report and writes it with fw as a file of the format (CSV, XLSX or
// PDF; supervisors). The export is recorded in the audit log with its format and period once
// the file is written.
func (s *Stats) ExportReport(ctx context.Context, u *models.User, from, to string, opts ReportOptions, format string, fw FileWriter) (*ReportFile, error) {
	ct, ok := fw.ContentType(format)
	if !ok {
		return nil, &models.ValidationError{Fields: map[string]string{"format": "v.choose_csv_xlsx_pdf"}}
	}
	r, err := s.Report(ctx, u, from, to, opts)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = fw.WriteReport(&buf, r, format)
	if err != nil {
		return nil, err
	}
	pub := 0
	if r.Public {
		pub = 1
	}
	detail := fmt.Sprintf("report format=%s from=%s to=%s public=%d", format, r.From, r.To, pub)
	if err := s.store.RecordExport(ctx, u, detail); err != nil {
		return nil, err
	}
	return &ReportFile{Name: r.FileName(format), ContentType: ct, Data: buf.Bytes()}, nil
}

// FileName is the report's file name: himoya-report-2024-03.xlsx for a whole month,
// himoya-report-2024-03-23_2024-03-24.csv for other periods, with "-public" for the public
// version.
func (r *Report) FileName(format string) string {
	name := "himoya-report-" + r.From + "_" + r.To
	switch {
	case isWholeMonth(r.fromDay, r.toDay):
		name = "himoya-report-" + r.fromDay.Format("2006-01")
	case r.From == r.To:
		name = "himoya-report-" + r.From
	}
	if r.Public {
		name += "-public"
	}
	return name + "." + format
}
