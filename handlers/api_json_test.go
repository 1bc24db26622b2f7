package handlers

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"himoya/models/stats"
)

// TestReportJSON: the API's shape of a public report: a withheld count is null, a row
// carries only the measures its breakdown counts, and the suppression rule is stated.
func TestReportJSON(t *testing.T) {
	ten, seven := 10, 7
	share := 0.5
	r := &stats.Report{From: "2024-03-23", To: "2024-03-24", Public: true, MinCell: 5, ReportFigures: stats.ReportFigures{Calls: 20}, GeneratedAt: time.Now(),
		Breakdowns: []stats.ReportBreakdown{
			{Key: "category", Measures: []string{stats.MeasureCalls, stats.MeasureCases}, Rows: []stats.ReportRow{
				{Code: "raid", Calls: &ten, Cases: &seven, Share: &share}, {Code: "deportation"}}},
			{Key: "outcome", Measures: []string{stats.MeasureCases}, Rows: []stats.ReportRow{{Code: "released", Cases: &ten, Calls: &seven}}},
		}}
	data, err := json.Marshal(reportJSON(r))
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Calls      int `json:"calls"`
		ByCategory []struct {
			Code  string   `json:"code"`
			Calls *int     `json:"calls"`
			Share *float64 `json:"share"`
		} `json:"by_category"`
		ByOutcome   []map[string]any `json:"by_outcome"`
		Suppression *struct {
			MinCell int    `json:"min_cell"`
			Rule    string `json:"rule"`
		} `json:"suppression"`
	}
	if err := json.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	if j.Calls != 20 || len(j.ByCategory) != 2 || j.ByCategory[1].Calls != nil || *j.ByCategory[0].Calls != 10 || j.Suppression == nil ||
		j.Suppression.MinCell != 5 || !strings.Contains(j.Suppression.Rule, "withheld") {
		t.Errorf("public JSON: %s", data)
	}
	if !bytes.Contains(data, []byte(`"calls":null`)) {
		t.Errorf("withheld counts are not null: %s", data)
	}
	if _, ok := j.ByOutcome[0]["calls"]; ok || len(j.ByOutcome) != 1 {
		t.Errorf("a breakdown of cases carries calls: %s", data)
	}
	if !bytes.HasPrefix(data, []byte(`{"from":"2024-03-23","to":"2024-03-24","public":true,`)) {
		t.Errorf("keys out of order: %s", data)
	}
}
