// The documents table: sort, filter and page rows held as JSON in the page.
// Rows are built with DOM calls and textContent only: document text never becomes markup.
// The table's state (filters, sort, page) lives in the URL fragment, so "back" from a
// document report returns to the same view.
(() => {
  "use strict";
  const columns = JSON.parse(document.getElementById("docs-columns").textContent);
  const rows = JSON.parse(document.getElementById("docs-data").textContent);
  // row[0] is the id. No prototype: a fragment's "sort=__proto__" names no column.
  const col = Object.assign(Object.create(null), Object.fromEntries(columns.map(([key], i) => [key, i + 1])));
  const $ = (id) => document.getElementById(id);
  const body = document.querySelector("#docs tbody");
  const headers = [...document.querySelectorAll("#docs th")];
  const defaults = { q: "", status: "", reason: "", sort: "", dir: "asc", page: 1, size: 50 };
  const state = { ...defaults };
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  const number = new Intl.NumberFormat();

  // What the text filter searches, lower-cased once.
  const haystack = rows.map((r) =>
    [r[0], r[col.title], r[col.keyphrase], ...(r[col.reasons] || [])].filter(Boolean).join(" ").toLowerCase());

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    for (const key of Object.keys(state)) {
      if (params.has(key)) state[key] = ["page", "size"].includes(key) ? Number(params.get(key)) || state[key] : params.get(key);
    }
    $("filter-text").value = state.q;
    $("filter-status").value = state.status;
    $("filter-reason").value = state.reason;
    $("page-size").value = String(state.size);
  }

  function writeHash() {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(state)) if (value !== defaults[key]) params.set(key, value);
    const hash = params.toString();
    if (hash !== location.hash.slice(1)) history.replaceState(null, "", hash ? "#" + hash : location.pathname);
  }

  function compare(kind, a, b) {
    // Missing values sort last in either direction.
    if (a === null || a === undefined || a === "") return b === null || b === undefined || b === "" ? 0 : 1;
    if (b === null || b === undefined || b === "") return -1;
    if (kind === "text") return collator.compare(a, b);
    if (kind === "list") return collator.compare(a.join(" "), b.join(" "));
    return a - b;
  }

  function visible() {
    const q = state.q.trim().toLowerCase();
    let found = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (state.status && r[col.status] !== state.status) continue;
      if (state.reason === "(none)" && (r[col.reasons] || []).length) continue;
      if (state.reason && state.reason !== "(none)" && !(r[col.reasons] || []).includes(state.reason)) continue;
      if (q && !haystack[i].includes(q)) continue;
      found.push(r);
    }
    if (state.sort && col[state.sort] !== undefined) {
      const index = col[state.sort];
      const kind = columns[index - 1][2];
      const sign = state.dir === "desc" ? -1 : 1;
      found = found
        .map((r, order) => [r, order])
        .sort(([a, i], [b, j]) => {
          const missingA = a[index] === null || a[index] === "", missingB = b[index] === null || b[index] === "";
          if (missingA || missingB) return compare(kind, a[index], b[index]) || i - j;
          return sign * compare(kind, a[index], b[index]) || i - j;
        })
        .map(([r]) => r);
    }
    return found;
  }

  function cell(r, key, kind) {
    const td = document.createElement("td");
    const value = r[col[key]];
    if (kind !== "text" && kind !== "list") td.className = "num";
    // The row's last value: the document has a written page. Served (`clean-corpus serve`), every
    // document has one: the server renders it on request.
    if (key === "title" && (r[r.length - 1] || location.protocol.startsWith("http"))) {
      const a = document.createElement("a");
      a.href = encodeURIComponent(r[0]) + ".html";
      a.textContent = value || r[0];
      td.append(a);
    } else if (key === "title") {
      td.textContent = value || r[0];
      td.title = "no page: past [reports] pages and not in the sample";
    } else if (key === "status") {
      const span = document.createElement("span");
      span.className = "status " + value;
      span.textContent = value;
      td.append(span);
    } else if (kind === "list") {
      for (const item of value || []) {
        const code = document.createElement("code");
        code.textContent = item;
        td.append(code, " ");
      }
    } else if (value === null || value === undefined) {
      td.textContent = "";
    } else if (kind === "pct") {
      td.textContent = (100 * value).toFixed(1) + "%";
    } else if (kind === "float") {
      td.textContent = value.toFixed(3);
    } else if (kind === "int") {
      td.textContent = number.format(value);
    } else {
      td.textContent = value;
    }
    return td;
  }

  function render() {
    const found = visible();
    const pages = Math.max(1, Math.ceil(found.length / state.size));
    state.page = Math.min(Math.max(1, state.page), pages);
    const start = (state.page - 1) * state.size;
    const shown = found.slice(start, start + state.size);
    const fragment = document.createDocumentFragment();
    for (const r of shown) {
      const tr = document.createElement("tr");
      tr.dataset.id = r[0];
      for (const [key, , kind] of columns) tr.append(cell(r, key, kind));
      fragment.append(tr);
    }
    body.replaceChildren(fragment);
    for (const th of headers) {
      th.setAttribute("aria-sort", th.dataset.key === state.sort ? (state.dir === "asc" ? "ascending" : "descending") : "none");
    }
    const filtered = found.length === rows.length ? "" : ` (filtered from ${number.format(rows.length)})`;
    $("table-status").textContent = found.length
      ? `Showing ${number.format(start + 1)}–${number.format(start + shown.length)} of ${number.format(found.length)} documents${filtered}.`
      : `No document matches${filtered}.`;
    $("page-label").textContent = `Page ${state.page} of ${pages}`;
    $("page-first").disabled = $("page-prev").disabled = state.page <= 1;
    $("page-next").disabled = $("page-last").disabled = state.page >= pages;
    writeHash();
  }

  for (const th of headers) {
    th.querySelector("button").addEventListener("click", () => {
      const key = th.dataset.key;
      state.dir = state.sort === key && state.dir === "asc" ? "desc" : "asc";
      state.sort = key;
      state.page = 1;
      render();
    });
  }
  const onFilter = (key, id) => $(id).addEventListener("input", (event) => {
    state[key] = event.target.value;
    state.page = 1;
    render();
  });
  onFilter("q", "filter-text");
  onFilter("status", "filter-status");
  onFilter("reason", "filter-reason");
  $("page-size").addEventListener("change", (event) => { state.size = Number(event.target.value); state.page = 1; render(); });
  $("page-first").addEventListener("click", () => { state.page = 1; render(); });
  $("page-prev").addEventListener("click", () => { state.page -= 1; render(); });
  $("page-next").addEventListener("click", () => { state.page += 1; render(); });
  $("page-last").addEventListener("click", () => { state.page = Infinity; render(); });

  readHash();
  render();
})();
