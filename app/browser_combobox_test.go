package app

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserComboboxSearchesInTheUsersLanguage: on the intake page in Russian, the long
// drop-downs take typed Russian — "моск" and Enter chooses Moscow, "задерж" the illegal
// detention — the arrow keys move through what matches, Escape puts back what was chosen,
// and what is picked is what the form sends. Without script the plain drop-down is there.
func TestBrowserComboboxSearchesInTheUsersLanguage(t *testing.T) {
	srv := startServer(t)
	cw := srv.newTab(1280, 900, "ru")
	cw.login("cw@example.org")
	cw.open("/calls/new")

	if got := evalAs[string](cw, `document.documentElement.lang`); got != "ru" {
		t.Fatalf("html lang = %q, want ru", got)
	}
	// The label names the text box, and the select it stands for is out of the tab order.
	if got := evalAs[string](cw, `document.querySelector('label[for="region-combo"]') ? "ok" : "none"`); got != "ok" {
		t.Fatal("the region's label does not point at its combobox")
	}
	if !evalAs[bool](cw, `document.getElementById("region").hidden && document.getElementById("region").tabIndex === -1`) {
		t.Fatal("the region select is still shown beside its combobox")
	}

	cw.do(chromedp.Focus(chromedp.CSS(`#region-combo`)), chromedp.SendKeys(chromedp.CSS(`#region-combo`), "моск"))
	if got := evalAs[string](cw, `document.getElementById("region-combo").getAttribute("aria-expanded")`); got != "true" {
		t.Fatalf("typing did not open the list: aria-expanded=%q", got)
	}
	first := evalAs[string](cw, `document.querySelector("#region-options [role=option]").textContent`)
	if !strings.HasPrefix(first, "Моск") {
		t.Fatalf("the first option for моск is %q", first)
	}
	cw.do(chromedp.KeyEvent("\r"))
	if got := evalAs[string](cw, `document.getElementById("region").value`); got != "RU-MOW" {
		t.Fatalf("моск + Enter chose %q, want RU-MOW", got)
	}
	if got := evalAs[string](cw, `document.getElementById("region-combo").value`); !strings.HasPrefix(got, "Москва") {
		t.Fatalf("the box shows %q after choosing", got)
	}

	// The category: a word inside the label, the arrow keys, Escape.
	cw.do(chromedp.Focus(chromedp.CSS(`#category-combo`)), chromedp.SendKeys(chromedp.CSS(`#category-combo`), "задерж"))
	n := evalAs[int](cw, `document.querySelectorAll("#category-options [role=option]:not(.combo-none)").length`)
	if n == 0 {
		t.Fatal("задерж matches no category")
	}
	labels := evalAs[[]string](cw, `[...document.querySelectorAll("#category-options [role=option]")].map(o => o.textContent)`)
	for _, l := range labels {
		if !strings.Contains(strings.ToLower(l), "задерж") {
			t.Errorf("the list for задерж holds %q", l)
		}
	}
	cw.do(chromedp.KeyEvent("\x1b")) // Escape: nothing chosen
	if got := evalAs[string](cw, `document.getElementById("category").value`); got != evalAs[string](cw, `document.getElementById("category").options[document.getElementById("category").selectedIndex].value`) || strings.Contains(evalAs[string](cw, `document.getElementById("category-combo").value`), "задерж") {
		t.Fatalf("Escape left the typed text or changed the choice: %q", got)
	}
	cw.do(chromedp.SendKeys(chromedp.CSS(`#category-combo`), "задерж"), chromedp.KeyEvent(kb.ArrowDown))
	active := evalAs[string](cw, `document.getElementById(document.getElementById("category-combo").getAttribute("aria-activedescendant") || "x")?.textContent || ""`)
	cw.do(chromedp.KeyEvent("\t"))
	chosen := evalAs[string](cw, `document.getElementById("category").selectedOptions[0].text`)
	if active == "" || chosen != active {
		t.Fatalf("ArrowDown then Tab chose %q, the highlighted option was %q", chosen, active)
	}
	if !strings.Contains(strings.ToLower(chosen), "задерж") {
		t.Fatalf("chose %q for задерж", chosen)
	}

	// Without script, the plain drop-down.
	plain := srv.newTab(1280, 900, "ru")
	plain.login("cw@example.org")
	plain.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	plain.open("/calls/new")
	if evalAs[bool](plain, `!!document.getElementById("region-combo") || document.getElementById("region").hidden`) {
		t.Fatal("without script the region is not a plain drop-down")
	}
}
