/* The keyboard cheat sheet stays as the annotator left it: open on the first
 * visit, and closed on every later segment once closed (by click or "?"), so
 * that a learned list stops taking room beside the errors and flags. */
(function () {
  "use strict";

  const sheet = document.getElementById("shortcuts");
  if (!sheet) return;
  const KEY = "mtqa.shortcuts.open";

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (error) { return null; }
  }

  const remembered = stored();
  if (remembered !== null) sheet.open = remembered === "1";
  sheet.addEventListener("toggle", function () {
    try { window.localStorage.setItem(KEY, sheet.open ? "1" : "0"); } catch (error) { /* kept for this page only */ }
  });
})();
