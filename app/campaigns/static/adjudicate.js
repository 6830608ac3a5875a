// "Start from this post-edit": copy an annotator's post-edit into the gold
// textarea. The texts come from a JSON block (never executed), so no
// annotator text is ever parsed as HTML or script.
(function () {
  'use strict';
  const dataBlock = document.getElementById('adjudicate-data');
  const target = document.getElementById('gold-post-edit');
  if (!dataBlock || !target) return;
  const texts = JSON.parse(dataBlock.textContent);
  document.querySelectorAll('.use-post-edit').forEach(function (button) {
    button.addEventListener('click', function () {
      const text = texts[button.dataset.assessment];
      if (typeof text !== 'string') return;
      target.value = text;
      target.focus();
    });
  });
})();
