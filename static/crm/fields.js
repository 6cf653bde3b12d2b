// «Настроить поля»: drag a field to another place or another group; the drop is saved at once.
// Without this script the «↑ ↓» buttons and the field's own page (its group) do the same.

(() => {
  // «Добавить поле»: the list values box matters only for the «Список» type.
  const typeSelect = document.querySelector("[data-field-type]");
  const optionsRow = document.querySelector("[data-options-row]");
  if (typeSelect && optionsRow) {
    const sync = () => optionsRow.classList.toggle("d-none", typeSelect.value !== "list");
    typeSelect.addEventListener("change", sync);
    sync();
  }

  const board = document.querySelector("[data-field-groups]");
  if (!board) return;
  const status = document.getElementById("field-move-status");

  // base.html puts the CSRF token into hx-headers on <body>, for htmx and for us.
  const csrfToken = () => {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch {
      return "";
    }
  };
  const elementOf = (node) => (node instanceof Element ? node : node?.parentElement);
  const listUnder = (node) => elementOf(node)?.closest("[data-field-group]")?.querySelector("[data-field-list]");
  const fieldsOf = (list) => Array.from(list.querySelectorAll(":scope > [data-field-id]"));

  const say = (text, ok) => {
    if (!status) return;
    status.textContent = text;
    status.classList.remove("d-none", "alert-success", "alert-danger");
    status.classList.add(ok ? "alert-success" : "alert-danger");
  };
  const showEmptyHints = () => {
    board.querySelectorAll("[data-field-list]").forEach((list) => {
      list.querySelector(":scope > [data-empty]")?.classList.toggle("d-none", fieldsOf(list).length > 0);
    });
  };

  let dragged = null;
  let origin = null;
  let dropped = false;

  // Put the dragged field where the pointer is: before the first field whose middle is below it.
  const placeAt = (list, y) => {
    const before = fieldsOf(list).find((item) => {
      if (item === dragged) return false;
      const box = item.getBoundingClientRect();
      return y < box.top + box.height / 2;
    });
    const anchor = before || list.querySelector(":scope > [data-empty]");
    if (dragged.parentElement === list && dragged.nextElementSibling === anchor) return;
    list.insertBefore(dragged, anchor);
  };

  board.addEventListener("dragstart", (event) => {
    const item = elementOf(event.target)?.closest("[data-field-id]");
    if (!item) return;
    dragged = item;
    origin = { list: item.parentElement, next: item.nextElementSibling };
    dropped = false;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.fieldId);
    item.classList.add("opacity-50");
  });

  board.addEventListener("dragover", (event) => {
    const list = dragged && listUnder(event.target);
    if (!list) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    placeAt(list, event.clientY);
  });

  board.addEventListener("drop", async (event) => {
    const list = dragged && listUnder(event.target);
    if (!list) return;
    event.preventDefault();
    placeAt(list, event.clientY);
    dropped = true;
    const item = dragged;
    const from = origin;
    showEmptyHints();
    const body = new FormData();
    body.append("group", list.dataset.groupId);
    body.append("position", String(fieldsOf(list).indexOf(item)));
    try {
      const response = await fetch(item.dataset.moveUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(answer.error || `${response.status} ${response.statusText}`);
      say(status?.dataset.savedText || "OK", true);
    } catch (error) {
      // Not saved: put the field back where the server still has it.
      from.list.insertBefore(item, from.next);
      showEmptyHints();
      say(`${status?.dataset.errorText || "Error"}: ${error.message}`, false);
    }
  });

  board.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("opacity-50");
    if (!dropped && origin) origin.list.insertBefore(dragged, origin.next);
    dragged = null;
    origin = null;
    showEmptyHints();
  });
})();
