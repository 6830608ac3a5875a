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

  const tid = String(data.translationId);
  /** Quiet time after the last change before a draft is saved. */
  const AUTOSAVE_MS = 3000;
  /** Longest a change waits for its autosave while more changes keep coming
   * (typing without a pause would otherwise postpone it for ever). */
  const AUTOSAVE_MAX_MS = 10000;
  let autosaveTimer = null;
  /** performance.now() of the first change not queued yet, or null. */
  let firstUnqueued = null;
  /** state.edits when the last save was queued: changes after it are unsaved. */
  let queuedEdits = state.edits;
  /** After a conflict only an explicit save writes again. */
  let autosavePaused = false;
  let lastFailure = null;
  /** Set while the page shows edits restored from the outbox, until sent. */
  let restoredNote = "";
  const waiters = [];

  /** Loaded after this file (see _diff_scripts.html), so looked up late. */
  function outbox() { return window.MtqaOutbox; }

  function takeTime() {
    const seconds = state.activeMs / 1000;
    state.activeMs = 0;
    return Math.round(seconds * 10) / 10;
  }

  /** The status an automatic save keeps: a finished segment stays finished
   * (unless errors were added to a "no errors" one). */
  function keptStatus() {
    if (state.status === "done") return "done";
    if (state.status === "no_errors" &&
        state.spans.every(function (s) { return s.severity === "Neutral"; })) return "no_errors";
    return "draft";
  }

  function unqueued() { return state.edits !== queuedEdits; }

  /** Put the whole current state in the outbox; false if the browser refused. */
  function queue(status) {
    const keystrokes = state.keystrokes;
    state.keystrokes = 0;
    const queued = outbox().put(tid, data.saveUrl, {
      base_version: state.version,
      post_edit: E.postEdit.value,
      status: status,
      spans: state.spans.map(function (s) { return Object.assign({}, s); }),
      time_spent: takeTime(),
      keystrokes: keystrokes,
    });
    queuedEdits = state.edits;
    firstUnqueued = null;
    return queued.ok;
  }

  /** Save with `status`; resolves to true when the server accepted it (and
   * everything queued before it). `auto`: an autosave, which does not knock
   * on a server the outbox is already waiting for. */
  function save(status, options) {
    const auto = Boolean(options && options.auto);
    const box = outbox();
    if (!box) {
      E.say("Not saved: the page did not load completely; reload it.", "error");
      return Promise.resolve(false);
    }
    clearTimeout(autosaveTimer);
    if (!auto) autosavePaused = false;
    const done = new Promise(function (resolve) { waiters.push(resolve); });
    const stored = queue(status);
    if (!auto) E.say("Saving…", "pending");
    if (!(auto && box.retrying(tid))) {
      state.saving = true;
      box.send(tid, { force: !auto }).finally(function () { state.saving = false; });
    }
    if (!stored) {
      E.say("Saving directly: this browser cannot keep unsent edits (storage full or turned off).",
        "pending");
    }
    return done;
  }

  function settle(ok) {
    waiters.splice(0).forEach(function (resolve) { resolve(ok); });
  }

  function scheduleAutosave() {
    const now = performance.now();
    if (firstUnqueued === null) firstUnqueued = now;
    const left = Math.max(0, firstUnqueued + AUTOSAVE_MAX_MS - now);
    clearTimeout(autosaveTimer);
    autosaveTimer = setTimeout(autosave, Math.min(AUTOSAVE_MS, left));
  }

  function autosave() {
    if (!unqueued() || state.conflict || autosavePaused) return;
    save(keptStatus(), { auto: true });
  }

  /** The page is being hidden or left: queue what is not queued yet and
   * send it with keepalive (the queue resends it later if that fails).
   * During a conflict it is only queued: its old base version makes any
   * later send fail again with 409, so reopening the segment shows the
   * merge view with these edits instead of overwriting the other save. */
  function saveOnLeave(event) {
    if (event.type === "visibilitychange" && document.visibilityState !== "hidden") return;
    const box = outbox();
    if (!box) return;
    if (unqueued()) queue(keptStatus());
    if (state.conflict) return;
    const entry = box.get(tid);
    if (entry && entry.queue.length && !entry.stopped) box.send(tid, { keepalive: true });
  }

  document.addEventListener("mtqa:changed", scheduleAutosave);
  document.addEventListener("visibilitychange", saveOnLeave);
  window.addEventListener("pagehide", saveOnLeave);

  // ---- answers from the outbox ----------------------------------------------------
  function accepted(body, left) {
    state.version = body.version;
    lastFailure = null;
    restoredNote = "";
    // The status is the server's now, whatever changed since: a later
    // autosave keeps it (keptStatus) instead of reverting a finished segment.
    state.status = body.status;
    if (left === 0 && !unqueued()) {
      // Nothing changed since this save: show what the server stored.
      state.spans = body.spans;
      state.dirty = false;
      hideConflict();
      E.renderMt();
      E.renderSpanList();
    }
    E.renderStatus();
    // Other panels (history, QA flags) refresh on this.
    document.dispatchEvent(new CustomEvent("mtqa:saved", { detail: body }));
    if (left === 0) {
      E.say("Saved version " + body.version + " at " + new Date().toLocaleTimeString() + "." +
        (state.dirty ? " Newer changes not saved yet." : ""), state.dirty ? "pending" : "ok");
      settle(true);
    }
  }

  document.addEventListener("mtqa:outbox-result", function (event) {
    const r = event.detail;
    if (r.translationId !== tid) return;
    if (r.status === 200) {
      accepted(r.body, r.left);
      return;
    }
    lastFailure = r.status;
    const retry = " (next try in " + Math.round(r.retryIn / 1000) + " s).";
    if ((r.status === 0 || r.status >= 500) && outbox().unkept(tid)) {
      E.say("Could not reach the server, and this browser cannot keep unsent edits (storage " +
        "full or turned off): stay on this page until they are sent" + retry, "error");
    } else if (r.status === 0 || r.status >= 500) {
      E.say(restoredNote + "Could not reach the server. Your edits are kept in this browser " +
        "and will be sent when it is back" + retry, "error");
    } else if (r.status === 409 && r.body && r.body.current) {
      showConflict(r.body);
    } else if (r.status === 401) {
      E.say("Your session has ended. Log in again in another tab; your edits are kept in this " +
        "browser and sent then.", "error");
    } else {
      E.say("Not saved: " + ((r.body && r.body.error) || "error " + r.status), "error");
    }
    settle(false);
  });

  /** Edits a previous page queued but could not send: show them, not the
   * server's older text, and send them now. */
  function restoreQueued() {
    const box = outbox();
    if (!box) return;
    const entry = box.get(tid);
    if (!entry || !entry.queue.length) return;
    const latest = entry.queue[entry.queue.length - 1];
    E.setPostEdit(latest.payload.post_edit === null ? data.mt : latest.payload.post_edit);
    state.spans = latest.payload.spans.slice();
    state.status = latest.payload.status;
    state.version = entry.queue[0].payload.base_version;
    state.dirty = true;
    E.sortSpans();
    E.renderMt();
    E.renderSpanList();
    E.renderStatus();
    restoredNote = "Showing your edits from " + new Date(latest.at).toLocaleTimeString() +
      " that had not reached the server yet. ";
    E.say(restoredNote + "Sending them now.", "pending");
    state.saving = true;
    box.send(tid, { force: true }).finally(function () { state.saving = false; });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", restoreQueued);
  else setTimeout(restoreQueued, 0);

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
    autosavePaused = true;
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

  function keepMine() {
    adoptConflictVersion();
    E.postEdit.focus();
  }

  function takeTheirs() {
    const current = state.conflict;
    if (outbox()) outbox().drop(tid);
    clearTimeout(autosaveTimer);
    state.version = current.version;
    state.status = current.status;
    state.spans = current.spans.slice();
    E.setPostEdit(current.post_edit || data.mt);
    E.clearUndo();
    state.dirty = false;
    queuedEdits = state.edits;
    firstUnqueued = null;
    autosavePaused = false;
    hideConflict();
    E.renderMt();
    E.renderSpanList();
    E.renderStatus();
    E.say("Loaded the saved version " + state.version + ".", "ok");
    E.postEdit.focus();
  }

  document.getElementById("conflict-keep-mine").addEventListener("click", keepMine);
  document.getElementById("conflict-take-theirs").addEventListener("click", takeTheirs);

  // ---- actions and navigation ---------------------------------------------------
  /** A save that failed only because the server is unreachable is safe in
   * the outbox: the annotator may move on, the next page keeps sending it.
   * Not when the browser refused to store it: it lives in this page only. */
  function keptForLater() {
    return (lastFailure === 0 || lastFailure >= 500) && !outbox().unkept(tid);
  }

  async function finish(status) {
    const saved = await save(status);
    if (!saved && !keptForLater()) return;
    if (data.nextUrl) window.location.assign(data.nextUrl);
    else if (saved) {
      E.say("Saved version " + state.version + ". This is the last segment of the document.", "ok");
    }
  }

  async function go(url) {
    if (!url) return;
    const entry = outbox() && outbox().get(tid);
    const pending = unqueued() || (entry && entry.queue.length);
    if (pending && !(await save(keptStatus())) && !keptForLater()) return;
    window.location.assign(url);
  }

  // Buttons keep the focus where it was (the text being worked on).
  ["save-btn", "done-btn", "no-errors-btn"].forEach(function (id) {
    document.getElementById(id).addEventListener("mousedown", function (event) { event.preventDefault(); });
  });
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
    // Queued edits survive the page; only ask when the browser cannot keep them.
    const box = outbox();
    if (!box) {
      if (unqueued()) event.preventDefault();
      return;
    }
    if (unqueued()) queue(keptStatus());
    const entry = box.get(tid);
    if (entry && entry.queue.length && box.unkept(tid)) event.preventDefault();
  });

  function typing(target) {
    return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  /** A modal dialog (mark error, fix everywhere) is open: its own keys
   * only, no editor shortcut acts behind it. */
  function modalOpen() {
    return document.querySelector("dialog[open]") !== null;
  }

  document.addEventListener("keydown", function (event) {
    const mod = event.ctrlKey || event.metaKey;
    if (modalOpen()) {
      // Nor the browser's "save page" for a Ctrl+S pressed out of habit.
      if (mod && (event.key === "s" || event.key === "S")) event.preventDefault();
      return;
    }
    if (mod && !event.altKey && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      save("draft");
      return;
    }
    if (mod && !event.altKey && !event.shiftKey && (event.key === "z" || event.key === "Z") &&
        !typing(event.target)) {
      event.preventDefault();
      E.undo();
      return;
    }
    if (event.key === "Enter" && (mod || event.altKey)) {
      event.preventDefault();
      finish(event.shiftKey ? "no_errors" : "done");
      return;
    }
    // The conflict box, from anywhere (the post-edit too). By key position:
    // Alt+letter types other characters on a Mac.
    if (state.conflict && event.altKey && !mod && (event.code === "KeyK" || event.code === "KeyT")) {
      event.preventDefault();
      if (event.code === "KeyK") keepMine();
      else takeTheirs();
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
      r: function () { E.resetPostEdit(); },
      "?": function () { E.shortcuts.open = !E.shortcuts.open; },
    };
    const action = actions[event.key.toLowerCase()] || actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  window.MtqaSave = { save: save, adoptConflictVersion: adoptConflictVersion, autosave: autosave };
})();
