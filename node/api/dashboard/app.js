// The dashboard: reads the node's REST API every few seconds and renders
// it; actions send the API token the operator pasted (kept for this tab
// only). No build step, no dependencies.
"use strict";

const $ = (id) => document.getElementById(id);
let token = { symbol: "", decimals: 0 };

$("token").value = sessionStorage.getItem("slotd-token") || "";
$("token").addEventListener("change", () => sessionStorage.setItem("slotd-token", $("token").value.trim()));

function say(text, error) {
  $("msg").textContent = text;
  $("msg").className = error ? "error" : "";
}

async function api(method, path, body) {
  const headers = {};
  const t = $("token").value.trim();
  if (method !== "GET" && t) headers["Authorization"] = "Bearer " + t;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) {
    let msg = r.status + " " + r.statusText;
    try { msg += ": " + (await r.json()).error; } catch (e) { /* no JSON body */ }
    if (r.status === 401) msg += " (paste the node's api-token above)";
    throw new Error(msg);
  }
  return r.status === 204 ? null : r.json();
}

// amount formats base units (a decimal string) in the token's units.
function amount(v, units) {
  if (v === null || v === undefined) return "-";
  const u = units || token;
  let s = BigInt(v).toString();
  const d = u.decimals;
  const neg = s.startsWith("-");
  if (neg) s = s.slice(1);
  s = s.padStart(d + 1, "0");
  let whole = s.slice(0, s.length - d), frac = s.slice(s.length - d).replace(/0+$/, "");
  return (neg ? "-" : "") + whole + (frac ? "." + frac : "") + (u.symbol ? " " + u.symbol : "");
}

function bytes(n) {
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(n < 10 ? 2 : 1) : n) + " " + u[i];
}

function ago(t) {
  if (!t || t.startsWith("0001")) return "-";
  const s = Math.round((Date.now() - Date.parse(t)) / 1000);
  if (s < 60) return s + "s ago";
  if (s < 3600) return Math.floor(s / 60) + "m ago";
  if (s < 86400) return Math.floor(s / 3600) + "h ago";
  return Math.floor(s / 86400) + "d ago";
}

const short = (id) => (id && id.length > 14 ? id.slice(0, 6) + "…" + id.slice(-4) : id || "");

function cell(tr, text, title) {
  const td = tr.insertCell();
  td.textContent = text;
  if (title) td.title = title;
  return td;
}

function button(td, label, fn) {
  const b = document.createElement("button");
  b.textContent = label;
  b.addEventListener("click", async () => {
    try { await fn(); say(label + ": done"); refresh(); } catch (e) { say(label + ": " + e.message, true); }
  });
  td.appendChild(b);
}

function rows(id, items, fill) {
  const tbody = $(id).tBodies[0];
  tbody.replaceChildren();
  for (const it of items) fill(tbody.insertRow(), it);
}

function renderStatus(st) {
  if (st.token) token = st.token;
  $("roles").textContent = (st.roles || []).join(", ") + " · " + st.account;
  const dl = $("status");
  dl.replaceChildren();
  const add = (k, v) => {
    if (v === undefined || v === null || v === "") return;
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    dl.append(dt, dd);
  };
  const c = st.chain || {};
  add("rpc", c.rpcOk ? "ok, " + c.rpcLatencyMs + " ms" : "UNREACHABLE: " + c.rpcError);
  add("head", st.head);
  if (c.cursor) add("events applied to", "block " + c.cursor + " (" + (c.cursorLag || 0) + " behind)");
  if (st.balances) { add("gas", amount(st.balances.gas, { symbol: "ETH", decimals: 18 })); add("token balance", amount(st.balances.token)); }
  const h = st.host;
  if (h) {
    add("slots", Object.entries(h.slotsByState).map(([k, v]) => v + " " + k).join(", ") || "none");
    add("held", h.held);
    add("earned so far", amount(h.accruing));
    add("payout at end", amount(h.payoutAtEnd));
    add("collateral locked", amount(h.collateralLocked) + (h.slashes ? ", slashed " + h.slashes + "×" : ""));
    add("proofs due now", h.proofsDue + " this period, " + (h.proofsProven || 0) + " sent");
    add("proofs", h.proofsSubmittedSinceStart + " submitted, " + h.proofsMissedSinceStart + " missed since start");
    add("proofs, last 24 h", h.proofsSubmitted24h + " submitted, " + h.proofsMissed24h + " missed");
    add("earnings", amount(h.paid) + " paid, " + amount(h.forfeited) + " forfeited to slashes");
    add("storage", bytes(h.offered) + " offered, " + bytes(h.reserved) + " reserved, " + bytes(h.free) + " unreserved");
    if (h.diskFree) add("disk free", bytes(h.diskFree));
  }
  if (st.client) {
    add("purchases", Object.entries(st.client.purchasesByState).map(([k, v]) => v + " " + k).join(", ") || "none");
    add("deposited", amount(st.client.deposited));
    add("withdrawn", st.client.withdrawn + " purchases, " + amount(st.client.refunded) + " back");
  }
  if (st.validator) add("validator", st.validator.watched + " slots watched, " + st.validator.marks + " marks");
  const al = $("alerts");
  al.replaceChildren();
  for (const a of st.alerts || []) {
    const d = document.createElement("div");
    d.className = "alert " + a.level;
    d.textContent = a.level.toUpperCase() + ": " + a.message;
    al.appendChild(d);
  }
  $("host").hidden = !(st.roles || []).includes("host");
  $("client").hidden = !(st.roles || []).includes("client");
}

// renderProofs draws one row per slot: a square per period with a proof
// record, oldest first.
function renderProofs(records) {
  const bySlot = new Map();
  for (const r of records) {
    if (!bySlot.has(r.slotId)) bySlot.set(r.slotId, []);
    bySlot.get(r.slotId).push(r);
  }
  rows("proofs", [...bySlot.entries()], (tr, [slot, rs]) => {
    cell(tr, short(slot), slot);
    cell(tr, rs.filter((r) => r.status === "submitted").length);
    cell(tr, rs.filter((r) => r.status === "missed").length);
    const td = tr.insertCell();
    for (const r of rs) {
      const sq = document.createElement("i");
      sq.className = "p " + r.status;
      sq.title = "period " + r.period + ": " + r.status + " (block " + r.block + ", " + new Date(r.time * 1000).toISOString() + ")";
      sq.textContent = r.status;
      td.appendChild(sq);
    }
  });
}

// renderEarnings lists the payouts and slashes with running totals and
// plots the two totals against the block number.
function renderEarnings(e) {
  $("earnings-total").textContent = amount(e.paid) + " paid, " + amount(e.forfeited) + " forfeited to slashes" +
    (e.unpriced ? " (" + e.unpriced + " payouts without a recorded amount)" : "");
  let paid = 0n, lost = 0n;
  const points = [];
  rows("earnings", e.events, (tr, ev) => {
    if (ev.kind === "paid") paid += BigInt(ev.amount); else lost += BigInt(ev.amount);
    points.push({ block: ev.block, paid, lost });
    cell(tr, ev.block); cell(tr, new Date(ev.time * 1000).toISOString().replace(".000Z", "Z"));
    cell(tr, short(ev.slotId), ev.slotId); cell(tr, ev.kind === "paid" ? "payout" : "slashed");
    cell(tr, (ev.kind === "paid" ? "+" : "−") + amount(ev.amount)); cell(tr, amount(paid)); cell(tr, amount(lost));
  });
  const svg = $("earnings-chart");
  svg.replaceChildren();
  if (points.length === 0) return;
  const W = 640, H = 160, pad = 8;
  const b0 = points[0].block, b1 = Math.max(points[points.length - 1].block, b0 + 1);
  const top = [paid, lost].reduce((a, b) => (b > a ? b : a), 1n);
  const x = (b) => pad + ((b - b0) / (b1 - b0)) * (W - 2 * pad);
  const y = (v) => H - pad - Number((v * 1000n) / top) / 1000 * (H - 2 * pad);
  for (const [key, color] of [["paid", "#2a2"], ["lost", "#d22"]]) {
    let d = "M" + x(b0) + "," + y(0n);
    for (const p of points) d += " H" + x(p.block) + " V" + y(p[key]);
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", d); path.setAttribute("fill", "none"); path.setAttribute("stroke", color);
    path.setAttribute("class", "line-" + key);
    svg.appendChild(path);
  }
}

async function refresh() {
  try {
    const st = await api("GET", "api/v1/status");
    renderStatus(st);
    const downloads = {};
    for (const d of (st.host && st.host.downloads) || []) downloads[d.slotId] = d;
    rows("sales", await api("GET", "api/v1/sales"), (tr, a) => {
      cell(tr, short(a.slotId), a.slotId); cell(tr, short(a.requestId), a.requestId); cell(tr, a.slotIndex);
      cell(tr, a.state); cell(tr, bytes(a.reserved)); cell(tr, ago(a.updated));
      const d = downloads[a.slotId];
      cell(tr, d && a.state === "downloading" ? "downloading " + Math.floor(100 * d.verified / d.size) + "%" : a.reason);
      const td = tr.insertCell();
      if (a.state === "errored") button(td, "retry", () => api("POST", "api/v1/sales/" + a.slotId + "/retry"));
    });
    if ((st.roles || []).includes("host")) {
      renderProofs(await api("GET", "api/v1/proofs"));
      renderEarnings(await api("GET", "api/v1/earnings"));
    }
    rows("availabilities", await api("GET", "api/v1/availabilities"), (tr, a) => {
      cell(tr, a.id); cell(tr, bytes(a.totalSize)); cell(tr, bytes(a.freeSize)); cell(tr, a.duration + " s");
      cell(tr, amount(a.minPricePerBytePerSecond)); cell(tr, amount(a.maxCollateralPerByte));
      button(tr.insertCell(), "remove", () => api("DELETE", "api/v1/availabilities/" + a.id));
    });
    rows("queue", await api("GET", "api/v1/queue"), (tr, q) => {
      cell(tr, short(q.slotId), q.slotId); cell(tr, short(q.requestId), q.requestId); cell(tr, q.slotIndex);
      cell(tr, bytes(q.slotSize)); cell(tr, q.duration + " s");
    });
    rows("purchases", await api("GET", "api/v1/purchases"), (tr, p) => {
      cell(tr, short(p.requestId), p.requestId); cell(tr, p.state); cell(tr, short(p.cid), p.cid);
      cell(tr, ago(p.created)); cell(tr, (p.reason || "") + (p.withdrawn ? " withdrawn" : ""));
      // Ends a purchase never sent, or withdraws one whose request is over;
      // the node answers 409 (shown) for one waiting before its expiry or running.
      const td = tr.insertCell();
      if (!p.withdrawn && p.state !== "started") button(td, "cancel", () => api("POST", "api/v1/purchases/" + p.requestId + "/cancel"));
    });
  } catch (e) {
    say("reading the API: " + e.message, true);
  }
}

$("add").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = ev.target.elements;
  try {
    await api("POST", "api/v1/availabilities", {
      totalSize: Number(f.size.value), duration: Number(f.duration.value),
      minPricePerBytePerSecond: f.minPrice.value.trim(), maxCollateralPerByte: f.maxCollateral.value.trim(),
    });
    say("availability added");
    ev.target.reset();
    refresh();
  } catch (e) {
    say("add availability: " + e.message, true);
  }
});

refresh();
setInterval(refresh, 3000);
