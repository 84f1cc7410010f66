package emulator

// checkoutJS replaces https://static-fe.payments-amazon.com/checkout.js.
// __BASE__ becomes the JSON string of the emulator's public URL.
const checkoutJS = `/* Kago Amazon Pay emulator: a stand-in for Amazon's checkout.js. */
(function () {
  'use strict';
  var BASE = __BASE__;
  var COLORS = {
    Gold: { bg: '#FFD814', fg: '#0F1111', border: '#FCD200' },
    LightGray: { bg: '#E7E9EC', fg: '#0F1111', border: '#ADB1B8' },
    DarkGray: { bg: '#232F3E', fg: '#FFFFFF', border: '#131A22' }
  };
  function find(selector) {
    var el = typeof selector === 'string' ? document.querySelector(selector) : selector;
    if (!el) { throw new Error('amazon.Pay: no element matches ' + selector); }
    return el;
  }
  function submit(fields) {
    var f = document.createElement('form');
    f.method = 'POST';
    f.action = BASE + '/checkout/button';
    f.style.display = 'none';
    Object.keys(fields).forEach(function (k) {
      if (fields[k] === undefined || fields[k] === null) { return; }
      var i = document.createElement('input');
      i.type = 'hidden';
      i.name = k;
      i.value = String(fields[k]);
      f.appendChild(i);
    });
    document.body.appendChild(f);
    f.submit();
  }
  function start(base, over) {
    var cfg = {};
    Object.keys(base || {}).forEach(function (k) { cfg[k] = base[k]; });
    Object.keys(over || {}).forEach(function (k) { cfg[k] = over[k]; });
    var signIn = cfg.productType === 'SignIn';
    var sc = signIn ? cfg.signInConfig : cfg.createCheckoutSessionConfig;
    if (!sc || typeof sc.payloadJSON !== 'string' || !sc.signature) {
      throw new Error('amazon.Pay: ' + (signIn ? 'signInConfig' : 'createCheckoutSessionConfig') + ' needs payloadJSON and signature');
    }
    submit({
      merchantId: cfg.merchantId,
      publicKeyId: sc.publicKeyId || cfg.publicKeyId,
      algorithm: sc.algorithm || '',
      payloadJSON: sc.payloadJSON,
      signature: sc.signature,
      productType: cfg.productType || 'PayAndShip',
      placement: cfg.placement || '',
      ledgerCurrency: cfg.ledgerCurrency || 'JPY',
      checkoutLanguage: cfg.checkoutLanguage || 'ja_JP',
      sandbox: cfg.sandbox === true || cfg.sandbox === 'true' ? 'true' : 'false'
    });
  }
  function renderButton(selector, cfg) {
    var host = find(selector);
    cfg = cfg || {};
    var color = COLORS[cfg.buttonColor] ? cfg.buttonColor : 'Gold';
    var c = COLORS[color];
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'amazonpay-button amazonpay-button-' + color;
    b.setAttribute('data-amazonpay-button', cfg.productType || 'PayAndShip');
    b.setAttribute('data-button-color', color);
    b.setAttribute('aria-label', 'Amazon Pay');
    b.textContent = cfg.productType === 'SignIn' ? 'Amazonアカウントでログイン' : 'amazon pay';
    b.style.cssText = 'min-width:200px;height:45px;border-radius:8px;cursor:pointer;font:bold 16px sans-serif;' +
      'background:' + c.bg + ';color:' + c.fg + ';border:1px solid ' + c.border + ';';
    var handlers = [];
    var button = {
      onClick: function (cb) { handlers.push(cb); },
      initCheckout: function (over) { start(cfg, over); }
    };
    b.addEventListener('click', function (ev) {
      ev.preventDefault();
      if (handlers.length) { handlers.forEach(function (h) { h(ev); }); return; }
      start(cfg);
    });
    host.innerHTML = '';
    host.appendChild(b);
    return button;
  }
  function bindChangeAction(selector, opts) {
    opts = opts || {};
    var nodes = document.querySelectorAll(selector);
    Array.prototype.forEach.call(nodes, function (n) {
      n.addEventListener('click', function (ev) {
        ev.preventDefault();
        window.location.href = BASE + '/checkout/change?amazonCheckoutSessionId=' +
          encodeURIComponent(opts.amazonCheckoutSessionId || '') +
          '&changeAction=' + encodeURIComponent(opts.changeAction || 'changeAddress');
      });
    });
  }
  function signout() {
    return Promise.resolve();
  }
  window.amazon = window.amazon || {};
  window.amazon.Pay = { renderButton: renderButton, bindChangeAction: bindChangeAction, signout: signout };
})();
`
