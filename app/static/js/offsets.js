/* Offsets between the page and the server.
 *
 * The server stores span offsets as Python string indices, i.e. Unicode code
 * points; JavaScript strings and DOM offsets count UTF-16 code units, in which
 * an emoji or a rare CJK character takes two. Every offset that crosses the
 * boundary goes through these functions, so "😀 Wang Cola" selects the same
 * characters on both sides.
 */
(function () {
  "use strict";

  /** Number of code points in a string (Python's len). */
  function cpLength(text) {
    let n = 0;
    for (const _ of text) n += 1; // eslint-disable-line no-unused-vars
    return n;
  }

  /** UTF-16 index -> code-point index. */
  function utf16ToCp(text, index) {
    return cpLength(text.slice(0, index));
  }

  /** Code-point index -> UTF-16 index (clamped to the text). */
  function cpToUtf16(text, index) {
    let units = 0;
    let points = 0;
    for (const ch of text) {
      if (points >= index) break;
      units += ch.length;
      points += 1;
    }
    return units;
  }

  /** Clamp a DOM point into `root`: points before it map to its start,
   * points after it to its end. */
  function clampPoint(root, node, offset) {
    const whole = document.createRange();
    whole.selectNodeContents(root);
    let where;
    try {
      where = whole.comparePoint(node, offset);
    } catch (e) {
      return null; // a node in another document or a detached one
    }
    if (where < 0) return { node: root, offset: 0 };
    if (where > 0) return { node: root, offset: root.childNodes.length };
    return { node: node, offset: offset };
  }

  /** Code-point offset of a DOM point within root's text. Only text nodes
   * count (Range.toString), so markers without text do not shift offsets. */
  function pointToCp(root, node, offset) {
    const point = clampPoint(root, node, offset);
    if (point === null) return null;
    const before = document.createRange();
    before.setStart(root, 0);
    before.setEnd(point.node, point.offset);
    return cpLength(before.toString());
  }

  /** The DOM point at a code-point offset within root's text. */
  function cpToPoint(root, index) {
    const text = root.textContent;
    let remaining = cpToUtf16(text, index);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let last = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (remaining <= node.data.length) return { node: node, offset: remaining };
      remaining -= node.data.length;
      last = node;
    }
    if (last) return { node: last, offset: last.data.length };
    return { node: root, offset: 0 };
  }

  /** The current selection as {anchor, focus, start, end} code-point
   * offsets in root, or null when the selection does not touch root. */
  function selectionOffsets(root, selection) {
    if (!selection || selection.rangeCount === 0) return null;
    const range = selection.getRangeAt(0);
    if (!range.intersectsNode(root)) return null;
    const anchor = pointToCp(root, selection.anchorNode, selection.anchorOffset);
    const focus = pointToCp(root, selection.focusNode, selection.focusOffset);
    if (anchor === null || focus === null) return null;
    return { anchor: anchor, focus: focus, start: Math.min(anchor, focus), end: Math.max(anchor, focus) };
  }

  /** Select root's text from code point `anchor` to `focus` (either order). */
  function selectOffsets(root, selection, anchor, focus) {
    const a = cpToPoint(root, anchor);
    const f = cpToPoint(root, focus);
    selection.setBaseAndExtent(a.node, a.offset, f.node, f.offset);
  }

  /** Word starts and ends (code points) for word-wise keyboard selection. */
  function wordBounds(text) {
    const starts = [];
    const ends = [];
    if (typeof Intl !== "undefined" && Intl.Segmenter) {
      const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });
      for (const part of segmenter.segment(text)) {
        if (!part.isWordLike) continue;
        const start = utf16ToCp(text, part.index);
        starts.push(start);
        ends.push(start + cpLength(part.segment));
      }
    } else {
      const chars = Array.from(text);
      let inWord = false;
      chars.forEach(function (ch, i) {
        const word = /[\p{L}\p{N}_]/u.test(ch);
        if (word && !inWord) starts.push(i);
        if (!word && inWord) ends.push(i);
        inWord = word;
      });
      if (inWord) ends.push(chars.length);
    }
    return { starts: starts, ends: ends };
  }

  window.MtqaOffsets = {
    cpLength: cpLength,
    utf16ToCp: utf16ToCp,
    cpToUtf16: cpToUtf16,
    pointToCp: pointToCp,
    cpToPoint: cpToPoint,
    selectionOffsets: selectionOffsets,
    selectOffsets: selectOffsets,
    wordBounds: wordBounds,
  };
})();
