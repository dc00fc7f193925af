// The explorer, part 1 of 4: the graph data, number formatting, module folding and the layout.
// Parts share one scope: viz/explore.py inlines them in this order inside one function in page.html.
// Data: the JSON in #graph-data (viz/explore.py, column-wise: node k is entry k of every node column).
const timings = {start: performance.now()};
const D = JSON.parse(document.getElementById("graph-data").textContent);
const N = D.label.length, E = D.src.length, S = D.scopes.length;
const ROLE = D.roles.reduce((m, r, i) => (m[r] = i, m), {});
const FILL = {output: "#bbf7d0", parameter: "#ede9fe", leaf: "#dbeafe", constant: "#f8fafc",
  intermediate: "#f1f5f9", collapsed: "#e5e7eb"};
const RED = "#dc2626", CURRENT = "#fed7aa";
const NW = 132, NH = 40, CW = 196, RH = 54;   // node box, column and row pitch (world units)

// ---- the graph ----------------------------------------------------------------------------------
const num = (x) => (typeof x === "string" ? Number(x) : x);
const size = (k) => D.shape[k].reduce((a, b) => a * b, 1);
const isScalar = (k) => size(k) === 1;
// nodes are called by label, else unlabelled constants as the picture writes them (the 1 of h + 1, 'const (3,)',
// computed in Python: viz.dot.constant_text), else by id
const constantText = new Map(D.constants);
const name = (k) => D.label[k] || constantText.get(k) || D.ids[k];
// a name inside ∂a/∂b: in parentheses unless it reads as one symbol (∂n/∂(x1*w1 + x2*w2)), as viz.chain.symbol
const symbolOf = (k) => { const s = name(k); return /^[\p{L}\p{N}_.'′]+(\[[\p{L}\p{N}_, ]*\])*$/u.test(s) ? s : `(${s})`; };
// the summary boxes of a collapsed graph (viz.collapse): node k -> [lines under its name, the parameters it hides]
const summaryOf = new Map(D.summaries.map(([k, lines, params]) => [k, {lines, params}]));
// the same for each module box folded in the page (a module call, or a group of shared parameters): scope s -> the
// lines of a collapsed picture's box for it (computed in Python: viz.dot.summary_lines, parameter_lines)
const foldedOf = (s) => ({lines: D.folded[s][0], params: D.folded[s][1]});
const opName = (k) => (D.op[k] < 0 ? "" : D.ops[D.op[k]]);
// the operation as the Graphviz picture writes it (viz/dot.py's op_label, computed in Python): its operands in
// place where their order matters ('a / 2' against '2 / a'), else its symbol; an argument folded into a module's
// box is written '…', as in a collapsed picture ('… ** 2')
const writtenFolded = new Map(D.writtenFolded.map(([k, ...texts]) => [k, texts]));
function opText(k) {
  if (D.written[k] < 0) return opName(k);
  const variants = writtenFolded.get(k);
  if (variants) {
    const [a, b] = inE[k].map((e) => unitOf[D.src[e]] >= N && unitOf[D.src[e]] !== unitOf[k]);
    if (a || b) return D.ops[variants[a && b ? 2 : (a ? 0 : 1)]];
  }
  return D.ops[D.written[k]];
}
const roleName = (k) => D.roles[D.role[k]];
const inE = Array.from({length: N}, () => []), outE = Array.from({length: N}, () => []);
for (let e = 0; e < E; e++) { inE[D.dst[e]].push(e); outE[D.src[e]].push(e); }
// An unlabelled number that an operation's label writes in place (the 2 of 'a / 2') has no edge to it, and no box
// when every use writes it so, as in the picture; it stays in inE/outE (the node's inputs, the backward steps).
const writtenIn = new Uint8Array(E);
for (const e of D.inPlace) writtenIn[e] = 1;
const onlyInPlace = new Uint8Array(N);
for (let k = 0; k < N; k++) onlyInPlace[k] = outE[k].length > 0 && outE[k].every((e) => writtenIn[e]) ? 1 : 0;
const scopeParent = D.scopes.map((s) => s[2]);
// a module call ('Layer layers.0'), or the parameters that several calls of it share ('Layer layers.0: parameters'),
// named as the pictures name it (viz.graph.ScopeInfo.title, viz.collapse.parameter_group_title)
const scopeLabel = (s) => D.scopeTitles[s];
const scopeSize = new Int32Array(S);
for (let k = 0; k < N; k++) for (let s = D.scope[k]; s >= 0; s = scopeParent[s]) scopeSize[s]++;
const scopeChildren = Array.from({length: S}, () => []), topScopes = [];
for (let s = 0; s < S; s++) (scopeParent[s] < 0 ? topScopes : scopeChildren[scopeParent[s]]).push(s);
// Modules in the order of their calls: layer 0 first. A call is as old as the first node it computed; its
// parameters were made with the model, before any call (Linear 2's weight came before ReLU 1's first node). A group
// of shared parameters, which computes nothing, is as old as its first parameter.
const minCreated = new Float64Array(S).fill(Infinity), firstMade = new Float64Array(S).fill(Infinity);
for (let k = 0; k < N; k++) {
  for (let s = D.scope[k]; s >= 0; s = scopeParent[s]) {
    if (D.op[k] >= 0) minCreated[s] = Math.min(minCreated[s], D.created[k]);
    firstMade[s] = Math.min(firstMade[s], D.created[k]);
  }
}
for (let s = 0; s < S; s++) if (minCreated[s] === Infinity) minCreated[s] = firstMade[s];
for (const list of [topScopes, ...scopeChildren]) list.sort((p, q) => minCreated[p] - minCreated[q]);

// ---- complex numbers: text as Python writes them ('1.5-2e-05j', exact to 17 digits), read back as [re, im] -----
const isComplex = (x) => typeof x === "string" && x.endsWith("j");
const part = (s) => (/inf$/.test(s) ? (s[0] === "-" ? -Infinity : Infinity) : Number(s));
function complexParts(x) {  // [re, im] of a complex text or a real number
  if (!isComplex(x)) return [num(x), 0];
  const body = x.slice(0, -1);
  for (let i = body.length - 1; i > 0; i--) {  // the sign between the parts (not an exponent's: 1e-05)
    if ((body[i] === "+" || body[i] === "-") && body[i - 1] !== "e") return [part(body.slice(0, i)), part(body.slice(i))];
  }
  return [0, part(body)];
}
const complexText = ([re, im]) => `${re}${im < 0 || Object.is(im, -0) ? "-" : "+"}${Math.abs(im)}j`;
// PyTorch's gradient sent along an edge: grad · conj(∂w/∂z) (a holomorphic step: the rule G·f′(z) on the conjugate
// the backward pass carries, autograd_core/ops/complex.py); for real numbers grad · ∂w/∂z
function gradTimes(g, d) {
  if (!isComplex(g) && !isComplex(d)) return num(g) * num(d);
  const [a, b] = complexParts(g), [c, e] = complexParts(d);
  return complexText([a * c + b * e, b * c - a * e]);
}
const isComplexNode = (k) => D.dtypes[D.dtype[k]].startsWith("complex");

// ---- number formatting ---------------------------------------------------------------------------
function fmt(x, digits) {
  if (isComplex(x)) {  // as viz.draw writes one: each part to `digits` digits, the imaginary part always shown
    const [re, im] = complexParts(x), imag = fmt(im, digits) + "j";
    if (re === 0 && !Object.is(re, -0)) return imag;
    return fmt(re, digits) + (imag[0] === "−" ? "" : "+") + imag;
  }
  x = num(x);
  if (x === null || x === undefined) return "—";
  if (!isFinite(x)) return isNaN(x) ? "NaN" : (x > 0 ? "∞" : "−∞");
  if (x === 0) return "0";
  let t = Math.abs(x) >= 1e5 || Math.abs(x) < 1e-4 ? x.toExponential((digits || 4) - 1) : x.toPrecision(digits || 4);
  if (t.indexOf("e") < 0 && t.indexOf(".") >= 0) t = t.replace(/0+$/, "").replace(/\.$/, "");
  t = t.replace(/\.?0+e/, "e");
  return t === "-0" ? "0" : t.replace("-", "−");
}
// a · (−b), never a · −b; a complex factor always in parentheses: (1+2j) · (3−1j)
const factor = (x) => { const t = fmt(x); return t[0] === "−" || isComplex(x) ? `(${t})` : t; };
const shapeText = (k) => "(" + D.shape[k].join(", ") + (D.shape[k].length === 1 ? ",)" : ")");
function summary(p) {  // one line for a node box
  if (p === null || p === undefined) return "—";
  if (typeof p !== "object") return fmt(p);
  // the mean as the picture writes it, computed in Python (viz.dot.shown_mean: 0, not rounding noise)
  if (p.v && p.v.length <= (p.c ? 2 : 3)) return "[" + p.v.map((x) => fmt(x, 3)).join(" ") + "]";
  if (p.c) return `mean ${fmt(p.c[0], 3)} max |·| ${fmt(p.c[1], 3)}`;  // complex: no order, as the picture writes it
  return "mean " + fmt(p.s ? p.s[1] : mean(p.v), 3);  // no 's': booleans
}
const mean = (v) => v.reduce((a, b) => a + num(b), 0) / v.length;
const esc = (t) => String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

// ---- module folding: units are visible nodes and folded scopes (id N + s) -------------------------
const collapsed = new Uint8Array(S);
const pinned = new Uint8Array(N);
pinned[D.output] = 1;
let unitOf = new Int32Array(N), units = [];
function computeUnits() {
  const rep = new Int32Array(S);
  for (let s = 0; s < S; s++) {  // scopes come outermost first
    const p = scopeParent[s];
    rep[s] = p >= 0 && rep[p] >= 0 ? rep[p] : (collapsed[s] ? s : -1);
  }
  const seen = new Uint8Array(N + S);
  units = [];
  for (let k = 0; k < N; k++) {
    if (onlyInPlace[k]) continue;  // below: it is part of the operation that writes it
    const s = D.scope[k];
    const u = s >= 0 && rep[s] >= 0 && !pinned[k] ? N + rep[s] : k;
    unitOf[k] = u;
    if (!seen[u]) { seen[u] = 1; units.push(u); }
  }
  for (let k = N - 1; k >= 0; k--) if (onlyInPlace[k]) unitOf[k] = unitOf[D.dst[outE[k][0]]];
}
function initialFolding() {
  if (N <= D.collapseAbove || S === 0) return;
  collapsed.fill(1);
  // open scopes breadth first, siblings together, while the picture stays within the budget
  const direct = new Int32Array(S + 1);
  for (let k = 0; k < N; k++) direct[D.scope[k] + 1]++;
  let count = direct[0] + topScopes.length;
  let queue = [topScopes];
  while (queue.length) {
    const group = queue.shift();
    let cost = 0;
    for (const s of group) cost += direct[s + 1] + scopeChildren[s].length - 1;
    if (group.length && count + cost <= D.collapseAbove) {
      count += cost;
      for (const s of group) { collapsed[s] = 0; queue.push(scopeChildren[s]); }
    }
  }
}

// ---- layout: layers left to right, modules as blocks in creation order ----------------------------
const X = new Float64Array(N + S), Y = new Float64Array(N + S), layer = new Int32Array(N + S);
// A folded module, or a summary box of a collapsed graph, is wider, and as high as its lines need (the picture's box
// says up to five: its name, how many nodes it hides, how many are parameters, their data and grad ranges).
const BOX_LINE = 12;
const boxLines = (u) => (u >= N ? foldedOf(u - N).lines : summaryOf.has(u) ? summaryOf.get(u).lines : null);
const boxHeight = new Float64Array(N + S);  // 0 for a node's box
for (let u = 0; u < N + S; u++) {
  const lines = boxLines(u);
  if (lines) boxHeight[u] = Math.max(NH + 8, 20 + BOX_LINE * (1 + lines.length));  // + 8: room to zoom out
}
const W = (u) => (boxHeight[u] ? NW + 24 : NW), H = (u) => boxHeight[u] || NH;
let vEdges = [];  // {a, b, e}: e the edge index, or -1 for edges merged into a folded module
function unitScope(u) { return u >= N ? scopeParent[u - N] : D.scope[u]; }
function layout() {
  computeUnits();
  vEdges = [];
  labelCache = new Map();  // canvas.js: the edge numbers are placed anew
  const merged = new Set();
  for (let e = 0; e < E; e++) {
    const a = unitOf[D.src[e]], b = unitOf[D.dst[e]];
    if (a === b || writtenIn[e]) continue;
    if (a >= N || b >= N) {
      const key = a * (N + S) + b;
      if (merged.has(key)) continue;
      merged.add(key);
      vEdges.push({a, b, e: -1, first: e});
    } else vEdges.push({a, b, e, first: e});
  }
  const ins = new Map(), outs = new Map();
  for (const u of units) { ins.set(u, []); outs.set(u, []); layer[u] = 0; }
  for (const ve of vEdges) { ins.get(ve.b).push(ve.a); outs.get(ve.a).push(ve.b); }
  // an edge into a module spans two layers, leaving one for the module's own leaves (modules side by side)
  const enters = (a, b) => {
    const target = unitScope(b);
    if (target < 0) return false;
    for (let s = a < N ? D.scope[a] : a - N; s >= 0; s = scopeParent[s]) if (s === target) return false;
    return true;
  };
  // Each unit's layer is the longest path to it, so every edge points right. The units are in the order of their
  // first nodes, which is not an order of the folded graph: a folded layer's first node may be a weight met before
  // the layer below it is computed. So the units are visited in a topological order of the folded graph (Kahn's);
  // the units of a cycle (a module folded around another's call) follow in their order.
  const order = unitOrder(ins, outs);
  for (const u of order) {
    for (const a of ins.get(u)) layer[u] = Math.max(layer[u], layer[a] + (enters(a, u) ? 2 : 1));
  }
  // inputs, and whatever is computed from parameters alone (a weight read from a matrix), sit just left of
  // their first use, not at the far left edge: the last ones first, so each lands before what it feeds
  const fromParams = new Set();
  // (a constant counts only inside a module: the network's own inputs start the data flow even when they
  // need no gradient; counting them pulled each neuron one layer later than the one before, a staircase)
  const isParam = (u) => u < N && (roleName(u) === "parameter" || (roleName(u) === "constant" && D.scope[u] >= 0));
  for (const u of order) {
    const parents = ins.get(u);
    if (parents.length ? parents.every((a) => fromParams.has(a)) : isParam(u)) fromParams.add(u);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const u = order[i];
    if (!(fromParams.has(u) || !ins.get(u).length) || !outs.get(u).length) continue;
    let m = Infinity;
    for (const b of outs.get(u)) m = Math.min(m, layer[b]);
    layer[u] = Math.max(0, m - 1);
  }
  packBlocks();
}
function unitOrder(ins, outs) {  // the units, each after the units it reads (Kahn's algorithm), then any in a cycle
  const waiting = new Map(), order = [], done = new Set();
  for (const u of units) waiting.set(u, ins.get(u).length);
  for (const u of units) if (!waiting.get(u)) order.push(u);
  for (let i = 0; i < order.length; i++) {
    done.add(order[i]);
    for (const b of outs.get(order[i])) {
      const left = waiting.get(b) - 1;
      waiting.set(b, left);
      if (!left) order.push(b);
    }
  }
  if (order.length < units.length) for (const u of units) if (!done.has(u)) order.push(u);
  return order;
}
// Each module is a block: its nodes and sub-modules packed in creation order, stacked only where their
// layer ranges overlap (the neurons of a layer one above the other, in order; consecutive layers side by
// side). A block's rectangle is its cluster, so clusters nest and never overlap.
const TOP = 24, BOTTOM = 10, GAP = 8;
let clusters = [];
function packBlocks() {
  const blocks = new Map(), rootItems = [];
  const blockOf = (s) => {
    let b = blocks.get(s);
    if (!b) {
      b = {s, items: [], first: minCreated[s], l0: Infinity, l1: -Infinity, h: 0};
      blocks.set(s, b);
      const p = scopeParent[s];
      (p >= 0 ? blockOf(p).items : rootItems).push(b);
    }
    return b;
  };
  units.forEach((u) => {
    // inputs outside every module come first (top left), then modules and nodes in creation order
    const source = u < N && unitScope(u) < 0 && !inE[u].length;
    const i = (u < N ? D.created[u] : minCreated[u - N]) - (source ? 1e15 : 0);
    const item = {u, first: i, l0: layer[u], l1: layer[u], h: Math.max(RH, H(u) + 6)};
    const s = unitScope(u);
    if (s >= 0) blockOf(s).items.push(item); else rootItems.push(item);
    for (let t = s; t >= 0; t = scopeParent[t]) {
      const b = blocks.get(t);
      b.l0 = Math.min(b.l0, layer[u]); b.l1 = Math.max(b.l1, layer[u]);
    }
  });
  const pack = (items) => {  // relative y of each item; returns the height used
    items.sort((p, q) => p.first - q.first);
    const sky = new Map();
    let height = 0;
    for (const it of items) {
      if (it.items) it.h = pack(it.items) + TOP + BOTTOM;
      let y = 0;
      for (let l = it.l0; l <= it.l1; l++) y = Math.max(y, sky.get(l) || 0);
      it.y = y;
      for (let l = it.l0; l <= it.l1; l++) sky.set(l, y + it.h + GAP);
      height = Math.max(height, y + it.h);
    }
    return height;
  };
  pack(rootItems);
  clusters = [];
  let maxDepth = 0;
  const place = (items, base, depth) => {
    for (const it of items) {
      const y = base + it.y;
      if (it.items) {
        // its first inner box: the one at its top, leftmost (it takes the module's name when that has no room)
        const top = it.items.filter((i) => i.items && i.y === 0).sort((p, q) => p.l0 - q.l0)[0];
        clusters.push({s: it.s, depth, l0: it.l0, l1: it.l1, y0: y, y1: y + it.h, inner: !it.items.some((i) => i.items),
          first: top ? top.s : -1});
        maxDepth = Math.max(maxDepth, depth);
        place(it.items, y + TOP, depth + 1);
      } else { Y[it.u] = y + it.h / 2; X[it.u] = layer[it.u] * CW; }
    }
  };
  place(rootItems, 0, 0);
  for (const c of clusters) {
    const pad = 8 + 6 * (maxDepth - c.depth);
    c.x0 = c.l0 * CW - NW / 2 - 12 - pad; c.x1 = c.l1 * CW + NW / 2 + 12 + pad;
    c.y0 += 2; c.y1 -= 2;
  }
  clusters.sort((p, q) => p.depth - q.depth);
}
