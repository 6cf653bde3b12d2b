// Small progressive enhancements; every page works without them.

// «+ Добавить» in a formset: clone its <template> with the next index in place of the
// placeholder, and count the new form in TOTAL_FORMS.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-form]");
  if (!button) return;
  const prefix = button.dataset.addForm;
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const template = document.querySelector(`template[data-empty-form-for="${prefix}"]`);
  const rows = document.querySelector(`[data-formset-rows="${prefix}"]`);
  if (!total || !template || !rows) return;
  const index = Number(total.value);
  rows.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll(button.dataset.placeholder, String(index)));
  total.value = String(index + 1);
});
