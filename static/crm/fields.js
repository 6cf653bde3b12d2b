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
  const { placeAt, post, putBack, reporter, sortable } = window.dragDrop;
  const status = document.getElementById("field-move-status");
  const say = reporter(status);
  const fieldsOf = (list) => Array.from(list.querySelectorAll(":scope > [data-field-id]"));
  const showEmptyHints = () => {
    board.querySelectorAll("[data-field-list]").forEach((list) => {
      list.querySelector(":scope > [data-empty]")?.classList.toggle("d-none", fieldsOf(list).length > 0);
    });
  };
  const place = (drag, list, event) =>
    placeAt(list, fieldsOf(list), drag.item, event.clientY, list.querySelector(":scope > [data-empty]"));

  sortable(board, {
    pick: (element) => element?.closest("[data-field-id]"),
    key: "fieldId",
    targetOf: (element) => element?.closest("[data-field-group]")?.querySelector("[data-field-list]"),
    draggingClass: "opacity-50",
    over: place,
    drop: async (drag, list, event) => {
      place(drag, list, event);
      showEmptyHints();
      const body = new FormData();
      body.append("group", list.dataset.groupId);
      body.append("position", String(fieldsOf(list).indexOf(drag.item)));
      try {
        await post(drag.item.dataset.moveUrl, body);
        say(status?.dataset.savedText || "OK", true);
      } catch (error) {
        // Not saved: put the field back where the server still has it.
        putBack(drag);
        showEmptyHints();
        say(`${status?.dataset.errorText || "Error"}: ${error.message}`, false);
      }
    },
    end: showEmptyHints,
  });
})();
