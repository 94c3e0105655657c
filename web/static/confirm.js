// Asks before a status change (revoke, suspend, reinstate; one badge or many): the dialog names what will happen,
// from the form's data-confirm-* attributes, and the form is sent, marked confirmed, only after "OK". Without this
// script the form goes to the server unconfirmed, and the server answers with a confirmation page instead.
// Loaded as a file (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var LISTED = 20;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }

  function field(form, name) {
    var node = form.querySelector('[name="' + name + '"]');
    return node ? node : null;
  }

  // What the form is about to do: {action, text, people: ["이서준 · 「과정」", ...]}, or null when nothing is chosen.
  function describe(form) {
    if (form.hasAttribute("data-confirm-text")) {
      return {action: form.getAttribute("data-confirm-action"), text: form.getAttribute("data-confirm-text"), people: []};
    }
    var action = field(form, "action").value;
    var picked = Array.prototype.filter.call(form.querySelectorAll('input[name="ids"]'), function (box) {
      return box.checked;
    });
    if (!picked.length) { return null; }
    var people = picked.map(function (box) {
      return {name: box.getAttribute("data-name"), email: box.getAttribute("data-email") || "",
              course: box.getAttribute("data-course")};
    });
    var text = people.length === 1
      ? fill(form.getAttribute("data-one-" + action), people[0])
      : fill(form.getAttribute("data-many-" + action), {n: String(people.length)});
    return {action: action, text: text, people: people.length === 1 ? [] : people.map(function (p) {
      return p.name + (p.email ? " (" + p.email + ")" : "") + " · 「" + p.course + "」";
    })};
  }

  function ask(form, what) {
    var reasonField = field(form, "reason");
    var reason = reasonField ? reasonField.value.trim() : "";
    document.getElementById("confirm-dialog-title").textContent = dialog.getAttribute("data-title-" + what.action);
    document.getElementById("confirm-dialog-text").textContent = what.text;
    var reasonLine = document.getElementById("confirm-dialog-reason");
    reasonLine.textContent = what.action !== "reinstate" && reason
      ? fill(dialog.getAttribute("data-reason"), {reason: reason}) : "";
    reasonLine.hidden = !reasonLine.textContent;
    var list = document.getElementById("confirm-dialog-list");
    list.textContent = "";
    what.people.slice(0, LISTED).forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    if (what.people.length > LISTED) {
      var more = document.createElement("li");
      more.textContent = fill(dialog.getAttribute("data-more"), {n: String(what.people.length - LISTED)});
      list.appendChild(more);
    }
    list.hidden = !what.people.length;
    var ok = document.getElementById("confirm-dialog-ok");
    ok.textContent = dialog.getAttribute("data-ok-" + what.action);
    ok.className = "button " + (what.action === "reinstate" ? "" : "danger");
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue !== "ok") { return; }
      field(form, "confirmed").value = "1";
      form.submit();
    };
    dialog.showModal();
    document.getElementById("confirm-dialog-cancel").focus();  // the safe choice has the focus
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (field(form, "confirmed").value === "1") { return; }
      var what = describe(form);
      if (!what) { return; }  // nothing chosen: the server says so
      var reasonField = field(form, "reason");
      if (reasonField && what.action !== "reinstate" && !reasonField.value.trim()) {
        return;  // the server asks for the reason
      }
      event.preventDefault();
      ask(form, what);
    });
  });
}());
