// Drag and drop for «Настроить поля» (fields.js), the funnel's stages (stages.js) and its board
// (board.js): the drag's life, the save on drop and its answer. Each page says what is dragged, where
// it may land and what a drop means; without scripts the pages' own buttons do the same.
window.dragDrop = (() => {
  // base.html puts the CSRF token into hx-headers on <body>, for htmx and for us.
  const csrfToken = () => {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch {
      return "";
    }
  };
  const elementOf = (node) => (node instanceof Element ? node : node?.parentElement);

  // The status line above the list: «saved» in green, the error in red.
  const reporter = (status) => (text, ok) => {
    if (!status) return;
    status.textContent = text;
    status.classList.remove("d-none", "alert-success", "alert-danger");
    status.classList.add(ok ? "alert-success" : "alert-danger");
  };

  // POST a drop; the JSON answer, or an Error with the server's message (and what it still needs).
  const post = async (url, body) => {
    const response = await fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(answer.error || `${response.status} ${response.statusText}`);
      error.need = answer.need;
      throw error;
    }
    return answer;
  };

  // Put the dragged item where the pointer is: before the first item whose middle is below it
  // (else before `end`).
  const placeAt = (list, items, dragged, y, end = null) => {
    const before = items.find((item) => {
      if (item === dragged) return false;
      const box = item.getBoundingClientRect();
      return y < box.top + box.height / 2;
    });
    const anchor = before || end;
    if (dragged.parentElement === list && dragged.nextElementSibling === anchor) return;
    list.insertBefore(dragged, anchor);
  };

  // Put an item back where its drag began (before `fallback` when its old neighbour has gone).
  const putBack = ({ item, from }, fallback = null) => {
    const anchor = from.next && from.next.parentElement === from.parent ? from.next : fallback;
    if (item.parentElement === from.parent && item.nextElementSibling === anchor) return;
    from.parent.insertBefore(item, anchor);
  };

  // Make the items under `root` draggable. `pick` finds the item a drag starts on, `key` names its
  // data-* id, `targetOf` the place under the pointer where it may land; `over`, `drop` and `end`
  // get the drag ({ item, from: { parent, next } }), `over` and `drop` also that place and the
  // event. A drag that ends without a drop puts the item back.
  const sortable = (root, { pick, key, targetOf = () => root, draggingClass = "dragging", rowImage = false, over, drop, end }) => {
    let drag = null;
    let dropped = false;
    const targetUnder = (event) => drag && targetOf(elementOf(event.target));

    root.addEventListener("dragstart", (event) => {
      const item = pick(elementOf(event.target));
      if (!item) return;
      drag = { item, from: { parent: item.parentElement, next: item.nextElementSibling } };
      dropped = false;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset[key]);
      if (rowImage) event.dataTransfer.setDragImage(item, 10, 10); // dragged by a handle: show the row
      item.classList.add(draggingClass);
    });

    root.addEventListener("dragover", (event) => {
      const target = targetUnder(event);
      if (!target) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      over?.(drag, target, event);
    });

    root.addEventListener("drop", (event) => {
      const target = targetUnder(event);
      if (!target) return;
      event.preventDefault();
      dropped = true;
      drop(drag, target, event);
    });

    root.addEventListener("dragend", () => {
      if (!drag) return;
      drag.item.classList.remove(draggingClass);
      if (!dropped) putBack(drag);
      end?.(drag);
      drag = null;
    });
  };

  return { elementOf, reporter, post, placeAt, putBack, sortable };
})();
