// Kago: page behaviours that would otherwise be inline handlers, so the
// Content-Security-Policy can forbid inline script.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    // data-confirm on a submit button: ask before the form is sent.
    var by = e.submitter;
    if (by && by.dataset.confirm && !window.confirm(by.dataset.confirm)) {
      e.preventDefault();
      return;
    }
    // data-once: the button sends its form once (注文する).
    var once = e.target.querySelector("[data-once]");
    if (once) {
      if (once.disabled) { e.preventDefault(); return; }
      setTimeout(function () { once.disabled = true; once.textContent = "送信中…"; }, 0);
    }
  });
  // data-select-all: a read-only field to copy selects itself when clicked.
  document.addEventListener("click", function (e) {
    if (e.target.matches && e.target.matches("[data-select-all]")) { e.target.select(); }
  });
})();
