// Shows the failing rules while numbers are typed: the server runs the same rules as on send.
(function () {
  const form = document.getElementById("entry");
  const list = document.getElementById("flags");
  let timer = null;
  function collect() {
    const data = {};
    for (const input of form.querySelectorAll("input.n")) {
      if (input.value.trim() !== "") data[input.name] = input.value.trim();
    }
    return data;
  }
  async function check() {
    const response = await fetch("/ui/check", {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": form.elements.csrf.value},
      body: JSON.stringify({contest: form.dataset.contest, tps: form.dataset.tps, fields: collect()}),
    });
    const answer = await response.json();
    list.replaceChildren();
    const items = answer.flags || [];
    if (answer.error) items.push({rule: "R12", severity: "error", judul: answer.error.message, message: ""});
    if (!items.length) items.push({rule: "", severity: "ok", judul: "Tidak ada aturan yang gagal", message: ""});
    for (const f of items) {
      const li = document.createElement("li");
      li.className = f.severity;
      li.textContent = (f.rule ? f.rule + ": " : "") + f.judul + (f.message ? " (" + f.message + ")" : "");
      list.appendChild(li);
    }
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
})();
