// Progress of a cohort job: polls the job's status JSON and moves the progress bar; reloads for the report.
// Loaded as a file (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("progress-bar");
  var delay = 700;

  function show(id, value) {
    var node = document.getElementById(id);
    if (node) { node.textContent = String(value); }
  }

  function update(status) {
    bar.max = Math.max(status.total, 1);
    bar.value = status.done;
    show("percent", status.percent);
    show("count-issued", status.issued);
    show("count-duplicate", status.duplicate);
    show("count-failed", status.failed + status.invalid);
    show("count-pending", status.pending);
    document.getElementById("stalled").hidden = !status.stalled;
    if (status.state === "running") { show("job-state", box.getAttribute("data-running")); }
    if (status.state === "done") {
      window.location.reload();
      return false;
    }
    return true;
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        if (update(status)) { window.setTimeout(poll, delay); }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);  // the server is busy or gone: back off, keep trying
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
}());
