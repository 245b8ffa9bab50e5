// The KPPS app: log in once, then fill every ballot of the TPS with or without network. What is
// typed and photographed is saved on the device at once; "Simpan & kirim" puts the form in the
// outbox (outbox.js), which sends it when the network is there. Accepted forms show the
// deployment's signed receipt with its QR code.
(function () {
  "use strict";
  const S = window.SuaraStore;
  const F = window.SuaraForm;
  const O = window.SuaraOutbox;
  const R = window.SuaraReading;
  const $ = function (id) { return document.getElementById(id); };
  const STATES = {
    queued: "Di antrean: terkirim otomatis saat ada jaringan",
    retry: "Menunggu jaringan; dicoba lagi otomatis",
    sending: "Sedang dikirim…",
    stored: "Tersimpan di server",
    refused: "Ditolak",
    review: "Diterima, menunggu pengesahan",
  };
  let ballots = null;
  let contest = null;
  let saveTimer = null;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", {scope: "/app/"}).catch(function () {});
  }

  function showNet() {
    const online = navigator.onLine;
    $("net").textContent = online ? "Daring" : "Luring";
    $("net").title = online ? "Terhubung ke jaringan" : "Tanpa jaringan: formulir disimpan di perangkat";
    $("net").className = "net " + (online ? "online" : "offline");
  }
  window.addEventListener("online", showNet);
  window.addEventListener("offline", showNet);

  function show(section) {
    $("loading").hidden = true;
    $("login").hidden = section !== "login";
    $("work").hidden = section !== "work";
    $("logout").hidden = section !== "work";
  }

  async function fetchBallots(token) {
    const response = await fetch("/api/v1/kpps/ballots", {headers: {"Authorization": "Bearer " + token},
                                                          cache: "no-store"});
    const answer = await response.json().catch(function () { return null; });
    if (!response.ok) {
      const error = new Error(answer && answer.error ? answer.error.message : "HTTP " + response.status);
      error.status = response.status;
      throw error;
    }
    return answer;
  }

  async function logIn(event) {
    event.preventDefault();
    const error = $("login-error");
    error.hidden = true;
    $("login-button").disabled = true;
    try {
      const response = await fetch("/api/v1/auth/token", {
        method: "POST", headers: {"Content-Type": "application/json"}, cache: "no-store",
        body: JSON.stringify({username: $("username").value.trim(), password: $("password").value,
                              label: "aplikasi-kpps"}),
      });
      const answer = await response.json().catch(function () { return null; });
      if (!response.ok) throw new Error(answer && answer.error ? answer.error.message : "HTTP " + response.status);
      const fresh = await fetchBallots(answer.token);
      await S.put("kv", {token: answer.token, username: answer.username, scope: answer.scope,
                         expires_at: answer.expires_at}, "session");
      await S.put("kv", fresh, "ballots");
      $("password").value = "";
      await start();
      O.pump();
    } catch (e) {
      error.textContent = navigator.onLine ? "Gagal masuk: " + e.message
                                           : "Tidak ada jaringan. Masuk memerlukan jaringan sekali saja.";
      error.hidden = false;
    } finally {
      $("login-button").disabled = false;
    }
  }

  async function logOut() {
    const session = await S.get("kv", "session");
    if (session && navigator.onLine) {
      fetch("/api/v1/auth/token", {method: "DELETE", headers: {"Authorization": "Bearer " + session.token}})
        .catch(function () {});
    }
    await S.remove("kv", "session");
    show("login");
  }

  function contestOf(key) {
    return ballots.contests.find(function (c) { return c.key === key; }) || ballots.contests[0];
  }

  function fields() {
    const values = {};
    for (const input of $("fields").querySelectorAll("input.n")) values[input.name] = input.value;
    return values;
  }

  // A draft belongs to one TPS's ballot: another officer logging in on this phone starts afresh.
  function draftId(key) { return ballots.tps + "/" + key; }

  async function draftOf(key) {
    return (await S.get("drafts", draftId(key))) ||
      {contest: draftId(key), fields: {}, photos: {}, sent_key: null, saved_at: null};
  }

  function newKey() {  // an idempotency key; randomUUID needs a secure context (HTTPS, localhost)
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  async function renderNav() {
    const outbox = await S.all("outbox");
    const drafts = await S.all("drafts");
    const nav = $("ballots");
    nav.replaceChildren();
    for (const election of ballots.elections) {
      const list = F.el("ul");
      for (const key of election.contests) {
        const c = ballots.contests.find(function (x) { return x.key === key; });
        if (!c) continue;
        const mine = outbox.filter(function (i) { return i.contest === key && i.tps === ballots.tps; });
        const last = mine.sort(function (a, b) { return b.created - a.created; })[0];
        const draft = drafts.find(function (d) { return d.contest === draftId(key); });
        const badge = last ? (last.state === "stored" ? "✓" : last.state === "refused" ? "✗" : "…")
                           : draft && Object.keys(draft.fields).length ? "✎" : "";
        const button = F.el("button", {type: "button", class: "tab kind-" + c.kind, "data-contest": key,
                                       title: c.nama});
        button.textContent = c.label + (badge ? " " + badge : "");
        if (contest && contest.key === key) button.setAttribute("aria-current", "page");
        button.addEventListener("click", function () { open(key); });
        list.appendChild(F.el("li", {}, [button]));
      }
      nav.appendChild(F.el("div", {class: "election"}, [F.el("span", {class: "election-nama", text: election.nama}), list]));
    }
  }

  function flagItem(flag) {
    const li = F.el("li", {class: flag.severity});
    li.textContent = (flag.rule ? flag.rule + ": " : "") + flag.judul + (flag.message ? " (" + flag.message + ")" : "");
    return li;
  }

  function markReading(draft) {
    R.mark($("fields"), draft.reading, confirmNumber);
    const line = $("read-state");
    if (!draft.reading) { line.textContent = ""; return; }
    line.textContent = R.describe(draft.reading, fields());
  }

  async function confirmNumber(name) {
    const draft = await draftOf(contest.key);
    if (!draft.reading || draft.reading.confirmed.includes(name)) return;
    draft.reading.confirmed.push(name);
    draft.sent_key = null;
    await S.put("drafts", draft);
    markReading(draft);
    const next = R.pending(draft.reading, fields())[0];
    const input = next ? $("f-" + next) : $("send");
    if (input) input.focus();
  }

  async function readPhotos() {
    const draft = await draftOf(contest.key);
    const line = $("read-state");
    const session = await S.get("kv", "session");
    if (!Object.keys(draft.photos).length) { line.textContent = "Foto dulu halaman formulir, lalu baca angkanya."; return; }
    if (!navigator.onLine || !session) {
      line.textContent = "Pembacaan foto memerlukan jaringan. Isi angka dengan tangan, atau baca lagi saat daring.";
      return;
    }
    $("read-photos").disabled = true;
    line.textContent = "Membaca foto…";
    try {
      const answer = await R.read("/api/v1/read-form?contest=" + encodeURIComponent(contest.key),
                                  {"Authorization": "Bearer " + session.token}, draft.photos);
      draft.reading = R.fromAnswer(answer);
      R.fill($("fields"), draft.reading);
      draft.fields = Object.fromEntries(Object.entries(fields()).filter(function (e) { return e[1] !== ""; }));
      draft.sent_key = null;
      draft.saved_at = Date.now();
      await S.put("drafts", draft);
      recheck();
      markReading(draft);
      await describeState(draft);
      renderNav();
      const first = R.pending(draft.reading, fields())[0];
      if (first) $("f-" + first).focus();
    } catch (e) {
      line.textContent = "Foto tidak terbaca: " + e.message;
    } finally {
      $("read-photos").disabled = false;
    }
  }

  function recheck() {
    const typed = fields();
    const answer = F.check(ballots, contest, typed);
    const list = $("flags");
    list.replaceChildren();
    for (const input of $("fields").querySelectorAll("input.n[aria-invalid]")) input.removeAttribute("aria-invalid");
    for (const ul of $("fields").querySelectorAll(".block-flags")) ul.replaceChildren();
    for (const flag of answer.flags) {
      list.appendChild(flagItem(flag));
      const input = $("f-" + flag.box);
      if (input && flag.severity === "error") input.setAttribute("aria-invalid", "true");
      const block = input && input.closest("fieldset.partai");
      if (block && flag.rule === "R14") block.querySelector(".block-flags").appendChild(flagItem(flag));
    }
    if (answer.blank) {
      list.appendChild(flagItem({rule: "", severity: "info", judul: answer.blank + " kotak perolehan suara belum diisi"}));
    } else if (!answer.flags.length) {
      list.appendChild(flagItem({rule: "", severity: "ok", judul: "Tidak ada aturan yang gagal"}));
    }
    return answer;
  }

  function photoInputs(draft) {
    const holder = $("photo-inputs");
    holder.replaceChildren();
    for (let page = 1; page <= contest.pages; page++) {
      const id = "foto-" + page;
      const input = F.el("input", {type: "file", id: id, name: "page" + page, accept: "image/*",
                                   capture: "environment", "aria-describedby": id + "-status"});
      const status = F.el("span", {class: "photo-status", id: id + "-status"});
      const photo = draft.photos[page];
      status.textContent = photo ? "Tersimpan: " + photo.name + " (" + Math.round(photo.size / 1024) + " KB)"
                                 : "Belum ada foto";
      input.addEventListener("change", function () { keepPhoto(page, input, status); });
      holder.appendChild(F.el("div", {class: "photo"}, [F.el("label", {for: id, text: "Halaman " + page}), input, status]));
    }
  }

  async function keepPhoto(page, input, status) {
    const file = input.files && input.files[0];
    if (!file) return;
    const draft = await draftOf(contest.key);
    draft.photos[page] = {blob: file, name: file.name || "halaman-" + page, type: file.type, size: file.size};
    draft.sent_key = null;
    await S.put("drafts", draft);
    status.textContent = "Tersimpan: " + draft.photos[page].name + " (" + Math.round(file.size / 1024) + " KB)";
    input.value = "";
    await describeState(draft);
    renderNav();
  }

  async function describeState(draft) {
    const outbox = await S.all("outbox");
    const sent = draft.sent_key && outbox.find(function (i) { return i.key === draft.sent_key; });
    const line = $("form-state");
    if (sent) line.textContent = "Dikirim: " + (STATES[sent.state] || sent.state) + ".";
    else if (draft.saved_at) line.textContent = "Tersimpan di perangkat " + new Date(draft.saved_at).toLocaleTimeString("id-ID") + ".";
    else line.textContent = "Belum diisi.";
  }

  async function open(key) {
    contest = contestOf(key);
    await S.put("kv", contest.key, "current");
    $("form-title").textContent = "C Hasil · " + contest.nama;
    F.build($("fields"), ballots, contest);
    const draft = await draftOf(contest.key);
    for (const [name, value] of Object.entries(draft.fields)) {
      const input = $("f-" + name);
      if (input) input.value = value;
    }
    photoInputs(draft);
    recheck();
    markReading(draft);
    await describeState(draft);
    await renderNav();
  }

  async function saveDraft() {
    const draft = await draftOf(contest.key);
    const now = Object.fromEntries(Object.entries(fields()).filter(function (e) { return e[1] !== ""; }));
    if (JSON.stringify(now) === JSON.stringify(draft.fields)) return;  // a form already queued stays queued
    draft.fields = now;
    draft.sent_key = null;
    draft.saved_at = Date.now();
    await S.put("drafts", draft);
    await describeState(draft);
    renderNav();
  }

  function typed() {
    recheck();
    draftOf(contest.key).then(markReading);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveDraft, 250);
  }

  async function queue(event) {
    event.preventDefault();
    clearTimeout(saveTimer);
    await saveDraft();
    const answer = recheck();
    if (answer.blank) {
      const first = F.voteBoxes(contest).find(function (n) { return !$("f-" + n).value.trim(); });
      $("form-state").textContent = "Belum bisa dikirim: " + answer.blank + " kotak perolehan suara belum diisi.";
      if (first) $("f-" + first).focus();
      return;
    }
    const draft = await draftOf(contest.key);
    const unchecked = R.pending(draft.reading, draft.fields);
    if (unchecked.length) {
      $("form-state").textContent = "Belum bisa dikirim: " + unchecked.length + " angka hasil bacaan foto perlu " +
        "diperiksa (disorot kuning). Tekan Benar, atau tulis angka yang benar.";
      $("f-" + unchecked[0]).focus();
      return;
    }
    if (draft.sent_key) {
      $("form-state").textContent = "Formulir ini sudah di antrean atau terkirim; ubah angkanya untuk mengirim versi baru.";
      return;
    }
    const key = newKey();  // kept with the item: every retry of this form is the same request
    const item = {key: key, contest: contest.key, label: contest.label, tps: ballots.tps,
                  form: F.formDoc(ballots, contest, draft.fields), photos: draft.photos, state: "queued",
                  reading: R.record(draft.reading, draft.fields),
                  attempts: 0, next_at: 0, created: Date.now(), note: navigator.onLine ? "" : "Menunggu jaringan."};
    draft.sent_key = key;
    await S.put("drafts", draft);
    await O.enqueue(item);
    await describeState(draft);
  }

  function receiptView(item) {
    const answer = item.result;
    const receipt = answer.receipt;
    const parts = [F.el("p", {class: "outcome " + answer.outcome, text: answer.status + " · versi " + answer.version_no})];
    if (item.reading && Object.keys(item.reading.numbers).length) {
      const n = {machine_read: 0, confirmed: 0, changed: 0};
      for (const origin of Object.values(item.reading.numbers)) n[origin] += 1;
      parts.push(F.el("p", {class: "hint", text: "Angka dari foto: " + n.machine_read + " dibaca mesin, " + n.confirmed +
                                                 " diperiksa petugas, " + n.changed + " diubah petugas."}));
    }
    if (!receipt) {
      parts.push(F.el("p", {text: "Kwitansi belum tersedia; buka lagi saat daring."}));
      return parts;
    }
    const link = "/kwitansi?r=" + encodeURIComponent(answer.receipt_compact);
    const facts = F.el("dl", {class: "facts"});
    for (const [name, value] of [["Hash isi", receipt.content_hash], ["Posisi di rantai audit", "#" + receipt.chain_seq],
                                 ["Hash peristiwa", receipt.chain_hash],
                                 ["Disimpan", new Date(receipt.stored_at).toLocaleString("id-ID")],
                                 ["Kunci", receipt.key_id]]) {
      facts.appendChild(F.el("dt", {text: name}));
      facts.appendChild(F.el("dd", {}, [F.el("code", {text: String(value)})]));
    }
    const qr = F.el("img", {class: "qr", src: O.qrAddress(answer.receipt_compact), width: "240", height: "240",
                            alt: "Kode QR kwitansi TPS " + receipt.tps + " " + item.label + " versi " + receipt.version_no +
                                 ", untuk dipindai saksi"});
    const raw = F.el("details", {}, [F.el("summary", {text: "Kwitansi lengkap (JSON)"}),
                                     F.el("pre", {class: "raw", text: JSON.stringify(receipt, null, 1)})]);
    parts.push(F.el("div", {class: "receipt"}, [qr, F.el("div", {}, [
      F.el("p", {}, [F.el("strong", {text: "Kwitansi bertanda tangan"}), document.createTextNode(" · "),
                     F.el("a", {href: link, class: "check-link", text: "Periksa kwitansi"})]), facts, raw])]));
    return parts;
  }

  async function renderOutbox() {
    const items = (await S.all("outbox")).sort(function (a, b) { return b.created - a.created; });
    $("outbox-empty").hidden = items.length > 0;
    const waiting = items.filter(function (i) { return ["queued", "retry", "sending"].includes(i.state); }).length;
    $("queue-summary").hidden = waiting === 0;
    $("queue-summary").textContent = waiting + " formulir menunggu";
    const list = $("outbox-items");
    const shown = new Map([...list.children].map(function (li) { return [li.dataset.version, li]; }));
    const kept = [];
    for (const item of items) {
      const version = [item.key, item.state, item.attempts, item.note].join("|");
      if (shown.has(version)) { kept.push(shown.get(version)); continue; }
      const when = new Date(item.created).toLocaleString("id-ID");
      const head = F.el("h3", {text: item.label + " · " + (STATES[item.state] || item.state)});
      const li = F.el("li", {class: "item " + item.state, "data-key": item.key, "data-contest": item.contest,
                             "data-version": version},
                      [head, F.el("p", {class: "hint", text: "Diantrekan " + when + " · kunci " + item.key.slice(0, 8) +
                                                        " · percobaan " + (item.attempts || 0)})]);
      if (item.note) li.appendChild(F.el("p", {class: item.state === "refused" ? "error" : "note", text: item.note}));
      if (item.state === "stored" && item.result) for (const part of receiptView(item)) li.appendChild(part);
      const details = item.result && item.result.error && item.result.error.details;
      if (item.state === "refused" && details && details.flags) {
        const ul = F.el("ul", {class: "flags"});
        for (const flag of details.flags) ul.appendChild(flagItem({rule: flag.rule, severity: flag.severity,
                                                                   judul: ballots.rules[flag.rule] ? ballots.rules[flag.rule].judul : "",
                                                                   message: flag.message}));
        li.appendChild(ul);
      }
      kept.push(li);
    }
    list.replaceChildren(...kept);
  }

  async function refreshBallots(session) {
    try {
      const fresh = await fetchBallots(session.token);
      await S.put("kv", fresh, "ballots");
    } catch (e) {
      if (e.status === 401) { await S.remove("kv", "session"); show("login"); }
    }
  }

  async function start() {
    const session = await S.get("kv", "session");
    ballots = await S.get("kv", "ballots");
    if (!session || !ballots) { show("login"); return; }
    $("where").textContent = ballots.station + " · " + ballots.tps + " · " + ballots.desa + " · " + session.username;
    show("work");
    await open((await S.get("kv", "current")) || ballots.contests[0].key);
    await renderOutbox();
    if (navigator.onLine) refreshBallots(session);
  }

  $("login-form").addEventListener("submit", logIn);
  $("logout").addEventListener("click", logOut);
  $("fields").addEventListener("input", typed);
  $("form").addEventListener("submit", queue);
  $("read-photos").addEventListener("click", readPhotos);
  O.subscribe(async function () {
    if (!ballots) return;
    renderOutbox();
    renderNav();
    if (contest) draftOf(contest.key).then(describeState);
    if (!(await S.get("kv", "session"))) {  // the token expired: the queue waits for a new log-in
      show("login");
      $("login-error").textContent = "Sesi berakhir. Masuk lagi; formulir di antrean terkirim sesudahnya.";
      $("login-error").hidden = false;
    }
  });
  showNet();
  start().then(function () { O.pump(); });
})();
