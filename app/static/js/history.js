/* The editor's history panel: after every accepted save (save.js fires
   "mtqa:saved") fetch a fresh copy of the panel from the server and swap it
   in, so the panel always lists what is stored, not what the page guessed. */
(function () {
  "use strict";

  let pending = null;

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
    if (fresh && current) current.replaceWith(document.importNode(fresh, true));
  }

  document.addEventListener("mtqa:saved", function () { refresh(); });
  window.MtqaHistory = { refresh: refresh };
})();
