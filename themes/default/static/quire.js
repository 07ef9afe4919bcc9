/* Quire default theme: small progressive enhancements. No dependencies, no eval, no inline
 * handlers, so it runs under a Content-Security-Policy of script-src 'self'.
 *
 * Spoilers (<span class="spoiler">): clicking, or pressing Enter or Space while one has focus,
 * toggles the "revealed" class and keeps aria-expanded (and the aria-label) in step. Without this script, CSS still
 * reveals a spoiler on hover and keyboard focus.
 */
(function () {
  "use strict";

  var SPOILER = ".spoiler";

  function spoilerFrom(target) {
    return target && target.closest ? target.closest(SPOILER) : null;
  }

  // A hidden spoiler may carry an aria-label ("Spoiler (select to reveal)") that stands in for
  // its text; once revealed, the label is set aside so assistive technology reads the text itself.
  function sync(spoiler) {
    var revealed = spoiler.classList.contains("revealed");
    spoiler.setAttribute("aria-expanded", revealed ? "true" : "false");
    if (revealed && spoiler.hasAttribute("aria-label")) {
      spoiler.setAttribute("data-spoiler-label", spoiler.getAttribute("aria-label"));
      spoiler.removeAttribute("aria-label");
    } else if (!revealed && spoiler.hasAttribute("data-spoiler-label")) {
      spoiler.setAttribute("aria-label", spoiler.getAttribute("data-spoiler-label"));
      spoiler.removeAttribute("data-spoiler-label");
    }
  }

  function toggle(spoiler) {
    spoiler.classList.toggle("revealed");
    sync(spoiler);
  }

  function prepare(spoiler) {
    if (!spoiler.hasAttribute("tabindex")) {
      spoiler.setAttribute("tabindex", "0");
    }
    if (!spoiler.hasAttribute("role")) {
      spoiler.setAttribute("role", "button");
    }
    sync(spoiler);
  }

  function init() {
    var spoilers = document.querySelectorAll(SPOILER);
    for (var i = 0; i < spoilers.length; i++) {
      prepare(spoilers[i]);
    }

    document.addEventListener("click", function (event) {
      var spoiler = spoilerFrom(event.target);
      if (!spoiler) {
        return;
      }
      // A link inside a revealed spoiler should still work; the first click only reveals.
      var link = event.target.closest("a");
      if (link && spoiler.contains(link) && spoiler.classList.contains("revealed")) {
        return;
      }
      if (link) {
        event.preventDefault();
      }
      toggle(spoiler);
    });

    document.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " " && event.key !== "Spacebar") {
        return;
      }
      var spoiler = spoilerFrom(event.target);
      // Only when the spoiler itself has focus: Enter on a link inside it keeps its meaning.
      if (!spoiler || event.target !== spoiler) {
        return;
      }
      event.preventDefault(); // Space would scroll the page.
      toggle(spoiler);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
