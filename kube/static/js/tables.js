/* Tables on a phone: each row becomes a card of "label: value" lines, labelled from the table's column headers.

Without this script a wide table scrolls sideways inside its .table-wrap, which the templates make reachable
by keyboard (tabindex="0", role="region", aria-label). With it, the stylesheet stacks tables marked
"stack" below 720 px, each cell showing its column's name (data-label); and a wrapper keeps its tab stop
only while its table still scrolls, so keyboard users do not tab through boxes with nothing to scroll.
Tables marked data-stack="no" (grids read across, like the reporting discipline grid) keep their columns.
*/
(function () {
  "use strict";

  /* The text of each column's header, by column index (colspans counted), from the table's last header row. */
  function columnLabels(table) {
    var rows = table.tHead ? table.tHead.rows : [];
    if (!rows.length) { return null; }
    var labels = [];
    Array.prototype.forEach.call(rows[rows.length - 1].cells, function (cell) {
      var text = cell.textContent.replace(/\s+/g, " ").trim();
      for (var span = 0; span < (cell.colSpan || 1); span += 1) { labels.push(text); }
    });
    return labels;
  }

  /* Label every body cell with its column's header and mark the table for stacking. */
  function stack(table) {
    var labels = columnLabels(table);
    if (!labels) { return; }
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var label = labels[column];
          // A cell spanning several columns (a "nothing yet" row) or a header repeated in the row gets no label.
          if (label && (cell.colSpan || 1) === 1 && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", label);
          }
          column += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("stack");
    if (table.tHead.querySelector("a")) { table.classList.add("sortable"); }
    keepTableRoles(table);
  }

  /* Stacked rows are display:block, which makes browsers forget they are a table; the roles say it again. */
  function keepTableRoles(table) {
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.querySelectorAll(":scope > thead, :scope > tbody, :scope > tfoot"), function (group) {
      group.setAttribute("role", "rowgroup");
    });
    Array.prototype.forEach.call(table.rows, function (row) {
      row.setAttribute("role", "row");
      Array.prototype.forEach.call(row.cells, function (cell) {
        var header = cell.tagName === "TH";
        var inHead = row.parentElement === table.tHead;
        cell.setAttribute("role", header ? (inHead || cell.scope === "col" ? "columnheader" : "rowheader") : "cell");
      });
    });
  }

  /* A wrapper is a tab stop (so a keyboard can scroll it) only while its table is wider than it. */
  function updateTabStops() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls) {
        wrap.setAttribute("tabindex", "0");
        if (!wrap.hasAttribute("role")) { wrap.setAttribute("role", "region"); }
        if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("aria-labelledby")) {
          var name = nameOf(wrap);
          if (name) { wrap.setAttribute("aria-label", name); }
        }
      } else if (wrap !== document.activeElement) {
        wrap.removeAttribute("tabindex");
      }
    });
  }

  /* A name for a wrapper the template did not name: its table's caption, else the nearest heading before it. */
  function nameOf(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) { return caption.textContent.replace(/\s+/g, " ").trim(); }
    for (var node = wrap; node && node !== document.body; node = node.parentElement) {
      for (var before = node.previousElementSibling; before; before = before.previousElementSibling) {
        if (/^H[1-6]$/.test(before.tagName)) { return before.textContent.replace(/\s+/g, " ").trim(); }
      }
    }
    return "";
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap > table"), function (table) {
      if (table.getAttribute("data-stack") !== "no") { stack(table); }
    });
    updateTabStops();
    window.addEventListener("resize", updateTabStops);
    // A table inside a closed <details> has no width until it is opened.
    document.addEventListener("toggle", updateTabStops, true);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
