// Floor work that survives bad Wi-Fi.
//
// A form marked data-offline (the floor operations) that cannot reach the server is not
// lost: its fields go into an outbox in IndexedDB, on this device, and show in a visible
// "Waiting to send" list. When the connection is back they are sent in the order they were
// made, each with the idempotency key it was given when it was made, so a send that reached
// the server but whose answer was lost books nothing twice when it is sent again. A send
// the server refuses (not enough stock by then, say) stays in the list with the reason
// until the user dismisses it; nothing is dropped silently.
"use strict";

(function () {
  const DB_NAME = "stockroom-offline";
  const STORE = "outbox";
  const RETRY_MS = 15000;
  let sending = false;

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : undefined); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  }

  const outbox = {
    add: (entry) => withStore("readwrite", (store) => store.add(entry)),
    put: (entry) => withStore("readwrite", (store) => store.put(entry)),
    remove: (id) => withStore("readwrite", (store) => store.delete(id)),
    all: () => withStore("readonly", (store) => store.getAll()),
  };

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function describe(form, fields) {
    const what = form.dataset.offlineLabel || form.querySelector("button[type=submit]")?.textContent.trim() || "Operation";
    const parts = [fields.quantity || fields.counted || fields.delta, fields.product || fields.sku,
      fields.location || fields.from_location, fields.to_location ? "→ " + fields.to_location : ""];
    return [what, ...parts.filter(Boolean)].join(" ");
  }

  // Keep the operation, then make the form ready for the next scan with a key of its own.
  async function keep(form) {
    const fields = {};
    for (const [name, value] of new FormData(form).entries()) {
      if (name !== "csrf_token" && typeof value === "string") fields[name] = value;
    }
    if (!fields.idempotency_key) fields.idempotency_key = newKey();
    await outbox.add({
      action: new URL(form.action, location.href).pathname,
      fields,
      label: describe(form, fields),
      made: new Date().toISOString(),
      state: "waiting",
      reason: "",
    });
    for (const name of (form.dataset.offlineClear || "product,quantity,counted,delta").split(",")) {
      const el = form.elements.namedItem(name);
      if (el) el.value = "";
    }
    const key = form.elements.namedItem("idempotency_key");
    if (key) key.value = newKey();
    const first = form.querySelector("input[data-advance]");
    if (first) first.focus();
    await show();
  }

  function item(entry) {
    const li = document.createElement("li");
    li.className = entry.state === "refused" ? "outbox-refused" : "outbox-waiting";
    const text = document.createElement("span");
    text.textContent = entry.label;
    li.append(text);
    const when = document.createElement("span");
    when.className = "muted";
    when.textContent = " " + new Date(entry.made).toLocaleTimeString();
    li.append(when);
    if (entry.state === "refused") {
      const reason = document.createElement("p");
      reason.className = "error";
      reason.setAttribute("role", "alert");
      reason.textContent = "Not booked: " + entry.reason;
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.textContent = "Dismiss";
      dismiss.addEventListener("click", async () => { await outbox.remove(entry.id); await show(); });
      li.append(reason, dismiss);
    }
    return li;
  }

  async function show() {
    const panel = document.getElementById("outbox");
    if (!panel) return;
    const entries = await outbox.all();
    const list = panel.querySelector("ul");
    list.replaceChildren(...entries.map(item));
    const waiting = entries.filter((e) => e.state === "waiting").length;
    panel.querySelector("[data-outbox-count]").textContent = String(waiting);
    panel.hidden = entries.length === 0;
    document.body.classList.toggle("is-offline", !navigator.onLine);
  }

  // The reason a refusal gives, in the words the page would have shown.
  function reasonOf(html, status) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const said = Array.from(doc.querySelectorAll("[role=alert], .field-error"))
      .map((el) => el.textContent.trim()).filter(Boolean);
    return said.length ? said.join(" ") : "the server refused it (" + status + ")";
  }

  async function sendOne(entry) {
    const response = await fetch(entry.action, {
      method: "POST",
      body: new URLSearchParams(entry.fields),
      headers: { "Idempotency-Key": entry.fields.idempotency_key, "X-CSRF-Token": csrfToken(), "HX-Request": "true" },
      credentials: "same-origin",
      redirect: "manual",
    });
    if (response.type === "opaqueredirect" || response.status === 401 || response.headers.get("HX-Redirect")) {
      return "login";
    }
    if (response.ok) return "sent";
    if (response.status >= 500 || response.status === 429) return "later";
    entry.state = "refused";
    entry.reason = reasonOf(await response.text(), response.status);
    await outbox.put(entry);
    return "refused";
  }

  async function flush() {
    if (sending || !navigator.onLine) return;
    sending = true;
    try {
      for (const entry of await outbox.all()) {
        if (entry.state !== "waiting") continue;
        let outcome;
        try { outcome = await sendOne(entry); } catch (e) { outcome = "later"; }
        if (outcome === "sent") await outbox.remove(entry.id);
        if (outcome === "login") { note("Log in again to send what is waiting."); break; }
        if (outcome === "later") break;
        await show();
      }
    } finally {
      sending = false;
      await show();
    }
  }

  function note(message) {
    const panel = document.getElementById("outbox");
    const slot = panel && panel.querySelector("[data-outbox-note]");
    if (slot) slot.textContent = message;
  }

  // Offline (or the send failed on the way): keep the operation instead of losing it.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("form[data-offline]") || navigator.onLine) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    keep(form);
  }, true);
  document.addEventListener("htmx:sendError", (event) => {
    const form = event.detail.elt && event.detail.elt.closest("form[data-offline]");
    if (form) keep(form);
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", show);
  document.addEventListener("DOMContentLoaded", () => {
    const send = document.querySelector("[data-outbox-send]");
    if (send) send.addEventListener("click", flush);
    show().then(flush);
    setInterval(flush, RETRY_MS);
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => { /* the app works without it */ });
  }
})();
