// The explorer, part 2 of 4: the backward pass replayed step by step, and the chain rule of a leaf.
// Parts share one scope: viz/explore.py inlines them in this order inside one function in page.html.
// Data: the JSON in #graph-data (viz/explore.py, column-wise: node k is entry k of every node column).
// ---- backward replay ------------------------------------------------------------------------------
const order = D.order, K = order.length;
const stepOf = new Int32Array(N).fill(-1);
order.forEach((k, i) => { stepOf[k] = i; });
let step = K;  // how many steps are done; K: the whole backward pass
const replayGrad = new Array(N).fill(null);  // a number for scalar nodes the replay computed
const usesOf = (v) => outE[v].filter((e) => D.rg[D.dst[e]]);
const numericStep = (v) => isScalar(v) && usesOf(v).length > 0 &&
  usesOf(v).every((e) => D.deriv[e] !== null && replayGrad[D.dst[e]] !== null);
// a scalar gradient as stored (a number, or a complex number's text); sums of real numbers or complex texts
const storedScalar = (x) => (x === null || typeof x === "object" ? null : (isComplex(x) ? x : num(x)));
const add = (a, b) => {
  if (!isComplex(a) && !isComplex(b)) return a + b;
  const [p, q] = complexParts(a), [r, s] = complexParts(b);
  return complexText([p + r, q + s]);
};
function replay() {  // the whole backward pass, once: every node's gradient from its uses' (no text yet)
  // before any backward pass there is nothing to replay: the boxes say 'g —', as the picture's 'grad —' (worked
  // out from the local derivatives, they showed gradients that .grad did not have)
  if (D.grad[D.output] === null) return;
  for (let i = 0; i < K; i++) {
    const v = order[i];
    const stored = D.grad[v];
    if (v === D.output) {
      replayGrad[v] = typeof stored === "object" || stored === null ? (isScalar(v) ? 1 : null) : storedScalar(stored);
    } else if (numericStep(v)) {
      let g = 0;
      for (const e of usesOf(v)) g = add(g, gradTimes(replayGrad[D.dst[e]], D.deriv[e]));
      replayGrad[v] = g;
    } else {
      replayGrad[v] = storedScalar(stored);
    }
  }
}
const MAX_TERMS = 6;  // terms of a step's sum written out
function stepText(i) {  // the arithmetic of step i, written when it is shown (a big graph has many steps)
  const v = order[i], stored = D.grad[v], uses = usesOf(v);
  if (v === D.output) {
    return `grad ${symbolOf(v)} = ${isScalar(v) ? fmt(replayGrad[v]) : "the seed"}  (the output: ∂${symbolOf(v)}/∂${symbolOf(v)} = 1)`;
  }
  if (numericStep(v)) {
    const shown = uses.slice(0, MAX_TERMS);  // a node used 32 times: the first terms, then how many more
    const more = uses.length > MAX_TERMS ? ` + … (${uses.length - MAX_TERMS} more uses)` : "";
    // complex numbers: PyTorch's grad takes the conjugate of each local derivative f′(z)
    const c = isComplexNode(v) ? ["conj(", ")"] : ["", ""];
    const sym = shown.map((e) => `grad ${symbolOf(D.dst[e])} · ${c[0]}∂${symbolOf(D.dst[e])}/∂${symbolOf(v)}${c[1]}`);
    const nums = shown.map((e, j) => `${(j ? factor : fmt)(replayGrad[D.dst[e]])} · ${c[0]}${factor(D.deriv[e])}${c[1]}`);
    return `grad ${symbolOf(v)} = ${sym.join(" + ")}${more}\n  = ${nums.join(" + ")}${more}\n  = ${fmt(replayGrad[v])}`;
  }
  const terms = uses.slice(0, 7).map((e) => `vjp of ${name(D.dst[e])} (${D.formula[e] >= 0 ? D.formulas[D.formula[e]] : opName(D.dst[e])})`);
  const shown = uses.length > 6 ? terms.slice(0, 6).concat([`… ${uses.length - 6} more`]) : terms;
  return `grad ${symbolOf(v)} = ${shown.join(" + ") || "0 (no use)"}\n  → ${shapeText(v)}: ${summary(stored)}`;
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
  let numeric = true, complex = isComplexNode(leaf);
  // ∂f/∂w as real and imaginary parts: f′(z) multiplies along a path of complex numbers (a holomorphic one)
  const adj = new Float64Array(N), adjIm = new Float64Array(N), count = new Float64Array(N);
  adj[D.output] = 1; count[D.output] = 1;
  for (let e = E - 1; e >= 0; e--) {
    if (!onPath[e]) continue;
    if (D.deriv[e] === null) numeric = false;
    if (isComplexNode(D.src[e]) || isComplexNode(D.dst[e])) complex = true;
    const [c, d] = complexParts(D.deriv[e]), a = adj[D.dst[e]], b = adjIm[D.dst[e]];
    adj[D.src[e]] += a * c - b * d;
    adjIm[D.src[e]] += a * d + b * c;
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
  const times = (p, e) => {
    const [a, b] = complexParts(p), [c, d] = complexParts(D.deriv[e]);
    return complex ? complexText([a * c - b * d, a * d + b * c]) : a * c;
  };
  const products = paths.map((es) => es.reduce(times, 1));
  let scalar = true;
  for (let k = 0; k < N; k++) if (nodes[k] && !isScalar(k)) { scalar = false; break; }
  const total = complex ? complexText([adj[leaf], adjIm[leaf]]) : adj[leaf];
  return {leaf, onPath, nodes, numeric, scalar, complex, paths, products, count: leaf === D.output ? 1 : count[leaf],
    total: leaf === D.output ? 1 : (numeric ? total : null), grad: D.grad[leaf]};
}
function showChain(leaf) {
  chain = leaf === null ? null : chainRule(leaf);
  document.getElementById("chain").hidden = !chain;
  if (!chain) { redraw(); return; }
  const f = symbolOf(D.output), w = symbolOf(leaf);
  let t = "";
  if (chain.count === 0) t = `∂${f}/∂${w} = 0: no path from ${w} to ${f}`;
  else if (!chain.numeric && chain.scalar && chain.complex) {
    t = `${chain.count} path(s) from ${w} to ${f} (red) through complex numbers. A step that is not holomorphic ` +
      "(abs, real, conj, ..., or between a real and a complex number) has no single local derivative: its rule " +
      "takes both ∂w/∂z and ∂w/∂z̄ (hover an edge to read it).";
  } else if (!chain.numeric && chain.scalar) {
    t = `${chain.count} path(s) from ${w} to ${f} (red). Their local derivatives were freed by backward(): ` +
      "call backward(retain_graph=True) before viz.explore to see the products.";
  } else if (!chain.numeric) {
    t = `${chain.count} path(s) from ${w} to ${f} (red). Tensor edges carry rules, not numbers:\n` +
      chain.paths.slice(0, 4).map((es) => es.slice(0, 12).map((e) => `∂${symbolOf(D.dst[e])}/∂${symbolOf(D.src[e])}` +
        (D.formula[e] >= 0 ? ` [${D.formulas[D.formula[e]]}]` : "")).join(" · ")).join("\n");
  } else {
    t = `∂${f}/∂${w} = sum over ${chain.count} path${chain.count === 1 ? "" : "s"} of products of local derivatives\n`;
    const factors = (es, f) => (es.length <= 14 ? es.map(f) : es.slice(0, 6).map(f).concat(
      [`… ${es.length - 12} more factors …`], es.slice(-6).map(f)));
    chain.paths.forEach((es, i) => {
      t += `\npath ${i + 1}: ` + factors(es, (e) => `∂${symbolOf(D.dst[e])}/∂${symbolOf(D.src[e])}`).join(" · ") +
        "\n  = " + factors(es, (e) => `(${fmt(D.deriv[e])})`).join("") + ` = ${fmt(chain.products[i], 6)}`;
    });
    if (chain.count > chain.paths.length) t += `\n… ${chain.count - chain.paths.length} more paths`;
    if (chain.complex) {  // PyTorch's grad of a leaf after f.backward(1) is the conjugate of ∂f/∂w
      const [a, b] = complexParts(chain.total), conj = complexText([a, -b]), g = storedScalar(chain.grad);
      const [p, q] = g === null ? [0, 0] : complexParts(g);
      const ok = g !== null && Math.hypot(p - a, q + b) <= 1e-9 * Math.max(1, Math.hypot(p, q));
      t += `\n\nsum = ${fmt(chain.total, 6)}   PyTorch's ${w}.grad = conj(sum) = ${fmt(conj, 6)}` + (g === null ? "" :
        `   ${w}.grad = ${fmt(g, 6)} <span class="${ok ? "ok" : "bad"}">${ok ? "✓ equal" : "✗ differs"}</span>`);
      document.getElementById("chain-text").innerHTML = t.split("<span")[0].replace(/[&<>]/g, (c) => esc(c)) +
        (t.indexOf("<span") >= 0 ? "<span" + t.split("<span")[1] : "");
      redraw();
      return;
    }
    const g = num(chain.grad);
    const ok = chain.grad !== null && typeof chain.grad !== "object" && Math.abs(g - chain.total) <= 1e-9 * Math.max(1, Math.abs(g));
    t += `\n\nsum = ${fmt(chain.total, 6)}` + (chain.grad === null || typeof chain.grad === "object" ? "" :
      `   ${w}.grad = ${fmt(g, 6)} <span class="${ok ? "ok" : "bad"}">${ok ? "✓ equal" : "✗ differs"}</span>`);
  }
  document.getElementById("chain-text").innerHTML = t.split("<span")[0].replace(/[&<>]/g, (c) => esc(c)) +
    (t.indexOf("<span") >= 0 ? "<span" + t.split("<span")[1] : "");
  redraw();
}
