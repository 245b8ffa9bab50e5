// Reading the form from its photos, in the KPPS app and the entry screen (issue 15): the server
// reads the photographed pages (POST /api/v1/read-form for the app, /ui/read for the entry
// screen) and the numbers pre-fill the form. A number the machine is sure
// of is marked as machine-read; one it is unsure of is highlighted and the officer confirms it
// ("Benar") or writes the right number. The form cannot be sent while a highlighted number is
// neither confirmed nor changed, and what the officer did with each number goes with the form
// (the part `reading`), to be kept with the version.
(function () {
  "use strict";
  function el(tag, attrs) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    return node;
  }

  // The reader names a number by its path in the form JSON; the form's inputs by the entry
  // screen's names (form.js).
  function inputName(path) {
    const parts = path.split(".");
    if (parts[0] === "suara" && parts.length === 2) return "suara_" + parts[1];
    if (parts[0] === "administrasi" && parts.length === 2) return parts[1];
    if (parts[0] === "partai" && parts.length === 3) {
      return parts[2] === "jumlah" ? "jumlah_" + parts[1] : "suara_partai_" + parts[1];
    }
    if (parts[0] === "partai" && parts.length === 4) return "caleg_" + parts[1] + "_" + parts[3];
    return path;
  }

  // What a draft keeps of a reading: {name: {path, value, unsure, confidence, label}} and the
  // names the officer confirmed.
  function fromAnswer(answer) {
    const numbers = {};
    for (const n of answer.numbers) {
      if (n.value === null || n.value === undefined) continue;  // blank or not read: the officer types it
      numbers[inputName(n.field)] = {path: n.field, value: n.value, unsure: n.unsure, label: n.label,
                                     confidence: n.confidence, boxes: n.unsure ? n.boxes || [] : []};
    }
    return {numbers: numbers, confirmed: [], read_at: Date.now()};
  }

  function originOf(reading, name, typed) {
    const read = reading.numbers[name];
    if (!read) return null;
    if (String(typed).trim() !== String(read.value)) return "changed";
    if (!read.unsure) return "machine_read";
    return reading.confirmed.includes(name) ? "confirmed" : "pending";
  }

  // The record sent with the form: {numbers: {path: machine_read|confirmed|changed}}.
  function record(reading, fields) {
    if (!reading) return null;
    const numbers = {};
    for (const [name, read] of Object.entries(reading.numbers)) {
      const origin = originOf(reading, name, fields[name] || "");
      if (origin && origin !== "pending" && (fields[name] || "").trim() !== "") numbers[read.path] = origin;
    }
    return {numbers: numbers};
  }

  // Numbers the officer still has to look at.
  function pending(reading, fields) {
    if (!reading) return [];
    return Object.keys(reading.numbers).filter(function (name) {
      return originOf(reading, name, fields[name] || "") === "pending";
    });
  }

  const TITLES = {
    machine_read: "Dibaca mesin dengan yakin; periksa bila berbeda dengan formulir",
    confirmed: "Dibaca mesin, sudah Anda periksa",
    changed: "Anda ubah dari bacaan mesin",
    pending: "Mesin ragu: periksa angka ini pada formulir, lalu tekan Benar atau tulis angka yang benar",
  };

  // Marks every pre-filled input with its origin, and puts a "Benar" button beside each number
  // the machine is unsure of; onConfirm(name) is called when it is pressed.
  function mark(container, reading, onConfirm) {
    for (const old of container.querySelectorAll("button.confirm, .read-boxes")) old.remove();
    for (const input of container.querySelectorAll("input.n[data-origin]")) {
      input.removeAttribute("data-origin");
      input.removeAttribute("title");
    }
    if (!reading) return;
    for (const [name, read] of Object.entries(reading.numbers)) {
      const input = container.querySelector("#f-" + CSS.escape(name));
      if (!input) continue;
      const origin = originOf(reading, name, input.value);
      input.dataset.origin = origin;
      input.title = TITLES[origin] + (read.confidence !== null ? " (keyakinan " + Math.round(read.confidence * 100) + "%)" : "");
      if (origin !== "pending") continue;
      // the boxes as the machine saw them, to compare with the paper form at a glance
      const seen = el("span", {class: "read-boxes", title: "Kotak angka pada foto"});
      for (const image of read.boxes || []) {
        if (/^data:image\/png;base64,/.test(image)) seen.appendChild(el("img", {src: image, alt: "", width: "28", height: "28"}));
      }
      const button = el("button", {type: "button", class: "confirm", "data-name": name,
                                     "aria-label": "Benar: " + (read.label || name) + " " + read.value, text: "Benar"});
      button.addEventListener("click", function () { onConfirm(name); });
      input.insertAdjacentElement("afterend", button);
      if (seen.childElementCount) input.insertAdjacentElement("afterend", seen);
    }
  }

  function fill(container, reading) {
    for (const [name, read] of Object.entries(reading.numbers)) {
      const input = container.querySelector("#f-" + CSS.escape(name));
      if (input) input.value = String(read.value);
    }
  }

  function describe(reading, fields) {
    const n = summary(reading, fields);
    return "Dari foto: " + n.machine_read + " angka dibaca mesin, " + n.confirmed + " Anda periksa, " +
      n.changed + " Anda ubah" + (n.pending ? "; " + n.pending + " perlu diperiksa (disorot kuning)." : ".");
  }

  function summary(reading, fields) {
    const counts = {machine_read: 0, confirmed: 0, changed: 0, pending: 0};
    for (const name of Object.keys(reading.numbers)) counts[originOf(reading, name, fields[name] || "")] += 1;
    return counts;
  }

  // photos: {page: {blob, name}}; headers: the caller's credentials (a bearer token, or the
  // entry screen's CSRF token beside its session cookie).
  async function read(address, headers, photos) {
    const body = new FormData();
    for (const [page, photo] of Object.entries(photos)) body.append("page" + page, photo.blob, photo.name || "halaman-" + page);
    const response = await fetch(address, {method: "POST", body: body, cache: "no-store", headers: headers});
    const answer = await response.json().catch(function () { return null; });
    if (!response.ok) {
      throw new Error(answer && answer.error ? answer.error.message : "HTTP " + response.status);
    }
    return answer;
  }

  window.SuaraReading = {read: read, fromAnswer: fromAnswer, fill: fill, mark: mark, record: record,
                         pending: pending, summary: summary, describe: describe, inputName: inputName};
})();
