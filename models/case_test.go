package models

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestUpdateCaseConflictKeepsTheFirstChange(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	cs := mkCase(t, s, cw)
	city := func(v string) CaseUpdate {
		return CaseUpdate{Version: cs.Version, CaseFields: CaseFields{City: v}, Present: map[string]bool{"city": true}}
	}
	if _, err := s.UpdateCase(ctx, cw, cs.ID, city("Khimki")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateCase(ctx, cw, cs.ID, city("Podolsk")); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale edit: %v", err)
	}
	got, _ := s.GetCase(ctx, cw, cs.ID)
	if got.City != "Khimki" || got.Version != cs.Version+1 {
		t.Fatalf("case after a stale edit: %s v%d", got.City, got.Version)
	}
	last := got.Entries[len(got.Entries)-1]
	if last.Kind != EntryEdit || last.Fields != "city" || strings.Contains(string(last.Note), "Khimki") {
		t.Fatalf("edit entry: %+v", last)
	}
}

func TestSearchFoldsCyrillicCase(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	if _, err := s.CreateCase(ctx, sup, IntakeInput{Channel: "phone", CaseFields: CaseFields{Category: "raid", Summary: "Рейд на Рынке «Виктория»"}}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"рынке", "РЫНКЕ", "виктория", "Рейд"} {
		p, err := s.ListCases(ctx, sup, CaseFilter{Q: q})
		if err != nil || p.Total != 1 {
			t.Errorf("search %q: %v %v", q, p, err)
		}
	}
}
