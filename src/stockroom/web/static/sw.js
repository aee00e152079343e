// Stockroom's service worker: the floor pages and the app's own assets stay usable when
// the connection drops. Operations made offline are not its business: offline.js keeps
// them in IndexedDB and sends them, in order and with their idempotency keys, once online.
"use strict";

const CACHE = "stockroom-__VERSION__";
const ASSETS = [
  "/static/app.css?v=__VERSION__",
  "/static/app.js?v=__VERSION__",
  "/static/offline.js?v=__VERSION__",
  "/static/floor.js?v=__VERSION__",
  "/static/vendor/htmx-2.0.11.min.js",
  "/static/icon.svg",
];
const OFFLINE_PAGES = /^\/floor(\/|$)/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  } else if (request.mode === "navigate" && OFFLINE_PAGES.test(url.pathname)) {
    // Network first: a floor page is kept for when the network is gone, never preferred.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => caches.match(request).then((hit) => hit || Response.error()))
    );
  }
});
