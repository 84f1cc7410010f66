// Kago: page behaviours that would otherwise be inline handlers, so the
// Content-Security-Policy can forbid inline script.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    // data-confirm on a submit button: ask before the form is sent.
    var by = e.submitter;
    if (by && by.dataset.confirm && !window.confirm(confirmText(by))) {
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
  // {amount} in a question is the amount the form sends: its default
  // (data-amount on the form) or what was typed (a partial refund).
  function confirmText(by) {
    var text = by.dataset.confirm, f = by.form;
    if (text.indexOf("{amount}") < 0 || !f) { return text; }
    var a = f.elements.amount, full = f.elements.full;
    var v = (full && full.value === "1") || !a ? f.dataset.amount : a.value;
    return text.replace("{amount}", v);
  }
  // data-select-all: a read-only field to copy selects itself when clicked.
  document.addEventListener("click", function (e) {
    if (e.target.matches && e.target.matches("[data-select-all]")) { e.target.select(); }
  });
})();
