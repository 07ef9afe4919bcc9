/* Quire default theme: small progressive enhancements. No dependencies, no eval, no inline
 * handlers, so it runs under a Content-Security-Policy of script-src 'self'.
 *
 * Spoilers (<span class="spoiler">): clicking, or pressing Enter or Space while one has focus,
 * toggles the "revealed" class and keeps aria-expanded (and the aria-label) in step. Without this script, CSS still
 * reveals a spoiler on hover and keyboard focus.
 *
 * Comments (#commentform): "Reply" moves the form under the comment and "Cancel reply" puts it
 * back; the form is sent with fetch and the server's answer (JSON with the comment rendered by the
 * theme's own partial, or problem+json) is shown in place. Without this script the same links and
 * form work through page loads (?replytocom=, 303 back to #comment-N).
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

  function byId(id) {
    return document.getElementById(id);
  }

  function directChild(parent, tag, className) {
    for (var i = 0; i < parent.children.length; i++) {
      var el = parent.children[i];
      if (el.tagName === tag && el.classList.contains(className)) {
        return el;
      }
    }
    return null;
  }

  function comments() {
    var form = byId("commentform");
    var respond = byId("respond");
    if (!form || !respond || !window.fetch || !window.FormData || !window.URLSearchParams) {
      return;
    }
    var home = document.createComment(" the comment form's place ");
    respond.parentNode.insertBefore(home, respond);
    var parentField = byId("comment_parent");
    var tokenField = form.querySelector("input[name=quire_token]");
    var button = form.querySelector("[type=submit]");
    var busy = false;

    function setTitle(name) {
      var title = byId("reply-title");
      if (!title) {
        return;
      }
      title.textContent = name ? "Leave a Reply to " + name + " " : "Leave a Reply";
      if (name) {
        var small = document.createElement("small");
        var cancel = document.createElement("a");
        cancel.id = "cancel-comment-reply-link";
        cancel.rel = "nofollow";
        cancel.href = location.pathname + "#respond";
        cancel.textContent = "Cancel reply";
        small.appendChild(cancel);
        title.appendChild(small);
      }
    }

    function replyTo(link) {
      var li = link.closest("li.comment");
      var article = li && directChild(li, "ARTICLE", "comment-body");
      if (!article) {
        return false;
      }
      li.insertBefore(respond, article.nextSibling);
      parentField.value = link.getAttribute("data-comment-id");
      setTitle(link.getAttribute("data-author-name") || "");
      byId("comment").focus();
      return true;
    }

    function cancelReply() {
      home.parentNode.insertBefore(respond, home.nextSibling);
      parentField.value = "0";
      setTitle("");
    }

    function message(text) {
      var p = respond.querySelector(".form-message");
      if (!p) {
        p = document.createElement("p");
        p.className = "form-message";
        p.setAttribute("role", "alert");
        respond.insertBefore(p, form);
      }
      p.textContent = text;
    }

    function clearErrors() {
      var old = respond.querySelectorAll(".form-message, .field-error");
      for (var i = 0; i < old.length; i++) {
        old[i].parentNode.removeChild(old[i]);
      }
      var marked = form.querySelectorAll(".has-error");
      for (var j = 0; j < marked.length; j++) {
        marked[j].classList.remove("has-error");
        var field = marked[j].querySelector("[aria-invalid]");
        if (field) {
          field.removeAttribute("aria-invalid");
          field.removeAttribute("aria-describedby");
        }
      }
    }

    function markField(name, text) {
      var field = form.elements[name];
      var p = field && field.closest && field.closest("p");
      if (!p) {
        return null;
      }
      var span = document.createElement("span");
      span.className = "field-error";
      span.id = name + "-error";
      span.textContent = text;
      p.classList.add("has-error");
      p.appendChild(span);
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", span.id);
      return field;
    }

    function announce(text) {
      var live = byId("comment-announcer");
      if (live) {
        live.textContent = text;
      }
    }

    function posted(answer) {
      if (!answer.html) {
        location.hash = "comment-" + answer.id;
        location.reload();
        return;
      }
      cancelReply();
      var holder = document.createElement("template");
      holder.innerHTML = answer.html.trim();
      var li = holder.content.firstElementChild;
      var list = document.querySelector("#comments .comment-list");
      var title = byId("comments-title");
      if (!list) {
        list = document.createElement("ol");
        list.className = "comment-list";
        title.parentNode.insertBefore(list, title.nextSibling);
      }
      var parent = answer.parent_id ? byId("comment-" + answer.parent_id) : null;
      if (parent) {
        var children = directChild(parent, "OL", "children");
        if (!children) {
          children = document.createElement("ol");
          children.className = "children";
          parent.appendChild(children);
        }
        children.appendChild(li);
      } else {
        list.appendChild(li);
      }
      if (title && answer.count_text) {
        title.textContent = answer.count_text;
        title.classList.remove("visually-hidden");
      }
      byId("comment").value = "";
      if (answer.token && tokenField) {
        tokenField.value = answer.token;
      }
      li.setAttribute("tabindex", "-1");
      li.focus();
      announce(answer.status === "pending"
        ? (answer.held_because || "Your comment is awaiting moderation.")
        : "Your comment has been posted.");
    }

    function refused(status, problem) {
      problem = problem || {};
      message(problem.title || "Your comment could not be sent (error " + status + "). Your text is kept; please try again.");
      var first = null;
      var errors = problem.errors || {};
      for (var name in errors) {
        if (Object.prototype.hasOwnProperty.call(errors, name)) {
          first = markField(name, errors[name]) || first;
        }
      }
      if (problem.token && tokenField) {
        tokenField.value = problem.token;
      }
      if (first) {
        first.focus();
      }
    }

    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest(".comment-reply-link, #cancel-comment-reply-link");
      if (!link) {
        return;
      }
      if (link.id === "cancel-comment-reply-link") {
        event.preventDefault();
        cancelReply();
        byId("comment").focus();
      } else if (replyTo(link)) {
        event.preventDefault();
      }
    });

    form.addEventListener("submit", function (event) {
      // A sign-in button (formaction /auth/…) leaves the page as a plain form post: the server
      // keeps the typed text while the reader is away at the provider.
      if (event.submitter && event.submitter.hasAttribute("formaction")) {
        try {
          sessionStorage.setItem("quire-draft", byId("comment").value);
        } catch (e) { /* storage off: the server keeps the draft anyway */ }
        return;
      }
      event.preventDefault();
      if (busy) {
        return;
      }
      busy = true;
      if (button) {
        button.disabled = true;
      }
      clearErrors();
      fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (body) {
          if (response.ok) {
            posted(body);
          } else {
            refused(response.status, body);
          }
        }, function () {
          refused(response.status, null);
        });
      }).catch(function () {
        message("Your comment could not be sent; please check your connection and try again. Your text is kept.");
      }).then(function () {
        busy = false;
        if (button) {
          button.disabled = false;
        }
      });
    });
  }

  function start() {
    init();
    comments();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
