package app

import (
	"net/url"
	"strings"
	"testing"

	"himoya/models"
)

// TestLoginPageLanguage: before login the browser's Accept-Language picks the language, and
// Russian when it asks for neither Russian nor English.
func TestLoginPageLanguage(t *testing.T) {
	e := newTestEnv(t)
	for _, tc := range []struct{ header, lang, text, not string }{
		{"ru", "ru", "Эл. почта", "E-mail"},
		{"ru-RU,ru;q=0.9,en-US;q=0.8", "ru", "Пароль", "Password"},
		{"en", "en", "Password", "Пароль"},
		{"en-GB,en;q=0.9", "en", "Log in", "Войти"},
		{"de-DE,fr;q=0.5", "ru", "Войти", "Log in"},
	} {
		b := e.browser()
		b.lang = tc.header
		resp, body := b.get("/login")
		mustStatus(t, resp, 200, "login "+tc.header)
		pageHas(t, body, `<html lang="`+tc.lang+`">`, "login with Accept-Language "+tc.header)
		pageHas(t, body, tc.text, "login with Accept-Language "+tc.header)
		pageLacks(t, body, tc.not, "login with Accept-Language "+tc.header)
	}
	// A wrong password is refused in the page's language.
	b := e.browser()
	b.lang = "ru"
	b.get("/login")
	_, body := b.post("/login", url.Values{"email": {"nobody@example.org"}, "password": {"wrong password"}})
	pageHas(t, body, "неверная эл. почта или пароль", "refused login in Russian")
}

// TestAccountLanguageWinsOverTheBrowser: a choice on the Account page holds whatever the
// browser asks; "" hands the choice back to the browser.
func TestAccountLanguageWinsOverTheBrowser(t *testing.T) {
	e := newTestEnv(t)
	e.user("cw@example.org", models.RoleCaseworker)
	b := e.login("cw@example.org") // the browser asks for English
	_, body := b.get("/account")
	pageHas(t, body, `<html lang="en">`, "account page before the choice")
	resp, _ := b.post("/account/language", url.Values{"language": {"ru"}})
	if resp.StatusCode != 303 {
		t.Fatalf("choosing Russian: %d", resp.StatusCode)
	}
	_, body = b.get("/account")
	pageHas(t, body, `<html lang="ru">`, "account page after choosing Russian")
	pageHas(t, body, "Язык сохранён.", "the flash message in the new language")
	pageHas(t, body, `<option value="ru" lang="ru" selected>`, "the choice shown")
	_, body = b.get("/calls/new")
	for _, want := range []string{"Новое обращение", "Сохранить обращение", "Таджикистан", "критическая", "Разрешение на работу (патент)"} {
		pageHas(t, body, want, "intake form in Russian")
	}
	pageLacks(t, body, "Save the call", "intake form in Russian")

	// A validation message from models comes back in Russian.
	resp, body = b.post("/calls", url.Values{"action": {"save"}, "save_as": {"new"}, "caller.phone": {"12"}, "channel": {"phone"}, "urgency": {"normal"}})
	if resp.StatusCode != 422 {
		t.Fatalf("a bad call: %d", resp.StatusCode)
	}
	pageHas(t, body, "введите номер телефона с кодом страны", "field message in Russian")
	pageHas(t, body, "выберите, что случилось", "field message in Russian")

	b.post("/account/language", url.Values{"language": {""}})
	_, body = b.get("/account")
	pageHas(t, body, `<html lang="en">`, "back to the browser's language")
	if resp, _ := b.post("/account/language", url.Values{"language": {"fr"}}); resp.StatusCode != 422 {
		t.Errorf("a language himoya does not speak: %d", resp.StatusCode)
	}
}

// TestRussianPagesFormatNumbersAndDates: lists count in Russian plural forms and dates read
// 03.12.2026 09:18.
func TestRussianPagesFormatNumbersAndDates(t *testing.T) {
	e := newTestEnv(t)
	e.user("sup@example.org", models.RoleSupervisor)
	b := e.login("sup@example.org")
	b.lang = "ru"
	_, body := b.get("/cases")
	pageHas(t, body, "0 дел", "empty list in Russian")
	b.get("/calls/new")
	resp, _ := b.post("/calls", intakeForm(nil))
	if resp.StatusCode != 303 {
		t.Fatalf("saving a call: %d", resp.StatusCode)
	}
	_, body = b.get("/cases")
	pageHas(t, body, "1 дело", "one case in Russian")
	if !strings.Contains(body, ".20") { // a day written dd.mm.yyyy
		t.Errorf("the list's dates are not in the Russian form")
	}
}
