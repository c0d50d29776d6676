// Uploads with progress (the upload page only), a progressive
// enhancement: without this script the form posts its files at once and
// the server answers with the results page.
//
// With it, each file is posted on its own to the same route, with the
// form's fields and CSRF token, asking for JSON, two at a time: each gets
// a progress bar and its own answer next to it (too large, over the
// plan's storage, a duplicate refused, a missing field). A refusal about
// the form itself (a required field of a capture profile) is shown next
// to that field, and the files not yet sent wait for the next try. Then
// each new record's thumbnail appears when its renditions are made: the
// script asks the API for the media object until its thumbnail is ready.
"use strict";
(function () {
  var POLL_FIRST = 800, POLL_MAX = 5000, POLL_FOR = 120000, AT_ONCE = 2;

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function humanBytes(n) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(n) : n.toFixed(1)) + " " + units[i];
  }

  // ---- thumbnails, once made

  function showThumb(li, id) {
    var slot = li.querySelector(".upload-thumb");
    if (!slot) return;
    var img = new Image();
    img.className = "thumb";
    img.alt = "";
    img.width = 256;
    img.height = 256;
    img.addEventListener("load", function () {
      slot.textContent = "";
      slot.appendChild(img);
    });
    img.src = "/api/v1/media/" + encodeURIComponent(id) + "/renditions/thumbnail";
  }

  function poll(li) {
    var id = li.getAttribute("data-media");
    if (!id || !window.fetch) return;
    var started = Date.now(), wait = POLL_FIRST;
    function again() {
      if (Date.now() - started > POLL_FOR) return;
      setTimeout(ask, wait);
      wait = Math.min(wait * 1.5, POLL_MAX);
    }
    function ask() {
      fetch("/api/v1/media/" + encodeURIComponent(id), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (m) {
          if (!m) return;
          var thumb = (m.renditions || []).filter(function (r) { return r.kind === "thumbnail"; })[0];
          if (!thumb) return; // not an image: no thumbnail to wait for
          if (thumb.status === "ready") {
            li.removeAttribute("data-media");
            li.setAttribute("data-thumbnail", "ready");
            showThumb(li, id);
          } else if (thumb.status === "failed") {
            li.removeAttribute("data-media");
            li.querySelector(".upload-body").appendChild(el("p", "hint", "No thumbnail: " + (thumb.reason || "it could not be made") + "."));
          } else {
            again();
          }
        })
        .catch(again);
    }
    again();
  }

  // ---- errors next to the form's fields

  function clearFieldErrors(form) {
    form.querySelectorAll(".js-error").forEach(function (p) {
      var ctl = document.getElementById(p.id.replace(/-error$/, ""));
      if (ctl) {
        ctl.removeAttribute("aria-invalid");
        var d = (ctl.getAttribute("aria-describedby") || "").split(" ").filter(function (s) { return s && s !== p.id; });
        if (d.length) ctl.setAttribute("aria-describedby", d.join(" ")); else ctl.removeAttribute("aria-describedby");
        var field = ctl.closest(".field");
        if (field) field.classList.remove("invalid");
      }
      p.remove();
    });
  }

  function fieldError(form, name, message) {
    var ctl = document.getElementById("f-" + name);
    if (!ctl || !form.contains(ctl)) return false;
    var id = "f-" + name + "-error";
    var p = document.getElementById(id);
    if (!p) {
      p = el("p", "field-error js-error");
      p.id = id;
      ctl.closest(".field").appendChild(p);
    }
    p.textContent = message;
    ctl.setAttribute("aria-invalid", "true");
    var d = (ctl.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (d.indexOf(id) < 0) d.push(id);
    ctl.setAttribute("aria-describedby", d.join(" "));
    ctl.closest(".field").classList.add("invalid");
    return true;
  }

  // ---- the upload of one file

  function item(file) {
    var li = el("li", "upload-item sending");
    var slot = el("span", "upload-thumb");
    slot.appendChild(el("span", "thumb placeholder", (file.type.split("/")[0] || "file")));
    slot.firstChild.setAttribute("aria-hidden", "true");
    var body = el("div", "upload-body");
    body.appendChild(el("p", "upload-name", file.name));
    var bar = el("progress", "upload-progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    body.appendChild(bar);
    var status = el("p", "upload-status", "Waiting… (" + humanBytes(file.size) + ")");
    body.appendChild(status);
    li.appendChild(slot);
    li.appendChild(body);
    return { li: li, bar: bar, status: status, body: body };
  }

  function fail(it, message) {
    it.li.className = "upload-item failed";
    it.bar.remove();
    it.status.remove();
    var p = el("p", "field-error", message);
    p.setAttribute("role", "alert");
    it.body.appendChild(p);
  }

  function link(href, text) {
    var a = el("a", "", text);
    a.href = href;
    return a;
  }

  function done(it, answer) {
    it.li.className = "upload-item done";
    it.bar.value = 100;
    it.bar.remove();
    it.status.textContent = "Uploaded: ";
    it.status.appendChild(link(answer.record.url, answer.record.name));
    it.status.appendChild(document.createTextNode(" · "));
    it.status.appendChild(link(answer.media.url, "view"));
    if (answer.duplicate_of && answer.duplicate_of.length) {
      var p = el("p", "hint", "The library already held the same file: ");
      answer.duplicate_of.forEach(function (d) {
        p.appendChild(link(d.url, d.id));
        p.appendChild(document.createTextNode(" "));
      });
      it.body.appendChild(p);
    }
    if (answer.pending) {
      it.li.setAttribute("data-media", answer.media.id);
      poll(it.li);
    }
  }

  function send(form, file, it, next) {
    var fd = new FormData(form);
    fd.delete("file");
    fd.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (ev) {
      if (!ev.lengthComputable) return;
      var pct = Math.floor(ev.loaded / ev.total * 100);
      it.bar.value = pct;
      it.status.textContent = "Uploading… " + pct + "%";
    });
    xhr.upload.addEventListener("load", function () {
      it.bar.value = 100;
      it.status.textContent = "Storing…";
    });
    xhr.addEventListener("load", function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (!answer) {
        fail(it, "Your session may have ended: sign in again, then upload this file again.");
        return next(false);
      }
      if (xhr.status === 201 && answer.record) {
        done(it, answer);
        return next(false);
      }
      var err = answer.error || { message: "The upload was refused (" + xhr.status + ")." };
      fail(it, err.message);
      // A refusal of the form itself stops the files still waiting.
      var stop = !!err.field && err.field !== "file";
      if (stop) fieldError(form, err.field, err.message);
      next(stop || !err.field && xhr.status !== 413 && xhr.status !== 409 && xhr.status !== 422);
    });
    xhr.addEventListener("error", function () {
      fail(it, "The upload failed: the connection was lost, or the server refused the file before its end.");
      next(false);
    });
    it.status.textContent = "Uploading… 0%";
    xhr.send(fd);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#upload-list li[data-media]").forEach(poll);
    var form = document.getElementById("upload-form");
    var input = document.getElementById("f-file");
    if (!form || !input || !window.FormData || !window.XMLHttpRequest || !FormData.prototype.delete) return;
    var results = document.getElementById("upload-results");
    var list = document.getElementById("upload-list");
    var button = document.getElementById("upload-button");
    var max = Number(form.getAttribute("data-max-bytes")) || Infinity;
    var maxLabel = form.getAttribute("data-max-label");
    var summary = document.getElementById("upload-summary");
    if (!summary) {
      summary = el("p", "upload-summary");
      summary.id = "upload-summary";
      summary.setAttribute("role", "status");
      list.parentNode.insertBefore(summary, list);
    }

    form.addEventListener("submit", function (ev) {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) return; // the server says to choose some
      ev.preventDefault();
      clearFieldErrors(form);
      results.hidden = false;
      button.disabled = true;
      var queue = [], ok = 0, failed = 0, running = 0, stopped = false;
      files.forEach(function (file) {
        var it = item(file);
        list.insertBefore(it.li, list.firstChild);
        if (file.size > max) {
          fail(it, "Too large: an upload may hold at most " + maxLabel + ".");
          failed++;
          return;
        }
        queue.push({ file: file, it: it });
      });
      function finish() {
        if (running || queue.length) return;
        button.disabled = false;
        input.value = "";
        summary.textContent = ok + " of " + files.length + (files.length === 1 ? " file" : " files") + " uploaded" +
          (failed ? "; " + failed + " not: see why next to " + (failed === 1 ? "it." : "each.") : ".");
      }
      function pump() {
        while (!stopped && running < AT_ONCE && queue.length) {
          var job = queue.shift();
          running++;
          send(form, job.file, job.it, (function (it) {
            return function (stop) {
              running--;
              if (it.li.classList.contains("done")) ok++; else failed++;
              if (stop && !stopped) {
                stopped = true;
                queue.forEach(function (j) { fail(j.it, "Not sent: correct the form above and upload it again."); failed++; });
                queue = [];
              }
              pump();
              finish();
            };
          })(job.it));
        }
        finish();
      }
      summary.textContent = "Uploading " + files.length + (files.length === 1 ? " file…" : " files…");
      pump();
    });
  });
})();
