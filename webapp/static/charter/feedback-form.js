(function () {
  const versionField = document.getElementById("id_constitution_version"), method = document.getElementById("id_method");
  const promptSet = document.getElementById("id_prompt_set"), panel = document.getElementById("judge-preview-panel");
  const link = document.getElementById("judge-preview");
  let asked = 0;
  async function update() {
    link.href = "/constitutions/version/" + versionField.value + "/preview/?method=" + method.value;
    if (!versionField.value) { panel.textContent = "Choose a constitution version to see the judge's prompt."; return; }
    const ticket = ++asked;
    const query = new URLSearchParams({constitution_version: versionField.value, method: method.value, prompt_set: promptSet.value});
    const response = await fetch("/feedback/preview/?" + query, {headers: {"X-Requested-With": "fetch"}});
    // The server renders the fragment with Django's escaping: user text arrives as inert text.
    if (ticket === asked) panel.innerHTML = response.ok ? await response.text() : "<p class='flash error'>Preview unavailable.</p>";
  }
  for (const el of [versionField, method, promptSet]) el.addEventListener("change", update);
  update();
})();
