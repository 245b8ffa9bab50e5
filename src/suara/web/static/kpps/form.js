// One ballot's C Hasil as a form on the phone, built from the TPS's ballots (GET
// /api/v1/kpps/ballots), its form JSON as the API takes it, and the sum rules shown while typing.
// The field names are the entry screen's (web/entry.py): suara_{nomor}, suara_partai_{partai},
// caleg_{partai}_{nomor}, jumlah_{partai}, the administrasi keys, suara_sah/_tidak_sah/_total.
(function () {
  "use strict";
  const TOTALS = [["suara_sah", "Jumlah suara sah"], ["suara_tidak_sah", "Jumlah suara tidak sah"],
                  ["suara_total", "Jumlah seluruh suara sah dan tidak sah"]];
  const DIGITS = /^[0-9]+$/;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) node.appendChild(child);
    return node;
  }

  function box(name, label) {
    const attrs = {class: "n", id: "f-" + name, name: name, inputmode: "numeric", pattern: "[0-9]*",
                   maxlength: "7", autocomplete: "off"};
    if (label) attrs["aria-label"] = label;
    return el("input", attrs);
  }

  function row(name, labelText, number) {
    const label = el("label", {for: "f-" + name});
    if (number) label.appendChild(el("span", {class: "no", text: number}));
    label.appendChild(document.createTextNode((number ? " " : "") + labelText));
    return el("div", {class: "row"}, [label, box(name)]);
  }

  function administrasi(ballots) {
    const table = el("table", {class: "adm"});
    table.appendChild(el("tr", {}, [el("td"), el("th", {scope: "col", text: "L"}), el("th", {scope: "col", text: "P"}),
                                    el("th", {scope: "col", text: "Jumlah"})]));
    for (const group of ballots.groups) {
      const tr = el("tr", {}, [el("th", {scope: "row", text: group.label})]);
      for (const sex of ["l", "p", "j"]) {
        tr.appendChild(el("td", {}, [box(group.key + "_" + sex, group.label + " " + sex.toUpperCase())]));
      }
      table.appendChild(tr);
    }
    table.appendChild(el("tr", {}, [el("th", {scope: "row", text: "Pemilih disabilitas"}), el("td"), el("td"),
                                    el("td", {}, [box("pemilih_disabilitas_j", "Pemilih disabilitas")])]));
    const people = el("fieldset", {}, [el("legend", {text: "I-II. Data pemilih dan pengguna hak pilih"}), table]);
    const papers = el("fieldset", {}, [el("legend", {text: "III. Surat suara"})]);
    for (const item of ballots.surat_suara) papers.appendChild(row(item.key, item.label));
    return [people, papers];
  }

  function votes(contest) {
    if (!contest.party_list) {
      const section = el("fieldset", {}, [el("legend", {text: "IV. Perolehan suara"})]);
      for (const c of contest.candidates) section.appendChild(row("suara_" + c.nomor, c.nama, c.nomor));
      return section;
    }
    const list = el("div", {class: "partai-list"});
    for (const p of contest.parties) {
      const block = el("fieldset", {class: "partai", id: "partai-" + p.nomor},
                       [el("legend", {}, [el("span", {class: "no", text: p.nomor}), document.createTextNode(" " + p.nama)])]);
      if (/^#[0-9a-fA-F]{3,8}$/.test(p.warna)) block.style.borderLeftColor = p.warna;
      block.appendChild(row("suara_partai_" + p.nomor, "Suara partai"));
      for (const c of p.caleg) block.appendChild(row("caleg_" + p.nomor + "_" + c.nomor, c.nama, c.nomor));
      const total = row("jumlah_" + p.nomor, "Jumlah suara partai dan calon");
      total.classList.add("jumlah");
      block.appendChild(total);
      block.appendChild(el("ul", {class: "block-flags"}));
      list.appendChild(block);
    }
    return el("fieldset", {class: "partai-section"}, [
      el("legend", {text: "IV. Perolehan suara partai politik dan calon"}),
      el("p", {class: "hint", text: "Dapil " + contest.dapil.nama + ". Per partai: suara partai, suara tiap calon, lalu jumlahnya."}),
      list]);
  }

  function build(container, ballots, contest) {
    const totals = el("fieldset", {}, [el("legend", {text: "V. Jumlah suara sah dan tidak sah"})]);
    for (const [name, label] of TOTALS) totals.appendChild(row(name, label));
    container.replaceChildren(...administrasi(ballots), votes(contest), totals);
  }

  // The boxes of the vote section: a form is sent only with every one of them filled.
  function voteBoxes(contest) {
    const names = [];
    if (contest.party_list) {
      for (const p of contest.parties) {
        names.push("suara_partai_" + p.nomor);
        for (const c of p.caleg) names.push("caleg_" + p.nomor + "_" + c.nomor);
        names.push("jumlah_" + p.nomor);
      }
    } else {
      for (const c of contest.candidates) names.push("suara_" + c.nomor);
    }
    return names.concat(TOTALS.map(function (t) { return t[0]; }));
  }

  // As written: a whole number becomes a number, anything else stays text for the server's
  // R12 to refuse (as the entry screen does).
  function number(text) {
    const value = (text || "").trim();
    return DIGITS.test(value) && value.length <= 15 ? parseInt(value, 10) : value;
  }

  function formDoc(ballots, contest, fields) {
    const doc = {tps: ballots.tps, contest: contest.key};
    if (contest.party_list) {
      doc.dapil = contest.dapil.kode;
      doc.partai = {};
      for (const p of contest.parties) {
        const caleg = {};
        for (const c of p.caleg) caleg[c.nomor] = number(fields["caleg_" + p.nomor + "_" + c.nomor]);
        doc.partai[p.nomor] = {suara_partai: number(fields["suara_partai_" + p.nomor]), caleg: caleg,
                               jumlah: number(fields["jumlah_" + p.nomor])};
      }
    } else {
      doc.suara = {};
      for (const c of contest.candidates) doc.suara[c.nomor] = number(fields["suara_" + c.nomor]);
    }
    for (const [name] of TOTALS) doc[name] = number(fields[name]);
    const adm = {};
    for (const key of ballots.administrasi) {
      if ((fields[key] || "").trim() !== "") adm[key] = number(fields[key]);
    }
    if (Object.keys(adm).length) doc.administrasi = adm;
    return doc;
  }

  function describe(names) { return names.join(" + "); }

  // The flags of what has been typed: boxes that are not whole numbers, then every sum rule
  // whose boxes are all filled (the server's rules as data; see domain/rule_sums.py).
  function check(ballots, contest, fields) {
    const flags = [];
    const values = {};
    for (const [name, text] of Object.entries(fields)) {
      const value = text.trim();
      if (value === "") continue;
      if (DIGITS.test(value) && value.length <= 7) values[name] = parseInt(value, 10);
      else flags.push({rule: "R12", severity: "error", judul: ballots.rules.R12.judul,
                       message: name + ": harus bilangan bulat >= 0, bukan '" + value + "'", box: name});
    }
    const seen = new Set();
    for (const e of contest.equations) {
      const names = e.left.concat(e.right);
      if (!names.every(function (n) { return n in values; })) continue;
      const left = e.left.reduce(function (sum, n) { return sum + values[n]; }, 0);
      const right = e.right.reduce(function (sum, n) { return sum + values[n]; }, e.constant);
      if (e.op === "=" ? left === right : left <= right) continue;
      const bound = e.right.length ? describe(e.right) + (e.constant ? " + " + e.constant : "") + " = " + right
                                   : String(right);
      const message = describe(e.left) + " " + left + (e.op === "=" ? " ≠ " : " > ") + bound;
      if (seen.has(e.rule + message)) continue;
      seen.add(e.rule + message);
      flags.push({rule: e.rule, severity: e.severity, judul: ballots.rules[e.rule].judul, message: message,
                  box: e.left[0]});
    }
    flags.sort(function (a, b) { return parseInt(a.rule.slice(1), 10) - parseInt(b.rule.slice(1), 10); });
    const blank = voteBoxes(contest).filter(function (n) { return !(fields[n] || "").trim(); }).length;
    return {flags: flags, blank: blank};
  }

  window.SuaraForm = {build: build, formDoc: formDoc, check: check, voteBoxes: voteBoxes, el: el};
})();
