(function () {
  const toggle = document.getElementById("diff-toggle"), diff = document.getElementById("word-diff"), sides = document.getElementById("side-by-side");
  function showDiff(on) { toggle.checked = on; diff.hidden = !on; sides.hidden = on; }
  toggle.addEventListener("change", () => showDiff(toggle.checked));
  const form = document.getElementById("review-form");
  if (form) form.addEventListener("submit", (e) => {
    const button = e.submitter;
    if (button && button.dataset.verdict) document.getElementById("verdict").value = button.dataset.verdict;
    if (document.getElementById("verdict").value === "flag" && !document.getElementById("reason").value) {
      e.preventDefault(); document.getElementById("reason").focus();
    }
  });
  const reason = document.getElementById("reason");
  // x then a reason (arrow keys) then Enter: a flag goes out without leaving the keyboard.
  if (form && reason) reason.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && reason.value) { e.preventDefault(); form.requestSubmit(form.querySelector("button[data-verdict=flag]")); }
  });
  const keys = {a: "agree", f: "flip", t: "tie", x: "flag"};
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || ["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName)) return;
    const go = (id) => { const link = document.getElementById(id); if (link) window.location = link.href; };
    if (e.key === "j" || e.key === "ArrowRight") go("next-pair");
    else if (e.key === "k" || e.key === "ArrowLeft") go("prev-pair");
    else if (e.key === "d") showDiff(diff.hidden);
    else if (form && keys[e.key]) {
      const button = form.querySelector(`button[data-verdict=${keys[e.key]}]`);
      if (keys[e.key] === "flag" && !document.getElementById("reason").value) { document.getElementById("reason").focus(); return; }
      form.requestSubmit(button);
    }
  });
  // Keys work from here on: a test (or a user's script) can wait for this instead of for time.
  document.documentElement.dataset.reviewKeys = "ready";
})();
