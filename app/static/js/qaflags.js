/* QA flags in the editor's side panel: suspicious spans the checks found,
 * for the annotator to confirm (the error span is added to the editor and
 * saved with the next save) or dismiss. Nothing is applied on its own.
 *
 * Every open flag is drawn over the MT from the start ("qa-flags", a wavy
 * underline); the current one, or the one under the pointer, more strongly
 * ("qa-flag"). Both are CSS Custom Highlights, so the editor's DOM of the
 * MT is left alone; they are drawn again whenever the editor rebuilds it.
 *
 * Keys (outside text boxes): J / K next / previous flag, Y confirm, X dismiss.
 * The editor's own keys (N, P, M, E, T, ?) are left alone.
 */
(function () {
  "use strict";

  const E = window.MtqaEditor;
  const panel = document.getElementById("qa-panel");
  if (!E || !panel) return;
  const Off = window.MtqaOffsets;
  const list = document.getElementById("qa-flag-list");
  const empty = document.getElementById("qa-empty");
  const count = document.getElementById("qa-count");
  const mtChars = Array.from(E.data.mt);

  let flags = [];
  let current = -1;

  const canHighlight = typeof Highlight === "function" && CSS.highlights;
  /** Every open flag. */
  const marks = canHighlight ? new Highlight() : null;
  /** The current flag or the one under the pointer, drawn over the others. */
  const highlight = canHighlight ? new Highlight() : null;
  if (canHighlight) {
    highlight.priority = 1;
    CSS.highlights.set("qa-flags", marks);
    CSS.highlights.set("qa-flag", highlight);
  }

  function flagRange(flag) {
    if (!flag || flag.start === flag.end || flag.side !== "target") return null;
    const a = Off.cpToPoint(E.mtEl, flag.start);
    const b = Off.cpToPoint(E.mtEl, flag.end);
    const range = new Range();
    range.setStart(a.node, a.offset);
    range.setEnd(b.node, b.offset);
    return range;
  }

  /** Mark every open flag on the MT; decided ones are no longer marked. */
  function markAll() {
    if (!marks) return;
    marks.clear();
    flags.forEach(function (flag) {
      const range = flag.status === "open" ? flagRange(flag) : null;
      if (range) marks.add(range);
    });
  }

  /** Draw flag `index` strongly: the current flag while it is open, or any
   * flag under the pointer (`hovered`), to show where it is. */
  function showFlag(index, hovered) {
    if (!highlight) return;
    highlight.clear();
    const flag = flags[index];
    if (!flag || (!hovered && flag.status !== "open")) return;
    const range = flagRange(flag);
    if (range) highlight.add(range);
  }

  function redraw() {
    markAll();
    showFlag(current);
  }

  async function request(url, options) {
    const response = await fetch(url, Object.assign({
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": E.csrfToken },
    }, options || {}));
    const body = await response.json().catch(function () { return null; });
    if (!response.ok) throw new Error((body && body.error) || response.statusText);
    return body;
  }

  /** The flag and decision of a focused button in the list, to focus the
   * same button again in the rebuilt list. */
  function focusedButton() {
    const active = document.activeElement;
    if (!active || !list.contains(active)) return null;
    const item = active.closest(".qa-flag");
    return item ? { flag: item.dataset.flag, decision: active.dataset.decision || null } : null;
  }

  function refocus(where) {
    const item = Array.from(list.children).find(function (li) { return li.dataset.flag === where.flag; });
    if (!item) return;
    const target = (where.decision && item.querySelector('button[data-decision="' + where.decision + '"]')) ||
      item.querySelector("button");
    if (target) target.focus({ preventScroll: true });
  }

  function render() {
    const focused = focusedButton();
    list.replaceChildren();
    const open = flags.filter(function (f) { return f.status === "open"; }).length;
    count.textContent = flags.length ? "(" + open + " open of " + flags.length + ")" : "";
    empty.hidden = flags.length > 0;
    empty.textContent = "No QA flags on this translation.";
    flags.forEach(function (flag, index) {
      const li = document.createElement("li");
      li.className = "qa-flag" + (flag.status !== "open" ? " qa-decided" : "") +
        (index === current ? " qa-current" : "");
      li.dataset.flag = String(flag.id);
      li.dataset.check = flag.check;
      li.dataset.status = flag.status;
      if (index === current) li.setAttribute("aria-current", "true");

      const head = document.createElement("div");
      const check = document.createElement("div");
      check.className = "qa-flag-check";
      check.textContent = flag.check;
      const text = document.createElement("q");
      text.className = "qa-flag-text";
      text.textContent = flag.start === flag.end ? "(at " + flag.start + ")" : flag.text;
      head.append(check, text);
      const status = document.createElement("span");
      status.className = "qa-flag-status qa-status-" + flag.status;
      status.textContent = flag.status;
      const message = document.createElement("div");
      message.className = "qa-flag-message";
      message.textContent = flag.message + (flag.suggestion ? " Suggestion: “" + flag.suggestion + "”." : "");

      const actions = document.createElement("div");
      actions.className = "qa-flag-actions";
      [["confirmed", "Confirm", "Y"], ["dismissed", "Dismiss", "X"]].forEach(function (spec) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-small qa-" + spec[0];
        button.dataset.decision = spec[0];
        // Named by its content (visible words first, then which flag), so
        // that the name holds what is shown: "Confirm … flag on “快手” Y".
        const which = document.createElement("span");
        which.className = "visually-hidden";
        which.textContent = " " + flag.check + " flag on “" + flag.text + "”";
        const kbd = document.createElement("kbd");
        kbd.textContent = spec[2];
        button.append(spec[1], which, " ", kbd);
        // aria-disabled, not disabled: the button just pressed keeps the focus.
        if (flag.status === spec[0]) button.setAttribute("aria-disabled", "true");
        button.addEventListener("click", function () {
          select(index);
          if (flags[index].status !== spec[0]) decide(index, spec[0]);
        });
        actions.appendChild(button);
      });
      li.append(head, status, message, actions);
      li.addEventListener("mouseenter", function () { showFlag(index, true); });
      li.addEventListener("mouseleave", function () { showFlag(current); });
      list.appendChild(li);
    });
    if (focused) refocus(focused);
  }

  function select(index) {
    if (!flags.length) return;
    current = (index + flags.length) % flags.length;
    render();
    redraw();
    const item = list.children[current];
    if (item) item.scrollIntoView({ block: "nearest" });
  }

  function hasSpan(span) {
    return E.state.spans.some(function (s) {
      return s.side === span.side && s.start === span.start && s.end === span.end;
    });
  }

  async function decide(index, status) {
    const flag = flags[index];
    if (!flag) return;
    let body;
    try {
      body = await request(panel.dataset.decideUrl.replace("/0/", "/" + flag.id + "/"), {
        method: "POST", body: JSON.stringify({ status: status }),
      });
    } catch (err) {
      E.say("QA flag not recorded: " + err.message, "error");
      return;
    }
    flags[index] = body.flag;
    if (body.span && !hasSpan(body.span)) {
      E.addSpan(body.span);
      E.say("Flag confirmed: error added on “" + mtChars.slice(body.span.start, body.span.end).join("") +
        "”. Save to keep it.", "pending");
    } else {
      E.say("Flag " + status + ".", "ok");
    }
    render();
    redraw();
  }

  async function load() {
    try {
      const body = await request(panel.dataset.flagsUrl);
      flags = body.flags;
    } catch (err) {
      empty.textContent = "QA flags could not be loaded: " + err.message;
      return;
    }
    render();
    redraw();
  }

  function typing(target) {
    return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    const key = event.key.toLowerCase();
    if (key === "j") select(current + 1);
    else if (key === "k") select(current < 0 ? -1 : current - 1);
    else if ((key === "y" || key === "x") && current >= 0) decide(current, key === "y" ? "confirmed" : "dismissed");
    else return;
    event.preventDefault();
  });

  // The editor rebuilds the MT after each change (new error, save, undo),
  // which leaves the ranges pointing nowhere: draw the flags again.
  new MutationObserver(redraw).observe(E.mtEl, { childList: true });

  window.MtqaQaFlags = { reload: load };
  load();
})();
