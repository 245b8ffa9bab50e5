// Shows the failing rules while numbers are typed: the server runs the same rules as on send.
// A rule about one party (R14, R15) is also shown in that party's block, beside its boxes.
// With photos chosen, "Baca angka dari foto" has the server read them (/ui/read) and pre-fills the
// boxes (reading.js); the unsure ones must be confirmed or corrected before the form is sent, and
// what the officer did with each number goes with the form (the hidden field `reading`).
(function () {
  const form = document.getElementById("entry");
  const list = document.getElementById("flags");
  let timer = null;
  let asked = 0;
  for (const block of form.querySelectorAll("fieldset.partai[data-warna]")) {
    // the party's colour as the block's edge (set here: the page's CSP allows no style attributes)
    if (/^#[0-9a-fA-F]{3,8}$/.test(block.dataset.warna)) block.style.borderLeftColor = block.dataset.warna;
  }
  function collect() {
    const data = {};
    for (const input of form.querySelectorAll("input.n")) {
      if (input.value.trim() !== "") data[input.name] = input.value.trim();
    }
    if (form.elements.dapil) data.dapil = form.elements.dapil.value;
    return data;
  }
  function item(f) {
    const li = document.createElement("li");
    li.className = f.severity;
    // a rule's message names the boxes by the form's labels; the rule's title is for the rest
    li.textContent = (f.rule ? f.rule + ": " : "") + (f.message || f.judul);
    return li;
  }
  function clearBlocks() {
    for (const ul of form.querySelectorAll("fieldset.partai .block-flags")) ul.replaceChildren();
    for (const input of form.querySelectorAll("input.n[aria-invalid]")) input.removeAttribute("aria-invalid");
  }
  function markBlock(f) {
    const block = document.getElementById("partai-" + f.partai);
    if (!block) return;
    block.querySelector(".block-flags").appendChild(item(f));
    if (f.rule === "R14") block.querySelector("input[name^=jumlah_]").setAttribute("aria-invalid", "true");
  }
  async function check() {
    const mine = ++asked;
    const response = await fetch("/ui/check", {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": form.elements.csrf.value},
      body: JSON.stringify({contest: form.dataset.contest, tps: form.dataset.tps, fields: collect()}),
    });
    const answer = await response.json();
    if (mine !== asked) return;  // a later check is on its way: show only the newest answer
    list.replaceChildren();
    clearBlocks();
    if (answer.error && !answer.flags) {  // the session ended, or the check itself was refused
      list.appendChild(item({rule: "", severity: "error", judul: answer.error.message, message: ""}));
      return;
    }
    const items = answer.flags || [];
    if (answer.error) items.push({rule: "R12", severity: "error", judul: answer.error.message, message: ""});
    for (const f of items) {
      list.appendChild(item(f));
      if (f.partai) markBlock(f);
      for (const name of f.fields || []) {  // the boxes the rule is about, marked where they are
        const input = form.elements[name];
        if (input && input.classList && input.classList.contains("n")) input.setAttribute("aria-invalid", "true");
      }
    }
    if (answer.blank) {
      list.appendChild(item({rule: "", severity: "info", judul: answer.blank + " kotak perolehan suara belum diisi",
                             message: ""}));
    } else if (!items.length) {
      list.appendChild(item({rule: "", severity: "ok", judul: "Tidak ada aturan yang gagal", message: ""}));
    }
  }
  const R = window.SuaraReading;
  const tools = document.getElementById("reading-tools");
  const state = document.getElementById("read-state");
  let reading = null;
  function typed() {
    const values = {};
    for (const input of form.querySelectorAll("input.n")) values[input.name] = input.value;
    return values;
  }
  function showReading() {
    R.mark(form, reading, confirmNumber);
    state.textContent = R.describe(reading, typed());
    form.elements.reading.value = JSON.stringify(R.record(reading, typed()));
  }
  function confirmNumber(name) {
    if (!reading.confirmed.includes(name)) reading.confirmed.push(name);
    showReading();
    const next = R.pending(reading, typed())[0];
    (next ? document.getElementById("f-" + next) : form.querySelector("button:not([type=button])")).focus();
  }
  async function readPhotos() {
    const photos = {};
    for (const input of form.querySelectorAll("input[type=file]")) {
      if (input.files && input.files[0]) photos[input.name.slice(4)] = {blob: input.files[0], name: input.files[0].name};
    }
    if (!Object.keys(photos).length) { state.textContent = "Pilih dulu foto halaman formulir, lalu baca angkanya."; return; }
    const button = document.getElementById("read-photos");
    button.disabled = true;
    state.textContent = "Membaca foto…";
    try {
      const answer = await R.read("/ui/read?contest=" + encodeURIComponent(form.dataset.contest),
                                  {"X-CSRF-Token": form.elements.csrf.value}, photos);
      reading = R.fromAnswer(answer);
      R.fill(form, reading);
      showReading();
      check();
      const first = R.pending(reading, typed())[0];
      if (first) document.getElementById("f-" + first).focus();
    } catch (e) {
      state.textContent = "Foto tidak terbaca: " + e.message;
    } finally {
      button.disabled = false;
    }
  }
  if (tools && R) {
    tools.hidden = false;
    document.getElementById("read-photos").addEventListener("click", readPhotos);
    form.addEventListener("submit", function (event) {
      const unchecked = reading ? R.pending(reading, typed()) : [];
      if (!unchecked.length) return;
      event.preventDefault();
      state.textContent = "Belum bisa dikirim: " + unchecked.length + " angka hasil bacaan foto perlu diperiksa " +
        "(disorot kuning). Tekan Benar, atau tulis angka yang benar.";
      document.getElementById("f-" + unchecked[0]).focus();
    });
  }
  form.addEventListener("input", function () {
    if (reading) showReading();
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
  if (Object.keys(collect()).some(function (name) { return name !== "dapil"; })) check();  // a correction starts filled
})();
