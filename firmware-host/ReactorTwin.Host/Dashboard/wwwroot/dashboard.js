// The live dashboard: one EventSource (/api/events) feeds the state; everything is drawn from it with DOM calls
// (text is always set as text, never as HTML). No library, nothing fetched from anywhere but this server.
import { drawChart } from "/assets/chart.js";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];
const state = { host: null, counts: {}, reactors: [], data: new Map(), selected: new Map(), shown: null, live: false };
const views = new Map(); // reactor id -> its section's elements

const $ = (root, sel) => root.querySelector(sel);
const key = (r, b) => `${r}/${b}`;
const enc = encodeURIComponent;

function text(el, value, cls) {
  el.textContent = value;
  if (cls !== undefined) el.className = cls;
  return el;
}

function make(tag, value, cls) {
  const e = document.createElement(tag);
  if (value !== undefined) e.textContent = value;
  if (cls) e.className = cls;
  return e;
}

function num(v, digits = 4) {
  if (v === null || v === undefined || !Number.isFinite(Number(v))) return "–";
  const x = Number(v), a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(digits - 1) : String(Number(x.toPrecision(digits)));
}

function clock(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

// ---- state ---------------------------------------------------------------------------------------------------------

function reactor(id) { return state.reactors.find(r => r.id === id); }

function emptyData(batch) {
  return { ...batch, measured: batch.measured || {}, filtered: batch.filtered || {}, atEnd: batch.atEnd || {}, forecast: batch.forecast || null };
}

function latestBatch(r) { return r.batches.length ? r.batches[r.batches.length - 1].batch : null; }

function selectedBatch(r) { return state.selected.get(r.id) || latestBatch(r); }

function upsertBatch(r, header) {
  const i = r.batches.findIndex(b => b.batch === header.batch);
  const h = { ...header, measured: null, filtered: null, atEnd: null, forecast: null };
  if (i >= 0) r.batches[i] = { ...r.batches[i], ...h };
  else {
    r.batches.push(h);
    r.batches.sort((a, b) => (a.start || "\uffff").localeCompare(b.start || "\uffff"));
  }
  const k = key(r.id, header.batch);
  if (state.data.has(k)) Object.assign(state.data.get(k), { start: header.start, hours: header.hours, end: header.end, setpoints: header.setpoints });
  else if (latestBatch(r) === header.batch) state.data.set(k, emptyData(header)); // a new batch: its data start now
}

function dataFor(r, batch, create) {
  const k = key(r.id, batch);
  if (!state.data.has(k) && create) {
    if (!r.batches.some(b => b.batch === batch)) upsertBatch(r, { batch, start: null, hours: null, end: null, setpoints: {} });
    if (!state.data.has(k)) state.data.set(k, emptyData({ batch }));
  }
  return state.data.get(k);
}

function applySnapshot(s) {
  state.host = s.host;
  state.reactors = s.reactors;
  state.data.clear();
  state.counts = {};
  for (const r of s.reactors) {
    state.counts[r.id] = r.counts;
    for (const b of r.batches) if (b.measured) state.data.set(key(r.id, b.batch), emptyData(b));
  }
  if (!state.shown || !reactor(state.shown)) state.shown = s.reactors.length ? s.reactors[0].id : null;
}

const handlers = {
  snapshot: s => applySnapshot(s),
  status: s => { state.host = s.host; state.counts = s.counts; },
  batch: e => { const r = reactor(e.reactor); if (r) upsertBatch(r, e.batch); },
  measurement: e => {
    const r = reactor(e.reactor), d = r && dataFor(r, e.batch, latestBatch(r) === e.batch || !r.batches.some(b => b.batch === e.batch));
    if (d) (d.measured[e.component] ||= []).push(e.point);
  },
  filtered: e => {
    const r = reactor(e.reactor), d = r && dataFor(r, e.batch, false);
    if (!d) return;
    const list = (d.filtered[e.component] ||= []);
    const i = list.findIndex(p => p.t >= e.point.t);
    if (i < 0) list.push(e.point);
    else if (list[i].t === e.point.t) list[i] = e.point;
    else list.splice(i, 0, e.point);
  },
  end: e => { const r = reactor(e.reactor), d = r && dataFor(r, e.batch, false); if (d) d.atEnd[e.component] = e.prediction; },
  forecast: e => { const r = reactor(e.reactor), d = r && dataFor(r, e.forecast.batch, false); if (d) d.forecast = e.forecast; },
  parameters: e => { const r = reactor(e.reactor); if (r) r.parameters = e.parameters; },
  proposal: e => { const r = reactor(e.reactor); if (r) r.proposal = e.proposal; },
  rejection: e => {
    const r = reactor(e.reactor);
    if (!r) return;
    r.rejections.push(e.rejection);
    if (r.rejections.length > 200) r.rejections.shift();
  },
};

// ---- drawing -------------------------------------------------------------------------------------------------------

let pending = false;
function render() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; draw(); });
}

function draw() {
  drawHost();
  drawTabs();
  const loading = document.getElementById("loading");
  if (loading) loading.remove();
  for (const r of state.reactors) drawReactor(r);
  for (const [id, v] of views) v.section.hidden = id !== state.shown;
  document.body.dataset.ready = "true";
}

function drawHost() {
  const h = state.host;
  if (!h) return;
  const twin = document.getElementById("host-state"), broker = document.getElementById("broker-state");
  text(twin, `twin: ${h.state}`, "chip " + (h.state === "ready" ? "ok" : h.state === "init" ? "warn" : "bad"));
  const since = h.brokerSince ? ` since ${clock(h.brokerSince)}` : "";
  const queued = h.outbox > 0 ? ` · ${h.outbox} message(s) waiting for it` : "";
  const label = h.broker === "in-process" ? "broker: none (in-process demo)" : `broker: ${h.broker}${since}${h.brokerReason ? ` (${h.brokerReason})` : ""}${queued}`;
  text(broker, label, "chip " + (h.broker === "connected" || h.broker === "in-process" ? "ok" : h.broker === "connecting" ? "warn" : "bad"));
  twin.dataset.state = h.state;
  broker.dataset.state = h.broker;
}

function drawTabs() {
  const nav = document.getElementById("reactor-tabs");
  nav.hidden = state.reactors.length < 2;
  if (nav.childElementCount === state.reactors.length) {
    for (const b of nav.children) b.setAttribute("aria-selected", String(b.dataset.reactor === state.shown));
    return;
  }
  nav.replaceChildren(...state.reactors.map(r => {
    const b = make("button", `Reactor ${r.id}`);
    b.type = "button";
    b.dataset.reactor = r.id;
    b.setAttribute("aria-selected", String(r.id === state.shown));
    b.addEventListener("click", () => { state.shown = r.id; render(); });
    return b;
  }));
}

function viewOf(r) {
  if (views.has(r.id)) return views.get(r.id);
  const section = document.getElementById("reactor-template").content.firstElementChild.cloneNode(true);
  section.dataset.reactor = r.id;
  document.getElementById("reactors").appendChild(section);
  const v = { section, charts: new Map() };
  $(section, ".batch-select").addEventListener("change", e => {
    const b = e.target.value;
    state.selected.set(r.id, b === latestBatch(reactor(r.id)) ? null : b);
    loadBatch(r.id, b);
    render();
  });
  $(section, ".download-png").addEventListener("click", () => downloadPng(r.id, selectedBatch(reactor(r.id))));
  wireAccept(r.id, section);
  views.set(r.id, v);
  return v;
}

function drawReactor(r) {
  const v = viewOf(r), s = v.section, batch = selectedBatch(r);
  text($(s, ".reactor-title"), `Reactor ${r.id} · model ${r.model}`);
  const select = $(s, ".batch-select");
  const options = r.batches.map(b => b.batch).reverse();
  if ([...select.options].map(o => o.value).join() !== options.join()) {
    select.replaceChildren(...options.map(b => { const o = make("option", b); o.value = b; return o; }));
  }
  if (batch) select.value = batch;
  const header = r.batches.find(b => b.batch === batch);
  const data = batch ? state.data.get(key(r.id, batch)) : null;
  text($(s, ".batch-status"), header ? batchStatus(header, data) : "no batch yet");
  drawCharts(r, v, data, header);
  const csv = $(s, ".download-csv"), svg = $(s, ".download-svg"), png = $(s, ".download-png");
  for (const a of [csv, svg]) a.toggleAttribute("aria-disabled", !batch);
  if (batch) {
    csv.href = `/api/reactors/${enc(r.id)}/batches/${enc(batch)}/data.csv`;
    svg.href = `/api/reactors/${enc(r.id)}/batches/${enc(batch)}/figure.svg`;
  }
  png.disabled = !batch;
  drawProposal(r, s);
  drawParameters(r, s);
  drawCounts(r, s);
  drawRejections(r, s);
}

function batchStatus(h, data) {
  const hours = h.hours ? ` of ${num(h.hours, 3)} h` : "";
  if (h.end) return `ended ${clock(h.end)}`;
  const f = data && data.forecast;
  const at = f ? ` · ${num(f.from_h, 3)} h${hours}` : "";
  return `running${at}${h.start ? ` · started ${clock(h.start)}` : ""}`;
}

function drawCharts(r, v, data, header) {
  const box = $(v.section, ".charts");
  let posterior = false;
  r.channels.forEach((ch, i) => {
    let c = v.charts.get(ch.component);
    if (!c) {
      const fig = make("figure", undefined, "chart");
      fig.dataset.component = ch.component;
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      const cap = make("figcaption");
      fig.append(svg, cap);
      box.appendChild(fig);
      c = { fig, svg, cap };
      v.charts.set(ch.component, c);
    }
    const spec = {
      component: ch.component, unit: ch.unit, color: COLORS[i % COLORS.length], xMax: header && header.hours,
      measured: data ? data.measured[ch.component] || [] : [],
      filtered: data ? data.filtered[ch.component] || [] : [],
      forecast: data && data.forecast && data.forecast.components[ch.component] ? { band: data.forecast.band, from_h: data.forecast.from_h, points: data.forecast.components[ch.component].points } : null,
      atEnd: data && data.atEnd[ch.component] ? data.atEnd[ch.component] : null,
    };
    posterior = drawChart(c.svg, spec).posterior || posterior;
    const last = spec.filtered[spec.filtered.length - 1], end = spec.forecast ? spec.forecast.points[spec.forecast.points.length - 1] : spec.atEnd;
    text(c.cap, `${ch.component}: ${spec.measured.length} readings` +
      (last ? ` · now ${num(last.mean)} ${ch.unit} [${num(last.lo95, 3)}, ${num(last.hi95, 3)}]` : "") +
      (end ? ` · at the end ${num(end.mean)} ${ch.unit} [${num(end.lo95, 3)}, ${num(end.hi95, 3)}]` : ""));
  });
  text($(v.section, ".filtered-band-label"), posterior ? "95 % posterior predictive" : "95 % intrinsic noise");
  $(v.section, ".legend-posterior").hidden = !posterior;
  text($(v.section, ".noise-only-note"), posterior ? "" : "(until a batch has completed, the parameters' uncertainty is not estimated, and this is the only band)");
}

function drawProposal(r, s) {
  const body = $(s, ".proposal-body"), p = r.proposal, form = $(s, ".accept-form");
  if (!p) return;
  const last = state.counts[r.id] && state.counts[r.id].lastCommand;
  const parts = [];
  const sp = make("p", Object.entries(p.setpoints).map(([k, val]) => `${k} = ${num(val)}`).join(", "), "setpoints");
  parts.push(make("p", `Proposal ${p.id} (policy ${p.policy})`));
  parts.push(sp);
  parts.push(make("p", `Why: ${p.objective}${p.predicted !== null && p.predicted !== undefined ? ` = ${num(p.predicted)}` : ""}`, "muted"));
  for (const n of p.notes || []) parts.push(make("p", n, "warn"));
  const status = make("p", undefined, "state");
  if (p.applied) {
    const by = last && last.outcome.startsWith(`applied proposal ${p.id}`) ? ` · accepted by ${last.origin.replace(" (via MQTT)", "")} at ${clock(last.received)}` : "";
    text(status, `Applied${by}`, "state good");
    form.hidden = true;
  } else if (state.host && state.host.acceptEnabled) {
    text(status, "Waiting for someone to accept it", "state warn");
    const button = make("button", `Accept proposal ${p.id}`, "button primary accept");
    button.type = "button";
    button.addEventListener("click", () => { form.hidden = false; form.dataset.id = String(p.id); $(form, "input[name=user]").focus(); });
    parts.push(status, button);
  } else {
    text(status, "Waiting; accepting is disabled on this dashboard (no user is configured)", "state muted");
  }
  if (p.applied || !(state.host && state.host.acceptEnabled)) parts.push(status);
  body.replaceChildren(...parts);
  body.dataset.id = String(p.id);
  body.dataset.applied = String(p.applied);
}

function wireAccept(reactorId, section) {
  const form = $(section, ".accept-form"), result = $(section, ".accept-result");
  $(section, ".cancel-accept").addEventListener("click", () => { form.hidden = true; });
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const confirm = $(form, ".confirm-accept");
    confirm.disabled = true;
    text(result, "Sending…", "accept-result muted");
    try {
      const res = await fetch(`/api/reactors/${enc(reactorId)}/proposal/accept`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ id: Number(form.dataset.id), user: form.elements.user.value, password: form.elements.password.value }),
      });
      const answer = await res.json();
      const ok = answer.outcome === "applied" || answer.outcome === "sent";
      text(result, ok ? answer.message : `Refused: ${answer.message}`, "accept-result " + (ok ? "good" : "bad"));
      result.dataset.outcome = answer.outcome;
      if (ok) { form.hidden = true; form.elements.password.value = ""; }
      if (answer.proposal) { const r = reactor(reactorId); if (r) r.proposal = answer.proposal; render(); }
    } catch (err) {
      text(result, `Could not reach the dashboard: ${err}`, "accept-result bad");
      result.dataset.outcome = "error";
    } finally {
      confirm.disabled = false;
    }
  });
}

function drawParameters(r, s) {
  const p = r.parameters;
  if (!p) return;
  text($(s, ".parameters-head"), `After batch ${p.batch} (${p.batches} completed batch${p.batches === 1 ? "" : "es"}); refit: ${p.refit}; ${p.method}`);
  $(s, "table.parameters tbody").replaceChildren(...Object.entries(p.parameters).map(([name, e]) => {
    const tr = make("tr");
    tr.append(make("td", name), make("td", num(e.value), "num"),
      make("td", e.lo95 === null || e.lo95 === undefined ? "not bounded by the data" : `[${num(e.lo95, 3)}, ${num(e.hi95, 3)}]`, "num"),
      make("td", e.identified ? "yes" : `no: ${e.note || "the data do not determine it yet"}`, e.identified ? "good" : "warn"));
    tr.dataset.identified = String(e.identified);
    return tr;
  }));
}

function drawCounts(r, s) {
  const c = state.counts[r.id];
  if (!c) return;
  const rows = [
    ["readings accepted since the host started", c.accepted, "accepted"],
    ["messages rejected since the host started", c.rejected, "rejected"],
    ["repeated readings dropped", c.duplicates, "duplicates"],
    ["measurements in the journal", c.journaled, "journaled"],
    ["commands in the journal", c.commands, "commands"],
    ["rejected messages in the journal", c.deadLetters, "dead-letters"],
  ];
  const items = [];
  for (const [label, value, name] of rows) {
    const dd = make("dd", String(value));
    dd.dataset.count = name;
    items.push(make("dt", label), dd);
  }
  if (c.lastCommand) {
    items.push(make("dt", "last command"), make("dd", `${clock(c.lastCommand.received)}: ${c.lastCommand.origin}: ${c.lastCommand.outcome}`, "text"));
  }
  $(s, "dl.counts").replaceChildren(...items);
}

function drawRejections(r, s) {
  const list = r.rejections.slice().reverse();
  $(s, ".rejections-empty").hidden = list.length > 0;
  $(s, "table.rejections").hidden = list.length === 0;
  $(s, "table.rejections tbody").replaceChildren(...list.map(x => {
    const tr = make("tr"), payload = make("td");
    payload.appendChild(make("code", x.payload));
    tr.append(make("td", clock(x.received), "num"), make("td", x.topic), make("td", x.reason), payload);
    return tr;
  }));
}

// ---- other batches and the PNG -------------------------------------------------------------------------------------

async function loadBatch(reactorId, batch) {
  const k = key(reactorId, batch);
  if (state.data.has(k)) return;
  const res = await fetch(`/api/reactors/${enc(reactorId)}/batches/${enc(batch)}`);
  if (res.ok) { state.data.set(k, emptyData(await res.json())); render(); }
}

async function downloadPng(reactorId, batch) {
  // The PNG is the server's SVG figure, drawn by this browser onto a canvas at twice its size.
  const res = await fetch(`/api/reactors/${enc(reactorId)}/batches/${enc(batch)}/figure.svg`);
  const url = URL.createObjectURL(new Blob([await res.text()], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    await new Promise((ok, fail) => { img.onload = ok; img.onerror = fail; img.src = url; });
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth * 2;
    canvas.height = img.naturalHeight * 2;
    const ctx = canvas.getContext("2d");
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0);
    const blob = await new Promise(ok => canvas.toBlob(ok, "image/png"));
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${reactorId}-${batch}.png`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  } finally {
    URL.revokeObjectURL(url);
  }
}

// ---- the live feed -------------------------------------------------------------------------------------------------

function connect() {
  const live = document.getElementById("live-state");
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => { text(live, "live", "chip ok"); live.dataset.state = "live"; });
  source.addEventListener("error", () => { text(live, "reconnecting…", "chip warn"); live.dataset.state = "reconnecting"; });
  for (const [name, handle] of Object.entries(handlers)) {
    source.addEventListener(name, e => { handle(JSON.parse(e.data)); render(); });
  }
}

connect();
