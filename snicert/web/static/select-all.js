// "Select all on this page" (lab_verify.html.j2): ticks every row's checkbox of its form.
// Without scripts the box stays hidden and each row is ticked by hand.
for (const all of document.querySelectorAll("input[data-select-all]")) {
  const form = all.getAttribute("data-select-all");
  const boxes = () => document.querySelectorAll(`input[type=checkbox][form="${form}"]`);
  all.closest("[hidden]")?.removeAttribute("hidden");
  all.addEventListener("change", () => { for (const b of boxes()) b.checked = all.checked; });
}
