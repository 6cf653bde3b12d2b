// The invoice form: a product's price goes into an empty price box, and each line's sum and the
// total follow what is typed. The server computes the same on «Записать»; this only shows it.
(() => {
  const form = document.getElementById("invoice-form");
  if (!form) return;
  const prices = JSON.parse(document.getElementById("product-prices").textContent);
  const lang = document.documentElement.lang || "ru";
  const parse = (text) => {
    const value = Number(String(text || "").replace(/[\s\u00a0]/g, "").replace("\u2212", "-").replace(",", "."));
    return Number.isFinite(value) ? value : NaN;
  };
  const show = (value) => value.toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  const recount = () => {
    let total = 0;
    form.querySelectorAll("tr[data-line]").forEach((row) => {
      const cell = row.querySelector("[data-line-amount]");
      const removed = row.querySelector('input[type="checkbox"][name$="-DELETE"]')?.checked;
      const product = row.querySelector("[data-line-product]")?.value;
      const quantity = parse(row.querySelector("[data-line-quantity]")?.value);
      const priceBox = row.querySelector("[data-line-price]");
      const price = priceBox?.value ? parse(priceBox.value) : parse(prices[product]);
      const discount = parse(row.querySelector("[data-line-discount]")?.value || "0");
      if (!product || removed || [quantity, price, discount].some(Number.isNaN)) {
        cell.textContent = "";
        return;
      }
      const amount = Math.round(quantity * price * (100 - discount)) / 100;
      total += amount;
      cell.textContent = show(amount);
    });
    document.getElementById("invoice-total").textContent = show(total);
  };

  form.addEventListener("change", (event) => {
    const select = event.target.closest("[data-line-product]");
    if (select) {
      const priceBox = select.closest("tr").querySelector("[data-line-price]");
      if (priceBox && (!priceBox.value || priceBox.dataset.auto === "1") && prices[select.value] !== undefined) {
        priceBox.value = prices[select.value];
        priceBox.dataset.auto = "1";
      }
    }
    recount();
  });
  form.addEventListener("input", (event) => {
    if (event.target.matches("[data-line-price]")) delete event.target.dataset.auto;
    recount();
  });
  document.getElementById("add-line")?.addEventListener("click", () => setTimeout(recount));
  recount();
})();
