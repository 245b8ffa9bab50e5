// The portal reads without this script; with it, pages follow the count live and photos zoom.
"use strict";

(function live() {
  const main = document.querySelector("main[data-poll]");
  const status = document.getElementById("live-status");
  if (!main || !status || !window.fetch || !window.DOMParser) return;
  const every = 5000;
  let etag = main.dataset.etag;
  const offset = Number(main.dataset.offset || 420);
  const zone = main.dataset.zone || "WIB";

  // The time of a check is the server's (its Date header) in the region's own zone, as the
  // page's "Data per" line is: the reader's clock may be wrong or in another zone.
  function serverTime(response) {
    const sent = Date.parse(response.headers.get("Date") || "");
    if (Number.isNaN(sent)) return "";
    return new Date(sent + offset * 60000).toISOString().slice(11, 19) + " " + zone;
  }

  // The cheap published document answers 304 while nothing changed; only when its ETag moves
  // is the page itself fetched again, and only its live parts are swapped in (no reload, so
  // the reader keeps their place, and a half-written complaint is not lost).
  async function check() {
    try {
      const polled = await fetch(main.dataset.poll, { cache: "no-cache" });
      if (!polled.ok) throw new Error(String(polled.status));
      const now = polled.headers.get("ETag");
      if (now && now !== etag) {
        const page = await fetch(location.href, { cache: "no-cache" });
        const fresh = new DOMParser().parseFromString(await page.text(), "text/html");
        for (const part of document.querySelectorAll("[data-live]")) {
          const replacement = fresh.getElementById(part.id);
          if (replacement) part.replaceWith(document.importNode(replacement, true));
        }
        const freshMain = fresh.querySelector("main[data-etag]");
        etag = freshMain ? freshMain.dataset.etag : now;
        status.textContent = (status.dataset.updated + " " + serverTime(page)).trim();
        zoomable();
        scrollHints();
      } else {
        status.textContent = (status.dataset.checked + " " + serverTime(polled)).trim();
      }
    } catch (e) {
      status.textContent = status.dataset.failed;
    }
    setTimeout(check, every);
  }
  setTimeout(check, every);
})();

function zoomable() {
  for (const link of document.querySelectorAll("a.zoomable:not([data-ready])")) {
    link.dataset.ready = "1";
    link.addEventListener("click", (event) => {
      event.preventDefault();
      openZoom(link.href, link.querySelector("img").alt);
    });
  }
}

function openZoom(src, alt) {
  const labels = document.documentElement.lang === "en"
    ? ["Zoom in", "Zoom out", "Close"] : ["Perbesar", "Perkecil", "Tutup"];
  const dialog = document.createElement("dialog");
  dialog.className = "zoom";
  dialog.setAttribute("aria-label", alt);
  const tools = document.createElement("div");
  tools.className = "tools";
  const view = document.createElement("div");
  view.className = "view";
  const img = document.createElement("img");
  img.src = src;
  img.alt = alt;
  let scale = 1;
  const fit = () => { img.style.width = Math.round(view.clientWidth * scale) + "px"; };
  img.addEventListener("load", fit);
  for (const [label, step] of [[labels[0], 1.5], [labels[1], 1 / 1.5]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.addEventListener("click", () => { scale = Math.min(8, Math.max(1, scale * step)); fit(); });
    tools.append(button);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = labels[2];
  close.addEventListener("click", () => dialog.close());
  tools.append(close);
  view.append(img);
  dialog.append(tools, view);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

// A wide table's hint ("slide the table sideways") shows only while the table is wider than its box.
function scrollHints() {
  for (const hint of document.querySelectorAll(".scroll-hint")) {
    const box = hint.nextElementSibling;
    if (box) hint.hidden = box.scrollWidth <= box.clientWidth + 1;
  }
}

zoomable();
scrollHints();
window.addEventListener("resize", scrollHints);
