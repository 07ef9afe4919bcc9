/* Quire default theme: "under attack" mode for the comment form. Loaded (deferred) only while the
 * site asks for a proof of work: the form carries data-pow-bits="N", and the server takes it only
 * with a nonce in quire_pow such that SHA-256(quire_token + ":" + nonce) begins with N zero bits.
 *
 * The work starts when the reader first touches the form, runs in slices of about 25 ms so the page
 * stays responsive, and is usually done before they finish typing; if they send sooner, sending
 * waits for it ("Checking that you are not a spam program…") and then goes ahead by itself. A new
 * token (another script refreshing the form) gets a new solution. The nonce is a random prefix and
 * a counter, so two readers served the same token never find the same one.
 *
 * SHA-256 is written out here rather than taken from crypto.subtle, which is missing on plain-HTTP
 * sites and costs a promise per hash. No dependencies, no eval: CSP script-src 'self' is enough.
 * Other scripts that handle the form's submit event should listen in the bubbling phase; this one
 * listens on the document in the capture phase so that it always runs first.
 */
(function () {
  "use strict";

  var K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);
  var IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  var W = new Int32Array(64);

  // One SHA-256 compression of the 64 bytes of `b` at `off` into the state `h`.
  function block(h, b, off) {
    var i, x, y;
    for (i = 0; i < 16; i++) {
      x = off + 4 * i;
      W[i] = (b[x] << 24) | (b[x + 1] << 16) | (b[x + 2] << 8) | b[x + 3];
    }
    for (i = 16; i < 64; i++) {
      x = W[i - 15];
      y = W[i - 2];
      W[i] = (W[i - 16] + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + W[i - 7] +
        (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    }
    var a = h[0], c1 = h[1], c2 = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7], t1, t2;
    for (i = 0; i < 64; i++) {
      t1 = (k + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
        ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
        ((a & c1) ^ (a & c2) ^ (c1 & c2))) | 0;
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c2;
      c2 = c1;
      c1 = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + c1) | 0;
    h[2] = (h[2] + c2) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + k) | 0;
  }

  function utf8(text) {
    if (window.TextEncoder) {
      return new TextEncoder().encode(text);
    }
    var bytes = unescape(encodeURIComponent(text)), out = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) {
      out[i] = bytes.charCodeAt(i);
    }
    return out;
  }

  // Hashes `prefix` followed by many different short ASCII tails: the whole 64-byte blocks of the
  // prefix are compressed once, and each tail costs one or two more blocks.
  function Prefix(prefix) {
    var whole = prefix.length - (prefix.length % 64);
    this.state = new Int32Array(IV);
    for (var off = 0; off < whole; off += 64) {
      block(this.state, prefix, off);
    }
    this.rest = prefix.subarray(whole);
    this.length = prefix.length;
    this.buffer = new Uint8Array(192);
    this.h = new Int32Array(8);
  }

  Prefix.prototype.digest = function (tail) {
    var used = this.rest.length + tail.length;
    var padded = ((used + 9 + 63) >> 6) << 6;
    var buf = this.buffer, bits = (this.length + tail.length) * 8, i;
    buf.fill(0, 0, padded);
    buf.set(this.rest, 0);
    for (i = 0; i < tail.length; i++) {
      buf[this.rest.length + i] = tail.charCodeAt(i);
    }
    buf[used] = 0x80;
    buf[padded - 4] = (bits >>> 24) & 255;
    buf[padded - 3] = (bits >>> 16) & 255;
    buf[padded - 2] = (bits >>> 8) & 255;
    buf[padded - 1] = bits & 255;
    this.h.set(this.state);
    for (i = 0; i < padded; i += 64) {
      block(this.h, buf, i);
    }
    return this.h;
  };

  function startsWithZeroBits(h, bits) {
    for (var i = 0; bits > 0; i++) {
      var word = h[i] >>> 0;
      if (bits < 32) {
        return word >>> (32 - bits) === 0;
      }
      if (word !== 0) {
        return false;
      }
      bits -= 32;
    }
    return true;
  }

  function randomPrefix() {
    var bytes = new Uint8Array(6), out = "";
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] % 36).toString(36);
    }
    return out + "-";
  }

  // Calls done(nonce) once a nonce solves `challenge`; answers a function that abandons the search.
  function solve(challenge, bits, done) {
    var prefix = new Prefix(utf8(challenge + ":"));
    var salt = randomPrefix(), n = 0, stopped = false;
    function slice() {
      if (stopped) {
        return;
      }
      var until = Date.now() + 25;
      do {
        for (var k = 0; k < 256; k++, n++) {
          var nonce = salt + n;
          if (startsWithZeroBits(prefix.digest(nonce), bits)) {
            done(nonce);
            return;
          }
        }
      } while (Date.now() < until);
      setTimeout(slice, 0);
    }
    setTimeout(slice, 0);
    return function () {
      stopped = true;
    };
  }

  function send(form, submitter) {
    if (form.requestSubmit) {
      if (submitter) {
        form.requestSubmit(submitter);
      } else {
        form.requestSubmit();
      }
    } else {
      // WordPress's form has a button named "submit", which hides form.submit.
      HTMLFormElement.prototype.submit.call(form);
    }
  }

  function enhance(form) {
    var bits = parseInt(form.getAttribute("data-pow-bits"), 10);
    var token = form.querySelector("input[name=quire_token]");
    var field = form.querySelector("input[name=quire_pow]");
    if (!(bits > 0 && bits <= 32) || !token || !field) {
      return;
    }
    var status = document.createElement("p");
    status.className = "pow-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var submitRow = form.querySelector(".form-submit");
    form.insertBefore(status, submitRow || null);

    var solvedFor = null, solvingFor = null, stop = null, pending = null;

    function start() {
      var challenge = token.value;
      if (solvedFor === challenge || solvingFor === challenge) {
        return;
      }
      if (stop) {
        stop();
      }
      field.value = "";
      solvedFor = null;
      solvingFor = challenge;
      stop = solve(challenge, bits, function (nonce) {
        stop = null;
        solvingFor = null;
        if (token.value !== challenge) {
          start();
          return;
        }
        field.value = nonce;
        solvedFor = challenge;
        form.setAttribute("data-pow-solved", "true");
        if (pending) {
          var submitter = pending.submitter;
          pending = null;
          status.textContent = "";
          send(form, submitter);
        }
      });
    }

    form.addEventListener("focusin", start);
    document.addEventListener("submit", function (event) {
      if (event.target !== form || (solvedFor === token.value && field.value)) {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      pending = { submitter: event.submitter || null };
      status.textContent = "Checking that you are not a spam program… your comment will be sent in a moment.";
      start();
    }, true);
  }

  function init() {
    var forms = document.querySelectorAll("form[data-pow-bits]");
    for (var i = 0; i < forms.length; i++) {
      enhance(forms[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
