// The projector view: poll state.json about once a second and swap in the new content
// when the intake's version changes; then bring the new part into view (the latest
// witness input, the reveal) so the room sees it without anyone scrolling.
// No framework, no inline script (strict CSP).
(function () {
  "use strict";
  var root = document.getElementById("projector");
  var content = document.getElementById("state");
  var conn = document.getElementById("conn");
  var full = document.getElementById("fullscreen");
  if (!root || !content) {
    return;
  }
  var url = root.getAttribute("data-state-url");
  var version = root.getAttribute("data-version");
  var BASE = 1000;
  var delay = BASE;

  function count(selector) {
    return content.querySelectorAll(selector).length;
  }

  // The part of the screen that changed, or null when nothing new needs showing.
  function newPart(before) {
    if (!before.reveal) {
      var reveal = document.getElementById("pj-reveal");
      if (reveal) {
        return { el: reveal, block: "start" };
      }
    }
    if (count("#pj-witness-list li") > before.witnesses) {
      var latest = content.querySelector("#pj-witness-list li:last-child");
      return latest ? { el: latest, block: "nearest" } : null;
    }
    if (before.stage !== root.getAttribute("data-stage")) {
      return { el: content, block: "start" };
    }
    return null;
  }

  function show(state) {
    var before = {
      reveal: Boolean(document.getElementById("pj-reveal")),
      witnesses: count("#pj-witness-list li"),
      stage: root.getAttribute("data-stage"),
    };
    version = String(state.version);
    root.setAttribute("data-version", version);
    root.setAttribute("data-stage", state.stage);
    // The fragment is rendered (and escaped) by the server's template.
    content.innerHTML = state.html;
    var part = newPart(before);
    if (part) {
      part.el.scrollIntoView({ block: part.block, behavior: "smooth" });
    }
  }

  function poll() {
    fetch(url + "?since=" + encodeURIComponent(version), {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
      redirect: "manual",
    })
      .then(function (r) {
        if (r.status === 304) {
          return null;
        }
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.json();
      })
      .then(function (state) {
        conn.hidden = true;
        delay = BASE;
        if (state && String(state.version) !== version) {
          show(state);
        }
      })
      .catch(function () {
        conn.hidden = false;
        delay = Math.min(delay * 2, 10000);
      })
      .then(function () {
        window.setTimeout(poll, delay);
      });
  }

  if (full && document.documentElement.requestFullscreen) {
    full.hidden = false;
    full.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        document.documentElement.requestFullscreen();
      }
    });
  }
  // Opened after the draw: start at the reveal, the part the room gathered for.
  var reveal = document.getElementById("pj-reveal");
  if (reveal && !window.location.hash) {
    reveal.scrollIntoView({ block: "start" });
  }
  window.setTimeout(poll, delay);
})();
