// Switching the language reloads the page, which threw away whatever had been typed in a form.
// On the switch, what was typed in this page's forms is kept in this tab's sessionStorage for
// exactly that one reload of the same address, and put back; it is removed as soon as it is
// read. Passwords, files, hidden fields (the CSRF token among them) are never kept.
(function () {
  "use strict";
  var KEY = "loopbaan:kept-input:" + location.pathname + location.search;
  var SKIPPED = ["password", "file", "hidden", "submit", "button", "reset", "image"];

  function pageForms() {
    return Array.prototype.slice.call(document.querySelectorAll("form:not(.language-switch)"));
  }

  function fields(form) {
    return Array.prototype.slice.call(form.elements).filter(function (el) {
      return el.name && SKIPPED.indexOf(el.type) === -1 && el.name !== "csrfmiddlewaretoken";
    });
  }

  function keep() {
    var kept = pageForms().map(function (form) {
      return fields(form).map(function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          return { name: el.name, value: el.value, checked: el.checked };
        }
        if (el.type === "select-multiple") {
          return {
            name: el.name,
            selected: Array.prototype.slice.call(el.selectedOptions).map(function (o) {
              return o.value;
            }),
          };
        }
        return { name: el.name, value: el.value };
      });
    });
    try {
      sessionStorage.setItem(KEY, JSON.stringify(kept));
    } catch (e) {
      /* storage full or refused: the switch works as before */
    }
  }

  function restore() {
    var saved;
    try {
      saved = sessionStorage.getItem(KEY);
      sessionStorage.removeItem(KEY);
    } catch (e) {
      return;
    }
    if (!saved) return;
    var kept = JSON.parse(saved);
    pageForms().forEach(function (form, i) {
      var values = kept[i] || [];
      var elements = fields(form);
      values.forEach(function (entry, j) {
        var el = elements[j];
        if (!el || el.name !== entry.name) return;
        if ("checked" in entry) {
          if (el.value === entry.value) el.checked = entry.checked;
        } else if (entry.selected) {
          Array.prototype.forEach.call(el.options, function (o) {
            o.selected = entry.selected.indexOf(o.value) !== -1;
          });
        } else {
          el.value = entry.value;
        }
      });
    });
  }

  document.querySelectorAll("form.language-switch").forEach(function (form) {
    form.addEventListener("submit", keep);
  });
  restore();
})();
