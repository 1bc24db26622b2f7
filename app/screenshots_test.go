//go:build screenshots

package app

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestScreenshots takes the pictures of the pages in Russian that the README shows
// (docs/screenshots), from the real binary on a database filled with demo data:
//
//	go test -tags screenshots ./app -run TestScreenshots -count=1
func TestScreenshots(t *testing.T) {
	srv := startServer(t)
	out := srv.run("", "demo", "-months", "2", "-force")
	m := regexp.MustCompile(`as of (\d{4}-\d\d-\d\d \d\d:\d\d)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the demo printed no surge moment: %s", out)
	}
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(tb *tab, name string) {
		t.Helper()
		png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".ru.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	cw := srv.newTab(1280, 1000, "ru")
	cw.login("cw@example.org")
	cw.open("/calls/new")
	cw.do(
		typeIn(`[name="caller.phone"]`, "+992 93 000 00 01"),
		typeIn(`[name="caller.name"]`, "Фаррух Каримов"),
		choose(`#category`, "illegal_detention"),
		choose(`#region`, "RU-MOW"),
		typeIn(`#summary`, "Задержан на рынке во время рейда, документы забрали, держат в отделе."),
	)
	cw.do(chromedp.Focus(chromedp.CSS(`#summary`)))
	shot(cw, "intake")
	cw.click(`button[value=save]`)
	if !strings.Contains(cw.location(), "/cases/") {
		// The form may come back on the page of the new call: follow the case's link.
		if evalAs[bool](cw, `!!document.querySelector('a[href^="/cases/"]')`) {
			cw.click(`main a[href^="/cases/"]`)
		}
	}
	shot(cw, "case")

	sup := srv.newTab(1280, 1000, "ru")
	sup.login("sup@example.org")
	sup.open("/cases?open=1")
	shot(sup, "list")
	sup.open("/dashboard?at=" + url.QueryEscape(m[1]))
	shot(sup, "dashboard")
	sup.open("/reports")
	shot(sup, "report")
}
