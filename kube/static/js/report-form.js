/*
 * The monthly report form, made easier on a phone (progressive enhancement: the form works without it).
 *
 * - Amount fields (`data-amount`) get Indonesian thousands dots as they are typed: 12500000 -> 12.500.000.
 *   Only text made of digits, dots and spaces (and a leading "Rp") is regrouped; anything else (a comma,
 *   a minus) is left as typed, for the server to explain, so a figure is never silently changed.
 * - The net income (omzet - biaya) is shown live in the <output id="net-live">, with its words taken from
 *   the page (data-label, data-loss), so they come translated by the server.
 *
 * It never handles the form's submission: the offline script does that.
 */
(function () {
  "use strict";

  var PLAIN_AMOUNT = /^\s*(?:[Rr][Pp]\.?)?[\d.\s]*$/;

  function groupThousands(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  /* The whole Rupiah in a field, or null when it is empty or not a plain amount. */
  function amountOf(input) {
    var text = input.value;
    if (!PLAIN_AMOUNT.test(text)) {
      return null;
    }
    var digits = text.replace(/\D/g, "");
    return digits ? parseInt(digits, 10) : null;
  }

  function formatField(input) {
    var text = input.value;
    if (!PLAIN_AMOUNT.test(text)) {
      return;
    }
    var caret = input.selectionStart === null ? text.length : input.selectionStart;
    var digitsBeforeCaret = text.slice(0, caret).replace(/\D/g, "").replace(/^0+(?=\d)/, "").length;
    var digits = text.replace(/\D/g, "").replace(/^0+(?=\d)/, "");
    var formatted = groupThousands(digits);
    if (formatted === text) {
      return;
    }
    input.value = formatted;
    // Put the caret back after the same digit it followed, whatever dots were added or removed.
    var position = 0;
    var seen = 0;
    while (position < formatted.length && seen < digitsBeforeCaret) {
      if (/\d/.test(formatted.charAt(position))) {
        seen += 1;
      }
      position += 1;
    }
    if (document.activeElement === input && input.setSelectionRange) {
      input.setSelectionRange(position, position);
    }
  }

  function rupiah(amount) {
    var sign = amount < 0 ? "-" : "";
    return sign + "Rp" + groupThousands(String(Math.abs(amount)));
  }

  function showNet(form, output) {
    var revenue = form.querySelector("[data-net-part='revenue']");
    var expenses = form.querySelector("[data-net-part='expenses']");
    var a = revenue ? amountOf(revenue) : null;
    var b = expenses ? amountOf(expenses) : null;
    if (a === null || b === null) {
      output.textContent = "";
      return;
    }
    var net = a - b;
    var text = output.getAttribute("data-label") + ": " + rupiah(net);
    if (net < 0) {
      text += " (" + output.getAttribute("data-loss") + ")";
    }
    output.textContent = text;
    output.classList.toggle("loss", net < 0);
  }

  function enhance(form) {
    var output = form.querySelector("#net-live");
    var fields = form.querySelectorAll("input[data-amount]");
    Array.prototype.forEach.call(fields, function (input) {
      formatField(input);
      input.addEventListener("input", function () {
        formatField(input);
        if (output) {
          showNet(form, output);
        }
      });
    });
    if (output) {
      showNet(form, output);
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form.report-form"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
