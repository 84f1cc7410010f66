// Kago: the order pages. The summary follows the shopper's choices as they
// make them (prefecture, ship-to, payment method) by asking the server for
// the quote; without JavaScript the page offers 「金額を再計算」 instead.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  var watched = ["buyer_prefecture", "dest_prefecture", "ship_to", "payment_method"];

  function choice(form, name) {
    var els = form.elements[name];
    if (!els) { return null; }
    if (els.length !== undefined && els.tagName !== "SELECT") {
      for (var i = 0; i < els.length; i++) { if (els[i].checked) { return els[i].value; } }
      return null;
    }
    if (els.type === "radio") { return els.checked ? els.value : null; }
    return els.value;
  }

  function render(summary, q) {
    // Every copy of a figure (the summary, the phone's total bar).
    ["subtotal", "shipping", "total", "fee"].forEach(function (name) {
      document.querySelectorAll('[data-sum="' + name + '"]').forEach(function (el) { el.textContent = q[name]; });
    });
    summary.querySelectorAll("[data-sum-fee]").forEach(function (el) { el.hidden = !q.fee; });
    var rates = summary.querySelector("[data-sum-rates]");
    rates.textContent = "";
    q.rates.forEach(function (r) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.className = dd.className = "sub";
      dt.textContent = r.label;
      dd.textContent = r.value;
      rates.appendChild(dt);
      rates.appendChild(dd);
    });
  }

  ready(function () {
    var form = document.querySelector("form.checkout-form");
    var summary = document.querySelector("[data-summary]");
    if (form && summary && window.fetch) {
      var seq = 0;
      var update = function () {
        var params = new URLSearchParams();
        watched.forEach(function (name) {
          var v = choice(form, name);
          if (v !== null) { params.set(name, v); }
        });
        var mine = ++seq;
        fetch("/checkout/quote?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (res) { return res.ok ? res.json() : null; })
          .then(function (q) { if (q && mine === seq) { render(summary, q); } })
          .catch(function () {});
      };
      form.addEventListener("change", function (e) {
        if (e.target && watched.indexOf(e.target.name) >= 0) { update(); }
      });
    }
  });
})();
