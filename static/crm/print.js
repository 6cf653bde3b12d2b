// The print views' «Печать» button (the pages have no other script).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
