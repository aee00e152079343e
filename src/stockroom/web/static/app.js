// Stockroom's page behaviour: no framework, no build step. htmx does the partial updates.
"use strict";

(function () {
  const DRAFT = "stockroom:draft";

  // A form posted after the login ended comes back, after logging in, with what was typed
  // (never passwords or tokens). The draft is written when a form is submitted, kept while
  // the login page shows, restored on the page it came from, and dropped anywhere else.
  function saveDraft(form) {
    if (!form.id || form.action.endsWith("/login")) return;
    const fields = {};
    for (const el of form.elements) {
      if (!el.name || el.type === "password" || el.type === "hidden" || el.type === "submit") continue;
      fields[el.name] = el.type === "checkbox" ? el.checked : el.value;
    }
    sessionStorage.setItem(DRAFT, JSON.stringify({ path: location.pathname, form: form.id, fields, keep: false }));
  }

  function restoreDraft() {
    const raw = sessionStorage.getItem(DRAFT);
    if (!raw) return;
    let draft;
    try { draft = JSON.parse(raw); } catch (e) { sessionStorage.removeItem(DRAFT); return; }
    if (document.querySelector('form[action="/login"]')) {
      draft.keep = true;
      sessionStorage.setItem(DRAFT, JSON.stringify(draft));
      return;
    }
    sessionStorage.removeItem(DRAFT);
    const form = draft.keep && draft.path === location.pathname && document.getElementById(draft.form);
    if (!form) return;
    for (const [name, value] of Object.entries(draft.fields)) {
      const el = form.elements.namedItem(name);
      if (!el || el.type === "hidden") continue;
      if (el.type === "checkbox") el.checked = Boolean(value); else el.value = value;
    }
    const note = document.createElement("p");
    note.className = "warning";
    note.textContent = "You were logged out. What you had entered is back: check it and send it again.";
    form.prepend(note);
  }

  // Keyboard-wedge scanners type the code and press Enter: in a scan field, Enter moves to
  // the next field instead of sending the form; in the last one it sends it.
  function advanceOnEnter(event) {
    const el = event.target;
    if (event.key !== "Enter" || !el.matches("input[data-advance]")) return;
    const form = el.form;
    if (!form) return;
    const fields = Array.from(form.querySelectorAll("input:not([type=hidden]), select, textarea"))
      // Not a field hidden in a closed <details> (the floor's lot part): Chromium renders
      // its content with content-visibility, so offsetParent alone does not tell.
      .filter((f) => !f.disabled && f.offsetParent !== null && !f.closest("details:not([open])"));
    const next = fields[fields.indexOf(el) + 1];
    event.preventDefault();
    if (next) { next.focus(); if (next.select) next.select(); } else { form.requestSubmit(); }
  }

  // A form sent by htmx stays on its page: once the server has answered it (booked, or
  // shown again with its errors), its draft must not come back later as if unsent. Only a
  // send that led to the login page, or reached no server, keeps it.
  function dropAnsweredDraft(event) {
    const xhr = event.detail.xhr;
    if (xhr && xhr.status !== 0 && !xhr.getResponseHeader("HX-Redirect")) sessionStorage.removeItem(DRAFT);
  }

  document.addEventListener("submit", (event) => saveDraft(event.target), true);
  document.addEventListener("htmx:afterRequest", dropAnsweredDraft);
  document.addEventListener("keydown", advanceOnEnter);
  document.addEventListener("DOMContentLoaded", restoreDraft);

  // htmx swaps only 2xx replies by default; ours say what went wrong in 4xx replies meant
  // to be shown (a form with its errors, or an error message retargeted to #flash).
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:sendError", (event) => {
    // Floor forms are kept for later by offline.js instead.
    if (event.detail.elt && event.detail.elt.closest("form[data-offline]")) return;
    const flash = document.getElementById("flash");
    if (flash) flash.innerHTML = '<p class="error" role="alert">No connection to Stockroom. Check the network and try again.</p>';
  });
})();
