package handlers

// Every JSON shape of the API is written here, apart from the types of models that are
// already what the API shows: what a client reads is decided in one place, not spread over
// JSON tags in models.

import (
	"bytes"
	"encoding/json"
	"time"

	"himoya/models/stats"
)

// orderedObject is a JSON object whose keys keep their order.
type orderedObject []orderedField

type orderedField struct {
	key   string
	value any
}

// MarshalJSON writes the fields in order.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// reportJSON is a report as the API serves it. A withheld count is null; a row carries only
// the measures its breakdown counts.
func reportJSON(r *stats.Report) orderedObject {
	o := orderedObject{{"from", r.From}, {"to", r.To}, {"public", r.Public},
		{"calls", r.Calls}, {"cases", r.Cases}, {"people_affected", r.PeopleAffected}, {"resolved", r.Resolved}}
	measures := orderedObject{}
	notes := orderedObject{}
	for _, b := range r.Breakdowns {
		rows := make([]orderedObject, 0, len(b.Rows))
		for _, x := range b.Rows {
			row := orderedObject{{"code", x.Code}, {"label", x.Label}, {"label_ru", x.LabelRU}}
			for _, m := range b.Measures {
				row = append(row, orderedField{m, x.Count(m)})
			}
			if b.Counts(stats.MeasureCalls) {
				row = append(row, orderedField{"share", x.Share})
			}
			rows = append(rows, row)
		}
		o = append(o, orderedField{"by_" + b.Key, rows})
		measures = append(measures, orderedField{"by_" + b.Key, b.Measures})
		if b.Note != "" {
			notes = append(notes, orderedField{"by_" + b.Key, b.Note})
		}
	}
	days := make([]orderedObject, len(r.ByDay))
	for i, d := range r.ByDay {
		days[i] = orderedObject{{"date", d.Date}, {"calls", d.Calls}, {"cases", d.Cases}}
	}
	o = append(o, orderedField{"by_day", days})
	o = append(o, orderedField{"previous", orderedObject{{"from", r.Previous.From}, {"to", r.Previous.To},
		{"calls", r.Previous.Calls}, {"cases", r.Previous.Cases}, {"people_affected", r.Previous.PeopleAffected},
		{"resolved", r.Previous.Resolved}}})
	rts := make([]orderedObject, len(r.ResponseTimes))
	for i, rt := range r.ResponseTimes {
		rts[i] = orderedObject{{"urgency", rt.Urgency}, {"label", rt.Label}, {"label_ru", rt.LabelRU},
			{"assigned", rt.Assigned}, {"median_to_assignment_minutes", stats.Minutes(rt.MedianToAssignment)},
			{"resolved", rt.Resolved}, {"median_to_resolution_minutes", stats.Minutes(rt.MedianToResolution)}}
	}
	o = append(o, orderedField{"response_times", orderedObject{{"rule", stats.ResponseRule}, {"by_urgency", rts}}})
	o = append(o, orderedField{"headline", orderedObject{{"en", r.Headline.EN}, {"ru", r.Headline.RU}}})
	var sup any
	if r.Public {
		sup = orderedObject{{"min_cell", r.MinCell}, {"rule", r.Suppression()}}
	}
	o = append(o, orderedField{"suppression", sup}, orderedField{"measures", measures}, orderedField{"notes", notes},
		orderedField{"generated_at", r.GeneratedAt.UTC().Format(time.RFC3339)})
	return o
}
