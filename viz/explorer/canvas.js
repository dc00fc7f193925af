// The explorer, part 3 of 4: drawing on the canvas, pan, zoom, hit tests, edge tooltips.
// Parts share one scope: viz/explore.py inlines them in this order inside one function in page.html.
// Data: the JSON in #graph-data (viz/explore.py, column-wise: node k is entry k of every node column).
// ---- drawing ------------------------------------------------------------------------------------
const canvas = document.getElementById("canvas"), ctx = canvas.getContext("2d");
let scale = 1, tx = 20, ty = 20, dpr = 1, selected = -1, hoverEdge = null, drawPending = false;
function resize() {
  dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, canvas.clientWidth * dpr);
  canvas.height = Math.max(1, canvas.clientHeight * dpr);
  redraw();
}
let moduleLabels = [];  // the module names the last frame wrote (the tests read them)
let namesDrawn = 0;  // nodes whose name the last frame wrote (the tests read it: a canvas has no text to query)
const OVERVIEW = 0.16;  // below this zoom nodes are drawn as plain boxes; up to 0.45 with their names only
function redraw() { if (!drawPending) { drawPending = true; requestAnimationFrame(draw); } }
function bezier(a, b) {
  const x1 = X[a] + W(a) / 2, y1 = Y[a], x2 = X[b] - W(b) / 2, y2 = Y[b];
  const dx = Math.max(30, Math.abs(x2 - x1) / 2);
  return [x1, y1, x1 + dx, y1, x2 - dx, y2, x2, y2];
}
function edgeOnPath(ve) {
  if (!chain) return false;
  if (ve.e >= 0) return chain.onPath[ve.e] === 1;
  return unitHasPath(ve.a) && unitHasPath(ve.b);
}
const unitHasPath = (u) => (u < N ? chain.nodes[u] === 1 : false);
function draw() {
  drawPending = false;
  if (!timings.firstDraw) requestAnimationFrame(() => { timings.firstDraw = performance.now(); });
  const w = canvas.width / dpr, h = canvas.height / dpr;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * tx, dpr * ty);
  const vx0 = -tx / scale, vy0 = -ty / scale, vx1 = (w - tx) / scale, vy1 = (h - ty) / scale;
  const inView = (x0, y0, x1, y1) => x1 >= vx0 && x0 <= vx1 && y1 >= vy0 && y0 <= vy1;
  const detail = scale > 0.45;  // edge labels from this zoom on
  ctx.lineJoin = "round";
  // labels keep a size readable on screen; zoomed far out, only the innermost modules' (the others would overlap
  // theirs), while they fit above the first row of nodes. A module whose name is not written hands it on to its
  // first inner box, as the picture's headings do ('Layer 1 › Neuron neurons.0'), so that the name still shows.
  const px = Math.max(11, 9 / scale), carried = new Map();
  moduleLabels = [];
  for (const c of clusters) {  // outer modules first
    const label = (carried.has(c.s) ? carried.get(c.s) + " › " : "") + scopeLabel(c.s);
    const named = px <= TOP - 4 || (c.inner && px <= TOP + 8);
    if (!named && c.first >= 0) carried.set(c.first, label);
    if (!inView(c.x0, c.y0, c.x1, c.y1)) continue;
    ctx.fillStyle = ["#f8fafc", "#eef2ff", "#f0fdf4", "#fff7ed"][c.depth % 4];
    ctx.strokeStyle = "#94a3b8"; ctx.lineWidth = 1 / Math.max(scale, 0.2);
    roundRect(c.x0, c.y0, c.x1 - c.x0, c.y1 - c.y0, 8); ctx.fill(); ctx.stroke();
    if (named) {
      ctx.fillStyle = "#334155"; ctx.font = `bold ${px}px Helvetica, Arial, sans-serif`; ctx.textBaseline = "top";
      moduleLabels.push(clip("⊟ " + label, c.x1 - c.x0 - 8));
      ctx.fillText(moduleLabels[moduleLabels.length - 1], c.x0 + 6, c.y0 + 3);
    }
  }
  // edges: plain ones in one path, highlighted ones on top
  const hot = [];
  ctx.strokeStyle = "#94a3b8"; ctx.lineWidth = 1;
  ctx.beginPath();
  for (const ve of vEdges) {
    const p = bezier(ve.a, ve.b);
    if (!inView(Math.min(p[0], p[6]), Math.min(p[1], p[7]), Math.max(p[0], p[6]), Math.max(p[1], p[7]))) continue;
    if (edgeOnPath(ve) || ve === hoverEdge) { hot.push([ve, p]); continue; }
    ctx.moveTo(p[0], p[1]); ctx.bezierCurveTo(p[2], p[3], p[4], p[5], p[6], p[7]);
  }
  ctx.stroke();
  for (const [ve, p] of hot) {
    ctx.strokeStyle = ve === hoverEdge ? "#2563eb" : RED; ctx.lineWidth = 2.4;
    ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.bezierCurveTo(p[2], p[3], p[4], p[5], p[6], p[7]); ctx.stroke();
  }
  if (detail && vEdges.length < 20000) {
    const px = labelSize(), places = edgeLabelPlaces(px);
    ctx.font = `${px}px Helvetica, Arial, sans-serif`; ctx.textBaseline = "middle"; ctx.textAlign = "center";
    for (const [i, x, y, w, h, text] of places) {
      if (!inView(x - w / 2, y - h / 2, x + w / 2, y + h / 2)) continue;
      // on a chip: no edge runs through the number (a halo around the digits let the line show between them,
      // '1.4' read as '1-4')
      ctx.fillStyle = "rgba(255,255,255,0.92)";
      roundRect(x - w / 2 - 2, y - h / 2, w + 4, h, 3); ctx.fill();
      ctx.fillStyle = edgeOnPath(vEdges[i]) ? RED : "#475569";
      ctx.fillText(text, x, y);
    }
    ctx.textAlign = "left";
  }
  namesDrawn = 0;
  textDrawn = new Map();
  for (const u of units) {
    const bw = W(u), bh = H(u), x0 = X[u] - bw / 2, y0 = Y[u] - bh / 2;
    if (!inView(x0, y0, x0 + bw, y0 + bh)) continue;
    drawUnit(u, x0, y0, bw, bh);
  }
}
// ---- edge numbers ---------------------------------------------------------------------------------
// Each edge's local derivative is written on the edge, at the first place along it that no other number, no box and
// no module's name covers. At the middle alone, the numbers of the edges that leave one node (x[0] feeding three
// neurons, a used by eight operations) lay over each other where those edges run together. Edges fan out from a node
// with many uses and into one with many inputs, so an edge's number is tried first at the end where it runs apart
// from the others: near its target when its source has more uses than its target has inputs, near its source in the
// opposite case, else in the middle. Placed once per layout and text size (world units), not per frame.
const LABEL_AT = {  // where along an edge (bezier parameter), in the order tried
  target: [0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2], source: [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
  middle: [0.5, 0.38, 0.62, 0.26, 0.74, 0.2, 0.8]};
let labelCache = new Map();  // text size -> [[vEdges index, x, y, width, height, text], ...]
const labelSize = () => Math.max(9, Math.ceil(8 / scale));  // readable on screen down to zoom 0.45; whole units
function bezierAt(p, t) {
  const s = 1 - t;
  return [s * s * s * p[0] + 3 * s * s * t * p[2] + 3 * s * t * t * p[4] + t * t * t * p[6],
    s * s * s * p[1] + 3 * s * s * t * p[3] + 3 * s * t * t * p[5] + t * t * t * p[7]];
}
function edgeLabelPlaces(px) {
  if (labelCache.has(px)) return labelCache.get(px);
  ctx.font = `${px}px Helvetica, Arial, sans-serif`;
  const CELL = 64, grid = new Map(), places = [];
  const cells = (r, fn) => {  // fn(key) for each grid cell that rectangle r = [x0, y0, x1, y1] touches
    for (let i = Math.floor(r[0] / CELL); i <= Math.floor(r[2] / CELL); i++) {
      for (let j = Math.floor(r[1] / CELL); j <= Math.floor(r[3] / CELL); j++) fn(i + "," + j);
    }
  };
  const add = (r) => cells(r, (key) => { (grid.get(key) || grid.set(key, []).get(key)).push(r); });
  // how much of r the boxes, module names and numbers placed so far cover (one spanning several cells counts in
  // each: a measure to compare candidates by, 0 when r is free)
  const overlap = (r) => {
    let area = 0;
    cells(r, (key) => {
      for (const q of grid.get(key) || []) area += Math.max(0, Math.min(r[2], q[2]) - Math.max(r[0], q[0])) *
        Math.max(0, Math.min(r[3], q[3]) - Math.max(r[1], q[1]));
    });
    return area;
  };
  for (const u of units) add([X[u] - W(u) / 2, Y[u] - H(u) / 2, X[u] + W(u) / 2, Y[u] + H(u) / 2]);
  for (const c of clusters) add([c.x0, c.y0, c.x1, c.y0 + TOP - 6]);  // the module's name
  const uses = new Map(), inputs = new Map();
  for (const ve of vEdges) { uses.set(ve.a, (uses.get(ve.a) || 0) + 1); inputs.set(ve.b, (inputs.get(ve.b) || 0) + 1); }
  vEdges.forEach((ve, i) => {
    if (ve.e < 0 || D.deriv[ve.e] === null) return;
    const text = fmt(D.deriv[ve.e]);  // 4 digits, as the picture's edge labels
    const w = ctx.measureText(text).width + 2, h = px, p = bezier(ve.a, ve.b);
    const fanOut = uses.get(ve.a), fanIn = inputs.get(ve.b);
    let best = null, least = Infinity;
    const at = LABEL_AT[fanOut > fanIn ? "target" : (fanIn > fanOut ? "source" : "middle")];
    for (const shift of [0, -0.8, 0.8]) {  // on the edge, else just above or below it
      for (const t of at) {
        const [x, y0] = bezierAt(p, t), y = y0 + shift * h, r = [x - w / 2, y - h / 2, x + w / 2, y + h / 2];
        const area = overlap(r);
        if (area < least) { best = r; least = area; }  // nowhere free: where the least is covered
        if (!area) break;
      }
      if (!least) break;
    }
    add(best);
    places.push([i, (best[0] + best[2]) / 2, (best[1] + best[3]) / 2, w, h, text]);
  });
  labelCache.set(px, places);
  return places;
}
function roundRect(x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y); ctx.arcTo(x + w, y, x + w, y + h, r); ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r); ctx.arcTo(x, y, x + w, y, r); ctx.closePath();
}
function clip(text, width) {
  if (ctx.measureText(text).width <= width) return text;
  while (text.length > 1 && ctx.measureText(text + "…").width > width) text = text.slice(0, -1);
  return text + "…";
}
function drawUnit(u, x0, y0, bw, bh) {
  // a folded module (it unfolds on a double-click), or a summary box of a collapsed graph (it cannot): the lines of
  // the picture's box for it
  if (u >= N) return drawBox(u, `⊞ ${scopeLabel(u - N)}`, boxLines(u), x0, y0, bw, bh);
  if (summaryOf.has(u)) return drawBox(u, name(u), boxLines(u), x0, y0, bw, bh, u === selected);
  drawNode(u, x0, y0, bw, bh);
}
// the lines under a folded module's name, as its picture's box writes them ('3 nodes hidden', '2 parameters', ...)
const moduleLine = (s) => foldedOf(s).lines.join(" · ");
let textDrawn = new Map();  // unit -> the texts the last frame wrote in its box (the tests read it)
function drawBox(u, title, lines, x0, y0, bw, bh, chosen) {  // a stack of boxes, as the pictures' box3d
  ctx.fillStyle = FILL.collapsed; ctx.strokeStyle = chosen ? "#2563eb" : "#6b7280"; ctx.lineWidth = chosen ? 2.2 : 1;
  roundRect(x0 + 4, y0 - 4, bw, bh, 4); ctx.fill(); ctx.stroke();
  roundRect(x0, y0, bw, bh, 4); ctx.fill(); ctx.stroke();
  if (scale <= OVERVIEW) return;
  // the name, then as many of the lines as fit (text keeps a size readable on screen when zoomed out; the box
  // does not): the panel lists them all
  const nameSize = Math.max(11, 9 / scale), lineSize = Math.max(10, 8 / scale);
  const room = nameSize + lineSize + 5 <= bh;
  ctx.fillStyle = "#1f2937"; ctx.textBaseline = room ? "top" : "middle";
  ctx.font = `bold ${nameSize}px Helvetica, Arial, sans-serif`;
  const written = [clip(title, bw - 10)];  // measured in its own font
  ctx.fillText(written[0], x0 + 5, room ? y0 + 5 : y0 + bh / 2);
  // zoomed out, the lines get smaller to fit, down to 7 px on screen; below that the last ones are left out
  const fits = (bh - 11 - nameSize) / lines.length - (BOX_LINE - 10);
  const size = Math.min(lineSize, Math.max(7 / scale, fits));
  ctx.font = `${size}px Helvetica, Arial, sans-serif`;
  let y = y0 + 5 + nameSize + 3;
  for (const line of room ? lines : []) {
    if (y + size > y0 + bh - 3) break;
    written.push(clip(line, bw - 10));
    ctx.fillText(written[written.length - 1], x0 + 5, y);
    y += size + BOX_LINE - 10;
  }
  textDrawn.set(u, written);
  namesDrawn++;
}
function drawNode(u, x0, y0, bw, bh) {
  const role = roleName(u);
  const current = step < K && step > 0 && order[step - 1] === u;
  ctx.fillStyle = current ? CURRENT : FILL[role];
  const path = chain && chain.nodes[u];
  ctx.strokeStyle = u === selected ? "#2563eb" : (path ? RED : "#64748b");
  ctx.lineWidth = u === selected || path || u === D.output ? 2.2 : 1;
  roundRect(x0, y0, bw, bh, 5); ctx.fill(); ctx.stroke();
  if (scale <= OVERVIEW) return;
  // Text keeps a size readable on screen when zoomed out (the box does not): the name and op, then the
  // value and gradient while two lines fit in the box, else the name alone.
  const nameSize = Math.max(11, 9 / scale), lineSize = Math.max(10, 8 / scale);
  const twoLines = nameSize + lineSize + 5 <= bh;
  ctx.textBaseline = twoLines ? "top" : "middle"; ctx.fillStyle = "#0f172a";
  const op = opText(u);
  ctx.font = `${D.label[u] ? "bold " : ""}${nameSize}px Helvetica, Arial, sans-serif`;
  const nameWidth = ctx.measureText(name(u)).width;
  ctx.font = `${lineSize}px Helvetica, Arial, sans-serif`;
  // the operation gets what the name leaves (at least a third: 'a / 2', 'W @ x' must read), the name the rest
  const opWidth = op ? Math.min(ctx.measureText(op).width + 2, Math.max(bw * 0.35, bw - 16 - nameWidth)) : 0;
  ctx.font = `${D.label[u] ? "bold " : ""}${nameSize}px Helvetica, Arial, sans-serif`;
  const nameY = twoLines ? y0 + 4 : y0 + bh / 2;
  const written = [clip(name(u), bw - 12 - opWidth)];
  ctx.fillText(written[0], x0 + 5, nameY);
  namesDrawn++;
  if (op) {
    ctx.font = `${lineSize}px Helvetica, Arial, sans-serif`; ctx.fillStyle = "#475569"; ctx.textAlign = "right";
    written.push(clip(op, opWidth));
    ctx.fillText(written[1], x0 + bw - 5, nameY + (twoLines ? 1 : 0)); ctx.textAlign = "left";
  }
  textDrawn.set(u, written);
  if (!twoLines) return;
  ctx.font = `${lineSize}px Helvetica, Arial, sans-serif`; ctx.fillStyle = "#334155";
  let line = isScalar(u) ? fmt(D.data[u]) : shapeText(u);
  if (D.rg[u]) line += "   g " + (gradKnown(u) ? summary(gradOf(u)) : (D.grad[u] === null ? "—" : "?"));
  // a line a little too wide is written closer and smaller (down to 7 px on screen), not cut: '−0.3256   g −1.…'
  // hid digits
  if (ctx.measureText(line).width > bw - 10) {
    line = line.replace("   g ", " g ");
    const wide = ctx.measureText(line).width;
    if (wide > bw - 10) ctx.font = `${Math.max(7 / scale, lineSize * (bw - 10) / wide)}px Helvetica, Arial, sans-serif`;
  }
  written.push(clip(line, bw - 10));
  ctx.fillText(written[written.length - 1], x0 + 5, y0 + bh - 4 - lineSize);
}

// ---- interaction --------------------------------------------------------------------------------
function toWorld(cx, cy) { return [(cx - tx) / scale, (cy - ty) / scale]; }
function unitAt(wx, wy) {
  for (let i = units.length - 1; i >= 0; i--) {
    const u = units[i];
    if (Math.abs(wx - X[u]) <= W(u) / 2 && Math.abs(wy - Y[u]) <= H(u) / 2) return u;
  }
  return -1;
}
function clusterAt(wx, wy) {
  for (let i = clusters.length - 1; i >= 0; i--) {
    const c = clusters[i];
    if (wx >= c.x0 && wx <= c.x1 && wy >= c.y0 && wy <= c.y0 + 16) return c.s;
  }
  return -1;
}
function edgeAt(wx, wy) {
  const tol = 5 / scale;
  let best = null, bestD = tol;
  for (const ve of vEdges) {
    const p = bezier(ve.a, ve.b);
    if (wx < Math.min(p[0], p[6]) - tol || wx > Math.max(p[0], p[6]) + tol ||
        wy < Math.min(p[1], p[7]) - tol || wy > Math.max(p[1], p[7]) + tol) continue;
    let px = p[0], py = p[1];
    for (let i = 1; i <= 12; i++) {
      const [x, y] = bezierAt(p, i / 12);
      const d = segDist(wx, wy, px, py, x, y);
      if (d < bestD) { bestD = d; best = ve; }
      px = x; py = y;
    }
  }
  return best;
}
function segDist(x, y, x1, y1, x2, y2) {
  const dx = x2 - x1, dy = y2 - y1, l = dx * dx + dy * dy;
  const t = l ? Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / l)) : 0;
  return Math.hypot(x - x1 - t * dx, y - y1 - t * dy);
}
const tip = document.getElementById("tip");
function edgeTip(ve) {
  if (ve.e < 0) return `${ve.a >= N ? scopeLabel(ve.a - N) : name(ve.a)} → ${ve.b >= N ? scopeLabel(ve.b - N) : name(ve.b)} (through a folded module)`;
  const e = ve.e, a = D.src[e], b = D.dst[e];
  let t = `${name(a)} → ${name(b)} (argument ${D.arg[e]} of ${opText(b)})\n`;
  t += `∂${symbolOf(b)}/∂${symbolOf(a)} = ` + (D.deriv[e] !== null ? fmt(D.deriv[e], 6) : "") +
    (D.formula[e] >= 0 ? (D.deriv[e] !== null ? "   rule: " : "rule: ") + D.formulas[D.formula[e]] : "");
  t += `\nvalue ${name(a)} = ${isScalar(a) ? fmt(D.data[a], 6) : shapeText(a) + " " + summary(D.data[a])}`;
  if (D.deriv[e] !== null && gradKnown(b) && replayGrad[b] !== null) {
    const c = isComplexNode(a) ? ["conj(", ")"] : ["", ""];  // PyTorch's complex grad: grad · conj(f′(z))
    t += `\ngradient sent: grad ${symbolOf(b)} · ${c[0]}∂${symbolOf(b)}/∂${symbolOf(a)}${c[1]} = ${fmt(replayGrad[b])} · ${c[0]}${factor(D.deriv[e])}${c[1]} = ${fmt(gradTimes(replayGrad[b], D.deriv[e]))}`;
  }
  return t;
}
let drag = null;
canvas.addEventListener("mousedown", (ev) => { drag = {x: ev.clientX, y: ev.clientY, tx, ty, moved: false}; });
window.addEventListener("mouseup", (ev) => {
  if (!drag) return;
  const moved = drag.moved;
  drag = null; canvas.classList.remove("dragging");
  if (moved) return;
  const r = canvas.getBoundingClientRect();
  const [wx, wy] = toWorld(ev.clientX - r.left, ev.clientY - r.top);
  const u = unitAt(wx, wy);
  if (u >= 0) { select(u); return; }
  const s = clusterAt(wx, wy);
  if (s >= 0) { setCollapsed(s, true); return; }
});
canvas.addEventListener("dblclick", (ev) => {
  const r = canvas.getBoundingClientRect();
  const [wx, wy] = toWorld(ev.clientX - r.left, ev.clientY - r.top);
  const u = unitAt(wx, wy);
  if (u >= N) setCollapsed(u - N, false);
});
canvas.addEventListener("mousemove", (ev) => {
  if (drag) {
    if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 3) { drag.moved = true; canvas.classList.add("dragging"); }
    tx = drag.tx + ev.clientX - drag.x; ty = drag.ty + ev.clientY - drag.y; redraw(); return;
  }
  const r = canvas.getBoundingClientRect();
  const [wx, wy] = toWorld(ev.clientX - r.left, ev.clientY - r.top);
  const ve = unitAt(wx, wy) >= 0 ? null : edgeAt(wx, wy);
  if (ve !== hoverEdge) { hoverEdge = ve; redraw(); }
  if (ve) {
    tip.textContent = edgeTip(ve); tip.hidden = false;
    tip.style.left = Math.min(ev.clientX - r.left + 14, r.width - 390) + "px"; tip.style.top = (ev.clientY - r.top + 14) + "px";
  } else tip.hidden = true;
});
canvas.addEventListener("mouseleave", () => { tip.hidden = true; if (hoverEdge) { hoverEdge = null; redraw(); } });
canvas.addEventListener("wheel", (ev) => {
  ev.preventDefault();
  const r = canvas.getBoundingClientRect();
  zoomAt(ev.clientX - r.left, ev.clientY - r.top, Math.exp(-ev.deltaY * 0.0015));
}, {passive: false});
function zoomAt(cx, cy, f) {
  const s = Math.min(4, Math.max(0.01, scale * f));
  tx = cx - (cx - tx) * (s / scale); ty = cy - (cy - ty) * (s / scale); scale = s; redraw();
}
const READABLE = 0.5;  // a zoom at which names and numbers in the boxes can be read
function fit() {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const u of units) {
    x0 = Math.min(x0, X[u] - W(u) / 2); x1 = Math.max(x1, X[u] + W(u) / 2);
    y0 = Math.min(y0, Y[u] - H(u) / 2 - 30); y1 = Math.max(y1, Y[u] + H(u) / 2 + 12);
  }
  for (const c of clusters) {  // a module's box reaches beyond the nodes it holds
    x0 = Math.min(x0, c.x0); x1 = Math.max(x1, c.x1); y0 = Math.min(y0, c.y0 - 8); y1 = Math.max(y1, c.y1 + 8);
  }
  const w = canvas.clientWidth, h = canvas.clientHeight;
  scale = Math.min(1.4, Math.max(0.01, Math.min((w - 40) / (x1 - x0), (h - 60) / (y1 - y0))));
  tx = (w - (x1 - x0) * scale) / 2 - x0 * scale; ty = 20 + (h - 60 - (y1 - y0) * scale) / 2 - y0 * scale;
  // A long chain laid out left to right is a strip: fitted whole, it is a hairline across the window (242
  // nodes of an RNN-like loop: boxes 2 px high). Show its output end at a zoom where names read instead;
  // dragging reveals the rest.
  const strip = (x1 - x0) / (y1 - y0) > 3 * (w - 40) / (h - 60);
  if (scale < OVERVIEW && strip) {  // below OVERVIEW a box shows no text at all
    scale = Math.min(READABLE, (h - 60) / (y1 - y0));
    tx = w - 20 - x1 * scale; ty = 20 + (h - 60 - (y1 - y0) * scale) / 2 - y0 * scale;
  }
  redraw();
}
function centerOn(u) {
  if (scale < 0.6) scale = 0.9;
  tx = canvas.clientWidth / 2 - X[u] * scale; ty = canvas.clientHeight / 2 - Y[u] * scale; redraw();
}
document.getElementById("zoom-in").onclick = () => zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1.3);
document.getElementById("zoom-out").onclick = () => zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1 / 1.3);
document.getElementById("zoom-fit").onclick = fit;
canvas.addEventListener("keydown", (ev) => {
  if (ev.key === "+" || ev.key === "=") zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1.3);
  else if (ev.key === "-") zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1 / 1.3);
  else if (ev.key === "0") fit();
  else if (ev.key === "ArrowRight") setStep(step + 1);
  else if (ev.key === "ArrowLeft") setStep(step - 1);
});
