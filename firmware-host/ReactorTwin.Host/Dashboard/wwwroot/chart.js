// One component's chart as SVG: accepted readings, the twin's filtered state with its 95 % band, and the forecast to
// the batch's end with both 95 % bands (posterior predictive, and intrinsic noise only). Plain DOM, no library.
const NS = "http://www.w3.org/2000/svg";
const W = 640, H = 300, L = 58, R = 14, T = 14, B = 40;
const POSTERIOR = "posterior predictive: intrinsic noise of the culture and the parameters' uncertainty";
const MAX_POINTS = 2000; // more readings than this are thinned for drawing (the CSV has them all)

function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

/** A "nice" step (1, 2, 2.5 or 5 × 10^k) giving about `n` intervals over `range`. */
export function niceStep(range, n = 5) {
  if (!(range > 0)) return 1;
  const raw = range / n, mag = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

function fmt(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

function thin(points) {
  if (points.length <= MAX_POINTS) return points;
  const step = points.length / MAX_POINTS, out = [];
  for (let i = 0; i < MAX_POINTS; i++) out.push(points[Math.floor(i * step)]);
  out.push(points[points.length - 1]);
  return out;
}

function bandPath(xs, lo, hi, px, py) {
  let d = "";
  for (let i = 0; i < xs.length; i++) d += (i ? "L" : "M") + px(xs[i]).toFixed(1) + "," + py(hi[i]).toFixed(1);
  for (let i = xs.length - 1; i >= 0; i--) d += "L" + px(xs[i]).toFixed(1) + "," + py(lo[i]).toFixed(1);
  return xs.length ? d + "Z" : "";
}

function linePath(xs, ys, px, py) {
  let d = "";
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(ys[i])) d += (d ? "L" : "M") + px(xs[i]).toFixed(1) + "," + py(ys[i]).toFixed(1);
  return d;
}

/**
 * Draws the chart into `svg` (its content is replaced).
 * spec: { component, unit, color, xMax, measured: [{t, value}], filtered: [{t, mean, lo95, hi95, noiseLo95, noiseHi95,
 * posterior}], forecast: {band, from_h, points: [{horizon_h, mean, lo95, hi95, stateNoise: {lo95, hi95}}]} | null,
 * atEnd: {mean, lo95, hi95, horizon_h} | null }
 */
export function drawChart(svg, spec) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  const measured = thin(spec.measured || []), filtered = spec.filtered || [];
  const fc = spec.forecast, fpts = fc ? fc.points : [];
  const posterior = fc ? fc.band === POSTERIOR : filtered.some(f => f.posterior);
  const ys = [];
  for (const m of measured) ys.push(m.value);
  for (const f of filtered) ys.push(f.lo95, f.hi95);
  for (const p of fpts) ys.push(p.lo95, p.hi95, p.stateNoise.lo95, p.stateNoise.hi95);
  if (spec.atEnd) ys.push(spec.atEnd.lo95, spec.atEnd.hi95);
  const finite = ys.filter(Number.isFinite);
  let y0 = Math.min(0, ...finite), y1 = finite.length ? Math.max(...finite) : 1;
  if (!(y1 > y0)) y1 = y0 + 1;
  const ys_ = niceStep(y1 - y0);
  y0 = Math.floor(y0 / ys_ + 1e-9) * ys_;
  y1 = Math.ceil(y1 / ys_ - 1e-9) * ys_;
  const ts = [...measured.map(m => m.t), ...filtered.map(f => f.t), ...fpts.map(p => p.horizon_h)];
  const x1 = Math.max(spec.xMax || 0, ...ts, 1), xs_ = niceStep(x1, 6), xEnd = Math.ceil(x1 / xs_ - 1e-9) * xs_;
  const px = x => L + (x / xEnd) * (W - L - R);
  const py = y => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);

  el("title", {}, svg).textContent = `${spec.component} (${spec.unit}): ${measured.length} readings, filtered state and forecast`;
  const grid = el("g", { class: "grid", stroke: "#e3e6ea" }, svg);
  const labels = el("g", { "font-size": 11, fill: "#444", "font-family": "sans-serif" }, svg);
  for (let v = y0; v <= y1 + ys_ * 1e-6; v += ys_) {
    el("line", { x1: L, x2: W - R, y1: py(v), y2: py(v) }, grid);
    el("text", { x: L - 6, y: py(v) + 4, "text-anchor": "end" }, labels).textContent = fmt(v);
  }
  for (let v = 0; v <= xEnd + xs_ * 1e-6; v += xs_) {
    el("line", { x1: px(v), x2: px(v), y1: T, y2: H - B }, grid);
    el("text", { x: px(v), y: H - B + 15, "text-anchor": "middle" }, labels).textContent = fmt(v);
  }
  el("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, labels).textContent = "culture time (h)";
  el("text", { x: 14, y: (T + H - B) / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${(T + H - B) / 2})` }, labels).textContent = `${spec.component} (${spec.unit})`;
  el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#333" }, svg);
  el("line", { x1: L, x2: L, y1: T, y2: H - B, stroke: "#333" }, svg);

  const c = spec.color;
  // The forecast: both bands, then its mean dashed; a dotted line at "now".
  const g = el("g", { "data-series": "forecast", "data-count": fpts.length, "data-band": posterior ? "posterior" : "intrinsic" }, svg);
  if (fpts.length) {
    const t = fpts.map(p => p.horizon_h);
    if (posterior) el("path", { d: bandPath(t, fpts.map(p => p.lo95), fpts.map(p => p.hi95), px, py), fill: c, "fill-opacity": 0.12, "data-band": "posterior" }, g);
    el("path", { d: bandPath(t, fpts.map(p => p.stateNoise.lo95), fpts.map(p => p.stateNoise.hi95), px, py), fill: c, "fill-opacity": 0.32, "data-band": "intrinsic" }, g);
    el("path", { d: linePath(t, fpts.map(p => p.mean), px, py), fill: "none", stroke: c, "stroke-width": 2, "stroke-dasharray": "6 4" }, g);
    el("line", { x1: px(fc.from_h), x2: px(fc.from_h), y1: T, y2: H - B, stroke: "#777", "stroke-dasharray": "2 3" }, g);
    el("text", { x: px(fc.from_h) + 3, y: T + 10, "font-size": 10, fill: "#555" }, g).textContent = "now";
  } else if (spec.atEnd) {
    const e = spec.atEnd, x = px(e.horizon_h);
    el("line", { x1: x, x2: x, y1: py(e.lo95), y2: py(e.hi95), stroke: c, "stroke-width": 2 }, g);
    el("circle", { cx: x, cy: py(e.mean), r: 3.5, fill: "none", stroke: c, "stroke-width": 2 }, g);
  }
  // The filtered state: its band and mean.
  const f = el("g", { "data-series": "filtered", "data-count": filtered.length }, svg);
  if (filtered.length) {
    const t = filtered.map(p => p.t);
    el("path", { d: bandPath(t, filtered.map(p => p.lo95), filtered.map(p => p.hi95), px, py), fill: c, "fill-opacity": 0.18 }, f);
    el("path", { d: linePath(t, filtered.map(p => p.mean), px, py), fill: "none", stroke: c, "stroke-width": 2 }, f);
  }
  // The readings on top.
  const m = el("g", { "data-series": "measured", "data-count": (spec.measured || []).length, fill: "#222" }, svg);
  for (const p of measured) if (Number.isFinite(p.value)) el("circle", { cx: px(p.t).toFixed(1), cy: py(p.value).toFixed(1), r: 2.6 }, m);
  return { posterior };
}
