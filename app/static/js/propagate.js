/* Fix once, apply everywhere.
 *
 * After a save whose post-edit replaced the text of a marked error span
 * ("Wang Cola" → "Wang Kele"), or from the "Fix everywhere" button on a
 * span, the dialog lists the other translations whose MT holds the same
 * phrase (or its word-order variant), all ticked; "Apply to all" saves the
 * same span and correction into each and records the pair in the corpus
 * glossary. Each translation is saved on its own and reported as applied,
 * skipped or in conflict.
 */
(function () {
  "use strict";

  const E = window.MtqaEditor;
  const panel = document.getElementById("qa-panel");
  const dialog = document.getElementById("fix-dialog");
  if (!E || !panel || !dialog) return;
  const mt = E.data.mt;
  const mtChars = Array.from(mt);
  const url = panel.dataset.propagateUrl;

  const wrongEl = document.getElementById("fix-wrong");
  const variantEl = document.getElementById("fix-variant");
  const rightEl = document.getElementById("fix-right");
  const listEl = document.getElementById("fix-list");
  const summaryEl = document.getElementById("fix-summary");
  const resultEl = document.getElementById("fix-result");
  const applyBtn = document.getElementById("fix-apply");

  /** Pairs already offered on this page, so a save does not ask twice. */
  const offered = new Set();
  let last = { post_edit: E.data.assessment.post_edit, spans: E.data.assessment.spans.slice() };
  let pending = null; // {wrong, right, span}
  let candidates = [];

  function spanText(span) {
    return mtChars.slice(span.start, span.end).join("");
  }

  /** What the post-edit has where the MT has `span`: the text between the
   * span's left and right MT context, found in the post-edit. Null when the
   * context cannot be found (the surroundings were rewritten too). */
  function replacementFor(span, postEdit) {
    const start = mtChars.slice(0, span.start).join("").length; // UTF-16 index
    const end = start + spanText(span).length;
    for (const width of [24, 12, 6, 3, 1]) {
      const left = mt.slice(Math.max(0, start - width), start);
      const right = mt.slice(end, end + width);
      const at = left ? postEdit.indexOf(left) : 0;
      if (at < 0 || (left && postEdit.indexOf(left, at + 1) >= 0)) continue;
      const from = at + left.length;
      const to = right ? postEdit.indexOf(right, from) : postEdit.length;
      if (to < 0) continue;
      return postEdit.slice(from, to).trim();
    }
    return null;
  }

  /** A target span whose text this save replaced, with its replacement. */
  function correctedSpan(saved) {
    for (const span of saved.spans) {
      if (span.side !== "target" || span.start === span.end) continue;
      const wrong = spanText(span).trim();
      const right = replacementFor(span, saved.post_edit || "");
      if (!wrong || right === null || !right || right === wrong) continue;
      const before = replacementFor(span, last.post_edit || mt);
      if (before === right) continue; // corrected in an earlier save
      if (offered.has(wrong + "\u0000" + right)) continue;
      return { wrong: wrong, right: right, span: span };
    }
    return null;
  }

  async function request(target, options) {
    const response = await fetch(target, Object.assign({
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": E.csrfToken },
    }, options || {}));
    const body = await response.json().catch(function () { return null; });
    if (!response.ok || body === null) {
      throw new Error((body && body.error) || response.statusText || "no answer from the server");
    }
    return body;
  }

  function candidateItem(candidate) {
    const li = document.createElement("li");
    li.className = "fix-item";
    li.dataset.translation = String(candidate.translation_id);
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.value = String(candidate.translation_id);
    const where = document.createElement("span");
    where.className = "fix-where";
    const link = document.createElement("a");
    link.href = candidate.url;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "Segment " + candidate.position;
    where.append(link, " · " + candidate.system + " · " + candidate.matches.length + " occurrence" +
      (candidate.matches.length > 1 ? "s" : ""));
    const outcome = document.createElement("span");
    outcome.className = "fix-item-outcome";
    where.appendChild(outcome);
    label.append(box, where);
    candidate.context.forEach(function (ctx) {
      const p = document.createElement("p");
      p.className = "fix-context";
      const mark = document.createElement("mark");
      mark.textContent = ctx.match;
      p.append((ctx.before.length >= 60 ? "…" : "") + ctx.before, mark, ctx.after + (ctx.after.length >= 60 ? "…" : ""));
      label.appendChild(p);
    });
    const proposed = document.createElement("p");
    proposed.className = "fix-proposed";
    proposed.textContent = "→ " + candidate.proposed;
    label.appendChild(proposed);
    li.appendChild(label);
    return li;
  }

  function ticked() {
    return Array.from(listEl.querySelectorAll('input[type="checkbox"]:checked')).map(function (b) {
      return Number(b.value);
    });
  }

  function updateApply() {
    const n = ticked().length;
    applyBtn.disabled = n === 0;
    applyBtn.textContent = n === candidates.length ? "Apply to all (" + n + ")" : "Apply to " + n;
  }

  async function find() {
    const right = rightEl.value.trim();
    resultEl.textContent = "";
    listEl.replaceChildren();
    candidates = [];
    if (!right) {
      summaryEl.textContent = "Type the correction, then Find.";
      updateApply();
      return 0;
    }
    pending.right = right;
    const query = new URLSearchParams({ wrong: pending.wrong, right: right });
    let body;
    try {
      body = await request(url + "?" + query.toString());
    } catch (err) {
      summaryEl.textContent = "Could not search: " + err.message;
      updateApply();
      return 0;
    }
    candidates = body.candidates;
    variantEl.textContent = body.variants.slice(1).join(", ");
    variantEl.parentElement.hidden = body.variants.length < 2;
    candidates.forEach(function (c) { listEl.appendChild(candidateItem(c)); });
    const occurrences = candidates.reduce(function (n, c) { return n + c.matches.length; }, 0);
    summaryEl.textContent = candidates.length
      ? occurrences + " more occurrence" + (occurrences > 1 ? "s" : "") + " in " + candidates.length +
        " segment" + (candidates.length > 1 ? "s" : "") + ". Untick any that should stay as they are."
      : "No other segment you can edit has “" + pending.wrong + "”.";
    updateApply();
    return candidates.length;
  }

  async function open(wrong, right, span, onlyIfFound) {
    pending = { wrong: wrong, right: right, span: span };
    offered.add(wrong + "\u0000" + right);
    wrongEl.textContent = wrong;
    rightEl.value = right || "";
    const found = await find();
    if (onlyIfFound && !found) return;
    if (!dialog.open) dialog.showModal();
    (found ? applyBtn : rightEl).focus();
  }

  async function apply() {
    const ids = ticked();
    if (!ids.length || !pending) return;
    applyBtn.disabled = true;
    resultEl.textContent = "Applying…";
    let body;
    try {
      body = await request(url, {
        method: "POST",
        body: JSON.stringify({
          wrong: pending.wrong, right: pending.right, translation_ids: ids,
          category: pending.span.category, severity: pending.span.severity, note: pending.span.note || null,
        }),
      });
    } catch (err) {
      resultEl.textContent = "Not applied: " + err.message;
      updateApply();
      return;
    }
    body.results.forEach(function (r) {
      const item = listEl.querySelector('li[data-translation="' + r.translation_id + '"]');
      if (!item) return;
      const outcome = item.querySelector(".fix-item-outcome");
      outcome.textContent = r.outcome + (r.message ? ": " + r.message : "");
      outcome.className = "fix-item-outcome fix-outcome-" + r.outcome;
      item.querySelector("input").checked = false;
      item.querySelector("input").disabled = r.outcome === "applied";
    });
    const c = body.counts;
    resultEl.textContent = "Applied to " + c.applied + " segment" + (c.applied === 1 ? "" : "s") +
      (c.conflict ? ", " + c.conflict + " in conflict (open them to merge)" : "") +
      (c.skipped ? ", " + c.skipped + " skipped" : "") + "." +
      (body.glossary && body.glossary.target ? " Added to the glossary." : "");
    applyBtn.disabled = true;
    document.getElementById("fix-cancel").focus();
    E.say(resultEl.textContent, c.conflict ? "error" : "ok");
  }

  // ---- when to offer -------------------------------------------------------------
  // A correction found by an autosave (3 s after typing stops, perhaps
  // mid-word) is only offered in the panel; one found by a save the
  // annotator asked for (Ctrl+S, Done, the buttons) opens the dialog. The
  // offer is kept for this tab, so after "Done" moves on to the next segment
  // the dialog opens there.
  const STORE_KEY = "mtqa-fix-offer";
  const offerBox = document.getElementById("fix-offer");
  const offerText = document.getElementById("fix-offer-text");
  let asked = 0;
  let offer = null;

  function remember(found) {
    try {
      if (found) sessionStorage.setItem(STORE_KEY, JSON.stringify(found));
      else sessionStorage.removeItem(STORE_KEY);
    } catch (err) { /* storage off: the offer lasts as long as the page */ }
  }

  function recalled() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
    } catch (err) {
      return null;
    }
  }

  function hideOffer() {
    offer = null;
    offerBox.hidden = true;
    remember(null);
  }

  async function showOffer(found) {
    const query = new URLSearchParams({ wrong: found.wrong, right: found.right });
    let body;
    try {
      body = await request(url + "?" + query.toString());
    } catch (err) {
      return;
    }
    if (!body.candidates.length) {
      if (offer && offer.wrong === found.wrong) hideOffer();
      return;
    }
    offer = found;
    offerText.textContent = "“" + found.wrong + "” → “" + found.right + "”: the same error is in " +
      body.candidates.length + " other segment" + (body.candidates.length > 1 ? "s" : "") + ".";
    offerBox.hidden = false;
  }

  document.addEventListener("keydown", function (event) {
    if (document.querySelector("dialog[open]")) return; // nothing is saved behind a dialog
    const mod = event.ctrlKey || event.metaKey;
    if ((mod && (event.key === "s" || event.key === "S")) || (event.key === "Enter" && (mod || event.altKey))) {
      asked = Date.now();
    }
  }, true);
  ["save-btn", "done-btn", "no-errors-btn", "next-btn", "prev-btn"].forEach(function (id) {
    const button = document.getElementById(id);
    if (button) button.addEventListener("click", function () { asked = Date.now(); }, true);
  });

  document.addEventListener("mtqa:saved", function (event) {
    const saved = event.detail;
    const found = correctedSpan(saved);
    last = { post_edit: saved.post_edit, spans: saved.spans.slice() };
    const explicit = Date.now() - asked < 15000;
    if (explicit) asked = 0;
    if (!found) {
      // Saved by hand after an autosave already found the correction.
      if (explicit && offer) open(offer.wrong, offer.right, offer.span, true);
      return;
    }
    remember(found);
    if (explicit) {
      offered.add(found.wrong + "\u0000" + found.right);
      open(found.wrong, found.right, found.span, true);
    } else {
      showOffer(found);
    }
  });

  document.getElementById("fix-offer-open").addEventListener("click", function () {
    if (offer) open(offer.wrong, offer.right, offer.span, false);
  });
  document.getElementById("fix-offer-dismiss").addEventListener("click", function () {
    hideOffer();
    E.mtEl.focus(); // the button just pressed is hidden with the offer
  });

  /** Open the dialog for `span`, with the post-edit's replacement of it. */
  function openFor(span) {
    const right = replacementFor(span, E.postEdit.value);
    open(spanText(span).trim(), right && right !== spanText(span).trim() ? right : "", span, false);
  }

  // "Fix everywhere" on each marked span, added as the editor builds the list.
  E.addSpanItemExtra(function (li, span) {
    if (span.side !== "target" || span.start === span.end) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-small fix-everywhere";
    button.textContent = "Fix everywhere";
    // The visible words first in the name, then which error.
    button.setAttribute("aria-label", "Fix everywhere: “" + spanText(span) + "”");
    button.addEventListener("click", function () { openFor(span); });
    li.appendChild(button);
  });

  function typing(target) {
    return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  // F (outside text boxes): fix the error at the cursor, or the one focused
  // in the list, everywhere.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "f" && event.key !== "F") return;
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    event.preventDefault();
    const span = E.state.spans[E.currentSpan()];
    if (!span || span.side !== "target" || span.start === span.end) {
      E.mtEl.focus();
      E.hint("Put the cursor on a marked error (or focus it in the list), then press F.");
      return;
    }
    openFor(span);
  });

  document.getElementById("fix-find").addEventListener("click", find);
  rightEl.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      find();
    }
  });
  listEl.addEventListener("change", updateApply);
  document.getElementById("fix-form").addEventListener("submit", function (event) {
    event.preventDefault();
    apply();
  });
  document.getElementById("fix-cancel").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () {
    if (pending && offer && offer.wrong === pending.wrong) hideOffer();
    if (pending) {
      const stored = recalled();
      if (stored && stored.wrong === pending.wrong) remember(null);
    }
    E.mtEl.focus();
  });

  // An offer made on the segment just left (e.g. by "Done").
  const carried = recalled();
  if (carried && carried.wrong && carried.span) {
    offered.add(carried.wrong + "\u0000" + carried.right);
    open(carried.wrong, carried.right, carried.span, true).then(function () {
      if (!dialog.open) remember(null);
    });
  }

  window.MtqaPropagate = { open: open };
})();
