// «Воронка продаж»: drag a deal's card to another stage and the move is saved on drop
// (funnel:deal_move, with the stage the card was seen on, so a deal moved by someone else meanwhile
// is not moved twice). «Успех» asks for the amount when the deal has none, «Провал» for the reason,
// in a small form first. A refused move puts the card back and says why. Without this script the
// deal's own page moves it with its stage buttons.
(() => {
  const board = document.querySelector("[data-board]");
  if (!board) return;
  const status = document.getElementById("board-status");
  const modalElement = document.getElementById("move-modal");
  const modalForm = document.getElementById("move-modal-form");
  const modal = window.bootstrap && modalElement ? bootstrap.Modal.getOrCreateInstance(modalElement) : null;
  const lang = document.documentElement.lang || "ru";
  const requiresAmount = board.dataset.requiresAmount === "1";
  const { elementOf, post, putBack: putBackAt, reporter, sortable } = window.dragDrop;

  const columnOf = (node) => elementOf(node)?.closest("[data-column]");
  const cardsOf = (column) => column.querySelector("[data-cards]");
  const cents = (text) => (text ? Math.round(Number(text) * 100) : 0);
  const money = (value) => (value / 100).toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  const say = reporter(status);
  const showEmpty = (column) => {
    const empty = column?.querySelector("[data-empty]");
    empty?.classList.toggle("d-none", Boolean(cardsOf(column).querySelector("[data-deal-id]")));
  };
  // The column's number of deals and their sum, after a card left (-1) or came (+1).
  const recount = (column, step, amount) => {
    const count = column.querySelector("[data-count]");
    const total = column.querySelector("[data-total]");
    const n = Number(count.dataset.count) + step;
    count.dataset.count = String(n);
    count.textContent = n.toLocaleString(lang);
    const sum = cents(total.dataset.total) + step * amount;
    total.dataset.total = (sum / 100).toFixed(2);
    total.textContent = money(sum);
  };

  // Put a card back where it was taken from.
  const putBack = (move) => {
    const { card, from } = move;
    putBackAt({ item: card, from }, from.parent.querySelector(":scope > [data-more], :scope > [data-empty]"));
    showEmpty(move.column);
    showEmpty(move.fromColumn);
  };
  const place = (move) => {
    cardsOf(move.column).prepend(move.card); // newest on the stage first, as the server orders them
    showEmpty(move.column);
    showEmpty(move.fromColumn);
  };

  const send = async (move, extra) => {
    const body = new FormData();
    body.append("stage", move.column.dataset.stageId);
    body.append("seen_stage", move.card.dataset.stageId);
    Object.entries(extra).forEach(([name, value]) => body.append(name, value));
    let answer;
    try {
      answer = await post(move.card.dataset.moveUrl, body);
    } catch (error) {
      putBack(move);
      if (error.need && modal) {
        ask(move, error.need, error.message);
      } else {
        say(error.message, false);
      }
      return;
    }
    const holder = document.createElement("div");
    holder.innerHTML = answer.card.trim();
    const fresh = holder.firstElementChild;
    recount(move.fromColumn, -1, cents(move.card.dataset.amount));
    recount(move.column, 1, cents(fresh.dataset.amount));
    move.card.replaceWith(fresh);
    say(answer.message, true);
  };

  // The small form of «Успех» (amount) and «Провал» (reason); closing it puts the card back.
  let pending = null;
  const ask = (move, need, message = "") => {
    place(move);
    pending = { move, need, sent: false };
    modalForm.reset();
    modalForm.querySelectorAll("[data-need]").forEach((group) => {
      group.classList.toggle("d-none", group.dataset.need !== need);
    });
    const title = move.card.querySelector("[data-deal-title]")?.textContent.trim() || "";
    const question = modalForm.querySelector("[data-move-question]");
    question.textContent = `«${title}» → «${move.column.dataset.stageName}». ${modalForm.dataset[`question${need === "amount" ? "Amount" : "Reason"}`] || ""}`;
    const error = modalForm.querySelector("[data-move-error]");
    error.textContent = message;
    error.classList.toggle("d-none", !message);
    modal.show();
  };
  modalElement?.addEventListener("shown.bs.modal", () => {
    modalForm.querySelector(`[data-need="${pending?.need}"] input, [data-need="${pending?.need}"] select`)?.focus();
  });
  modalElement?.addEventListener("hidden.bs.modal", () => {
    if (pending && !pending.sent) {
      putBack(pending.move);
      say(modalForm.dataset.cancelled || "", false);
    }
    pending = null;
  });
  modalForm?.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!pending) return;
    const field = modalForm.elements[pending.need === "amount" ? "amount" : "lost_reason"];
    if (!field.value.trim()) {
      field.classList.add("is-invalid");
      field.focus();
      return;
    }
    field.classList.remove("is-invalid");
    const extra = { comment: modalForm.elements.comment.value };
    extra[field.name] = field.value;
    const { move } = pending;
    pending.sent = true;
    modal.hide();
    send(move, extra);
  });

  const clearTargets = (except) =>
    board.querySelectorAll(".drop-target").forEach((c) => c !== except && c.classList.remove("drop-target"));

  sortable(board, {
    pick: (element) => element?.closest("[data-deal-id]"),
    key: "dealId",
    targetOf: columnOf,
    over: (_drag, column) => {
      clearTargets(column);
      column.classList.add("drop-target");
    },
    drop: (drag, column) => {
      const move = { card: drag.item, from: drag.from, fromColumn: columnOf(drag.from.parent), column };
      if (column === move.fromColumn) return;
      const kind = column.dataset.stageKind;
      let need = "";
      if (kind === "lost") need = "reason";
      else if (kind === "won" && requiresAmount && !cents(move.card.dataset.amount)) need = "amount";
      if (need && modal) {
        ask(move, need);
      } else {
        place(move);
        send(move, {});
      }
    },
    end: () => clearTargets(),
  });
})();
