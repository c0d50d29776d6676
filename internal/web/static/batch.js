// Batch selection in the library grid: a live count of the records
// selected, and "Select all on this page". Without it the checkboxes
// still select records for the batch form.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("batch-form");
  var grid = document.getElementById("grid");
  var all = document.getElementById("batch-all");
  var count = document.getElementById("batch-count");
  if (!form || !grid || !all || !count) return;
  all.parentNode.hidden = false;

  function boxes() {
    return grid.querySelectorAll('input[type=checkbox][form="batch-form"]');
  }
  function update() {
    var list = boxes();
    var n = 0;
    list.forEach(function (b) { if (b.checked) n++; });
    count.textContent = n === 1 ? "1 selected" : n + " selected";
    all.checked = n > 0 && n === list.length;
    all.indeterminate = n > 0 && n < list.length;
  }
  all.addEventListener("change", function () {
    boxes().forEach(function (b) { b.checked = all.checked; });
    update();
  });
  grid.addEventListener("change", update);
  // "Next page" adds cards in place: count them in.
  new MutationObserver(update).observe(grid, { childList: true });
  update();
});
