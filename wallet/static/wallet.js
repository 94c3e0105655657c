// Progressive extras for the wallet pages: copy a share link, select every badge. Pages work without it.
document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy && navigator.clipboard) {
    navigator.clipboard.writeText(copy.dataset.copy).then(() => { copy.textContent = copy.dataset.copied; });
  }
  const all = event.target.closest("[data-select-all]");
  if (all) {
    const boxes = document.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`);
    const check = [...boxes].some((box) => !box.checked);
    boxes.forEach((box) => { box.checked = check; });
  }
});
// ticking a badge to pick for a new link chooses "only the badges I tick"
document.querySelectorAll("input[data-pick]").forEach((box) => {
  box.addEventListener("change", () => {
    const selected = document.getElementById("shows-selected");
    if (box.checked && selected) selected.checked = true;
  });
});
document.querySelectorAll("input.link-url").forEach((input) => {
  input.addEventListener("focus", () => input.select());
});
