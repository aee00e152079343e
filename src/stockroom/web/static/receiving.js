// Receiving against a purchase order: the suggested location is filled in and focused, so
// a scanner's code replaces it instead of being added to it (the worker keeps it with Enter).
"use strict";

(function () {
  function selectSuggested() {
    const field = document.querySelector("[data-suggested] input");
    if (field && document.activeElement === field) field.select();
  }
  document.addEventListener("DOMContentLoaded", selectSuggested);
  document.addEventListener("htmx:afterSettle", selectSuggested);
  document.addEventListener("focusin", (event) => {
    if (event.target.matches && event.target.matches("[data-suggested] input")) event.target.select();
  });
})();
