// The principle editor: add, remove, reorder, show the fields of each kind, and a live,
// server-sanitized Markdown preview.
(function () {
  "use strict";
  const script = document.currentScript;
  const list = document.getElementById("principles");
  const total = document.getElementById("id_p-TOTAL_FORMS");
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  const kindFields = JSON.parse(document.getElementById("kind-fields").textContent);  // alignment.constitution.KINDS

  function showKind(card) {
    const kind = card.querySelector("select[name$='-kind']").value;
    card.dataset.kind = kind;
    card.querySelectorAll(".kind-field").forEach(function (label) {
      const name = label.dataset.field;
      const general = name === "text";
      label.hidden = !general && !kindFields[kind].includes(name);
    });
  }

  function renumber() {
    list.querySelectorAll(".principle-form").forEach(function (card, i) {
      const order = card.querySelector("input[name$='-ORDER']");
      if (order) order.value = i + 1;
    });
  }

  function preview(textarea) {
    const target = document.querySelector('[data-preview-for="' + textarea.id + '"]');
    if (!target) return;
    const body = new URLSearchParams({ text: textarea.value });
    fetch(script.dataset.previewUrl, { method: "POST", body: body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { target.innerHTML = html; });  // sanitized by nh3 on the server
  }

  function wire(card) {
    card.querySelector("select[name$='-kind']").addEventListener("change", function () { showKind(card); });
    card.querySelector(".move-up").addEventListener("click", function () {
      if (card.previousElementSibling) list.insertBefore(card, card.previousElementSibling); renumber();
    });
    card.querySelector(".move-down").addEventListener("click", function () {
      if (card.nextElementSibling) list.insertBefore(card.nextElementSibling, card); renumber();
    });
    showKind(card);
  }

  let timer = null;
  document.addEventListener("input", function (e) {
    if (e.target.matches("textarea")) {
      clearTimeout(timer);
      timer = setTimeout(function () { preview(e.target); }, 300);
    }
  });
  document.getElementById("add-principle").addEventListener("click", function () {
    const index = parseInt(total.value, 10);
    const html = document.getElementById("principle-template").innerHTML.replace(/__prefix__/g, index);
    list.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    const card = list.lastElementChild;
    wire(card);
    renumber();
    card.querySelector("input[name$='-key']").focus();
  });
  list.querySelectorAll(".principle-form").forEach(wire);
  renumber();
  document.querySelectorAll("textarea").forEach(function (t) { if (t.value) preview(t); });
})();
