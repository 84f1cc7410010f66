// Kago: 住所検索. A button next to a 郵便番号 field (data-postal-lookup holds
// the field-name prefix, e.g. "buyer_") asks the shop's own table
// (GET /postal/1500001) and fills 都道府県 and 市区町村 of the same block.
// Without this script the button stays hidden and the form works as typed.
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function lookup(button) {
    var prefix = button.dataset.postalLookup;
    var code = document.getElementById(prefix + "postal_code");
    var pref = document.getElementById(prefix + "prefecture");
    var city = document.getElementById(prefix + "city");
    var status = document.getElementById(prefix + "postal_status");
    var say = function (msg) { if (status) { status.textContent = msg; } };
    var digits = (code.value || "").replace(/[０-９]/g, function (d) {
      return String.fromCharCode(d.charCodeAt(0) - 0xFEE0);
    }).replace(/[^0-9]/g, "");
    if (digits.length !== 7) {
      say("郵便番号を7桁で入力してから「住所検索」を押してください。");
      code.focus();
      return;
    }
    button.disabled = true;
    say("検索しています…");
    fetch("/postal/" + digits, { headers: { "Accept": "application/json" } })
      .then(function (res) { return res.json(); })
      .then(function (data) {
        var list = (data && data.addresses) || [];
        if (list.length === 0) {
          say("この郵便番号の住所は見つかりませんでした。都道府県と市区町村を入力してください。");
          return;
        }
        var a = list[0];
        pref.value = a.prefecture;
        city.value = a.city + (list.length === 1 ? a.town : "");
        say(list.length === 1 ? "住所を入力しました。番地を続けて入力してください。"
          : "住所を入力しました。町名と番地を続けて入力してください。");
        var next = document.getElementById(prefix + (list.length === 1 ? "address1" : "city"));
        if (next) { next.focus(); }
      })
      .catch(function () { say("住所を検索できませんでした。都道府県と市区町村を入力してください。"); })
      .then(function () { button.disabled = false; });
  }
  ready(function () {
    document.querySelectorAll("[data-postal-lookup]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { lookup(button); });
    });
  });
})();
