/* The segment editor: error spans on the MT, the post-edit, saving.
 *
 * State lives here and is sent whole on every save (the server replaces the
 * spans); `version` is the assessment version this page last saw, so a save
 * from a stale page is refused (409) and shown for merging, never applied.
 */
(function () {
  "use strict";

  const dataNode = document.getElementById("editor-data");
  if (!dataNode) return;
  const data = JSON.parse(dataNode.textContent);
  const Off = window.MtqaOffsets;
  const SpanDialog = window.MtqaSpanDialog;
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

  const mtEl = document.getElementById("mt");
  const postEdit = document.getElementById("post-edit");
  const markBtn = document.getElementById("mark-btn");
  const selectionInfo = document.getElementById("selection-info");
  const saveStatus = document.getElementById("save-status");
  const statusBadge = document.getElementById("status-badge");
  const shortcuts = document.getElementById("shortcuts");

  const SEVERITY_RANK = { Neutral: 0, Minor: 1, Major: 2, Critical: 3 };
  const STATUS_LABELS = { draft: "Draft", done: "Done", no_errors: "No errors" };
  /** Time with no input after which the annotator is taken to be away. */
  const IDLE_MS = 5 * 60 * 1000;

  const mtChars = Array.from(data.mt);
  const state = {
    version: data.assessment.version,
    status: data.assessment.status,
    spans: data.assessment.spans.slice(),
    anchor: 0,
    focus: 0,
    dirty: false,
    saving: false,
    conflict: null,
    keystrokes: 0,
    activeMs: 0,
    /** Counts changes; save.js compares it with the count it last queued. */
    edits: 0,
  };
  /** Span lists before each add or delete, for Ctrl+Z. */
  const undoStack = [];
  const UNDO_LIMIT = 100;

  // ---- time on task -------------------------------------------------------
  let lastTick = performance.now();
  let lastInput = lastTick;
  function tick() {
    const now = performance.now();
    if (document.visibilityState === "visible" && now - lastInput < IDLE_MS) {
      state.activeMs += now - lastTick;
    }
    lastTick = now;
  }
  setInterval(tick, 1000);
  document.addEventListener("visibilitychange", tick);
  ["keydown", "pointerdown", "pointermove", "wheel"].forEach(function (type) {
    document.addEventListener(type, function () { tick(); lastInput = performance.now(); },
      { passive: true, capture: true });
  });

  // ---- rendering ------------------------------------------------------------
  function spanText(span) {
    return mtChars.slice(span.start, span.end).join("");
  }

  function sortSpans() {
    state.spans.sort(function (a, b) { return a.start - b.start || a.end - b.end; });
  }

  /** Rebuild the MT with one <mark> per stretch covered by the same spans,
   * coloured by the most severe of them; omissions (empty spans) get a
   * marker without text so that offsets stay as they are. */
  function renderMt() {
    const cuts = new Set([0, mtChars.length]);
    state.spans.forEach(function (s) {
      if (s.side === "target") { cuts.add(s.start); cuts.add(s.end); }
    });
    const points = Array.from(cuts).sort(function (a, b) { return a - b; });
    const fragment = document.createDocumentFragment();
    points.forEach(function (at, i) {
      state.spans.forEach(function (s, index) {
        if (s.side === "target" && s.start === s.end && s.start === at) {
          const marker = document.createElement("span");
          marker.className = "omission sev-" + s.severity.toLowerCase();
          marker.dataset.span = String(index);
          marker.title = s.category + " · " + s.severity;
          fragment.appendChild(marker);
        }
      });
      const next = points[i + 1];
      if (next === undefined || next === at) return;
      const text = mtChars.slice(at, next).join("");
      const covering = [];
      state.spans.forEach(function (s, index) {
        if (s.side === "target" && s.start <= at && s.end >= next && s.start < s.end) covering.push(index);
      });
      if (covering.length === 0) {
        fragment.appendChild(document.createTextNode(text));
        return;
      }
      let worst = state.spans[covering[0]];
      covering.forEach(function (index) {
        const s = state.spans[index];
        if (SEVERITY_RANK[s.severity] > SEVERITY_RANK[worst.severity]) worst = s;
      });
      const mark = document.createElement("mark");
      mark.className = "err sev-" + worst.severity.toLowerCase() + (covering.length > 1 ? " overlap" : "");
      mark.dataset.spans = covering.join(" ");
      mark.title = covering.map(function (index) {
        const s = state.spans[index];
        return s.category + " · " + s.severity;
      }).join("\n");
      mark.textContent = text;
      fragment.appendChild(mark);
    });
    mtEl.replaceChildren(fragment);
    if (state.anchor !== state.focus && document.activeElement === mtEl) applySelection();
  }

  const errorList = window.MtqaErrorList.create({
    state: state, mtEl: mtEl, spanText: spanText,
    onDelete: function (index, fromList) { deleteSpan(index, fromList); },
  });
  function renderSpanList() { errorList.render(); }

  function renderStatus() {
    if (!statusBadge) return;
    const badge = document.createElement("span");
    badge.className = "badge badge-" + (state.status || "open");
    badge.textContent = STATUS_LABELS[state.status] || "Open";
    statusBadge.replaceChildren(badge);
  }

  function say(message, kind) {
    saveStatus.textContent = message;
    saveStatus.className = "save-status" + (kind ? " save-" + kind : "");
  }

  function markDirty() {
    state.dirty = true;
    state.edits += 1;
    say("Unsaved changes.", "pending");
    // save.js schedules the autosave on this.
    document.dispatchEvent(new CustomEvent("mtqa:changed"));
  }

  function rememberSpans() {
    undoStack.push(state.spans.map(function (s) { return Object.assign({}, s); }));
    if (undoStack.length > UNDO_LIMIT) undoStack.shift();
  }

  /** Undo the last span added or deleted (the post-edit box has its own undo). */
  function undo() {
    if (!undoStack.length) {
      say("Nothing to undo.", state.dirty ? "pending" : null);
      return false;
    }
    const before = state.spans.length;
    state.spans = undoStack.pop();
    renderMt();
    renderSpanList();
    markDirty();
    say((state.spans.length < before ? "Undid adding an error." : "Undid deleting an error.") +
      " Unsaved changes.", "pending");
    return true;
  }

  /** Set the post-edit from code (restore, take the saved version): no
   * input event fires for that, so listeners get their own. */
  function setPostEdit(text) {
    postEdit.value = text;
    document.dispatchEvent(new CustomEvent("mtqa:post-edit-set"));
  }

  // ---- selection in the MT ------------------------------------------------
  const caretHighlight = typeof Highlight === "function" && CSS.highlights ? new Highlight() : null;
  if (caretHighlight) CSS.highlights.set("mt-caret", caretHighlight);

  function showCaret() {
    if (!caretHighlight) return;
    caretHighlight.clear();
    if (document.activeElement !== mtEl || state.anchor !== state.focus) return;
    const at = Math.min(state.focus, Math.max(mtChars.length - 1, 0));
    if (mtChars.length === 0) return;
    const a = Off.cpToPoint(mtEl, at);
    const b = Off.cpToPoint(mtEl, at + 1);
    const range = new Range();
    range.setStart(a.node, a.offset);
    range.setEnd(b.node, b.offset);
    caretHighlight.add(range);
  }

  function updateSelectionInfo() {
    const start = Math.min(state.anchor, state.focus);
    const end = Math.max(state.anchor, state.focus);
    markBtn.disabled = start === end;
    if (start === end) {
      selectionInfo.textContent = document.activeElement === mtEl
        ? "Cursor at character " + start + " of " + mtChars.length + "." : "";
    } else {
      selectionInfo.textContent = "Selected “" + mtChars.slice(start, end).join("") + "” (" +
        (end - start) + " characters). Press M to mark it.";
    }
    showCaret();
  }

  function applySelection() {
    const selection = window.getSelection();
    if (state.anchor === state.focus) selection.removeAllRanges();
    else Off.selectOffsets(mtEl, selection, state.anchor, state.focus);
  }

  // selectionchange arrives as a later task, so a key pressed right after a
  // selection reads the live selection too (syncSelection) instead of waiting.
  function syncSelection() {
    const found = Off.selectionOffsets(mtEl, window.getSelection());
    if (!found) return false; // outside the MT: keep the last selection for the Mark button
    state.anchor = found.anchor;
    state.focus = found.focus;
    return true;
  }

  document.addEventListener("selectionchange", function () {
    if (syncSelection()) updateSelectionInfo();
  });
  mtEl.addEventListener("focus", updateSelectionInfo);
  mtEl.addEventListener("blur", function () {
    if (caretHighlight) caretHighlight.clear();
  });

  function moveFocus(key, byWord) {
    const n = mtChars.length;
    let f = state.focus;
    if (key === "Home") return 0;
    if (key === "End") return n;
    if (!byWord) return key === "ArrowLeft" ? Math.max(0, f - 1) : Math.min(n, f + 1);
    const bounds = Off.wordBounds(data.mt);
    if (key === "ArrowRight") {
      const next = bounds.ends.find(function (e) { return e > f; });
      return next === undefined ? n : next;
    }
    const starts = bounds.starts.filter(function (s) { return s < f; });
    f = starts.length ? starts[starts.length - 1] : 0;
    return f;
  }

  mtEl.addEventListener("keydown", function (event) {
    const keys = ["ArrowLeft", "ArrowRight", "Home", "End"];
    if (keys.includes(event.key) && !event.metaKey) {
      event.preventDefault();
      state.focus = moveFocus(event.key, event.ctrlKey || event.altKey);
      if (!event.shiftKey) state.anchor = state.focus;
      applySelection();
      updateSelectionInfo();
    } else if (event.key === "Enter" && !event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      markSelection();
    } else if ((event.key === "Delete" || event.key === "Backspace") &&
               !event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      const index = spanAtCaret(event.key === "Backspace");
      if (index < 0) selectionInfo.textContent = "No error at the cursor to delete.";
      else deleteSpan(index);
    } else if (event.key === "Escape") {
      state.anchor = state.focus;
      applySelection();
      updateSelectionInfo();
    }
  });

  // ---- spans ------------------------------------------------------------------
  async function markSelection() {
    syncSelection();
    const start = Math.min(state.anchor, state.focus);
    const end = Math.max(state.anchor, state.focus);
    if (start === end) {
      selectionInfo.textContent = "Select the wrong words in the translation first.";
      mtEl.focus();
      return;
    }
    const answer = await SpanDialog.ask(mtChars.slice(start, end).join(""));
    mtEl.focus();
    if (!answer) return;
    rememberSpans();
    state.spans.push({
      start: start, end: end, category: answer.category, severity: answer.severity,
      side: "target", note: answer.note,
    });
    sortSpans();
    state.anchor = state.focus = end;
    applySelection();
    renderMt();
    renderSpanList();
    updateSelectionInfo();
    markDirty();
  }

  /** The error at the cursor in the MT: a span exactly as selected, else
   * the shortest one holding the character after the cursor (`before`: the
   * character before it, as Backspace reads), or an omission at it; -1 if none. */
  function spanAtCaret(before) {
    syncSelection();
    const lo = Math.min(state.anchor, state.focus);
    const hi = Math.max(state.anchor, state.focus);
    if (lo < hi) {
      const exact = state.spans.findIndex(function (s) {
        return s.side === "target" && s.start === lo && s.end === hi;
      });
      if (exact >= 0) return exact;
    }
    const f = state.focus;
    let best = -1;
    state.spans.forEach(function (s, index) {
      if (s.side !== "target") return;
      const hit = s.start === s.end ? s.start === f
        : before ? s.start < f && f <= s.end : s.start <= f && f < s.end;
      const shorter = best < 0 || s.end - s.start < state.spans[best].end - state.spans[best].start;
      if (hit && shorter) best = index;
    });
    return best;
  }

  /** The error being worked on: the one focused in the list, else the one
   * at the cursor in the MT, else the only one; -1 if none. */
  function currentSpan() {
    const inList = errorList.focused();
    if (inList !== null) return inList;
    const at = spanAtCaret(false);
    if (at >= 0) return at;
    const before = spanAtCaret(true);
    if (before >= 0) return before;
    const target = state.spans.filter(function (s) { return s.side === "target"; });
    return target.length === 1 ? state.spans.indexOf(target[0]) : -1;
  }

  /** Delete span `index`. From the list by keyboard the focus stays in the
   * list (on the next error's button); otherwise it goes back to the MT. */
  function deleteSpan(index, stayInList) {
    const span = state.spans[index];
    rememberSpans();
    state.spans.splice(index, 1);
    renderMt();
    renderSpanList();
    markDirty();
    say("Deleted the " + span.category + " error on “" + spanText(span) + "”. Ctrl+Z brings it back. " +
      "Unsaved changes.", "pending");
    if (!stayInList || !errorList.contains(document.activeElement)) mtEl.focus();
  }

  markBtn.addEventListener("mousedown", function (event) { event.preventDefault(); });
  markBtn.addEventListener("click", markSelection);

  // ---- post-edit ----------------------------------------------------------------
  postEdit.addEventListener("input", function () {
    markDirty();
    if (state.conflict) adoptConflictVersion();
  });
  postEdit.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key.length === 1 || ["Backspace", "Delete", "Enter"].includes(event.key)) {
      state.keystrokes += 1;
    }
  });
  /** Put the MT back in the post-edit as if typed, so that the post-edit's
   * own undo (Ctrl+Z) brings the discarded text back. */
  function resetPostEdit() {
    postEdit.focus();
    if (postEdit.value === data.mt) return;
    postEdit.select();
    // insertText fires "input" (marked dirty there) and joins the undo history.
    if (!document.execCommand("insertText", false, data.mt) || postEdit.value !== data.mt) {
      setPostEdit(data.mt);
      markDirty();
    }
    say("Post-edit reset to the MT; Ctrl+Z in the post-edit brings your text back. Unsaved changes.",
      "pending");
  }
  document.getElementById("reset-pe").addEventListener("click", resetPostEdit);

  window.MtqaEditor = {
    state: state, data: data, renderMt: renderMt, renderSpanList: renderSpanList,
    renderStatus: renderStatus, say: say, markSelection: markSelection,
    csrfToken: csrfToken, postEdit: postEdit, mtEl: mtEl, shortcuts: shortcuts,
    markDirty: markDirty, sortSpans: sortSpans, undo: undo, setPostEdit: setPostEdit,
    resetPostEdit: resetPostEdit, currentSpan: currentSpan,
    /** Add controls to each error in the list; the list is built again. */
    addSpanItemExtra: errorList.addExtra,
    /** A hint under the MT (the selection line), read out by screen readers. */
    hint: function (message) { selectionInfo.textContent = message; },
    /** Forget the undo history (the spans were replaced by a saved version). */
    clearUndo: function () { undoStack.length = 0; },
    /** Add an error span (e.g. a confirmed QA flag) as if marked by hand. */
    addSpan: function (span) {
      rememberSpans();
      state.spans.push(span);
      sortSpans();
      renderMt();
      renderSpanList();
      markDirty();
    },
  };
  function adoptConflictVersion() { window.MtqaSave.adoptConflictVersion(); }

  // From the JSON rather than the HTML: a textarea drops a leading newline.
  postEdit.value = data.assessment.post_edit;
  sortSpans();
  renderMt();
  renderSpanList();
  renderStatus();
  if (state.status) say("Saved version " + state.version + ".", "ok");
  // Keyboard first: the page opens ready for arrow keys and M.
  mtEl.focus({ preventScroll: true });
  updateSelectionInfo();
})();
