// Atrium's one script, a progressive enhancement: every page works
// without it. On the library, "Next page" appends the next page's records
// to the grid instead of leaving the page, and moves the keyboard focus
// to the first of them.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var grid = document.getElementById("grid");
  var pager = document.getElementById("pager");
  if (!grid || !pager || !window.fetch || !window.DOMParser) return;

  pager.addEventListener("click", function (ev) {
    var link = ev.target.closest("a[rel=next]");
    if (!link || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    ev.preventDefault();
    link.setAttribute("aria-busy", "true");
    fetch(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) {
        if (!res.ok) throw new Error("status " + res.status);
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var items = doc.querySelectorAll("#grid > li");
        var first = null;
        items.forEach(function (li) {
          var node = document.importNode(li, true);
          grid.appendChild(node);
          if (!first) first = node.querySelector("a");
        });
        var end = doc.getElementById("range-end");
        var here = document.getElementById("range-end");
        if (end && here) here.textContent = end.textContent;
        var next = doc.querySelector("#pager a[rel=next]");
        if (next) {
          link.href = next.getAttribute("href");
          link.removeAttribute("aria-busy");
        } else {
          link.remove();
        }
        if (first) first.focus();
      })
      .catch(function () {
        // Fall back to the plain link.
        window.location.href = link.href;
      });
  });
});
