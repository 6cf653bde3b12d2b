// «Настройки воронок»: drag a stage by its ⠿ handle to another place in the list; the new order
// is saved on drop. Refused (the stages changed meanwhile), the list goes back as it was.
(() => {
  const list = document.querySelector("[data-stage-list]");
  if (!list) return;
  const { placeAt, post, putBack, reporter, sortable } = window.dragDrop;
  const status = document.getElementById("stage-move-status");
  const say = reporter(status);
  const rows = () => Array.from(list.querySelectorAll(":scope > [data-stage-id]"));

  sortable(list, {
    pick: (element) => element?.closest("[data-stage-handle]")?.closest("[data-stage-id]"),
    key: "stageId",
    rowImage: true,
    over: (drag, _list, event) => placeAt(list, rows(), drag.item, event.clientY),
    drop: async (drag) => {
      const body = new FormData();
      rows().forEach((row) => body.append("stage", row.dataset.stageId));
      try {
        await post(list.dataset.reorderUrl, body);
        say(status?.dataset.savedText || "OK", true);
      } catch (error) {
        putBack(drag);
        say(`${status?.dataset.errorText || "Error"}: ${error.message}`, false);
      }
    },
  });
})();
