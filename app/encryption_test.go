package app

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestAPIWritesNothingPersonalInClear: names, phones and texts written through the API are
// nowhere in the bytes of the database file or its WAL, and still read back and search.
func TestAPIWritesNothingPersonalInClear(t *testing.T) {
	f := newAPIFixture(t)
	secrets := map[string]string{
		"name": "Izzatullo Kholov", "phone": "+992 93 555 44 33", "summary": "taken from the embassy protest, phone switched off",
		"safe": "only via his sister, after 9pm", "call": "relatives in Dushanbe were visited", "ru": "Задержан у посольства",
	}
	body := validCase()
	body["caller"] = map[string]any{"name": secrets["name"], "phone": secrets["phone"], "safe_contact": secrets["safe"], "citizenship": "TJ"}
	body["summary"] = secrets["summary"] + ". " + secrets["ru"]
	cs := f.create(f.cw, body)
	if st := f.api("POST", "/api/v1/contacts", f.cw, map[string]any{"channel": "phone", "case_id": cs.ID, "summary": secrets["call"]}, nil); st != 201 {
		t.Fatalf("contact: %d", st)
	}
	var got caseOut
	f.api("GET", fmt.Sprintf("/api/v1/cases/%d", cs.ID), f.cw, nil, &got)
	if got.Caller == nil || got.Caller.Name != secrets["name"] || !strings.Contains(got.Summary, secrets["ru"]) {
		t.Fatalf("read back: %+v", got)
	}
	var page struct {
		Total int `json:"total"`
	}
	f.api("GET", "/api/v1/cases?q=kholov", f.sup, nil, &page)
	if page.Total != 1 {
		t.Fatalf("search by name: %d", page.Total)
	}
	f.api("GET", "/api/v1/cases?q=%D0%B7%D0%B0%D0%B4%D0%B5%D1%80%D0%B6%D0%B0%D0%BD", f.sup, nil, &page) // "задержан"
	if page.Total != 1 {
		t.Fatalf("search in Russian, other case: %d", page.Total)
	}
	digits := "992935554433"
	for _, file := range []string{f.Path, f.Path + "-wal"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for what, sec := range secrets {
			if bytes.Contains(data, []byte(sec)) {
				t.Errorf("%s holds the %s in clear", file, what)
			}
		}
		if bytes.Contains(data, []byte(digits)) {
			t.Errorf("%s holds the normalised phone in clear", file)
		}
	}
}
