// The D Hasil form works without this script; with it, the columns add up as the plenary types,
// and a row whose valid votes or a party whose total do not match their parts is marked (the
// record is checked again, and refused in words, when it is sent).
"use strict";

(function recapForm() {
  const form = document.getElementById("rekap");
  if (!form) return;
  const value = (input) => (/^\d+$/.test(input.value.trim()) ? Number(input.value.trim()) : 0);
  const mark = (input, wrong) => input.setAttribute("aria-invalid", wrong ? "true" : "false");
  const fmt = (n) => n.toLocaleString("id-ID");

  function checkParty(block) {
    const parts = [...block.querySelectorAll("input[data-part]")].reduce((sum, i) => sum + value(i), 0);
    const jumlah = block.querySelector("input[data-jumlah]");
    const note = block.querySelector("[data-check]");
    const wrong = parts !== value(jumlah);
    mark(jumlah, wrong);
    note.textContent = wrong ? "Suara partai + caleg = " + fmt(parts) + ", bukan " + fmt(value(jumlah)) : "";
  }

  function checkRow(row) {
    const parts = row.querySelectorAll("input[data-jumlah]").length
      ? row.querySelectorAll("input[data-jumlah]") : row.querySelectorAll("input[data-part]");
    const votes = [...parts].reduce((sum, i) => sum + value(i), 0);
    const sah = row.querySelector('input[data-total="0"]');
    const wrong = votes !== value(sah);
    mark(sah, wrong);
    const note = row.querySelector("[data-row-check]");
    if (note) note.textContent = wrong ? "Jumlah suara = " + fmt(votes) + ", suara sah " + fmt(value(sah)) : "";
    return wrong;
  }

  function sums() {
    for (const cell of form.querySelectorAll("[data-sum]")) {
      const column = cell.dataset.sum;
      cell.textContent = fmt([...form.querySelectorAll('input[data-col="' + column + '"]')]
        .reduce((sum, i) => sum + value(i), 0));
    }
    const rowChecks = document.getElementById("row-checks");
    if (rowChecks) {
      const wrong = [...form.querySelectorAll("tr[data-row]")].filter(checkRow).length;
      rowChecks.textContent = wrong ? wrong + " baris: suara sah tidak sama dengan jumlah suara calon" : "";
    }
  }

  form.addEventListener("input", (event) => {
    const block = event.target.closest("[data-party]");
    if (block) checkParty(block);
    const row = event.target.closest("fieldset[data-row]");
    if (row) checkRow(row);
    sums();
  });
  for (const block of form.querySelectorAll("[data-party]")) checkParty(block);
  for (const row of form.querySelectorAll("fieldset[data-row]")) checkRow(row);
  sums();
})();
