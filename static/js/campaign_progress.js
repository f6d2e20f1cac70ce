// Campaign page: refresh the progress counts every few seconds while the campaign runs.
// Without this script the page shows the counts of when it was loaded.
(function () {
  "use strict";
  var page = document.querySelector("[data-campaign-page]");
  if (!page || page.getAttribute("data-status") !== "running") {
    return;
  }
  var url = page.getAttribute("data-progress-url");
  var INTERVAL = 5000;

  function update(progress) {
    ["recipients", "queued", "sent", "failed", "answered"].forEach(function (key) {
      var target = document.querySelector("[data-progress=" + key + "]");
      if (target) {
        target.textContent = String(progress[key]);
      }
    });
    if (progress.status !== page.getAttribute("data-status")) {
      // Another status has other buttons: show the page as it is now.
      window.location.reload();
      return false;
    }
    return true;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (progress) {
        if (!progress || update(progress)) {
          window.setTimeout(poll, INTERVAL);
        }
      })
      .catch(function () {
        window.setTimeout(poll, INTERVAL);
      });
  }

  window.setTimeout(poll, INTERVAL);
})();
