// The console's and the account's script, a progressive enhancement:
// every form works without it. Lists edited as rows (holders, ACL
// entries, field definitions) end with several empty rows; this shows one
// and an "Add a row" button for the others, and shows a field's choices
// only for a choice field.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  function value(li, suffix) {
    var el = li.querySelector("[name$='" + suffix + "']");
    return el ? el.value : "";
  }
  function isEmpty(li) {
    if (li.querySelector("[name$='.who']")) return value(li, ".who") === "";
    return value(li, ".name") === "" && value(li, ".label") === "";
  }

  document.querySelectorAll("ol.rows").forEach(function (list) {
    var hidden = Array.prototype.filter.call(list.children, isEmpty).slice(1);
    if (!hidden.length) return;
    hidden.forEach(function (li) { li.hidden = true; });
    var button = document.createElement("button");
    button.type = "button";
    button.className = "add-row";
    button.textContent = "Add a row";
    list.insertAdjacentElement("afterend", button);
    button.addEventListener("click", function () {
      var next = hidden.shift();
      if (!next) return;
      next.hidden = false;
      var first = next.querySelector("select, input");
      if (!hidden.length) button.remove();
      if (first) first.focus();
    });
  });

  // Show a control only when another's value calls for it (never hiding
  // one that holds a value, or an error).
  function toggle(select, suffix, wanted) {
    var li = select.closest("li");
    var input = li && li.querySelector("[name$='" + suffix + "']");
    if (!input) return;
    var field = input.closest(".field");
    function update() {
      field.hidden = select.value !== wanted && input.value === "" && input.getAttribute("aria-invalid") !== "true";
    }
    update();
    select.addEventListener("change", update);
  }
  document.querySelectorAll("ol.rows select[name$='.type']").forEach(function (s) { toggle(s, ".choices", "choice"); });
});
