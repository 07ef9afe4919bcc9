// The admin editor, enhanced: a live preview rendered by the site's own pipeline (debounced POST
// to /admin/preview), autosave every few seconds to this writer's server-side slot (never the
// saved post) and on every change to localStorage, so text survives a failed save, a lost
// connection and a reload; the editor offers to bring back text kept in the browser that is newer
// than the saved post. Without JavaScript the form still saves, publishes and schedules.
(function () {
  'use strict';
  var form = document.getElementById('editor');
  if (!form) { return; }
  var token = form.querySelector('input[name=csrf_token]').value;
  var title = document.getElementById('title');
  var body = document.getElementById('markdown');
  var preview = document.getElementById('preview');
  var status = document.getElementById('autosave-status');
  var postId = form.getAttribute('data-post-id');
  var kind = form.getAttribute('data-kind');
  var updatedMs = Number(form.getAttribute('data-updated-ms') || 0);
  var autosaveUrl = form.getAttribute('data-autosave-url');
  var key = 'quire:autosave:' + kind + ':' + (postId || 'new');

  function send(url, data) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'X-CSRF-Token': token,
        'Accept': 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8'
      },
      body: new URLSearchParams(data).toString()
    });
  }

  // --- live preview ---------------------------------------------------------------------------
  var previewTimer = null;
  var previewSeq = 0;
  function refreshPreview() {
    var seq = ++previewSeq;
    send('/admin/preview', { markdown: body.value })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (answer) {
        // Sanitised by the server exactly as the published post will be.
        if (seq === previewSeq) { preview.innerHTML = answer.html; }
      })
      .catch(function () {
        if (seq === previewSeq) { preview.textContent = 'The preview could not be made just now; your text is safe.'; }
      });
  }
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 300);
  }
  body.addEventListener('input', schedulePreview);
  refreshPreview();

  // --- kept in this browser -------------------------------------------------------------------
  function readKept(name) {
    try { return JSON.parse(window.localStorage.getItem(name) || 'null'); } catch (e) { return null; }
  }
  function forget(name) {
    try { window.localStorage.removeItem(name); } catch (e) { /* storage off: nothing kept */ }
  }
  function keep() {
    try {
      window.localStorage.setItem(key, JSON.stringify({ title: title.value, markdown: body.value, saved: Date.now() }));
    } catch (e) { /* storage full or off: the server slot still has it */ }
  }
  var keepTimer = null;
  form.addEventListener('input', function () {
    clearTimeout(keepTimer);
    keepTimer = setTimeout(keep, 400);
  });
  // The newest text is in the browser before the save is even sent: a failed save loses nothing.
  form.addEventListener('submit', keep);

  var fresh = /[?&]saved=/.test(window.location.search);
  if (postId && fresh) {
    // The new post was saved: what was kept for "new" is in it now.
    var asNew = readKept('quire:autosave:' + kind + ':new');
    if (asNew && asNew.title === title.value && asNew.markdown === body.value) { forget('quire:autosave:' + kind + ':new'); }
  }
  var kept = readKept(key);
  var differs = kept && (kept.title !== title.value || kept.markdown !== body.value);
  if (kept && differs && kept.saved > updatedMs && !fresh) {
    var offer = document.createElement('p');
    offer.className = 'notice kept-offer';
    offer.setAttribute('role', 'status');
    offer.appendChild(document.createTextNode('This browser kept text you had not saved (' +
      new Date(kept.saved).toLocaleString() + '). '));
    var restore = document.createElement('button');
    restore.type = 'button';
    restore.className = 'restore-kept';
    restore.textContent = 'Restore it';
    var discard = document.createElement('button');
    discard.type = 'button';
    discard.textContent = 'Discard it';
    offer.appendChild(restore);
    offer.appendChild(document.createTextNode(' '));
    offer.appendChild(discard);
    form.parentNode.insertBefore(offer, form);
    restore.addEventListener('click', function () {
      title.value = kept.title;
      body.value = kept.markdown;
      offer.remove();
      refreshPreview();
      body.focus();
    });
    discard.addEventListener('click', function () {
      forget(key);
      offer.remove();
      title.focus();
    });
  } else if (kept && (!differs || kept.saved <= updatedMs)) {
    forget(key);
  }

  // --- autosave to the server -----------------------------------------------------------------
  var lastSent = title.value + '\u0000' + body.value;
  if (autosaveUrl) {
    setInterval(function () {
      var now = title.value + '\u0000' + body.value;
      if (now === lastSent) { return; }
      send(autosaveUrl, { title: title.value, markdown: body.value })
        .then(function (r) {
          if (r.ok) {
            lastSent = now;
            status.textContent = 'Draft autosaved at ' + new Date().toLocaleTimeString() + '.';
          } else {
            status.textContent = 'Autosave failed; your text is kept in this browser.';
          }
        })
        .catch(function () { status.textContent = 'Offline? Your text is kept in this browser.'; });
    }, 4000);
  }
}());
