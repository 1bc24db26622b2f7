// Keeps a live page (the dashboard, a caseworker's own work) up to date without reloading it.
// Every so many seconds (the page's <meta name="himoya-live">) it fetches the page again and
// replaces what is in <main>, unless the person paused the updates, the tab is hidden, or
// focus is in a form field there (what someone is typing is never thrown away). Without
// script the page has a link that refreshes it.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="himoya-live"]');
  var main = document.getElementById("main");
  if (!meta || !main) {
    return;
  }
  var seconds = parseInt(meta.getAttribute("content"), 10) || 60;
  var paused = false;

  function controls() {
    var slot = document.getElementById("live-controls");
    if (!slot || slot.firstChild) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.id = "live-pause";
    function label() {
      button.textContent = paused ? slot.getAttribute("data-resume") : slot.getAttribute("data-pause");
      button.setAttribute("aria-pressed", paused ? "true" : "false");
    }
    button.addEventListener("click", function () {
      paused = !paused;
      label();
    });
    label();
    slot.appendChild(button);
  }

  function typing() {
    var a = document.activeElement;
    return a && a !== document.body && main.contains(a) && a.closest("form") !== null;
  }

  function update() {
    if (paused || document.hidden || typing()) {
      return;
    }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok || r.redirected) {
          throw new Error("not updated");
        }
        return r.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        if (!fresh || paused || typing()) {
          return;
        }
        var button = document.getElementById("live-pause");
        main.innerHTML = fresh.innerHTML;
        main.dispatchEvent(new CustomEvent("himoya:updated", { bubbles: true }));
        var slot = document.getElementById("live-controls");
        if (slot && button) {
          slot.appendChild(button);
        } else {
          controls();
        }
        main.setAttribute("data-updated", String(Date.now()));
      })
      .catch(function () {});
  }

  controls();
  window.setInterval(update, seconds * 1000);
})();
