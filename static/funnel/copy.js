// «Копировать»: a button with data-copy="<id of a text box>" copies the box's text.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const box = document.getElementById(button.dataset.copy);
  if (!box) return;
  const done = () => {
    button.textContent = button.dataset.copiedText || button.textContent;
  };
  if (navigator.clipboard) {
    navigator.clipboard.writeText(box.value).then(done, () => box.select());
  } else {
    box.select();
  }
});
