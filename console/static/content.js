// The topic editor's live check: after each pause in typing, the form's state goes to
// /content/topics/{topic}/check (JSON, CSRF token in X-CSRF-Token); the problems are shown
// in #checks. Also counts the characters of each answer (at most 700 with the link).
(function () {
  "use strict";
  var form = document.getElementById("topic-form");
  var list = document.getElementById("checks");
  if (!form || !list) { return; }
  var timer = null;
  var sent = 0;

  function fields() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (element.name && element.name !== "csrf_token" && element.name !== "save") {
        data[element.name] = element.type === "checkbox"
          ? (element.checked ? element.value : "") : element.value;
      }
    });
    return data;
  }

  function show(problems) {
    list.textContent = "";
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.className = "problem";
      item.textContent = problem;
      list.appendChild(item);
    });
    if (problems.length === 0) {
      var fine = document.createElement("li");
      fine.className = "fine";
      fine.textContent = "Keine Probleme – das Thema kann gespeichert werden.";
      list.appendChild(fine);
    }
    list.classList.toggle("ok", problems.length === 0);
  }

  function check() {
    var number = ++sent;
    fetch(form.dataset.check, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json",
                "X-CSRF-Token": form.elements.csrf_token.value},
      body: JSON.stringify(fields())
    }).then(function (response) {
      return response.json();
    }).then(function (answer) {
      if (number === sent) { show(answer.problems || []); }  // only the latest check counts
    }).catch(function () {
      if (number === sent) { show(["Prüfung gerade nicht möglich (Verbindung?)."]); }
    });
  }

  function count() {
    var link = form.elements.link.value.trim();
    Array.prototype.forEach.call(form.querySelectorAll(".count"), function (counter) {
      var answer = form.elements[counter.dataset.for].value.trim();
      var length = answer.length + (link ? link.length + 3 : 0);
      counter.textContent = "(" + length + "/700 Zeichen mit Link)";
      counter.classList.toggle("error", length > 700);
    });
  }

  form.addEventListener("input", function () {
    count();
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });
  count();
}());
