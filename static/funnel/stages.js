// «Настройки воронок»: drag a stage by its ⠿ handle to another place in the list; the new order
// is saved on drop. Refused (the stages changed meanwhile), the list goes back as it was.
(() => {
  const list = document.querySelector("[data-stage-list]");
  if (!list) return;
  const status = document.getElementById("stage-move-status");
  const csrfToken = () => {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch {
      return "";
    }
  };
  const elementOf = (node) => (node instanceof Element ? node : node?.parentElement);
  const rows = () => Array.from(list.querySelectorAll(":scope > [data-stage-id]"));
  const say = (text, ok) => {
    if (!status) return;
    status.textContent = text;
    status.classList.remove("d-none", "alert-success", "alert-danger");
    status.classList.add(ok ? "alert-success" : "alert-danger");
  };

  let dragged = null;
  let before = null;
  let dropped = false;

  list.addEventListener("dragstart", (event) => {
    const handle = elementOf(event.target)?.closest("[data-stage-handle]");
    if (!handle) return;
    dragged = handle.closest("[data-stage-id]");
    before = rows();
    dropped = false;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.stageId);
    event.dataTransfer.setDragImage(dragged, 10, 10);
    dragged.classList.add("dragging");
  });

  list.addEventListener("dragover", (event) => {
    if (!dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    const next = rows().find((row) => {
      if (row === dragged) return false;
      const box = row.getBoundingClientRect();
      return event.clientY < box.top + box.height / 2;
    });
    if (dragged.nextElementSibling !== next) list.insertBefore(dragged, next || null);
  });

  list.addEventListener("drop", async (event) => {
    if (!dragged) return;
    event.preventDefault();
    dropped = true;
    const previous = before;
    const body = new FormData();
    rows().forEach((row) => body.append("stage", row.dataset.stageId));
    try {
      const response = await fetch(list.dataset.reorderUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(answer.error || `${response.status} ${response.statusText}`);
      say(status?.dataset.savedText || "OK", true);
    } catch (error) {
      previous.forEach((row) => list.appendChild(row));
      say(`${status?.dataset.errorText || "Error"}: ${error.message}`, false);
    }
  });

  list.addEventListener("dragend", () => {
    if (dragged && !dropped) before.forEach((row) => list.appendChild(row)); // dropped elsewhere
    dragged?.classList.remove("dragging");
    dragged = null;
  });
})();
