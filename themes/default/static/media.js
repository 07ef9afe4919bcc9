// The media library's small helpers: drop image files on the upload form to send them to the same
// address the form posts to (one request per file, JSON answers), and copy an item's Markdown.
// Without JavaScript the form and the read-only Markdown field do the same work.
(function () {
  "use strict";

  var form = document.getElementById("media-upload");
  var zone = document.getElementById("drop-zone");
  var error = document.getElementById("upload-error");
  var status = document.getElementById("upload-status");

  function show(element, text) {
    if (!element) return;
    element.textContent = text;
    element.hidden = !text;
  }

  function field(name) {
    var input = form.querySelector("[name=" + name + "]");
    return input ? input.value : "";
  }

  function send(file) {
    var max = Number(form.getAttribute("data-max-bytes")) || 0;
    if (max && file.size > max) {
      return Promise.reject(new Error(file.name + ": the file is too large: the limit is " + form.getAttribute("data-max-mb") + " MB."));
    }
    var data = new FormData();
    ["alt", "caption", "credit", "licence"].forEach(function (name) { data.append(name, field(name)); });
    data.append("file", file, file.name);
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) throw new Error(file.name + ": " + (body.detail || "the upload was refused (" + response.status + ")."));
        return body;
      });
    });
  }

  function sendAll(files) {
    show(error, "");
    show(status, "Uploading " + files.length + (files.length === 1 ? " file…" : " files…"));
    var done = [];
    var failures = [];
    var chain = Promise.resolve();
    files.forEach(function (file) {
      chain = chain.then(function () {
        return send(file).then(function (item) { done.push(item); }, function (e) { failures.push(e.message); });
      });
    });
    chain.then(function () {
      show(status, done.length ? done.length + (done.length === 1 ? " image uploaded." : " images uploaded.") : "");
      show(error, failures.join(" "));
      if (done.length && !failures.length) {
        window.location.assign(done.length === 1 ? done[0].edit_url + "?uploaded=1" : "/admin/media");
      }
    });
  }

  if (form && zone && window.fetch && window.FormData) {
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var files = Array.prototype.slice.call((event.dataTransfer && event.dataTransfer.files) || []);
      if (files.length) sendAll(files);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("button.copy[data-copy]"), function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) return;
      input.select();
      var copied = navigator.clipboard ? navigator.clipboard.writeText(input.value) : Promise.reject(new Error("no clipboard"));
      copied.then(function () { button.textContent = "Copied"; }, function () {
        try { document.execCommand("copy"); button.textContent = "Copied"; } catch (e) { /* the text stays selected */ }
      });
    });
  });
})();
