// The KPPS app's service worker (scope /app/): keeps the app's shell and scripts on the device,
// so that the app opens with no network. Each is served from the device at once and refreshed
// from the network behind it (stale while revalidate); receipt QR codes never change, so a kept
// one is final. The API is never answered from here: forms and photos live in IndexedDB.
"use strict";
const CACHE = "suara-kpps-v2";
const SHELL = ["/app/", "/app/manifest.webmanifest", "/static/kpps/app.css", "/static/reading.css", "/static/kpps/store.js",
               "/static/kpps/form.js", "/static/reading.js", "/static/kpps/outbox.js", "/static/kpps/app.js", "/static/kpps/icon.svg",
               "/static/kpps/icon-192.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(request) {
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") return null;
  if (url.pathname === "/app" || url.pathname === "/app/" || request.mode === "navigate" && url.pathname.startsWith("/app/")) {
    return "shell";
  }
  if (SHELL.includes(url.pathname)) return "shell";
  if (url.pathname === "/kwitansi/qr.svg") return "final";
  return null;
}

async function fromShell(request) {
  const cache = await caches.open(CACHE);
  const key = request.mode === "navigate" ? "/app/" : request;
  const cached = await cache.match(key, {ignoreSearch: request.mode === "navigate"});
  const fresh = fetch(request).then(function (response) {
    if (response.ok) cache.put(key, response.clone());
    return response;
  });
  if (cached) {
    fresh.catch(function () {});  // offline: the kept copy is the answer
    return cached;
  }
  return fresh;
}

async function fromFinal(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", function (event) {
  const kind = kept(event.request);
  if (kind === "shell") event.respondWith(fromShell(event.request));
  else if (kind === "final") event.respondWith(fromFinal(event.request));
});
