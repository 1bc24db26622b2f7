package models

import (
	"context"
	"testing"
)

func TestFindCallersByPhone(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	cs, err := s.CreateCase(ctx, cw, IntakeInput{Channel: "phone", Caller: CallerInput{Name: "Sharif", Phone: "+7 (916) 123-45-67"},
		CaseFields: CaseFields{Category: "raid"}})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.FindCallers(ctx, cw, "89161234567")
	if err != nil || len(ms) != 1 || ms[0].Caller.Name != "Sharif" || len(ms[0].Cases) != 1 || ms[0].Cases[0].ID != cs.ID || ms[0].Calls != 1 {
		t.Fatalf("matches: %+v %v", ms, err)
	}
	// The same person calls again about the case, recognised by the caseworker.
	if _, err := s.LogContact(ctx, cw, ContactInput{Channel: "whatsapp", CaseID: &cs.ID, Caller: CallerInput{ID: ms[0].Caller.ID}}); err != nil {
		t.Fatal(err)
	}
	ms, _ = s.FindCallers(ctx, cw, "+79161234567")
	if len(ms) != 1 || ms[0].Calls != 2 {
		t.Fatalf("after a second call: %+v", ms)
	}
	if ms, _ := s.FindCallers(ctx, cw, "+992 93 000 0000"); len(ms) != 0 {
		t.Fatalf("another number matched: %+v", ms)
	}
	if _, err := s.FindCallers(ctx, cw, "nope"); err == nil {
		t.Fatal("a bad phone was looked up")
	}
}
