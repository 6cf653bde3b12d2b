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

// «Подставить» under «Заполнить по ИНН»: copy what the service found into the card's fields.
// The business region is chosen only when one of the list's names matches the region found.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-fill-company]");
  if (!button) return;
  const found = button.dataset;
  const setField = (id, value) => {
    const field = document.getElementById(id);
    if (!field || value === undefined || field.value === value) return;
    field.value = value;
    field.dispatchEvent(new Event("change", { bubbles: true }));
  };
  setField("id_client-kind", found.kind);
  setField("id_client-name", found.name);
  setField("id_client-full_name", found.fullName);
  setField("id_client-inn", found.inn);
  setField("id_client-kpp", found.kpp);
  setField("id_client-legal_address", found.legalAddress);
  const region = document.getElementById("id_client-business_region");
  const names = (found.regions || "").split("|").map((name) => name.trim().toLowerCase()).filter(Boolean);
  const option = region && Array.from(region.options).find((o) => names.includes(o.text.trim().toLowerCase()));
  if (option) setField("id_client-business_region", option.value);
  button.closest("[data-company-data]")?.querySelector("[data-filled]")?.classList.remove("d-none");
});

// Tick boxes of a list: the header's box ticks or unticks every row of the page.
// «Изменить выделенные»: choosing or typing a new value ticks the field's «Изменить» box.
["change", "input"].forEach((type) =>
  document.addEventListener(type, (event) => {
    const all = event.target.closest("[data-select-all]");
    if (all && type === "change") {
      const selector = `input[type="checkbox"][name="${all.dataset.selectAll}"]`;
      all.closest("table")?.querySelectorAll(selector).forEach((box) => {
        box.checked = all.checked;
      });
      return;
    }
    const value = event.target.closest("[data-bulk-tick]");
    const tick = value && document.getElementById(value.dataset.bulkTick);
    if (tick) tick.checked = true;
  }),
);

// An input the browser cannot read (a number box with letters, a date box with 31.02) is sent
// as "" — which would clear the stored value. Stop such a form before it is sent and say so on
// the field; our forms are `novalidate`, so the browser itself does not.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    const unreadable = Array.from(form.elements).filter((el) => el.validity && el.validity.badInput);
    form.querySelectorAll("[data-bad-input]").forEach((note) => note.remove());
    if (!unreadable.length) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const message = document.documentElement.lang === "en"
      ? "The browser cannot read this value: correct it or clear the field."
      : "Браузер не может прочитать это значение: исправьте его или очистите поле.";
    unreadable.forEach((el) => {
      el.classList.add("is-invalid");
      const note = document.createElement("div");
      note.className = "invalid-feedback d-block";
      note.dataset.badInput = "";
      note.textContent = message;
      el.insertAdjacentElement("afterend", note);
    });
    unreadable[0].focus();
  },
  true,
);

// A choice that applies itself (the page size, the filters of «Мои дела», the language): its form
// is sent as soon as the value changes. The forms have their own button for pages without scripts.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-submit-on-change]");
  if (field?.form) field.form.submit();
});

// «Excel» of a list: the filter changes the page's address through htmx, so the link takes the
// query string of the moment it is clicked.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-current-query]");
  if (link) link.href = link.pathname + window.location.search;
});

// «Сохранённые отборы»: the filter changes the page's address through htmx, so a form saving the
// list's state sends the query string of the moment it is sent.
document.addEventListener("submit", (event) => {
  const field = event.target.closest("form[data-saved-view-form]")?.querySelector("[data-current-query-value]");
  if (field) field.value = window.location.search.replace(/^\?/, "");
});

// A form that asks before it is sent (deleting a saved view).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
