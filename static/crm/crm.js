// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-form]");
  if (!button) return;
  const prefix = button.dataset.addForm;
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const template = document.querySelector(`template[data-empty-form-for="${prefix}"]`);
  const rows = document.querySelector(`.contact-info-rows[data-formset-prefix="${prefix}"]`);
  if (!total || !template || !rows) return;
  const index = Number(total.value);
  rows.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__prefix__", String(index)));
  total.value = String(index + 1);
});

document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  const table = all.closest("table");
  table.querySelectorAll('tbody input[type="checkbox"][name="selection"]').forEach((box) => {
    box.checked = all.checked;
  });
});
