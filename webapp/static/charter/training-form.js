// (form.dataset would be the form's "dataset" field, not its data attributes)
(function () {
  const form = document.getElementById("training-form"), panel = document.getElementById("config-preview");
  let asked = 0, timer = null;
  async function update() {
    const ticket = ++asked;
    const query = new URLSearchParams(new FormData(form));
    query.delete("csrfmiddlewaretoken");
    const response = await fetch(form.getAttribute("data-preview-url") + "?" + query, {headers: {"X-Requested-With": "fetch"}});
    // A server-rendered fragment: Django escaped every value in it.
    if (ticket === asked) panel.innerHTML = response.ok ? await response.text() : "<p class='flash error'>Preview unavailable.</p>";
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 300); });
  form.addEventListener("change", update);
  update();
})();
