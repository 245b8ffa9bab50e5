// The outbox: each form waits on the device (IndexedDB) with its photos and the idempotency key
// it was given when first queued, and is sent whole (multipart: the form JSON and page1..pageN)
// until the server answers. Network errors, 5xx and 429 are retried with a growing wait; any
// other refusal is kept and shown. An item caught mid-send when the app closed is sent again with
// the same key: the server answers a replay with the original result, so it is stored once.
(function () {
  "use strict";
  const S = window.SuaraStore;
  const FIRST_WAIT = 2000;
  const MAX_WAIT = 5 * 60 * 1000;
  const WAITING = new Set(["queued", "retry", "sending"]);
  const listeners = [];
  let timer = null;
  let again = false;
  let running = false;

  function notify() { for (const listener of listeners) listener(); }

  function wait(attempts, retryAfter) {
    const grown = Math.min(MAX_WAIT, FIRST_WAIT * Math.pow(2, Math.min(attempts - 1, 10)));
    const asked = retryAfter && /^[0-9]+$/.test(retryAfter) ? parseInt(retryAfter, 10) * 1000 : 0;
    return Math.max(asked, grown * (0.75 + Math.random() * 0.5));
  }

  async function send(item, token) {
    const body = new FormData();
    body.append("form", JSON.stringify(item.form));
    if (item.reading) body.append("reading", JSON.stringify(item.reading));
    for (const [page, photo] of Object.entries(item.photos || {})) {
      body.append("page" + page, photo.blob, photo.name || "halaman-" + page);
    }
    const response = await fetch("/api/v1/submissions", {
      method: "POST", body: body, cache: "no-store",
      headers: {"Authorization": "Bearer " + token, "Idempotency-Key": item.key},
    });
    let answer = null;
    try { answer = await response.json(); } catch (e) { answer = null; }
    return {status: response.status, answer: answer, retryAfter: response.headers.get("Retry-After")};
  }

  function refusal(answer, status) {
    const error = answer && answer.error;
    if (error && error.message) return error.message;
    return "Ditolak server (HTTP " + status + ")";
  }

  async function settle(item, sent) {
    const {status, answer} = sent;
    if (status === 200 || status === 201) {
      item.state = "stored";
      item.result = answer;
      item.note = "";
      // the server has the photos now: keep their names, free the device's space
      item.photos = Object.fromEntries(Object.entries(item.photos || {}).map(function ([page, photo]) {
        return [page, {name: photo.name, size: photo.size, type: photo.type}];
      }));
      if (answer && answer.receipt_compact) {
        fetch(qrAddress(answer.receipt_compact)).catch(function () {});  // the service worker keeps it for offline
      }
      return true;
    }
    if (status === 202) {  // sent again after publication: kept as a proposal for KPU RI to decide
      item.state = "review";
      item.result = answer;
      item.note = (answer && answer.status) || "Diterima; menunggu pengesahan KPU RI.";
      return true;
    }
    if (status === 401) {
      item.state = "queued";
      item.note = "Sesi berakhir: masuk lagi, lalu formulir terkirim otomatis.";
      await S.remove("kv", "session");
      return false;
    }
    if (status === 429 || status >= 500 || status === 0) {
      item.state = "retry";
      item.next_at = Date.now() + wait(item.attempts, sent.retryAfter);
      item.note = "Server sibuk (HTTP " + status + "); dicoba lagi otomatis.";
      return true;
    }
    item.state = "refused";
    item.result = answer;
    item.note = refusal(answer, status);
    return true;
  }

  async function round() {
    const session = await S.get("kv", "session");
    if (!session) return;
    const items = (await S.all("outbox")).filter(function (i) { return WAITING.has(i.state); });
    items.sort(function (a, b) { return a.created - b.created; });
    for (const item of items) {
      if ((item.next_at || 0) > Date.now() || !navigator.onLine) continue;
      item.state = "sending";
      item.attempts = (item.attempts || 0) + 1;
      await S.put("outbox", item);
      notify();
      let sent;
      try {
        sent = await send(item, session.token);
      } catch (e) {  // no network, or cut off mid-way: the server may or may not have it; the key decides
        item.state = "retry";
        item.next_at = Date.now() + wait(item.attempts);
        item.note = "Jaringan terputus; dicoba lagi otomatis.";
        await S.put("outbox", item);
        notify();
        continue;
      }
      const goOn = await settle(item, sent);
      await S.put("outbox", item);
      notify();
      if (!goOn) return;
    }
  }

  function schedule(items) {
    clearTimeout(timer);
    const next = items.filter(function (i) { return WAITING.has(i.state); })
      .map(function (i) { return i.next_at || 0; });
    if (!next.length) return;
    timer = setTimeout(pump, Math.max(1000, Math.min.apply(null, next) - Date.now()));
  }

  // One round at a time, and one tab at a time where the browser has Web Locks.
  async function pump() {
    if (running) { again = true; return; }
    running = true;
    try {
      do {
        again = false;
        if (navigator.locks) await navigator.locks.request("suara-outbox", round);
        else await round();
      } while (again);
    } finally {
      running = false;
      schedule(await S.all("outbox"));
    }
  }

  function qrAddress(compact) { return "/kwitansi/qr.svg?r=" + encodeURIComponent(compact); }

  async function enqueue(item) {
    await S.put("outbox", item);
    notify();
    pump();
  }

  window.addEventListener("online", pump);
  window.SuaraOutbox = {
    enqueue: enqueue, pump: pump, qrAddress: qrAddress,
    subscribe: function (listener) { listeners.push(listener); },
  };
})();
