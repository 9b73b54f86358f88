// Train and publish: while the job runs, poll /publish/status and show its step and progress.
(function () {
  "use strict";
  var box = document.getElementById("publish-box");
  if (!box) { return; }
  var state = document.getElementById("publish-state");
  var progress = document.getElementById("publish-progress");
  var button = document.getElementById("train");

  function show(data) {
    box.setAttribute("data-state", data.state);
    state.textContent = data.label;
    state.className = "state-" + data.state;
    progress.textContent = data.progress || "";
    if (button) { button.disabled = data.state === "running"; }
    document.querySelectorAll("#publish-steps li").forEach(function (item) {
      item.classList.toggle("current", item.getAttribute("data-step") === data.step);
    });
    var added = document.getElementById("new-examples");
    if (added) { added.textContent = data.added_text || ""; }
    (data.rows || []).forEach(function (row) {
      var line = document.querySelector('#figures tr[data-language="' + row[0] + '"]');
      if (!line) { return; }
      line.querySelector(".old").textContent = row[1];
      line.querySelector(".new").textContent = row[2];
      line.querySelector(".diff").textContent = row[3];
    });
  }

  function poll() {
    fetch("/publish/status", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        show(data);
        if (data.state === "running") { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  if (box.getAttribute("data-state") === "running") { poll(); }
}());
