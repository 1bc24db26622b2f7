package models

import (
	"context"
	"testing"
)

// TestMigration18 adds the interface language to accounts and the callers' languages to the
// taxonomy, with the seeded labels, and an account's choice is saved.
func TestMigration18(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	tax, err := s.Taxonomy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tj, raid Term
	for _, x := range tax.Terms[KindCitizenship] {
		if x.Code == "TJ" {
			tj = x
		}
	}
	for _, x := range tax.Terms[KindCategory] {
		if x.Code == "raid" {
			raid = x
		}
	}
	if tj.LabelTG != "Тоҷикистон" || tj.LabelUZ != "Tojikiston" || tj.LabelKY != "Тажикстан" {
		t.Errorf("TJ: %+v", tj)
	}
	if raid.LabelIn("tg") != "Рейди полис" || raid.LabelIn("uz") != "Politsiya reydi" || raid.LabelIn("ru") != "Рейд полиции" {
		t.Errorf("raid: %+v", raid)
	}
	u := mkUser(t, s, "lang@example.org", RoleCaseworker)
	if u.Language != "" {
		t.Errorf("a new account chose %q", u.Language)
	}
	if err := s.SetLanguage(ctx, u, "en"); err != nil {
		t.Fatal(err)
	}
	var back User
	if err := s.db.First(&back, u.ID).Error; err != nil || back.Language != "en" {
		t.Errorf("saved language: %q %v", back.Language, err)
	}
	if err := s.SetLanguage(ctx, u, "fr"); err == nil {
		t.Error("a language the interface does not speak was accepted")
	}
	if err := s.SetLanguage(ctx, u, ""); err != nil || u.Language != "" {
		t.Errorf("back to the browser's: %q %v", u.Language, err)
	}
}

// TestTermLabelsInEveryLanguage: admins set a term's labels in each language.
func TestTermLabelsInEveryLanguage(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	admin := mkUser(t, s, "admin@example.org", RoleAdmin)
	l := TermLabels{EN: "Street raid", RU: "Уличный рейд", TG: "Рейди кӯчагӣ", UZ: "Ko‘cha reydi", KY: "Көчөдөгү рейд"}
	term, err := s.AddTerm(ctx, admin, KindCategory, "street_raid", l)
	if err != nil {
		t.Fatal(err)
	}
	l.UZ = "Ko‘chadagi reyd"
	if term, err = s.UpdateTerm(ctx, admin, term.ID, l, true); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"en": l.EN, "ru": l.RU, "tg": l.TG, "uz": l.UZ, "ky": l.KY} {
		if got := term.LabelIn(lang); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if _, err := s.AddTerm(ctx, admin, KindCategory, "no_english", TermLabels{RU: "Без английского"}); err == nil {
		t.Error("a term without an English label was added")
	}
}
