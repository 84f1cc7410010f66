// Kago: renders Amazon Pay buttons and binds the 「変更」 links. Every value
// comes from data attributes, so the payload reaches the button script as the
// exact string the shop signed.
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    if (!window.amazon || !window.amazon.Pay) { return; }
    document.querySelectorAll("[data-amazon-pay-button]").forEach(function (el) {
      var d = el.dataset;
      var signed = {
        payloadJSON: d.payload,
        signature: d.signature,
        publicKeyId: d.publicKeyId,
        algorithm: d.algorithm
      };
      var cfg = {
        merchantId: d.merchantId,
        publicKeyId: d.publicKeyId,
        ledgerCurrency: "JPY",
        checkoutLanguage: "ja_JP",
        productType: d.productType,
        placement: d.placement,
        buttonColor: d.color,
        sandbox: d.sandbox === "true"
      };
      // 「amazonでログイン」 (productType SignIn) takes its payload as signInConfig.
      if (d.productType === "SignIn") { cfg.signInConfig = signed; } else { cfg.createCheckoutSessionConfig = signed; }
      amazon.Pay.renderButton("#" + el.id, cfg);
    });
    document.querySelectorAll("[data-amazon-change]").forEach(function (el) {
      amazon.Pay.bindChangeAction("#" + el.id, {
        amazonCheckoutSessionId: el.dataset.sessionId,
        changeAction: el.dataset.amazonChange
      });
    });
    document.querySelectorAll("[data-amazon-signout]").forEach(function (form) {
      form.addEventListener("submit", function () { amazon.Pay.signout(); });
    });
  });
})();
