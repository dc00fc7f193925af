// autograd-core graph explorer: lays out, draws and explains a traced graph. No dependencies, no network.
// Data: the JSON in #graph-data (viz/explore.py, column-wise: node k is entry k of every node column).
"use strict";
(function () {
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
  // unlabelled scalar constants are called by their value (the 1 of h + 1), other nodes by label or id
  const name = (k) => D.label[k] || (D.roles[D.role[k]] === "constant" && typeof D.data[k] !== "object" ?
    String(num(D.data[k])) : D.ids[k]);
  const opName = (k) => (D.op[k] < 0 ? "" : D.ops[D.op[k]]);
  const roleName = (k) => D.roles[D.role[k]];
  const inE = Array.from({length: N}, () => []), outE = Array.from({length: N}, () => []);
  for (let e = 0; e < E; e++) { inE[D.dst[e]].push(e); outE[D.src[e]].push(e); }
  const scopeParent = D.scopes.map((s) => s[2]);
  const scopeLabel = (s) => (D.scopes[s][0] === D.scopes[s][1] ? D.scopes[s][1] : D.scopes[s][1] + " " + D.scopes[s][0]);
  const scopeSize = new Int32Array(S);
  for (let k = 0; k < N; k++) for (let s = D.scope[k]; s >= 0; s = scopeParent[s]) scopeSize[s]++;
  const scopeChildren = Array.from({length: S}, () => []), topScopes = [];
  for (let s = 0; s < S; s++) (scopeParent[s] < 0 ? topScopes : scopeChildren[scopeParent[s]]).push(s);
  const minCreated = new Float64Array(S).fill(Infinity);  // modules in creation order: layer 0 first
  for (let k = 0; k < N; k++) {
    for (let s = D.scope[k]; s >= 0; s = scopeParent[s]) minCreated[s] = Math.min(minCreated[s], D.created[k]);
  }
  for (const list of [topScopes, ...scopeChildren]) list.sort((p, q) => minCreated[p] - minCreated[q]);

  // ---- number formatting ---------------------------------------------------------------------------
  function fmt(x, digits) {
    x = num(x);
    if (x === null || x === undefined) return "—";
    if (!isFinite(x)) return isNaN(x) ? "NaN" : (x > 0 ? "∞" : "−∞");
    if (x === 0) return "0";
    let t = Math.abs(x) >= 1e5 || Math.abs(x) < 1e-4 ? x.toExponential((digits || 4) - 1) : x.toPrecision(digits || 4);
    if (t.indexOf("e") < 0 && t.indexOf(".") >= 0) t = t.replace(/0+$/, "").replace(/\.$/, "");
    t = t.replace(/\.?0+e/, "e");
    return t === "-0" ? "0" : t.replace("-", "−");
  }
  const shapeText = (k) => "(" + D.shape[k].join(", ") + (D.shape[k].length === 1 ? ",)" : ")");
  function summary(p) {  // one line for a node box
    if (p === null || p === undefined) return "—";
    if (typeof p !== "object") return fmt(p);
    if (p.v) return p.v.length <= 3 ? "[" + p.v.map((x) => fmt(x, 3)).join(" ") + "]" : "mean " + fmt(mean(p.v), 3);
    return "mean " + fmt(p.s[1], 3);
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
      const s = D.scope[k];
      const u = s >= 0 && rep[s] >= 0 && !pinned[k] ? N + rep[s] : k;
      unitOf[k] = u;
      if (!seen[u]) { seen[u] = 1; units.push(u); }
    }
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

  // ---- layout: layers left to right, order within a layer by module then barycentre -----------------
  const X = new Float64Array(N + S), Y = new Float64Array(N + S), layer = new Int32Array(N + S);
  const W = (u) => (u >= N ? NW + 24 : NW), H = (u) => (u >= N ? NH + 8 : NH);
  let vEdges = [];  // {a, b, e}: e the edge index, or -1 for edges merged into a folded module
  function unitScope(u) { return u >= N ? scopeParent[u - N] : D.scope[u]; }
  function layout() {
    computeUnits();
    vEdges = [];
    const merged = new Set();
    for (let e = 0; e < E; e++) {
      const a = unitOf[D.src[e]], b = unitOf[D.dst[e]];
      if (a === b) continue;
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
    for (let pass = 0; pass < 2; pass++) {
      for (const u of units) {
        for (const a of ins.get(u)) layer[u] = Math.max(layer[u], layer[a] + (enters(a, u) ? 2 : 1));
      }
    }
    // inputs, and whatever is computed from parameters alone (a weight read from a matrix), sit just left of
    // their first use, not at the far left edge: the last ones first, so each lands before what it feeds
    const fromParams = new Set();
    const isParam = (u) => u < N && (roleName(u) === "parameter" || roleName(u) === "constant");
    for (const u of units) {
      const parents = ins.get(u);
      if (parents.length ? parents.every((a) => fromParams.has(a)) : isParam(u)) fromParams.add(u);
    }
    for (let i = units.length - 1; i >= 0; i--) {
      const u = units[i];
      if (!(fromParams.has(u) || !ins.get(u).length) || !outs.get(u).length) continue;
      let m = Infinity;
      for (const b of outs.get(u)) m = Math.min(m, layer[b]);
      layer[u] = Math.max(0, m - 1);
    }
    packBlocks();
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
        b = {s, items: [], first: Infinity, l0: Infinity, l1: -Infinity, h: 0};
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
      const item = {u, first: i, l0: layer[u], l1: layer[u], h: RH};
      const s = unitScope(u);
      if (s >= 0) blockOf(s).items.push(item); else rootItems.push(item);
      for (let t = s; t >= 0; t = scopeParent[t]) {
        const b = blocks.get(t);
        b.first = Math.min(b.first, i); b.l0 = Math.min(b.l0, layer[u]); b.l1 = Math.max(b.l1, layer[u]);
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
          clusters.push({s: it.s, depth, l0: it.l0, l1: it.l1, y0: y, y1: y + it.h});
          maxDepth = Math.max(maxDepth, depth);
          place(it.items, y + TOP, depth + 1);
        } else { Y[it.u] = y + RH / 2; X[it.u] = layer[it.u] * CW; }
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

  // ---- backward replay ------------------------------------------------------------------------------
  const order = D.order, K = order.length;
  const stepOf = new Int32Array(N).fill(-1);
  order.forEach((k, i) => { stepOf[k] = i; });
  let step = K;  // how many steps are done; K: the whole backward pass
  const replayGrad = new Array(N).fill(null);  // a number for scalar nodes the replay computed
  const stepText = new Array(K).fill("");
  function replay() {  // the whole backward pass, once: each step's arithmetic and gradient
    for (let i = 0; i < K; i++) {
      const v = order[i];
      const uses = outE[v].filter((e) => D.rg[D.dst[e]]);
      const stored = D.grad[v];
      if (v === D.output) {
        replayGrad[v] = typeof stored === "object" || stored === null ? (isScalar(v) ? 1 : null) : num(stored);
        stepText[i] = `grad ${name(v)} = ${isScalar(v) ? fmt(replayGrad[v]) : "the seed"}  (the output: ∂${name(v)}/∂${name(v)} = 1)`;
        continue;
      }
      const numeric = isScalar(v) && uses.length > 0 &&
        uses.every((e) => D.deriv[e] !== null && replayGrad[D.dst[e]] !== null);
      if (numeric) {
        let g = 0;
        const sym = [], nums = [];
        for (const e of uses) {
          g += replayGrad[D.dst[e]] * num(D.deriv[e]);
          sym.push(`grad ${name(D.dst[e])} · ∂${name(D.dst[e])}/∂${name(v)}`);
          nums.push(`${fmt(replayGrad[D.dst[e]])} · ${fmt(D.deriv[e])}`);
        }
        replayGrad[v] = g;
        stepText[i] = `grad ${name(v)} = ${sym.join(" + ")}\n  = ${nums.join(" + ")}\n  = ${fmt(g)}`;
      } else {
        replayGrad[v] = stored === null || typeof stored === "object" ? null : num(stored);
        const terms = uses.map((e) => `vjp of ${name(D.dst[e])} (${D.formula[e] >= 0 ? D.formulas[D.formula[e]] : opName(D.dst[e])})`);
        const shown = terms.length > 6 ? terms.slice(0, 6).concat([`… ${terms.length - 6} more`]) : terms;
        stepText[i] = `grad ${name(v)} = ${shown.join(" + ") || "0 (no use)"}\n  → ${shapeText(v)}: ${summary(stored)}`;
      }
    }
  }
  const gradKnown = (k) => stepOf[k] >= 0 && stepOf[k] < step;
  function gradOf(k) {  // what the page shows as k's gradient now: the replay's number, else the stored one
    if (!gradKnown(k)) return null;
    return replayGrad[k] !== null ? replayGrad[k] : D.grad[k];
  }

  // ---- chain rule: every path from a leaf to the output -----------------------------------------------
  let chain = null;
  function chainRule(leaf) {
    const fwd = new Uint8Array(N), below = new Uint8Array(N), onPath = new Uint8Array(E);
    fwd[leaf] = 1;
    for (let e = 0; e < E; e++) if (fwd[D.src[e]] && D.rg[D.src[e]]) fwd[D.dst[e]] = 1;
    below[D.output] = 1;
    for (let e = E - 1; e >= 0; e--) if (below[D.dst[e]] && fwd[D.src[e]]) { onPath[e] = 1; below[D.src[e]] = 1; }
    let numeric = true;
    const adj = new Float64Array(N), count = new Float64Array(N);
    adj[D.output] = 1; count[D.output] = 1;
    for (let e = E - 1; e >= 0; e--) {
      if (!onPath[e]) continue;
      if (D.deriv[e] === null) numeric = false;
      adj[D.src[e]] += adj[D.dst[e]] * num(D.deriv[e]);
      count[D.src[e]] += count[D.dst[e]];
    }
    // up to 16 paths, depth first; each entry links to the one it came from (no copying of long paths)
    const paths = [], stack = [{k: D.output, e: -1, up: null}];
    while (stack.length && paths.length < 16) {
      const item = stack.pop();
      if (item.k === leaf) {
        const es = [];
        for (let it = item; it.e >= 0; it = it.up) es.push(it.e);
        paths.push(es.reverse());
        continue;
      }
      const ins = inE[item.k].filter((e) => onPath[e]);
      for (let i = ins.length - 1; i >= 0; i--) stack.push({k: D.src[ins[i]], e: ins[i], up: item});
    }
    const nodes = new Uint8Array(N);
    for (let e = 0; e < E; e++) if (onPath[e]) { nodes[D.src[e]] = 1; nodes[D.dst[e]] = 1; }
    nodes[leaf] = 1;
    const products = paths.map((es) => es.reduce((p, e) => p * num(D.deriv[e]), 1));
    let scalar = true;
    for (let k = 0; k < N; k++) if (nodes[k] && !isScalar(k)) { scalar = false; break; }
    return {leaf, onPath, nodes, numeric, scalar, paths, products, count: leaf === D.output ? 1 : count[leaf],
      total: leaf === D.output ? 1 : (numeric ? adj[leaf] : null), grad: D.grad[leaf]};
  }
  function showChain(leaf) {
    chain = leaf === null ? null : chainRule(leaf);
    document.getElementById("chain").hidden = !chain;
    if (!chain) { redraw(); return; }
    const f = name(D.output), w = name(leaf);
    let t = "";
    if (chain.count === 0) t = `∂${f}/∂${w} = 0: no path from ${w} to ${f}`;
    else if (!chain.numeric && chain.scalar) {
      t = `${chain.count} path(s) from ${w} to ${f} (red). Their local derivatives were freed by backward(): ` +
        "call backward(retain_graph=True) before viz.explore to see the products.";
    } else if (!chain.numeric) {
      t = `${chain.count} path(s) from ${w} to ${f} (red). Tensor edges carry rules, not numbers:\n` +
        chain.paths.slice(0, 4).map((es) => es.slice(0, 12).map((e) => `∂${name(D.dst[e])}/∂${name(D.src[e])}` +
          (D.formula[e] >= 0 ? ` [${D.formulas[D.formula[e]]}]` : "")).join(" · ")).join("\n");
    } else {
      t = `∂${f}/∂${w} = sum over ${chain.count} path${chain.count === 1 ? "" : "s"} of products of local derivatives\n`;
      const factors = (es, f) => (es.length <= 14 ? es.map(f) : es.slice(0, 6).map(f).concat(
        [`… ${es.length - 12} more factors …`], es.slice(-6).map(f)));
      chain.paths.forEach((es, i) => {
        t += `\npath ${i + 1}: ` + factors(es, (e) => `∂${name(D.dst[e])}/∂${name(D.src[e])}`).join(" · ") +
          "\n  = " + factors(es, (e) => `(${fmt(D.deriv[e])})`).join("") + ` = ${fmt(chain.products[i], 6)}`;
      });
      if (chain.count > chain.paths.length) t += `\n… ${chain.count - chain.paths.length} more paths`;
      const g = num(chain.grad);
      const ok = chain.grad !== null && typeof chain.grad !== "object" && Math.abs(g - chain.total) <= 1e-9 * Math.max(1, Math.abs(g));
      t += `\n\nsum = ${fmt(chain.total, 6)}` + (chain.grad === null || typeof chain.grad === "object" ? "" :
        `   ${w}.grad = ${fmt(g, 6)} <span class="${ok ? "ok" : "bad"}">${ok ? "✓ equal" : "✗ differs"}</span>`);
    }
    document.getElementById("chain-text").innerHTML = t.split("<span")[0].replace(/[&<>]/g, (c) => esc(c)) +
      (t.indexOf("<span") >= 0 ? "<span" + t.split("<span")[1] : "");
    redraw();
  }

  // ---- drawing ------------------------------------------------------------------------------------
  const canvas = document.getElementById("canvas"), ctx = canvas.getContext("2d");
  let scale = 1, tx = 20, ty = 20, dpr = 1, selected = -1, hoverEdge = null, drawPending = false;
  function resize() {
    dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, canvas.clientWidth * dpr);
    canvas.height = Math.max(1, canvas.clientHeight * dpr);
    redraw();
  }
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
    const detail = scale > 0.45;
    ctx.lineJoin = "round";
    for (const c of clusters) {
      if (!inView(c.x0, c.y0, c.x1, c.y1)) continue;
      ctx.fillStyle = ["#f8fafc", "#eef2ff", "#f0fdf4", "#fff7ed"][c.depth % 4];
      ctx.strokeStyle = "#94a3b8"; ctx.lineWidth = 1 / Math.max(scale, 0.2);
      roundRect(c.x0, c.y0, c.x1 - c.x0, c.y1 - c.y0, 8); ctx.fill(); ctx.stroke();
      if (detail) {
        ctx.fillStyle = "#334155"; ctx.font = "bold 11px Helvetica, Arial, sans-serif"; ctx.textBaseline = "top";
        ctx.fillText("⊟ " + scopeLabel(c.s), c.x0 + 6, c.y0 + 3);
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
      ctx.font = "9px Helvetica, Arial, sans-serif"; ctx.textBaseline = "bottom"; ctx.textAlign = "center";
      for (const ve of vEdges) {
        if (ve.e < 0 || D.deriv[ve.e] === null) continue;
        const p = bezier(ve.a, ve.b);
        const mx = (p[0] + p[6]) / 2, my = (p[1] + p[7]) / 2;
        if (!inView(mx - 20, my - 10, mx + 20, my)) continue;
        ctx.fillStyle = edgeOnPath(ve) ? RED : "#475569";
        ctx.fillText(fmt(D.deriv[ve.e], 3), mx, my - 1);
      }
      ctx.textAlign = "left";
    }
    for (const u of units) {
      const bw = W(u), bh = H(u), x0 = X[u] - bw / 2, y0 = Y[u] - bh / 2;
      if (!inView(x0, y0, x0 + bw, y0 + bh)) continue;
      drawUnit(u, x0, y0, bw, bh, detail);
    }
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
  function drawUnit(u, x0, y0, bw, bh, detail) {
    if (u >= N) {
      const s = u - N;
      ctx.fillStyle = FILL.collapsed; ctx.strokeStyle = "#6b7280"; ctx.lineWidth = 1;
      roundRect(x0 + 4, y0 - 4, bw, bh, 4); ctx.fill(); ctx.stroke();
      roundRect(x0, y0, bw, bh, 4); ctx.fill(); ctx.stroke();
      if (detail) {
        ctx.fillStyle = "#1f2937"; ctx.textBaseline = "top";
        ctx.font = "bold 11px Helvetica, Arial, sans-serif"; ctx.fillText(clip("⊞ " + scopeLabel(s), bw - 10), x0 + 5, y0 + 5);
        ctx.font = "10px Helvetica, Arial, sans-serif"; ctx.fillText(`${scopeSize[s]} nodes (double-click)`, x0 + 5, y0 + 24);
      }
      return;
    }
    const role = roleName(u);
    const current = step < K && step > 0 && order[step - 1] === u;
    ctx.fillStyle = current ? CURRENT : FILL[role];
    const path = chain && chain.nodes[u];
    ctx.strokeStyle = u === selected ? "#2563eb" : (path ? RED : "#64748b");
    ctx.lineWidth = u === selected || path || u === D.output ? 2.2 : 1;
    roundRect(x0, y0, bw, bh, 5); ctx.fill(); ctx.stroke();
    if (!detail) return;
    ctx.textBaseline = "top"; ctx.fillStyle = "#0f172a";
    ctx.font = (D.label[u] ? "bold " : "") + "11px Helvetica, Arial, sans-serif";
    const op = opName(u);
    const head = name(u) + (op ? "  " : "");
    ctx.fillText(clip(head, bw - 40), x0 + 5, y0 + 4);
    if (op) {
      ctx.font = "10px Helvetica, Arial, sans-serif"; ctx.fillStyle = "#475569"; ctx.textAlign = "right";
      ctx.fillText(clip(op, 44), x0 + bw - 5, y0 + 5); ctx.textAlign = "left";
    }
    ctx.font = "10px Helvetica, Arial, sans-serif"; ctx.fillStyle = "#334155";
    let line = isScalar(u) ? fmt(D.data[u]) : shapeText(u);
    if (D.rg[u]) line += "   g " + (gradKnown(u) ? summary(gradOf(u)) : (D.grad[u] === null ? "—" : "?"));
    ctx.fillText(clip(line, bw - 10), x0 + 5, y0 + 22);
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
        const t = i / 12, s = 1 - t;
        const x = s * s * s * p[0] + 3 * s * s * t * p[2] + 3 * s * t * t * p[4] + t * t * t * p[6];
        const y = s * s * s * p[1] + 3 * s * s * t * p[3] + 3 * s * t * t * p[5] + t * t * t * p[7];
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
    let t = `${name(a)} → ${name(b)} (argument ${D.arg[e]} of ${opName(b)})\n`;
    t += `∂${name(b)}/∂${name(a)} = ` + (D.deriv[e] !== null ? fmt(D.deriv[e], 6) : "") +
      (D.formula[e] >= 0 ? (D.deriv[e] !== null ? "   rule: " : "rule: ") + D.formulas[D.formula[e]] : "");
    t += `\nvalue ${name(a)} = ${isScalar(a) ? fmt(D.data[a], 6) : shapeText(a) + " " + summary(D.data[a])}`;
    if (D.deriv[e] !== null && gradKnown(b) && replayGrad[b] !== null) {
      t += `\ngradient sent: grad ${name(b)} · ∂${name(b)}/∂${name(a)} = ${fmt(replayGrad[b])} · ${fmt(D.deriv[e])} = ${fmt(replayGrad[b] * num(D.deriv[e]))}`;
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
  function fit() {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const u of units) {
      x0 = Math.min(x0, X[u] - W(u) / 2); x1 = Math.max(x1, X[u] + W(u) / 2);
      y0 = Math.min(y0, Y[u] - H(u) / 2 - 30); y1 = Math.max(y1, Y[u] + H(u) / 2 + 12);
    }
    const w = canvas.clientWidth, h = canvas.clientHeight;
    scale = Math.min(1.4, Math.max(0.01, Math.min((w - 40) / (x1 - x0), (h - 60) / (y1 - y0))));
    tx = (w - (x1 - x0) * scale) / 2 - x0 * scale; ty = 20 + (h - 60 - (y1 - y0) * scale) / 2 - y0 * scale;
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
  function showModule(s) {
    const el = document.getElementById("details");
    el.innerHTML = `<table class="kv"><tr><td>module</td><td>${esc(scopeLabel(s))}</td></tr>` +
      `<tr><td>nodes</td><td>${scopeSize[s]}</td></tr></table><button id="expand-this">expand</button>`;
    document.getElementById("expand-this").onclick = () => setCollapsed(s, false);
  }
  function showDetails(k) {
    const el = document.getElementById("details");
    let h = `<table class="kv"><tr><td>name</td><td><b>${esc(name(k))}</b> <span class="hint">${esc(D.ids[k])}</span></td></tr>`;
    h += `<tr><td>op</td><td>${esc(opName(k) || "(none: " + roleName(k) + ")")}</td></tr>`;
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
      if (p.v.length > 1) {
        const vs = p.v.map(num);
        h += `<div class="stats">min ${fmt(Math.min(...vs))} · mean ${fmt(mean(vs))} · max ${fmt(Math.max(...vs))}</div>`;
      }
      el.innerHTML = h;
      return;
    }
    h += `<div class="stats">min ${fmt(p.s[0])} · mean ${fmt(p.s[1])} · max ${fmt(p.s[2])}</div>`;
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
    else t.textContent = `step ${step}: ` + stepText[step - 1];
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
    centerOn(k); select(k);
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
  initialFolding();
  layout();
  replay();
  moduleList();
  resize();
  fit();
  setStep(K);
  if (D.highlight !== null) select(D.highlight);
  window.addEventListener("resize", resize);

  // A small API for tests and for the curious (the console): everything the page shows, as data.
  window.explorer = {
    ids: () => D.ids.slice(), labels: () => D.label.slice(), nodeCount: N, stepCount: K,
    visibleUnits: () => units.length,
    select: (k) => select(typeof k === "string" ? D.ids.indexOf(k) : k),
    stepTo: (s) => setStep(s), step: () => step, stepText: (i) => stepText[i],
    gradOf: (k) => { const g = gradOf(typeof k === "string" ? D.ids.indexOf(k) : k); return g === null ? null : (typeof g === "object" ? g : num(g)); },
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
  };
  timings.ready = performance.now();
  window.explorer.timings = timings;
  document.body.dataset.ready = "1";
})();
