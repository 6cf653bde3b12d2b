// Redoc draws its styles into <style> elements: they carry this page's nonce, the one inline style
// the Content-Security-Policy of /api/redoc/ lets in (api.views.docs.RedocView).
const box = document.getElementById("redoc");
// No search: its index runs in a worker made from a blob, which the policy refuses.
Redoc.init(box.dataset.schemaUrl, { nonce: document.currentScript.nonce, disableSearch: true }, box);
