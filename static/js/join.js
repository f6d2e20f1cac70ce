// "Join the coalition" form: suggest the subdivisions of the chosen country.
// The field works without this script; it only fills the <datalist>.
(function () {
  "use strict";
  var form = document.querySelector("form[data-form=join]");
  if (!form) {
    return;
  }
  var country = form.querySelector("select[name=country]");
  var list = document.getElementById("subdivisions");
  var template = form.getAttribute("data-subdivisions-url");

  function fill(subdivisions) {
    list.replaceChildren();
    subdivisions.forEach(function (subdivision) {
      var option = document.createElement("option");
      option.value = subdivision.code;
      option.textContent = subdivision.name;
      list.appendChild(option);
    });
  }

  function load() {
    if (!country.value) {
      fill([]);
      return;
    }
    fetch(template.replace("{country}", encodeURIComponent(country.value)), {
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : [];
      })
      .then(fill)
      .catch(function () {
        fill([]);
      });
  }

  country.addEventListener("change", load);
  load();
})();
