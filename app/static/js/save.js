/* Saving, conflicts and the page-wide keyboard shortcuts of the editor. */
(function () {
  "use strict";

  const E = window.MtqaEditor;
  if (!E) return;
  const state = E.state;
  const data = E.data;

  const conflictBox = document.getElementById("conflict");
  const prevBtn = document.getElementById("prev-btn");
  const nextBtn = document.getElementById("next-btn");

  function takeTime() {
    const seconds = state.activeMs / 1000;
    state.activeMs = 0;
    return Math.round(seconds * 10) / 10;
  }

  /** Save with `status`; resolves to true when the server accepted it. */
  async function save(status) {
    if (state.saving) return false;
    state.saving = true;
    const timeSpent = takeTime();
    const keystrokes = state.keystrokes;
    state.keystrokes = 0;
    const payload = {
      base_version: state.version,
      post_edit: E.postEdit.value,
      status: status,
      spans: state.spans,
      time_spent: timeSpent,
      keystrokes: keystrokes,
    };
    E.say("Saving…", "pending");
    let response;
    let body = null;
    try {
      response = await fetch(data.saveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": E.csrfToken,
        },
        body: JSON.stringify(payload),
      });
      body = await response.json().catch(function () { return null; });
    } catch (err) {
      response = null;
    } finally {
      state.saving = false;
    }
    if (response && response.ok && body) {
      state.version = body.version;
      state.status = body.status;
      state.spans = body.spans;
      state.dirty = false;
      hideConflict();
      // Other panels (history, QA flags) refresh on this.
      document.dispatchEvent(new CustomEvent("mtqa:saved", { detail: body }));
      E.renderMt();
      E.renderSpanList();
      E.renderStatus();
      E.say("Saved version " + body.version + " at " + new Date().toLocaleTimeString() + ".", "ok");
      return true;
    }
    // Not saved: keep the time and keystrokes for the next attempt.
    state.activeMs += timeSpent * 1000;
    state.keystrokes += keystrokes;
    if (!response) {
      E.say("Could not reach the server; your work is still on this page. Try again.", "error");
    } else if (response.status === 409 && body && body.current) {
      showConflict(body);
    } else if (response.status === 401) {
      E.say("Your session has ended. Log in again in another tab, then save here.", "error");
    } else {
      E.say("Not saved: " + ((body && body.error) || response.statusText), "error");
    }
    return false;
  }

  // ---- conflicts ----------------------------------------------------------------
  function showConflict(body) {
    state.conflict = body.current;
    document.getElementById("conflict-message").textContent = body.error;
    document.getElementById("conflict-mine").textContent = E.postEdit.value;
    document.getElementById("conflict-theirs").textContent = body.current.post_edit || "";
    document.getElementById("conflict-version").textContent =
      "(version " + body.current.version + ", " + (body.current.status || "open") + ")";
    const list = document.getElementById("conflict-spans");
    list.replaceChildren();
    const chars = Array.from(data.mt);
    body.current.spans.forEach(function (s) {
      const li = document.createElement("li");
      li.textContent = s.severity + " · " + s.category + ": “" + chars.slice(s.start, s.end).join("") + "”";
      list.appendChild(li);
    });
    conflictBox.hidden = false;
    E.say("Not saved: someone saved this segment meanwhile. Compare and merge below.", "error");
    conflictBox.scrollIntoView({ block: "nearest" });
  }

  function hideConflict() {
    state.conflict = null;
    conflictBox.hidden = true;
  }

  /** The annotator has seen the saved version: their next save replaces it. */
  function adoptConflictVersion() {
    if (!state.conflict) return;
    state.version = state.conflict.version;
    hideConflict();
    E.say("Merging: your next save replaces version " + state.version + ".", "pending");
  }

  document.getElementById("conflict-keep-mine").addEventListener("click", function () {
    adoptConflictVersion();
    E.postEdit.focus();
  });
  document.getElementById("conflict-take-theirs").addEventListener("click", function () {
    const current = state.conflict;
    state.version = current.version;
    state.status = current.status;
    state.spans = current.spans.slice();
    E.postEdit.value = current.post_edit || data.mt;
    state.dirty = false;
    hideConflict();
    E.renderMt();
    E.renderSpanList();
    E.renderStatus();
    E.say("Loaded the saved version " + state.version + ".", "ok");
  });

  // ---- actions and navigation ---------------------------------------------------
  async function finish(status) {
    if (!(await save(status))) return;
    if (data.nextUrl) window.location.assign(data.nextUrl);
    else E.say("Saved version " + state.version + ". This is the last segment of the document.", "ok");
  }

  async function go(url) {
    if (!url) return;
    if (state.dirty && !(await save(state.status || "draft"))) return;
    window.location.assign(url);
  }

  document.getElementById("save-btn").addEventListener("click", function () { save("draft"); });
  document.getElementById("done-btn").addEventListener("click", function () { finish("done"); });
  document.getElementById("no-errors-btn").addEventListener("click", function () { finish("no_errors"); });
  [[prevBtn, "prevUrl"], [nextBtn, "nextUrl"]].forEach(function (pair) {
    pair[0].addEventListener("click", function (event) {
      event.preventDefault();
      go(data[pair[1]]);
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (state.dirty && !state.saving) event.preventDefault();
  });

  function typing(target) {
    return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (window.MtqaSpanDialog && window.MtqaSpanDialog.isOpen()) return;
    const mod = event.ctrlKey || event.metaKey;
    if (mod && !event.altKey && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      save("draft");
      return;
    }
    if (event.key === "Enter" && (mod || event.altKey)) {
      event.preventDefault();
      finish(event.shiftKey ? "no_errors" : "done");
      return;
    }
    if (typing(event.target)) {
      if (event.key === "Escape") {
        event.target.blur();
        E.mtEl.focus();
      }
      return;
    }
    if (mod || event.altKey) return;
    const actions = {
      n: function () { go(data.nextUrl); },
      p: function () { go(data.prevUrl); },
      m: function () { E.markSelection(); },
      e: function () { E.postEdit.focus(); },
      t: function () { E.mtEl.focus(); },
      "?": function () { E.shortcuts.open = !E.shortcuts.open; },
    };
    const action = actions[event.key.toLowerCase()] || actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  window.MtqaSave = { save: save, adoptConflictVersion: adoptConflictVersion };
})();
