// New-campaign form: offer only the chosen corpus's documents. Without
// JavaScript every corpus's documents stay listed (grouped by corpus) and
// the server refuses a document of another corpus with a clear message.
(function () {
  'use strict';
  const corpus = document.getElementById('corpus');
  const documents = document.getElementById('documents');
  if (!corpus || !documents) return;
  function sync() {
    const chosen = corpus.options[corpus.selectedIndex];
    const name = chosen ? chosen.text : '';
    documents.querySelectorAll('optgroup').forEach(function (group) {
      const mine = group.label === name;
      group.hidden = !mine;
      group.disabled = !mine;
      if (!mine) {
        group.querySelectorAll('option').forEach(function (option) { option.selected = false; });
      }
    });
  }
  corpus.addEventListener('change', sync);
  sync();
})();
