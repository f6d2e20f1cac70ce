// Campaign compose page: count the recipients again whenever an audience filter changes.
// The page shows the count of the saved filters without this script, and its
// "Count the recipients" button recounts without saving.
(function () {
  "use strict";
  var box = document.querySelector("[data-audience-count]");
  var form = document.querySelector("form[data-campaign-form]");
  if (!box || !form) {
    return;
  }
  var filters = form.querySelectorAll("[data-audience-filter] select");
  if (!filters.length) {
    return; // the audience is frozen
  }
  var latest = 0;

  function show(counts) {
    ["people", "signatories", "excluded"].forEach(function (key) {
      var target = box.querySelector("[data-count=" + key + "]");
      target.textContent = counts ? String(counts[key]) : "—";
    });
    box.setAttribute("data-counted", counts ? "yes" : "no");
  }

  function recount() {
    var query = new URLSearchParams();
    filters.forEach(function (select) {
      Array.prototype.forEach.call(select.selectedOptions, function (option) {
        query.append(select.name, option.value);
      });
    });
    var request = ++latest;
    box.setAttribute("aria-busy", "true");
    fetch(box.getAttribute("data-url") + "?" + query.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (counts) {
        if (request === latest) {
          show(counts);
        }
      })
      .catch(function () {
        if (request === latest) {
          show(null);
        }
      })
      .finally(function () {
        if (request === latest) {
          box.removeAttribute("aria-busy");
        }
      });
  }

  filters.forEach(function (select) {
    select.addEventListener("change", recount);
  });
  var button = box.querySelector("[data-recount]");
  if (button) {
    button.remove(); // counted live instead (and Enter should save, not count)
  }
})();
