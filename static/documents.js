// Kago: the print button of the document pages (帳票出力). A static file
// so the pages need no inline script.
document.querySelectorAll("[data-print]").forEach(function (b) {
  b.addEventListener("click", function () { window.print(); });
});
