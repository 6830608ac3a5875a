/* The editor's history panel: after every accepted save (save.js fires
   "mtqa:saved") fetch a fresh copy of the panel from the server and swap it
   in, so the panel always lists what is stored, not what the page guessed. */
(function () {
  "use strict";

  let pending = null;

  const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  /** What has the focus inside `panel`, described so that the same control
   * can be found in a fresh copy (a link by its address, else by position). */
  function focusedControl(panel) {
    const active = document.activeElement;
    if (!active || active === panel || !panel.contains(active)) return null;
    return {
      href: active.getAttribute("href"),
      index: Array.from(panel.querySelectorAll(FOCUSABLE)).indexOf(active),
    };
  }

  function refocus(panel, control) {
    const controls = Array.from(panel.querySelectorAll(FOCUSABLE));
    const target = (control.href !== null && controls.find(function (el) {
      return el.getAttribute("href") === control.href;
    })) || controls[control.index] || controls[controls.length - 1];
    if (target) target.focus({ preventScroll: true });
  }

  async function refresh() {
    const panel = document.getElementById("history-panel");
    if (!panel || !panel.dataset.refreshUrl) return;
    const url = panel.dataset.refreshUrl;
    const request = fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    pending = request;
    let response;
    try {
      response = await request;
    } catch (err) {
      return; // offline: the panel keeps its last state
    }
    // A later save started its own refresh: let that one win.
    if (pending !== request || !response.ok) return;
    const html = await response.text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    const fresh = doc.getElementById("history-panel");
    const current = document.getElementById("history-panel");
    if (!fresh || !current) return;
    // The focus may be on a link in the panel: it stays on that link.
    const control = focusedControl(current);
    const replacement = document.importNode(fresh, true);
    current.replaceWith(replacement);
    if (control) refocus(replacement, control);
  }

  document.addEventListener("mtqa:saved", function () { refresh(); });
  window.MtqaHistory = { refresh: refresh };
})();
