// The device's own store (IndexedDB): the session, the TPS's ballots, the forms as typed (with
// their photos, as Blobs) and the outbox. Everything the app needs to work with no network.
(function () {
  "use strict";
  const NAME = "suara-kpps";
  const VERSION = 1;
  let opened = null;

  function open() {
    if (opened) return opened;
    opened = new Promise(function (resolve, reject) {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = function () {
        const db = request.result;
        if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
        if (!db.objectStoreNames.contains("drafts")) db.createObjectStore("drafts", {keyPath: "contest"});
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", {keyPath: "key"});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return opened;
  }

  // One request in its own transaction; resolves when the transaction has committed, so a
  // write the caller awaited survives the app being closed right after.
  async function run(store, mode, action) {
    const db = await open();
    return new Promise(function (resolve, reject) {
      const tx = db.transaction(store, mode);
      const request = action(tx.objectStore(store));
      tx.oncomplete = function () { resolve(request ? request.result : undefined); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error || new Error("transaksi dibatalkan")); };
    });
  }

  window.SuaraStore = {
    get: function (store, key) { return run(store, "readonly", function (s) { return s.get(key); }); },
    all: function (store) { return run(store, "readonly", function (s) { return s.getAll(); }); },
    put: function (store, value, key) {
      return run(store, "readwrite", function (s) { return key === undefined ? s.put(value) : s.put(value, key); });
    },
    remove: function (store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); },
    clear: function (store) { return run(store, "readwrite", function (s) { return s.clear(); }); },
  };
})();
