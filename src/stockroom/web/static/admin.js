// Admin pages: the "Copy" button beside a new API key (shown once, so make copying easy).
"use strict";

(function () {
  function say(id, text) {
    const status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) status.textContent = text;
  }

  async function copy(button) {
    const id = button.getAttribute("data-copy");
    const field = document.getElementById(id);
    if (!field) return;
    field.focus();
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      say(id, "Copied. Paste it where it is needed now.");
    } catch (e) {
      // No clipboard access (an old browser, a denied permission): the text is selected.
      say(id, "Selected: press Ctrl+C (or ⌘C) to copy it.");
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-copy]");
    if (button) copy(button);
  });
})();
