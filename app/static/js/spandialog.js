/* The "mark error" dialog: category, subtype and severity by number keys or
 * by mouse, an optional note. Resolves to a span object or null. */
(function () {
  "use strict";

  const dialog = document.getElementById("span-dialog");
  if (!dialog) return;
  const form = document.getElementById("span-form");
  const quote = document.getElementById("span-quote");
  const step = document.getElementById("span-step");
  const note = document.getElementById("span-note");
  const errorLine = document.getElementById("span-error");
  const groupInputs = Array.from(form.querySelectorAll('input[name="group"]'));
  const severityInputs = Array.from(form.querySelectorAll('input[name="severity"]'));
  const subtypeBoxes = Array.from(form.querySelectorAll(".subtypes"));
  const subtypeEmpty = form.querySelector(".subtype-empty");
  const columns = {
    group: document.getElementById("group-col"),
    subtype: document.getElementById("subtype-col"),
    severity: document.getElementById("severity-col"),
  };

  let phase = "group";
  let resolver = null;

  function checked(name) {
    const input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : null;
  }

  function currentSubtypeInputs() {
    const box = subtypeBoxes.find(function (b) { return !b.hidden; });
    return box ? Array.from(box.querySelectorAll('input[name="category"]')) : [];
  }

  function setPhase(next) {
    phase = next;
    Object.keys(columns).forEach(function (key) {
      columns[key].classList.toggle("span-col-active", key === phase);
    });
    const group = checked("group");
    const messages = {
      group: "Press 1–" + groupInputs.length + " for the category.",
      subtype: "Press 1–" + currentSubtypeInputs().length + " for the kind of " + (group || "error") +
        " error. Backspace goes back.",
      severity: "Press 1–" + severityInputs.length + " for the severity. Backspace goes back.",
      ready: "Press Enter to add the error, or type a note first.",
    };
    step.textContent = messages[phase] || "";
  }

  function showGroup(groupName) {
    subtypeBoxes.forEach(function (box) { box.hidden = box.dataset.group !== groupName; });
    subtypeEmpty.hidden = Boolean(groupName);
    form.querySelectorAll('input[name="category"]').forEach(function (input) {
      if (input.closest(".subtypes").dataset.group !== groupName) input.checked = false;
    });
  }

  function chooseGroup(input) {
    input.checked = true;
    showGroup(input.value);
    const subtypes = currentSubtypeInputs();
    if (input.dataset.single || subtypes.length === 1) {
      subtypes[0].checked = true;
      setPhase(checked("severity") ? "ready" : "severity");
    } else {
      setPhase("subtype");
    }
  }

  function afterCategory() {
    setPhase(checked("severity") ? "ready" : "severity");
  }

  function reset() {
    form.reset();
    showGroup(null);
    errorLine.textContent = "";
    setPhase("group");
  }

  function finish(value) {
    const resolve = resolver;
    resolver = null;
    if (dialog.open) dialog.close();
    if (resolve) resolve(value);
  }

  function submit() {
    const category = checked("category");
    const severity = checked("severity");
    if (!category || !severity) {
      errorLine.textContent = !category ? "Choose a category." : "Choose a severity.";
      setPhase(!checked("group") ? "group" : !category ? "subtype" : "severity");
      return;
    }
    finish({ category: category, severity: severity, note: note.value.trim() || null });
  }

  groupInputs.forEach(function (input) {
    input.addEventListener("change", function () { chooseGroup(input); });
  });
  form.querySelectorAll('input[name="category"]').forEach(function (input) {
    input.addEventListener("change", afterCategory);
  });
  severityInputs.forEach(function (input) {
    input.addEventListener("change", function () { setPhase(checked("category") ? "ready" : phase); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit();
  });
  document.getElementById("span-cancel").addEventListener("click", function () { finish(null); });
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    finish(null);
  });

  dialog.addEventListener("keydown", function (event) {
    if (event.target === note) {
      if (event.key === "Enter") {
        event.preventDefault();
        submit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) {
      if (event.key === "Enter") {
        event.preventDefault();
        submit();
      }
      return;
    }
    if (/^[1-9]$/.test(event.key)) {
      const index = Number(event.key) - 1;
      let list;
      if (phase === "group") list = groupInputs;
      else if (phase === "subtype") list = currentSubtypeInputs();
      else list = severityInputs;
      event.preventDefault();
      if (index >= list.length) return;
      if (phase === "group") {
        chooseGroup(list[index]);
      } else if (phase === "subtype") {
        list[index].checked = true;
        afterCategory();
      } else {
        list[index].checked = true;
        setPhase("ready");
      }
      errorLine.textContent = "";
      return;
    }
    if (event.key === "Backspace") {
      event.preventDefault();
      if (phase === "ready" || phase === "severity") {
        const single = currentSubtypeInputs().length <= 1;
        setPhase(single ? "group" : "subtype");
      } else if (phase === "subtype") {
        setPhase("group");
      }
      return;
    }
    if (event.key === "Enter") {
      event.preventDefault();
      submit();
    }
  });

  /** Open the dialog for `text`; resolves to {category, severity, note} or null. */
  function ask(text) {
    reset();
    quote.textContent = text;
    dialog.showModal();
    const first = groupInputs[0];
    if (first) first.focus();
    return new Promise(function (resolve) { resolver = resolve; });
  }

  window.MtqaSpanDialog = { ask: ask, isOpen: function () { return dialog.open; } };
})();
