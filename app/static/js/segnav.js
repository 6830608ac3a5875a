/* N and P on a segment shown for context only (metadata, boilerplate, a
 * segment without a translation): the editor's keys are not loaded there,
 * and an annotator who lands on one by a context link should still move on
 * without the mouse. There is nothing to save, so the links are followed. */
(function () {
  "use strict";

  const links = { n: document.getElementById("next-btn"), p: document.getElementById("prev-btn") };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) {
      return;
    }
    const link = links[event.key.toLowerCase()];
    if (!link) return;
    event.preventDefault();
    window.location.assign(link.href);
  });
})();
