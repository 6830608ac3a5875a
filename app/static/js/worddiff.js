/* Word-level diff of the post-edit against the MT, and its live view.
 *
 * Tokens are runs of letters/digits, runs of white space, and single other
 * characters (punctuation, one emoji with its modifiers). Chinese, Japanese
 * and Korean script characters are one token each: those languages do not
 * separate words by spaces, so a "word" run would be the whole sentence.
 * Regular expressions run with the `u` flag, so a character outside the
 * Basic Multilingual Plane (😀, 𠮷) is never split into its two UTF-16 halves.
 */
(function (root) {
  "use strict";

  const CJK = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u3005\\u30FC";
  const TOKEN = new RegExp(
    "[" + CJK + "]" +
    "|(?:(?![" + CJK + "])[\\p{L}\\p{N}\\p{M}_])+" +
    "|\\s+" +
    "|\\p{Regional_Indicator}{2}" +
    "|\\p{Extended_Pictographic}(?:\\p{Emoji_Modifier}|\\uFE0F|\\u200D\\p{Extended_Pictographic})*" +
    "|[\\s\\S]",
    "gu"
  );
  /** Above this many LCS cells the middle is shown as one replacement. */
  const MAX_CELLS = 4000000;

  function tokenize(text) {
    return text.match(TOKEN) || [];
  }

  /** Ops [{op: "eq"|"del"|"ins", text}] turning `before` into `after`. Within
   * each changed stretch the deletion comes before the insertion. */
  function diff(before, after) {
    const a = tokenize(before);
    const b = tokenize(after);
    let pre = 0;
    while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre += 1;
    let suf = 0;
    while (suf < a.length - pre && suf < b.length - pre &&
           a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf += 1;
    const ma = a.slice(pre, a.length - suf);
    const mb = b.slice(pre, b.length - suf);
    const raw = [];
    a.slice(0, pre).forEach(function (t) { raw.push(["eq", t]); });
    middle(ma, mb).forEach(function (op) { raw.push(op); });
    a.slice(a.length - suf).forEach(function (t) { raw.push(["eq", t]); });
    return group(raw);
  }

  function middle(a, b) {
    const n = a.length;
    const m = b.length;
    const ops = [];
    if (n * m > MAX_CELLS) {
      a.forEach(function (t) { ops.push(["del", t]); });
      b.forEach(function (t) { ops.push(["ins", t]); });
      return ops;
    }
    // lcs[i * (m + 1) + j]: LCS length of a[i:] and b[j:].
    const lcs = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        lcs[i * (m + 1) + j] = a[i] === b[j]
          ? lcs[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) {
        ops.push(["eq", a[i]]);
        i += 1;
        j += 1;
      } else if (lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
        ops.push(["del", a[i]]);
        i += 1;
      } else {
        ops.push(["ins", b[j]]);
        j += 1;
      }
    }
    for (; i < n; i += 1) ops.push(["del", a[i]]);
    for (; j < m; j += 1) ops.push(["ins", b[j]]);
    return ops;
  }

  /** Merge token ops into runs; a lone space between two changes joins them,
   * so "Wang Cola" → "Li Kele" reads as one replacement, not two. */
  function group(raw) {
    const out = [];
    let del = "";
    let ins = "";
    function flush() {
      if (del) out.push({ op: "del", text: del });
      if (ins) out.push({ op: "ins", text: ins });
      del = "";
      ins = "";
    }
    raw.forEach(function (op, k) {
      const kind = op[0];
      const text = op[1];
      if (kind === "eq") {
        const prev = raw[k - 1];
        const next = raw[k + 1];
        const bridge = /^\s+$/.test(text) && prev && next && prev[0] !== "eq" && next[0] !== "eq";
        if (bridge) {
          del += text;
          ins += text;
          return;
        }
        flush();
        const last = out[out.length - 1];
        if (last && last.op === "eq") last.text += text;
        else out.push({ op: "eq", text: text });
      } else if (kind === "del") {
        del += text;
      } else {
        ins += text;
      }
    });
    flush();
    return out;
  }

  /** Render ops into `container` as text, <del> and <ins> (textContent only:
   * the post-edit is user text). */
  function render(container, ops) {
    const fragment = document.createDocumentFragment();
    ops.forEach(function (op) {
      if (op.op === "eq") {
        fragment.appendChild(document.createTextNode(op.text));
      } else {
        const el = document.createElement(op.op);
        el.textContent = op.text;
        fragment.appendChild(el);
      }
    });
    container.replaceChildren(fragment);
  }

  const api = { tokenize: tokenize, diff: diff, render: render };
  root.MtqaWordDiff = api;
  if (typeof module === "object" && module.exports) module.exports = api;

  // ---- the live view under the post-edit ------------------------------------
  if (typeof document === "undefined") return;
  const view = document.getElementById("pe-diff-text");
  const E = root.MtqaEditor;
  if (!view || !E) return;
  const summary = document.getElementById("pe-diff-summary");
  let pending = 0;

  function update() {
    pending = 0;
    const ops = diff(E.data.mt, E.postEdit.value);
    render(view, ops);
    const changed = ops.some(function (op) { return op.op !== "eq"; });
    if (summary) {
      // A deletion followed by its insertion is one change (a replacement).
      const words = ops.filter(function (op, k) {
        return op.op === "del" || (op.op === "ins" && !(ops[k - 1] && ops[k - 1].op === "del"));
      }).length;
      summary.textContent = changed
        ? "(" + words + " change" + (words === 1 ? "" : "s") + ")" : "(same as the MT)";
    }
  }
  function schedule() {
    if (!pending) pending = setTimeout(update, 30);
  }
  E.postEdit.addEventListener("input", schedule);
  document.addEventListener("mtqa:post-edit-set", update);
  document.addEventListener("mtqa:saved", schedule);
  update();
})(typeof window !== "undefined" ? window : globalThis);
