// The sharing panel's enhancement: "Preview the effect" asks the server
// for the preview in place, and any change of the access list asks again
// by itself, so the effect shown is always the list's as it stands. The
// form works without it: the preview is then a page of its own.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("acl-form");
  var region = document.getElementById("acl-preview");
  var button = document.getElementById("preview-button");
  if (!form || !region || !button || !window.fetch || !window.DOMParser || !window.URLSearchParams) return;

  var plain = false; // fall back to sending the form as is
  var pending = null;
  var seq = 0;
  var wantFocus = false; // an asked-for preview takes the focus when it comes

  function preview(focus) {
    // This preview reads the list as it stands, so one a change scheduled
    // is not needed any more; left to run, it would replace the preview
    // (and its save button) under the person about to press it.
    clearTimeout(pending);
    var n = ++seq;
    wantFocus = wantFocus || focus;
    var data = new URLSearchParams(new FormData(form));
    data.set("action", "preview");
    region.setAttribute("aria-busy", "true");
    // getAttribute: form.action is the button named "action".
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) {
        if (!res.ok) throw new Error("status " + res.status);
        return res.text();
      })
      .then(function (html) {
        if (n !== seq) return; // a newer preview is on its way
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("acl-preview");
        if (!fresh) throw new Error("no preview");
        region.replaceChildren.apply(region, Array.prototype.map.call(fresh.childNodes, function (c) { return document.importNode(c, true); }));
        region.removeAttribute("aria-busy");
        var h = region.querySelector("h3");
        if (wantFocus && h) h.focus();
        wantFocus = false;
      })
      .catch(function () {
        // The server refused (an error to show next to a field) or
        // could not be reached: send the form the ordinary way.
        plain = true;
        form.requestSubmit(button);
      });
  }

  form.addEventListener("submit", function (ev) {
    if (plain || ev.submitter !== button) return;
    ev.preventDefault();
    preview(true);
  });
  form.addEventListener("change", function () {
    if (plain) return;
    region.setAttribute("aria-busy", "true");
    clearTimeout(pending);
    pending = setTimeout(function () { preview(false); }, 250);
  });
});
