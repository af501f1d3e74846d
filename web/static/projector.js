// The projector view: poll state.json about once a second and swap in the new content
// when the intake's version changes. No framework, no inline script (strict CSP).
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

  function show(state) {
    version = String(state.version);
    root.setAttribute("data-version", version);
    root.setAttribute("data-stage", state.stage);
    // The fragment is rendered (and escaped) by the server's template.
    content.innerHTML = state.html;
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
  window.setTimeout(poll, delay);
})();
