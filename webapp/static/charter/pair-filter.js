// Leave blank filters out of the address, so links to a filtered list stay short.
document.getElementById("pair-filter").addEventListener("submit", (e) => {
  for (const el of e.target.elements) if (el.name && !el.value) el.disabled = true;
});
