/* The outbox: saves that have not been confirmed by the server yet.
 *
 * Every save is written here (localStorage, one key per translation) before
 * it is sent and removed only when the server answers 200, so closing the
 * tab, a dead network or a restarting server never loses an edit. Each
 * payload carries a client_key: a retry sends the SAME key, and the server
 * does not apply a key it has stored already, so a save whose answer was
 * lost is never applied twice.
 *
 * A translation's queue holds at most two saves. A newer edit replaces a
 * save that was never sent (new key: saves are whole-state, the latest
 * wins). A save that was sent without an answer may or may not be stored,
 * so it stays first in line and is resent with its key; the newer save is
 * sent after it, on top of the version it produced.
 *
 * When the browser refuses to store (quota exceeded, storage turned off) a
 * queue lives in this page's memory instead: it is sent the same way, but
 * it is lost with the page, and the status line says so.
 */
(function () {
  "use strict";

  const PREFIX = "mtqa-outbox:";
  const MIN_DELAY_MS = 1000;
  const MAX_DELAY_MS = 30000;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = csrfMeta ? csrfMeta.content : "";

  const timers = {};
  const sending = {};
  /** Queues the browser refused to store, as JSON, by translation id. */
  const unstored = {};
  /** Set once the browser has refused a write. */
  let storageRefused = false;

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // Non-secure contexts (plain http on another host) lack randomUUID.
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function read(id) {
    if (Object.prototype.hasOwnProperty.call(unstored, id)) return JSON.parse(unstored[id]);
    try {
      const raw = window.localStorage.getItem(PREFIX + id);
      return raw ? JSON.parse(raw) : null;
    } catch (err) {
      return null;
    }
  }

  /** Returns false when the browser refused to store (quota, disabled):
   * the entry is then kept in memory, and an older stored state of it is
   * removed so that it is never sent after the newer one. */
  function write(id, entry) {
    const full = entry && entry.queue.length;
    try {
      if (full) window.localStorage.setItem(PREFIX + id, JSON.stringify(entry));
      else window.localStorage.removeItem(PREFIX + id);
      delete unstored[id];
      return true;
    } catch (err) {
      storageRefused = true;
      if (full) unstored[id] = JSON.stringify(entry);
      else delete unstored[id];
      try {
        window.localStorage.removeItem(PREFIX + id);
      } catch (ignored) { /* storage off altogether */ }
      return false;
    } finally {
      changed();
    }
  }

  /** True when translation `id`'s queue is only in this page's memory. */
  function unkept(id) {
    return Object.prototype.hasOwnProperty.call(unstored, String(id));
  }

  function ids() {
    const found = Object.keys(unstored);
    try {
      for (let i = 0; i < window.localStorage.length; i += 1) {
        const key = window.localStorage.key(i);
        if (key && key.indexOf(PREFIX) === 0 && !unkept(key.slice(PREFIX.length))) {
          found.push(key.slice(PREFIX.length));
        }
      }
    } catch (err) { /* storage off: only what is in memory */ }
    return found;
  }

  /** Whether this browser stores at all, tried once when the page opens so
   * that the annotator knows before the first save. */
  function probe() {
    try {
      window.localStorage.setItem("mtqa-storage-probe", "1");
      window.localStorage.removeItem("mtqa-storage-probe");
    } catch (err) {
      storageRefused = true;
    }
  }

  /** Segments (translations) whose edits are still to be sent; not the ones
   * stopped by a conflict or an error. A segment whose unconfirmed save is
   * followed by a newer one still counts once: it is one annotator's work. */
  function waiting() {
    return ids().reduce(function (n, id) {
      const entry = read(id);
      return n + (entry && entry.queue.length && !entry.stopped ? 1 : 0);
    }, 0);
  }

  /** Segments whose queued edits the server refused (a conflict, an error):
   * they wait for the annotator to open the segment and merge or fix them. */
  function stuck() {
    return ids().reduce(function (n, id) {
      const entry = read(id);
      return n + (entry && entry.queue.length && entry.stopped ? 1 : 0);
    }, 0);
  }

  // ---- the status line ------------------------------------------------------
  let line = document.getElementById("outbox-status");
  if (!line) {
    const anchor = document.getElementById("save-status");
    if (anchor) {
      line = document.createElement("p");
      line.id = "outbox-status";
      line.className = "save-status save-pending outbox-status";
      line.setAttribute("role", "status");
      anchor.after(line);
    }
  }

  function changed() {
    const n = waiting();
    const refused = stuck();
    if (line) {
      const parts = [];
      if (n) parts.push(n + (n === 1 ? " edit" : " edits") + " waiting to be sent");
      if (refused) {
        parts.push(refused + (refused === 1 ? " segment's edits" : " segments' edits") +
          " not saved: open the segment to merge them");
      }
      if (storageRefused) {
        parts.push("This browser cannot keep unsent edits (storage full or turned off): " +
          "they are lost if this page is closed before they reach the server");
      }
      line.textContent = parts.join(" · ");
      line.hidden = parts.length === 0;
    }
    document.dispatchEvent(new CustomEvent("mtqa:outbox", { detail: { waiting: n } }));
  }

  function emit(id, result) {
    document.dispatchEvent(new CustomEvent("mtqa:outbox-result", {
      detail: Object.assign({ translationId: String(id) }, result),
    }));
  }

  // ---- queueing -----------------------------------------------------------------
  /** Queue the latest whole state of translation `id`. Time and keystrokes
   * of a replaced, never-sent save are carried over, not lost. */
  function put(id, url, payload) {
    const entry = read(id) || { url: url, queue: [] };
    entry.url = url;
    const last = entry.queue[entry.queue.length - 1];
    const item = { payload: Object.assign({}, payload), key: newKey(), sent: false, at: Date.now() };
    if (last && (!last.sent || entry.stopped)) {
      // Never reached the server (or refused as a whole): replace it.
      const seconds = (last.payload.time_spent || 0) + (payload.time_spent || 0);
      item.payload.time_spent = Math.round(seconds * 10) / 10;
      item.payload.keystrokes = (last.payload.keystrokes || 0) + (payload.keystrokes || 0);
      entry.queue[entry.queue.length - 1] = item;
    } else {
      entry.queue.push(item);
    }
    entry.stopped = null;
    const ok = write(id, entry);
    return { ok: ok, key: item.key, entry: entry };
  }

  function get(id) { return read(id); }

  /** Forget translation `id`'s queue (the annotator took the server's version). */
  function drop(id) {
    clearTimeout(timers[id]);
    delete timers[id];
    write(id, null);
  }

  function backoff(entry) {
    const tries = entry.failures || 0;
    return Math.min(MAX_DELAY_MS, MIN_DELAY_MS * Math.pow(2, Math.max(0, tries - 1)));
  }

  function schedule(id, delay) {
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () { delete timers[id]; send(id); }, delay);
  }

  /** True while translation `id` waits for a retry: a new edit then only
   * updates the queue, it does not knock on a server that is down. */
  function retrying(id) {
    return Boolean(timers[id]);
  }

  /** Send the head of translation `id`'s queue, then the rest. Resolves to
   * {status, body} of the last answer (status 0: no answer), or null when
   * there was nothing to send or a send was already under way. */
  async function send(id, options) {
    id = String(id);
    if (sending[id]) return null;
    let entry = read(id);
    if (!entry || !entry.queue.length) return null;
    if (entry.stopped && !(options && options.force)) return null;
    clearTimeout(timers[id]);
    delete timers[id];
    sending[id] = true;
    let result = null;
    try {
      while (entry && entry.queue.length) {
        const item = entry.queue[0];
        item.sent = true;
        entry.stopped = null;
        write(id, entry);
        result = await post(entry.url, Object.assign({}, item.payload, { client_key: item.key }),
          Boolean(options && options.keepalive));
        entry = read(id) || { url: entry.url, queue: [] };
        if (result.status === 200 && result.body) {
          entry.queue = entry.queue.filter(function (q) { return q.key !== item.key; });
          entry.failures = 0;
          // The next save was made on top of this one.
          entry.queue.forEach(function (q) { q.payload.base_version = result.body.version; });
          write(id, entry);
          emit(id, { status: 200, body: result.body, key: item.key, left: entry.queue.length });
          continue;
        }
        if (result.status === 0 || result.status >= 500 || result.status === 401 || result.status === 429) {
          // Down, restarting, logged out or throttled: try again later, same key.
          entry.failures = (entry.failures || 0) + 1;
          write(id, entry);
          schedule(id, backoff(entry));
          emit(id, Object.assign({ retryIn: backoff(entry) }, result));
          break;
        }
        // 409 (saved elsewhere) or a refusal (400/403/404): resending cannot
        // help. Keep the latest state for the annotator, stop sending.
        entry.queue = entry.queue.slice(-1);
        entry.queue[0].sent = false;
        entry.stopped = { status: result.status, error: result.body && result.body.error };
        write(id, entry);
        emit(id, result);
        break;
      }
    } finally {
      delete sending[id];
    }
    return result;
  }

  /** `keepalive` lets the request outlive a page being left; if it does
   * not get through, the queue still has the save for the next page. */
  async function post(url, payload, keepalive) {
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: keepalive,
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken,
        },
        body: JSON.stringify(payload),
      });
      const body = await response.json().catch(function () { return null; });
      return { status: response.status, body: body };
    } catch (err) {
      return { status: 0, body: null };
    }
  }

  async function flushAll() {
    const all = ids();
    for (const id of all) await send(id);
  }

  window.addEventListener("online", flushAll);
  window.addEventListener("storage", function (event) {
    if (event.key === null || (event.key && event.key.indexOf(PREFIX) === 0)) changed();
  });

  window.MtqaOutbox = {
    put: put, get: get, drop: drop, send: send, flushAll: flushAll,
    waiting: waiting, retrying: retrying, newKey: newKey, unkept: unkept,
  };

  probe();
  changed();
  // Whatever an earlier page left behind, for this segment or any other.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", flushAll);
  } else {
    setTimeout(flushAll, 0);
  }
})();
