// Makes the long drop-downs searchable by typing: each single <select> with many options (or
// marked data-combobox) gets a text box beside it in which the caseworker types part of an
// option's label, in the language shown ("моск" finds Москва, "detent" Illegal detention),
// and picks it with the arrow keys and Enter, or Tab. It follows the ARIA combobox pattern
// (an editable combobox with a list popup). The <select> stays in the form, hidden, and holds
// the value sent: without script the page keeps the plain drop-down.
(function () {
  "use strict";
  var script = document.currentScript;
  var noMatch = (script && script.getAttribute("data-none")) || "—";
  var minOptions = 8;
  var seq = 0;

  // fold makes matching forgiving: case, ё/е and accents do not matter.
  function fold(s) {
    s = s.toLowerCase().replace(/ё/g, "е");
    return s.normalize ? s.normalize("NFD").replace(/[\u0300-\u036f]/g, "") : s;
  }

  function enhance(select) {
    var id = select.id;
    if (!id || select.multiple || select.getAttribute("data-combobox") === "off") {
      return;
    }
    if (select.options.length < minOptions && !select.hasAttribute("data-combobox")) {
      return;
    }
    seq++;
    var label = document.querySelector('label[for="' + id + '"]');
    var wrap = document.createElement("div");
    wrap.className = "combo";
    var input = document.createElement("input");
    input.type = "text";
    input.id = id + "-combo";
    input.className = "combo-input";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    var list = document.createElement("ul");
    list.id = id + "-options";
    list.className = "combo-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    if (label) {
      if (!label.id) {
        label.id = id + "-label";
      }
      list.setAttribute("aria-labelledby", label.id);
      label.htmlFor = input.id;
    }
    var described = select.getAttribute("aria-describedby");
    if (described) {
      input.setAttribute("aria-describedby", described);
    }
    if (select.getAttribute("aria-invalid")) {
      input.setAttribute("aria-invalid", select.getAttribute("aria-invalid"));
    }
    if (select.autofocus) {
      input.autofocus = true;
    }
    select.parentNode.insertBefore(wrap, select);
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(select);
    select.hidden = true;
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");

    var shown = []; // options in the list, in order
    var active = -1;
    var swallow = false;

    function current() {
      var o = select.options[select.selectedIndex];
      return o && o.value !== "" ? o.text : "";
    }
    input.value = current();

    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function mark(i) {
      var items = list.children;
      for (var k = 0; k < items.length; k++) {
        items[k].setAttribute("aria-selected", k === i ? "true" : "false");
      }
      active = i;
      if (i >= 0 && items[i] && shown[i]) {
        input.setAttribute("aria-activedescendant", items[i].id);
        if (items[i].scrollIntoView) {
          items[i].scrollIntoView({ block: "nearest" });
        }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function fill(text) {
      var q = fold(text.trim());
      list.textContent = "";
      shown = [];
      var starts = [];
      var inside = [];
      for (var i = 0; i < select.options.length; i++) {
        var o = select.options[i];
        if (o.value === "" && q !== "") {
          continue;
        }
        var t = fold(o.text);
        var at = q === "" ? 0 : t.indexOf(q);
        if (at < 0) {
          continue;
        }
        // Labels that start with what was typed, or have a word that does, come first.
        (at === 0 || /[\s(\-–—,./]/.test(t.charAt(at - 1)) ? starts : inside).push(o);
      }
      shown = starts.concat(inside);
      shown.forEach(function (o, k) {
        var li = document.createElement("li");
        li.id = id + "-opt-" + seq + "-" + k;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = o.value === "" ? "—" : o.text;
        li.addEventListener("mousedown", function (e) {
          e.preventDefault(); // keep focus in the text box
          pick(o);
          close();
        });
        list.appendChild(li);
      });
      if (shown.length === 0) {
        var none = document.createElement("li");
        none.className = "combo-none";
        none.setAttribute("role", "option");
        none.setAttribute("aria-disabled", "true");
        none.id = id + "-opt-" + seq + "-none";
        none.textContent = noMatch;
        list.appendChild(none);
      }
      mark(shown.length > 0 && q !== "" ? 0 : -1);
    }
    function pick(o) {
      select.value = o.value;
      input.value = o.value === "" ? "" : o.text;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    // settle takes the highlighted option, or the only one that matches; a text box left
    // empty clears the choice when the select allows none; anything else keeps what was chosen.
    function settle() {
      if (!list.hidden && active >= 0 && shown[active]) {
        pick(shown[active]);
      } else if (input.value.trim() === "" && select.options[0] && select.options[0].value === "") {
        pick(select.options[0]);
      } else {
        input.value = current();
      }
      close();
    }

    input.addEventListener("input", function () {
      fill(input.value);
      open();
    });
    input.addEventListener("focus", function () {
      input.select();
    });
    input.addEventListener("keydown", function (e) {
      switch (e.key) {
        case "ArrowDown":
          e.preventDefault();
          if (list.hidden) {
            fill(e.altKey ? "" : input.value === current() ? "" : input.value);
            open();
          }
          if (!e.altKey && shown.length) {
            mark(Math.min(active + 1, shown.length - 1));
          }
          break;
        case "ArrowUp":
          if (!list.hidden && shown.length) {
            e.preventDefault();
            mark(Math.max(active - 1, 0));
          }
          break;
        case "Enter":
          // With the list open Enter picks; with it closed Enter saves the form as anywhere.
          if (!list.hidden) {
            e.preventDefault();
            swallow = true;
            settle();
          }
          break;
        case "Escape":
          if (!list.hidden) {
            e.preventDefault();
            input.value = current();
            close();
          }
          break;
        case "Tab":
          if (!list.hidden) {
            settle();
          }
          break;
      }
    });
    // Some browsers and automation send the Enter's keypress apart from its keydown: the
    // keypress of an Enter that picked an option must not submit the form as well.
    input.addEventListener("keypress", function (e) {
      if (e.key === "Enter" && swallow) {
        e.preventDefault();
      }
      swallow = false;
    });
    input.addEventListener("blur", function () {
      if (!list.hidden || input.value !== current()) {
        settle();
      }
    });
    // A value set on the select by other means (a form restored, a script) shows in the box.
    select.addEventListener("change", function () {
      if (document.activeElement !== input) {
        input.value = current();
      }
    });
  }

  function enhanceAll(root) {
    var selects = (root || document).querySelectorAll("select");
    for (var i = 0; i < selects.length; i++) {
      if (!selects[i].hidden) {
        enhance(selects[i]);
      }
    }
  }
  enhanceAll(document);
  // Parts of a page replaced by a script (a live update, a lookup) are enhanced too.
  document.addEventListener("himoya:updated", function (e) {
    enhanceAll(e.target);
  });
})();
