/* The list of marked errors beside the MT: one item per span with its
 * severity, category, quoted words, note and a Delete button, plus whatever
 * controls other panels add (fix everywhere). Built again after every
 * change; the editor (annotate.js) owns the spans and says what a delete
 * does, this file only draws them and keeps the keyboard focus in place. */
(function () {
  "use strict";

  /** options: state (the editor's, read for .spans), mtEl (the MT, whose
   * marks an item lights up on hover and which takes the focus when a
   * re-render leaves nothing to refocus in the list), spanText(span),
   * onDelete(index, fromList). */
  function create(options) {
    const listEl = document.getElementById("span-list");
    const emptyEl = document.getElementById("no-spans");
    const countEl = document.getElementById("span-count");
    const mtEl = options.mtEl;
    const state = options.state;
    /** Functions (li, span, index) adding controls to each error, called as
     * the list is built so that a focused one can be focused again. */
    const extras = [];

    function highlight(index, on) {
      mtEl.querySelectorAll("mark.err").forEach(function (mark) {
        if (mark.dataset.spans.split(" ").includes(String(index))) mark.classList.toggle("err-hover", on);
      });
    }

    function item(s, index) {
      const li = document.createElement("li");
      li.className = "span-item";
      li.dataset.span = String(index);
      const sev = document.createElement("span");
      sev.className = "sev-badge sev-" + s.severity.toLowerCase();
      sev.textContent = s.severity;
      const body = document.createElement("div");
      body.className = "span-body";
      const cat = document.createElement("div");
      cat.className = "span-category";
      cat.textContent = s.category;
      const quoted = document.createElement("q");
      quoted.className = "span-quote";
      quoted.textContent = s.start === s.end ? "(omission at " + s.start + ")" : options.spanText(s);
      body.append(cat, quoted);
      if (s.note) {
        const noteEl = document.createElement("div");
        noteEl.className = "span-note";
        noteEl.textContent = s.note;
        body.appendChild(noteEl);
      }
      const del = document.createElement("button");
      del.type = "button";
      del.className = "btn btn-small btn-danger-link span-delete";
      del.textContent = "Delete";
      del.setAttribute("aria-label", "Delete " + s.category + " error on “" + options.spanText(s) + "”");
      del.setAttribute("aria-keyshortcuts", "Delete");
      del.addEventListener("click", function () { options.onDelete(index, false); });
      li.append(sev, body, del);
      extras.forEach(function (extra) { extra(li, s, index); });
      li.addEventListener("mouseenter", function () { highlight(index, true); });
      li.addEventListener("mouseleave", function () { highlight(index, false); });
      return li;
    }

    /** The index of the error whose item holds the focus, or null. */
    function focused() {
      const li = listEl.contains(document.activeElement)
        ? document.activeElement.closest(".span-item") : null;
      return li ? Number(li.dataset.span) : null;
    }

    function render() {
      // A save re-renders the list: a focused button keeps its focus (the
      // same button of the same error, or of the next one after a delete).
      const refocus = focused();
      const refocusKind = refocus === null ? -1 : Array.from(
        document.activeElement.closest(".span-item").querySelectorAll("button"),
      ).indexOf(document.activeElement);
      listEl.replaceChildren();
      emptyEl.hidden = state.spans.length > 0;
      countEl.textContent = state.spans.length ? "(" + state.spans.length + ")" : "";
      state.spans.forEach(function (s, index) { listEl.appendChild(item(s, index)); });
      if (refocus !== null) {
        const li = listEl.children[Math.min(refocus, state.spans.length - 1)];
        const buttons = li ? li.querySelectorAll("button") : [];
        (buttons[refocusKind] || (li && li.querySelector(".span-delete")) || mtEl).focus();
      }
    }

    listEl.addEventListener("keydown", function (event) {
      if ((event.key !== "Delete" && event.key !== "Backspace") ||
          event.ctrlKey || event.altKey || event.metaKey) return;
      const li = event.target.closest(".span-item");
      if (!li) return;
      event.preventDefault();
      options.onDelete(Number(li.dataset.span), true);
    });

    return {
      render: render,
      focused: focused,
      contains: function (node) { return listEl.contains(node); },
      addExtra: function (extra) { extras.push(extra); render(); },
    };
  }

  window.MtqaErrorList = { create: create };
})();
