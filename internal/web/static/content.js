// Small enhancements of the content pages; each works without it.
//   - The viewer: the ← and → keys step to the record's previous and
//     next media objects (the page's own links).
//   - A new share link's page: a Copy button for the link.
//   - Pictures that cannot be shown (a thumbnail still being made, or
//     none) give way to the neutral placeholder instead of a broken image.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var stepper = document.querySelector("nav.stepper");
  if (stepper) {
    var hint = document.getElementById("keys-hint");
    if (hint) hint.hidden = false;
    document.addEventListener("keydown", function (ev) {
      if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.defaultPrevented) return;
      var t = ev.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
      var rel = ev.key === "ArrowLeft" ? "prev" : ev.key === "ArrowRight" ? "next" : "";
      var a = rel && stepper.querySelector("a[rel=" + rel + "]");
      if (a) {
        ev.preventDefault();
        window.location.href = a.href;
      }
    });
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById("copy-status");
    if (!input) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      function copied() { if (status) status.textContent = "Copied."; }
      function fallback() {
        input.focus();
        input.select();
        try { if (document.execCommand("copy")) { copied(); return; } } catch (e) { /* below */ }
        if (status) status.textContent = "Select the link and copy it.";
      }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(copied, fallback);
      } else {
        fallback();
      }
    });
  });

  document.querySelectorAll("img.thumb, img.large").forEach(function (img) {
    function replace() {
      var span = document.createElement("span");
      span.className = img.className + " placeholder";
      span.setAttribute("aria-hidden", "true");
      span.textContent = "no picture yet";
      img.replaceWith(span);
    }
    if (img.loading !== "lazy" && img.complete && img.naturalWidth === 0 && img.getAttribute("src")) replace();
    else img.addEventListener("error", replace);
  });
});
