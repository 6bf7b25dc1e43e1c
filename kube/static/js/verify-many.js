/* The verification list's "select all" checkbox: checks or clears every report checkbox of its table.

Without this script the page works the same, one checkbox at a time; that is why the select-all box
comes hidden and is shown here. Its state follows the rows: checked when all are, mixed when some are.
*/
(function () {
  "use strict";

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-select-all]"), function (all) {
      var table = document.getElementById(all.getAttribute("data-select-all"));
      if (!table) { return; }
      var boxes = table.querySelectorAll("tbody input[type=checkbox]");
      if (!boxes.length) { return; }

      function follow() {
        var checked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
        all.checked = checked === boxes.length;
        all.indeterminate = checked > 0 && checked < boxes.length;
      }

      all.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
        follow();
      });
      Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", follow); });
      follow();  // a page restored from the back-forward cache keeps its checks
      var holder = all.closest("[hidden]");
      if (holder) { holder.hidden = false; }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
