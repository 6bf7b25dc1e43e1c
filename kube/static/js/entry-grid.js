/* The entry grid (reports/entry_grid.html): Enter in an input moves to the next input instead of sending the form.

Tab already moves through the inputs in row order (their order in the page). Paper forms are typed with one
hand on the number pad, where Enter is nearest: it moves on, and on the last input it goes to the "save" button,
so one more Enter sends the grid. Without this script Enter sends the form, which saves what was typed.
*/
(function () {
  "use strict";

  function inputsOf(form) {
    return Array.prototype.filter.call(form.querySelectorAll("[data-grid-input]"), function (input) {
      return !input.disabled && input.offsetParent !== null;
    });
  }

  function onKeydown(event) {
    var target = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey ||
        !target.hasAttribute || !target.hasAttribute("data-grid-input")) {
      return;
    }
    var form = event.currentTarget;
    var inputs = inputsOf(form);
    var next = inputs[inputs.indexOf(target) + 1] || form.querySelector("button[type=submit]");
    if (!next) { return; }
    event.preventDefault();
    next.focus();
    if (next.select && next.type !== "checkbox") { next.select(); }
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-entry-grid]"), function (form) {
    form.addEventListener("keydown", onKeydown);
  });
}());
