// The explorer, part 4 of 4: the side panel (details, steps, search, modules), start-up and the test API.
// Parts share one scope: viz/explore.py inlines them in this order inside one function in page.html.
// Data: the JSON in #graph-data (viz/explore.py, column-wise: node k is entry k of every node column).
// ---- the side panel -------------------------------------------------------------------------------
function select(u) {
  if (u < 0) { selected = -1; redraw(); return; }
  if (u >= N) { selected = -1; showModule(u - N); redraw(); return; }
  selected = u;
  showDetails(u);
  const r = roleName(u);
  if (D.rg[u] && u !== D.output && (r === "leaf" || r === "parameter" || r === "intermediate")) showChain(u);
  else redraw();
}
function showModule(s) {  // what the picture's box for it says, and its tooltip's list of parameters
  const el = document.getElementById("details"), {lines, params} = foldedOf(s);
  el.innerHTML = `<table class="kv"><tr><td>module</td><td>${esc(scopeLabel(s))}</td></tr>` +
    lines.map((line) => `<tr><td></td><td>${esc(line)}</td></tr>`).join("") +
    '</table><button id="expand-this">expand</button> <span class="hint">(or double-click its box)</span>' +
    (params.length ? `<h2>parameters</h2><div class="math">${params.map(esc).join("\n")}</div>` : "");
  document.getElementById("expand-this").onclick = () => setCollapsed(s, false);
}
function showDetails(k) {
  const el = document.getElementById("details");
  if (summaryOf.has(k)) {  // what the picture's summary box says, and its tooltip's list of parameters
    const {lines, params} = summaryOf.get(k);
    el.innerHTML = `<table class="kv"><tr><td>name</td><td><b>${esc(name(k))}</b> <span class="hint">${esc(D.ids[k])}</span></td></tr>` +
      `<tr><td>role</td><td>collapsed: a summary of the nodes it hides</td></tr>` +
      lines.map((line) => `<tr><td></td><td>${esc(line)}</td></tr>`).join("") + "</table>" +
      (params.length ? `<h2>parameters</h2><div class="math">${params.map(esc).join("\n")}</div>` : "");
    return;
  }
  let h = `<table class="kv"><tr><td>name</td><td><b>${esc(name(k))}</b> <span class="hint">${esc(D.ids[k])}</span></td></tr>`;
  const op = opText(k) === opName(k) ? esc(opName(k)) : `${esc(opText(k))} <span class="hint">(${esc(opName(k))})</span>`;
  h += `<tr><td>op</td><td>${op || esc("(none: " + roleName(k) + ")")}</td></tr>`;
  h += `<tr><td>role</td><td>${esc(roleName(k))}</td></tr>`;
  h += `<tr><td>shape</td><td>${shapeText(k)}</td></tr><tr><td>dtype</td><td>${esc(D.dtypes[D.dtype[k]])}</td></tr>`;
  if (D.scope[k] >= 0) h += `<tr><td>module</td><td>${esc(scopeLabel(D.scope[k]))}</td></tr>`;
  const parents = inE[k].map((e) => name(D.src[e]));
  if (parents.length) h += `<tr><td>inputs</td><td>${esc(parents.join(", "))}</td></tr>`;
  h += "</table>";
  h += `<h2>data</h2><div id="data-view"></div>`;
  if (D.rg[k]) h += `<h2>gradient</h2><div id="grad-view"></div>`;
  el.innerHTML = h;
  arrayView(document.getElementById("data-view"), D.data[k], D.shape[k]);
  if (D.rg[k]) {
    const g = document.getElementById("grad-view");
    if (D.grad[k] === null) g.innerHTML = '<span class="hint">none yet: run backward() first</span>';
    else if (!gradKnown(k)) g.innerHTML = `<span class="hint">not yet known at step ${step} of ${K} (filled in at step ${stepOf[k] + 1})</span>`;
    else arrayView(g, gradOf(k), D.shape[k]);
  }
}
function arrayView(el, p, shape) {
  if (p === null || p === undefined) { el.textContent = "—"; return; }
  if (typeof p !== "object") { el.innerHTML = `<span class="value">${fmt(p, 6)}</span>`; return; }
  let h = "";
  if (p.v) {
    const cols = shape.length >= 2 ? shape[shape.length - 1] : Math.min(p.v.length, 8);
    h += '<table class="nums">';
    for (let i = 0; i < p.v.length; i += cols) h += "<tr>" + p.v.slice(i, i + cols).map((x) => `<td>${fmt(x, 4)}</td>`).join("") + "</tr>";
    h += "</table>";
    if (p.c) h += `<div class="stats">mean ${fmt(p.c[0])} · max |·| ${fmt(p.c[1])}</div>`;
    else if (p.s) h += `<div class="stats">min ${fmt(p.s[0])} · mean ${fmt(p.s[1])} · max ${fmt(p.s[2])}</div>`;
    else if (p.v.length > 1) {  // booleans: viz.explore writes no min, mean, max for them
      const vs = p.v.map(num);
      h += `<div class="stats">min ${fmt(Math.min(...vs))} · mean ${fmt(mean(vs))} · max ${fmt(Math.max(...vs))}</div>`;
    }
    el.innerHTML = h;
    return;
  }
  h += p.c ? `<div class="stats">mean ${fmt(p.c[0])} · max |·| ${fmt(p.c[1])}</div>`
    : `<div class="stats">min ${fmt(p.s[0])} · mean ${fmt(p.s[1])} · max ${fmt(p.s[2])}</div>`;
  el.innerHTML = h;
  if (p.m) el.appendChild(heatmap(p));
  if (p.h) el.appendChild(histogram(p));
}
function heatmap(p) {
  const c = document.createElement("canvas"), cell = Math.max(4, Math.floor(216 / Math.max(p.mr, p.mc)));
  c.className = "plot"; c.width = p.mc * cell; c.height = p.mr * cell; c.title = `heatmap, ${p.mr}×${p.mc} samples; blue < 0 < red, |max| ${fmt(p.ma)}`;
  const g = c.getContext("2d"), bytes = atob(p.m);
  for (let i = 0; i < p.mr; i++) for (let j = 0; j < p.mc; j++) {
    const v = (bytes.charCodeAt(i * p.mc + j) - 128) / 127;
    const a = Math.round(255 * (1 - Math.abs(v)));
    g.fillStyle = v >= 0 ? `rgb(255,${a},${a})` : `rgb(${a},${a},255)`;
    g.fillRect(j * cell, i * cell, cell, cell);
  }
  return c;
}
function histogram(p) {
  const c = document.createElement("canvas");
  c.className = "plot"; c.width = 300; c.height = 80; c.title = `histogram over [${fmt(p.hr[0])}, ${fmt(p.hr[1])}]`;
  const g = c.getContext("2d"), m = Math.max(...p.h), bw = 300 / p.h.length;
  g.fillStyle = "#64748b";
  p.h.forEach((n, i) => { const bh = m ? (n / m) * 64 : 0; g.fillRect(i * bw + 1, 66 - bh, bw - 2, bh); });
  g.fillStyle = "#334155"; g.font = "10px Helvetica, Arial"; g.textBaseline = "bottom";
  g.fillText(fmt(p.hr[0]), 2, 80); g.textAlign = "right"; g.fillText(fmt(p.hr[1]), 298, 80);
  return c;
}

// steps
const slider = document.getElementById("step-slider");
slider.max = String(K);
let timer = null;
function setStep(s) {
  step = Math.max(0, Math.min(K, s));
  slider.value = String(step);
  document.getElementById("step-count").textContent = `step ${step} / ${K}`;
  const t = document.getElementById("step-text");
  if (K === 0) t.textContent = "nothing requires a gradient";
  else if (D.grad[D.output] === null) t.textContent = "no gradients yet: call backward() on the output (retain_graph=True keeps the local derivatives) before exploring";
  else if (step === 0) t.textContent = "before the backward pass: no gradient is known. Step forward (▶) to fill them in, output first.";
  else t.textContent = `step ${step}: ` + stepText(step - 1);
  if (step > 0 && step <= K) {
    const u = unitOf[order[step - 1]];
    if (timer && u < N) keepVisible(u);
  }
  if (selected >= 0) showDetails(selected);
  redraw();
}
function keepVisible(u) {
  const sx = X[u] * scale + tx, sy = Y[u] * scale + ty;
  if (sx < 40 || sy < 40 || sx > canvas.clientWidth - 40 || sy > canvas.clientHeight - 40) centerOn(u);
}
slider.addEventListener("input", () => setStep(Number(slider.value)));
document.getElementById("step-first").onclick = () => setStep(0);
document.getElementById("step-prev").onclick = () => setStep(step - 1);
document.getElementById("step-next").onclick = () => setStep(step + 1);
document.getElementById("step-last").onclick = () => setStep(K);
document.getElementById("step-play").onclick = () => {
  const button = document.getElementById("step-play");
  if (timer) { clearInterval(timer); timer = null; button.textContent = "play"; return; }
  if (step >= K) setStep(0);
  button.textContent = "pause";
  timer = setInterval(() => {
    if (step >= K) { clearInterval(timer); timer = null; button.textContent = "play"; } else setStep(step + 1);
  }, 700);
};
document.getElementById("chain-clear").onclick = () => showChain(null);

// search
const search = document.getElementById("search"), results = document.getElementById("results");
function find(q) {
  q = q.trim().toLowerCase();
  if (!q) return [];
  const hits = [];
  for (let k = 0; k < N && hits.length < 200; k++) {
    if ((D.label[k] || "").toLowerCase().includes(q) || D.ids[k] === q || opName(k) === q) hits.push(k);
  }
  return hits;
}
search.addEventListener("input", () => {
  const hits = find(search.value);
  results.innerHTML = hits.slice(0, 50).map((k) => `<div data-k="${k}">${esc(name(k))} <span class="hint">${esc(opName(k) || roleName(k))} ${shapeText(k)}</span></div>`).join("") +
    (hits.length > 50 ? `<div class="hint">… ${hits.length - 50} more</div>` : "") + (search.value.trim() && !hits.length ? '<div class="hint">no match</div>' : "");
});
search.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { const h = find(search.value); if (h.length) reveal(h[0]); } });
results.addEventListener("click", (ev) => { const d = ev.target.closest("[data-k]"); if (d) reveal(Number(d.dataset.k)); });
function reveal(k) {  // unfold the modules hiding node k, then centre on it and select it
  let changed = false;
  for (let s = D.scope[k]; s >= 0; s = scopeParent[s]) if (collapsed[s]) { collapsed[s] = 0; changed = true; }
  if (changed) { layout(); moduleList(); }
  centerOn(unitOf[k]); select(k);  // its unit: a number written in place is centred with its operation
}

// modules
function setCollapsed(s, value) {
  collapsed[s] = value ? 1 : 0;
  layout(); moduleList(); redraw();
}
function moduleList() {
  document.getElementById("modules-section").hidden = S === 0;
  const rows = [];
  const walk = (list, depth) => {
    for (const s of list) {
      if (rows.length >= 300) return;
      rows.push(`<div data-s="${s}" style="padding-left:${4 + depth * 12}px">${collapsed[s] ? "⊞" : "⊟"} ${esc(scopeLabel(s))} <span class="hint">${scopeSize[s]}</span></div>`);
      if (!collapsed[s]) walk(scopeChildren[s], depth + 1);
    }
  };
  walk(topScopes, 0);
  document.getElementById("modules").innerHTML = rows.join("") + (rows.length >= 300 ? '<div class="hint">…</div>' : "");
}
document.getElementById("modules").addEventListener("click", (ev) => {
  const d = ev.target.closest("[data-s]");
  if (d) { const s = Number(d.dataset.s); setCollapsed(s, !collapsed[s]); }
});
document.getElementById("expand-all").onclick = () => { collapsed.fill(0); layout(); moduleList(); fit(); };
document.getElementById("collapse-all").onclick = () => { collapsed.fill(1); layout(); moduleList(); fit(); };

const legend = document.getElementById("legend");
legend.innerHTML = ["leaf", "parameter", "constant", "intermediate", "output"].map((r) => `<span style="--c:${FILL[r]}">${r}</span>`).join("") +
  `<span style="--c:${CURRENT}">backward step</span>`;

// ---- start ----------------------------------------------------------------------------------------
timings.parsed = performance.now();
initialFolding();
layout();
timings.laidOut = performance.now();
replay();
timings.replayed = performance.now();
moduleList();
resize();
fit();
setStep(K);
if (D.highlight !== null) select(D.highlight);
window.addEventListener("resize", resize);

// A small API for tests and for the curious (the console): everything the page shows, as data.
window.explorer = {
  ids: () => D.ids.slice(), labels: () => D.label.slice(), nodeCount: N, stepCount: K,
  visibleUnits: () => units.length, namesDrawn: () => namesDrawn, zoom: () => scale, view: () => [scale, tx, ty],
  select: (k) => select(typeof k === "string" ? D.ids.indexOf(k) : k),
  stepTo: (s) => setStep(s), step: () => step, stepText: (i) => stepText(i),
  gradOf: (k) => { const g = gradOf(typeof k === "string" ? D.ids.indexOf(k) : k); return g === null ? null : (typeof g === "object" || isComplex(g) ? g : num(g)); },
  chain: () => chain && {leaf: D.ids[chain.leaf], count: chain.count, total: chain.total, products: chain.products.slice(),
    edges: Array.from(chain.onPath).reduce((a, v, e) => (v && a.push([D.ids[D.src[e]], D.ids[D.dst[e]], D.arg[e]]), a), [])},
  screenOf: (k) => {  // client coordinates of node k's centre (after centring on it)
    k = typeof k === "string" ? D.ids.indexOf(k) : k;
    const u = unitOf[k];
    const sx = X[u] * scale + tx, sy = Y[u] * scale + ty;
    const r = canvas.getBoundingClientRect();
    return [r.left + sx, r.top + sy];
  },
  edgePoint: (src, dst) => {  // client coordinates of the middle of the drawn edge src -> dst
    const a = unitOf[D.ids.indexOf(src)], b = unitOf[D.ids.indexOf(dst)];
    const p = bezier(a, b), r = canvas.getBoundingClientRect();
    const x = (p[0] + 3 * p[2] + 3 * p[4] + p[6]) / 8, y = (p[1] + 3 * p[3] + 3 * p[5] + p[7]) / 8;
    return [r.left + x * scale + tx, r.top + y * scale + ty];
  },
  reveal: (k) => reveal(typeof k === "string" ? D.ids.indexOf(k) : k),
  setCollapsed, isCollapsed: (s) => collapsed[s] === 1, fit,
  positions: () => units.map((u) => [u < N ? D.ids[u] : "module:" + scopeLabel(u - N), X[u], Y[u]]),
  edgesDrawn: () => vEdges.map((ve) => [ve.a, ve.b].map((u) => (u < N ? D.ids[u] : "module:" + scopeLabel(u - N)))),
  opText: (k) => opText(typeof k === "string" ? D.ids.indexOf(k) : k),
  name: (k) => name(typeof k === "string" ? D.ids.indexOf(k) : k),
  // the edge numbers at the current zoom, [text, x0, y0, x1, y1], and the boxes [unit, x0, y0, x1, y1] (world units)
  edgeLabels: () => (scale > 0.45 ? edgeLabelPlaces(labelSize()) : []).map(([, x, y, w, h, text]) =>
    [text, x - w / 2, y - h / 2, x + w / 2, y + h / 2]),
  boxes: () => units.map((u) => [u < N ? D.ids[u] : "module:" + scopeLabel(u - N),
    X[u] - W(u) / 2, Y[u] - H(u) / 2, X[u] + W(u) / 2, Y[u] + H(u) / 2]),
  moduleLine,
  moduleLabels: () => moduleLabels.slice(),  // the module names the last frame wrote
  clusterBoxes: () => clusters.map((c) => [scopeLabel(c.s), c.x0, c.y0, c.x1, c.y1]),  // the module boxes (world units)
  // the texts the last frame wrote in each box (a node's: name, op if any, value line), by the names positions() gives
  boxText: () => Object.fromEntries(Array.from(textDrawn, ([u, lines]) =>
    [u < N ? D.ids[u] : "module:" + scopeLabel(u - N), lines])),
  // centre the view on a node or folded module (a name as positions() gives it), at this zoom (else one where text reads)
  show: (key, zoom) => {
    const u = units.find((v) => (v < N ? D.ids[v] : "module:" + scopeLabel(v - N)) === key);
    if (zoom) scale = zoom;
    centerOn(u);
  },
};
timings.ready = performance.now();
window.explorer.timings = timings;
document.body.dataset.ready = "1";
