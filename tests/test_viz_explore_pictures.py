"""The explorer says what the Graphviz pictures say: unlabelled constants named alike, folded parameter groups with
the picture's box lines, and edge numbers that can be read (none over another, none under a box).

Screenshots go to out/explorer/ as test_viz_explore's do.
"""

import os
import re

import numpy as np
import pytest

from autograd_core import Value, viz
from test_viz_explore import ARTIFACTS, browser, console_errors, open_page, page_data, screenshot  # noqa: F401 (a fixture)


def uses_of_a():
    """Eight operations on a (its edges leave it together), a tensor constant and the number 1/3."""
    a = Value(1.5, label="a")
    f = a * 3
    for term in (a + 1, a / 3, a.tanh(), a ** 2, a.exp(), a * a, 1 / a):
        f = f + term
    g = (f * Value(np.array([1.0, 2.0, 3.0]), requires_grad=False)).sum() * (1 / 3)
    g.label = "g"
    g.backward(retain_graph=True)
    return g


def picture_texts(root):
    """{node id: the text of its box} for the constants of the Graphviz picture (a number has a box per use,
    'n3_n5_1'; a number written into its operation's label, the 2 of 'a ** 2', none)."""
    return dict(re.findall(r'\t(n\d+)(?:_n\d+_\d+)? \[label="([^"]*)" shape=box ', viz.draw(root).source))


@pytest.mark.needs("chromium", "chromedriver")
def test_unlabelled_constants_are_called_what_the_picture_writes(browser):  # noqa: F811
    g = uses_of_a()
    graph = viz.trace(g)
    drawn = picture_texts(g)
    constants = {n.id for n in graph.nodes if n.role == "constant" and not n.label and n.id in drawn}
    assert {drawn[i] for i in constants} >= {"const (3,)", "0.3333", "3"}  # 1/3 to 4 digits, as the picture
    open_page(browser, viz.explore(g), "constants")
    for node_id in constants:
        assert browser.execute_script("return explorer.name(arguments[0])", node_id) == drawn[node_id]
    third = next(i for i in constants if drawn[i] == "0.3333")
    browser.execute_script("explorer.select(arguments[0])", third)
    assert "name 0.3333" in browser.find_element("id", "details").text
    tensor = next(i for i in constants if drawn[i] == "const (3,)")
    browser.execute_script("explorer.select(arguments[0])", tensor)
    assert "name const (3,)" in browser.find_element("id", "details").text
    assert console_errors(browser) == []


def overlaps(labels, boxes):
    """The pairs of numbers, and the pairs (number, box), whose rectangles intersect (world units)."""
    cut = lambda r, q: r[0] < q[2] and q[0] < r[2] and r[1] < q[3] and q[1] < r[3]  # noqa: E731
    numbers = [(r[0], q[0]) for i, r in enumerate(labels) for q in labels[i + 1:] if cut(r[1:], q[1:])]
    return numbers, [(r[0], q[0]) for r in labels for q in boxes if cut(r[1:], q[1:])]


@pytest.mark.needs("chromium", "chromedriver")
def test_edge_numbers_do_not_overlap(browser):  # noqa: F811
    g = uses_of_a()
    a = viz.trace(g).node_of("a")
    open_page(browser, viz.explore(g), "edge-numbers")
    browser.execute_script("explorer.reveal(arguments[0]); explorer.select(-1)", a.id)  # zoom 0.9, around a
    labels = browser.execute_script("return explorer.edgeLabels()")
    assert len(labels) >= 20  # every drawn edge of a scalar has its number
    assert overlaps(labels, browser.execute_script("return explorer.boxes()")) == ([], [])
    browser.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    browser.save_screenshot(os.path.join(ARTIFACTS, "edge-numbers.png"))  # at that zoom, not fitted
    # the README's MLP, fitted: x[0]'s three edges and the weights' leave the first column together
    from autograd_core.viz.cli import main

    page = os.path.join(ARTIFACTS, "edge-numbers-mlp.html")
    assert main(["export", "--mlp", "2,3,1", "--input=1,-2", "--backward", "--highlight", "x[0]", "-o", page]) == 0
    browser.get("file://" + page)
    assert browser.execute_script("return document.body.dataset.ready") == "1"
    for zoom in (None, 0.9):
        if zoom:
            browser.execute_script("explorer.reveal(explorer.labels().indexOf('x[0]')); explorer.select(-1)")
        labels = browser.execute_script("return explorer.edgeLabels()")
        assert len(labels) > 30, zoom
        numbers, under_boxes = overlaps(labels, browser.execute_script("return explorer.boxes()"))
        assert numbers == [], zoom
        # fitted (zoom 0.5: a number of 16 world units' height in a gap of 64 between columns), one touches a box
        assert len(under_boxes) <= (0 if zoom else 1), (zoom, under_boxes)
    screenshot(browser, "edge-numbers-mlp")
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_a_folded_parameter_group_says_what_the_pictures_box_says(browser):  # noqa: F811
    from test_viz_readability import demo_loss

    model, loss = demo_loss()
    picture = viz.draw(loss, max_nodes=60).source
    boxes = dict(re.findall(r'\tc\d+ \[label="([^"\\]*)\\n([^"]*)" shape=box3d', picture))
    lines = {name: text.split("\\n") for name, text in boxes.items() if name.endswith(": parameters")}
    assert sorted(lines) == [f"Layer layers.{i}: parameters" for i in range(3)]
    assert all(len(v) == 3 and v[1].startswith("data ") and v[2].startswith("grad ") for v in lines.values())
    data = page_data(viz.explore(loss).html)
    open_page(browser, viz.explore(loss), "parameter-group-lines")
    top = next(k for k, s in enumerate(data["scopes"]) if len(s) > 3 and s[2] < 0)
    browser.execute_script("explorer.setCollapsed(arguments[0], true); explorer.setCollapsed(arguments[0], false)", top)
    for k, scope in enumerate(data["scopes"]):
        if len(scope) > 3 and scope[2] == top:
            name = f"Layer {scope[0]}: parameters"
            browser.execute_script("explorer.setCollapsed(arguments[0], true)", k)
            assert browser.execute_script("return explorer.moduleLine(arguments[0])", k) == " · ".join(lines[name])
            browser.execute_script("explorer.select(explorer.nodeCount + arguments[0])", k)
            details = browser.find_element("id", "details").text
            assert all(line in details for line in lines[name]) and " = " in details, details
    layer0 = next(k for k, s in enumerate(data["scopes"]) if len(s) > 3 and s[0] == "layers.0" and s[2] == top)
    browser.execute_script("explorer.select(explorer.nodeCount + arguments[0])", layer0)
    assert "w[0,0] = " in browser.find_element("id", "details").text  # the tooltip's list, as for a summary box
    screenshot(browser, "parameter-group-lines")
    assert console_errors(browser) == []


def picture_boxes(picture):
    """The lines of each summary box (box3d) of a Graphviz picture's source, its name first, in the order drawn."""
    found = re.findall(r'\t(c\d+) \[label="([^"]*)" shape=box3d', picture)
    return [text.split("\\n") for _, text in found]


def test_the_pages_folded_boxes_have_the_pictures_lines_computed_in_python():
    """The page's data names every module box as the picture does and carries the lines of the picture's box for it
    folded (viz.dot.summary_lines), so that the page's script computes none of them itself."""
    from test_viz_explore import tensor_model

    loss = tensor_model()
    expected = {lines[0]: lines[1:] for lines in picture_boxes(viz.draw(loss, max_nodes=8).source)}
    data = page_data(viz.explore(loss).html)
    assert data["scopeTitles"] == ["Sequential", "Linear 0", "ReLU 1", "Linear 2"]
    assert {title: lines for title, (lines, _) in zip(data["scopeTitles"], data["folded"])
            if title in expected} == expected
    assert data["folded"][1][1] == ["weight (16, 6)", "bias (16,)"]  # the picture's tooltip
    # a box holds the boxes inside it, as the picture's box for the whole Sequential does
    whole = picture_boxes(viz.draw(loss, max_nodes=4).source)
    assert ["Sequential", *data["folded"][0][0]] in whole and len(data["folded"][0][1]) == 4


def folded_boxes_drawn(driver, zoom=1):
    """{name: the lines written in its box} for each folded module the explorer draws, centred at this zoom."""
    names = [name for name, *_ in driver.execute_script("return explorer.positions()") if name.startswith("module:")]
    drawn = {}
    for name in names:
        driver.execute_script("explorer.show(arguments[0], arguments[1])", name, zoom)
        driver.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
        drawn[name] = driver.execute_script("return explorer.boxText()")[name]
    return drawn


@pytest.mark.needs("chromium", "chromedriver")
def test_a_folded_module_says_what_the_pictures_box_says(browser):  # noqa: F811
    """A module call folded in the page writes the lines of the collapsed picture's box for it (its name, the nodes
    it hides, how many are parameters, their data and grad ranges), all of them, uncut; and it still unfolds."""
    from test_viz_explore import tensor_model
    from test_viz_readability import demo_loss

    loss = tensor_model()
    expected = picture_boxes(viz.draw(loss, max_nodes=8).source)  # Linear 0, ReLU 1, Linear 2, folded
    assert [lines[0] for lines in expected] == ["Linear 0", "ReLU 1", "Linear 2"]
    assert expected[0][1:3] == ["3 nodes hidden", "2 parameters"] and len(expected[0]) == 5
    data = page_data(viz.explore(loss).html)
    open_page(browser, viz.explore(loss), "folded-modules")
    calls = [k for k, s in enumerate(data["scopes"]) if s[2] >= 0]  # the Sequential's three calls
    for k in calls:
        browser.execute_script("explorer.setCollapsed(arguments[0], true)", k)
    drawn = folded_boxes_drawn(browser)
    assert drawn == {f"module:{lines[0]}": [f"⊞ {lines[0]}", *lines[1:]] for lines in expected}
    browser.execute_script("explorer.select(explorer.nodeCount + arguments[0])", calls[0])
    details = browser.find_element("id", "details").text
    assert all(line in details for line in expected[0]) and "weight (16, 6)" in details, details
    screenshot(browser, "folded-modules")
    units = browser.execute_script("return explorer.visibleUnits()")
    browser.find_element("id", "expand-this").click()  # unfolding still works
    assert browser.execute_script("return explorer.visibleUnits()") == units + 2
    # the four calls of micrograd's MLP, folded, as the picture folds them: 72 nodes each, the weights in groups
    model, loss = demo_loss()
    expected = picture_boxes(viz.draw(loss, max_nodes=60).source)
    open_page(browser, viz.explore(loss), "folded-calls")
    browser.find_element("id", "collapse-all").click()
    drawn = folded_boxes_drawn(browser)
    assert drawn["module:MLP"] == ["⊞ MLP"] + next(lines[1:] for lines in expected if lines[0] == "MLP")
    group = browser.execute_script("return explorer.boxText()")
    assert all(len(lines) > 1 for lines in group.values())
    screenshot(browser, "folded-calls")
    assert console_errors(browser) == []


def notebook_03_cost():
    """Notebook 03's last graph: a 4 → 8 → 8 → 3 network of neurons on one input, the cost Σ y_k² of its outputs
    stacked. The output layer's first node in topological order is one of its weights, met before the layer below
    it is computed."""
    import autograd_core as ag
    from autograd_core.nn import MLP

    model = MLP(4, [8, 8, 3], rng=0)
    outs = model([Value(v) for v in (0.1, -0.2, 0.3, 0.4)])
    return (ag.stack(outs) ** 2).sum()


@pytest.mark.needs("chromium", "chromedriver")
def test_folded_layers_are_laid_out_left_to_right(browser):  # noqa: F811
    """Every drawn edge goes from left to right, folded modules included (Layer layers.2, whose first node comes
    before Layer layers.1's, was drawn left of it, its input edge running backwards across the picture)."""
    open_page(browser, viz.explore(notebook_03_cost()), "folded-layers")
    for fold in ("document.getElementById('collapse-all').click(); explorer.setCollapsed(0, false)",
                 "document.getElementById('expand-all').click()"):
        browser.execute_script(fold)
        x = {name: x for name, x, _ in browser.execute_script("return explorer.positions()")}
        backwards = [(a, b) for a, b in browser.execute_script("return explorer.edgesDrawn()") if x[a] >= x[b]]
        assert backwards == [], fold
    browser.execute_script("document.getElementById('collapse-all').click(); explorer.setCollapsed(0, false)")
    x = {name: x for name, x, _ in browser.execute_script("return explorer.positions()")}
    assert x["module:Layer layers.0"] < x["module:Layer layers.1"] < x["module:Layer layers.2"]
    screenshot(browser, "folded-layers")
    assert console_errors(browser) == []


def notebook_03_matrix_loss():
    """Notebook 03's network in matrix mode (smaller): nn.MLP's layers nested in its box, cross-entropy outside."""
    import autograd_core as ag
    from autograd_core import nn
    from autograd_core.nn import functional as F

    nn.manual_seed(0)
    mlp = nn.MLP(6, [8, 4, 3], activation="relu", dtype=np.float64)
    rng = np.random.default_rng(0)
    loss = F.cross_entropy(mlp(rng.normal(size=(8, 6))), ag.tensor(rng.integers(0, 3, 8)))  # x made in the call
    loss.backward()
    return loss


@pytest.mark.needs("chromium", "chromedriver")
def test_fit_shows_the_module_boxes_whole(browser):  # noqa: F811
    """Fitting the view takes in the module boxes too, not only the nodes: the network's box stuck out of the left
    edge of the window (a box reaches 12 units and more beyond the nodes it holds, the margin was 20 px)."""
    open_page(browser, viz.explore(notebook_03_matrix_loss()), "fit-modules")
    for width in (1400, 900):
        browser.set_window_size(width, 900)
        browser.execute_script("explorer.fit()")
        scale, tx, ty = browser.execute_script("return explorer.view()")
        w, h = browser.execute_script("const c = document.getElementById('canvas'); "
                                      "return [c.clientWidth, c.clientHeight]")
        for name, x0, y0, x1, y1 in browser.execute_script("return explorer.clusterBoxes()"):
            margin = min(x0 * scale + tx, y0 * scale + ty, w - x1 * scale - tx, h - y1 * scale - ty)
            assert margin >= 8, (width, name, margin)  # inside the window, its border clear of the edge
    browser.set_window_size(1400, 900)
    screenshot(browser, "fit-modules")
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_a_small_arrays_mean_is_the_pictures(browser):  # noqa: F811
    """The mean of an array of up to 16 numbers (written in full) is the one the picture writes: 0 where it is below
    the rounding error of the numbers it averages (the gradient of the last layer's weight under cross_entropy sums
    to 0: the page wrote 'g mean 3.47e−18', computed again in the page, where the picture writes 'mean 0')."""
    loss = notebook_03_matrix_loss()
    graph = viz.trace(loss)
    weight = next(n for n in graph.nodes if n.label == "weight" and n.shape == (3, 4))
    assert abs(weight.grad.mean()) > 0  # noise
    row = re.search(rf'\t{weight.id} \[label=<.*?grad min (\S+) mean (\S+) max (\S+)<', viz.draw(loss).source)
    assert row.group(2) == "0"
    data = page_data(viz.explore(loss).html)
    k = data["ids"].index(weight.id)
    assert data["grad"][k]["s"][1] == 0 and len(data["grad"][k]["v"]) == 12
    open_page(browser, viz.explore(loss), "small-array-mean")
    browser.execute_script("explorer.show(arguments[0], 1)", weight.id)
    browser.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    assert browser.execute_script("return explorer.boxText()")[weight.id] == ["weight", "(3, 4)   g mean 0"]
    browser.execute_script("explorer.select(arguments[0])", weight.id)
    gradient = browser.find_element("id", "grad-view").text
    assert "mean 0 ·" in gradient, gradient
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_the_readme_mlps_numbers_are_written_whole(browser, tmp_path):  # noqa: F811
    """The README's explorer, fitted to a 1400 x 800 window: every number in the boxes is written whole (the value
    lines of w[0,1] and four more were cut, '−0.3256   g −1.…'); zoomed out further, where a whole line no longer
    fits at a readable size, it is cut."""
    from autograd_core.viz.cli import main

    page = str(tmp_path / "mlp.html")
    assert main(["export", "--mlp", "2,3,1", "--input=1,-2", "--backward", "--highlight", "x[0]", "-o", page]) == 0
    browser.set_window_size(1400, 800)
    browser.get("file://" + page)
    browser.execute_async_script("explorer.fit(); requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    texts = browser.execute_script("return explorer.boxText()")
    assert len(texts) == 36 and [t for t in texts.values() if len(t) < 2] == []  # every box, with its values
    assert {k: t for k, t in texts.items() if any("…" in line for line in t)} == {}
    assert texts[browser.execute_script("return explorer.ids()[explorer.labels().indexOf('w[0,1]')]")][-1] == \
        "−0.3256 g −1.005"  # closer, as it is wide
    browser.set_window_size(1400, 900)
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_an_edge_does_not_run_through_its_number(browser):  # noqa: F811
    """An edge's number lies on a chip of its own: the edge does not run through it (on a straight edge, '1.4' read
    as '1-4', the line showing between the digits)."""
    x = Value(0.7, label="x")
    y = x ** 2
    y.label = "y"
    z = y.sin()
    z.label = "z"
    z.backward(retain_graph=True)
    open_page(browser, viz.explore(z), "edge-number-chip")
    browser.execute_script("explorer.show(arguments[0], 2)", viz.trace(z).node_of(y).id)
    browser.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    scale, tx, ty = browser.execute_script("return explorer.view()")
    labels = {text: rect for text, *rect in browser.execute_script("return explorer.edgeLabels()")}
    assert sorted(labels) == ["0.8823", "1.4"]
    pixel = ("const c = document.getElementById('canvas'), d = window.devicePixelRatio || 1;"
             "return Array.from(c.getContext('2d').getImageData(arguments[0] * d, arguments[1] * d, 1, 1).data)")
    for text, (x0, y0, _, y1) in labels.items():
        row = (y0 + y1) / 2 * scale + ty
        line = [min(browser.execute_script(pixel, (x0 - 12) * scale + tx, row + dy)[:3]) for dy in (-1, 0, 1)]
        assert min(line) < 200, text  # the edge, left of its number
        beside = [min(browser.execute_script(pixel, (x0 - 1.25) * scale + tx, row + dy)[:3]) for dy in (-1, 0, 1)]
        assert min(beside) > 235, (text, beside)  # just before the number: the chip, not the edge
    screenshot(browser, "edge-number-chip")
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_modules_are_listed_in_the_order_they_were_called(browser):  # noqa: F811
    """The module list (and the packing of the boxes) follows the order of the calls, as the picture's boxes do:
    Linear 0, ReLU 1, Linear 2 (Linear 2 came before ReLU 1: its weight was made with the model, before any call)."""
    from test_viz_explore import tensor_model

    loss = tensor_model()
    assert [s.title for s in viz.trace(loss).scopes] == ["Sequential", "Linear 0", "ReLU 1", "Linear 2"]
    open_page(browser, viz.explore(loss), "module-order")
    rows = [r.text for r in browser.find_elements("css selector", "#modules [data-s]")]
    assert [r.rsplit(" ", 1)[0] for r in rows] == ["⊟ Sequential", "⊟ Linear 0", "⊟ ReLU 1", "⊟ Linear 2"], rows
    assert console_errors(browser) == []


def notebook_03_y1():
    """Notebook 03's lecture network, neuron by neuron: three nn.Layers of two sigmoid neurons in a Sequential."""
    from autograd_core import nn

    net = nn.Sequential(*[nn.Layer(2, 2, activation="sigmoid", dtype=np.float64, rng=0) for _ in range(3)])
    x1, x2 = Value(1.0, label="x1", requires_grad=False), Value(-1.0, label="x2", requires_grad=False)
    y1, _ = net([x1, x2])
    y1.label = "y1"
    return y1


@pytest.mark.needs("chromium", "chromedriver")
def test_zoomed_out_the_module_boxes_are_named_as_the_pictures_headings(browser):  # noqa: F811
    """Zoomed out, an outer module's box has no room for its name: the name goes to the label of its first inner box,
    as the picture's headings do ('Layer 1 › Neuron neurons.0'); the three layers' first neurons were all labelled
    'Neuron neurons.0', which layer they belong to said nowhere."""
    y1 = notebook_03_y1()
    headings = re.findall(r'_heading \[label="([^"]*)"', viz.draw(y1, show=("data",), rankdir="TB").source)
    assert headings[:3] == ["Sequential › Layer 0 › Neuron neurons.0", "Neuron neurons.1", "Layer 1 › Neuron neurons.0"]
    open_page(browser, viz.explore(y1), "module-headings")
    browser.execute_async_script("explorer.fit(); requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    assert browser.execute_script("return explorer.zoom()") < 0.45  # too small for every box's own name
    assert sorted(browser.execute_script("return explorer.moduleLabels()")) == sorted(f"⊟ {h}" for h in headings)
    browser.execute_script("explorer.show('n0', 1)")  # close up, each box has its own name
    browser.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    close = browser.execute_script("return explorer.moduleLabels()")
    assert "⊟ Sequential" in close and not any("›" in label for label in close), close
    screenshot(browser, "module-headings")
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_before_backward_no_gradient_is_shown(browser):  # noqa: F811
    """Before any backward pass the boxes show no gradient, as the picture's 'grad —' and the page's own 'no
    gradients yet' say (the page worked them out from the local derivatives: 'g 0.8399' beside w.grad None)."""
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    f = (w * x).tanh()
    f.label = "f"
    assert viz.draw(f).source.count("grad —") == 4
    open_page(browser, viz.explore(f), "before-backward")
    browser.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    lines = {k: t[-1] for k, t in browser.execute_script("return explorer.boxText()").items()}
    assert lines == {"n0": "0.5   g —", "n1": "2   g —", "n2": "1   g —", "n3": "0.7616   g —"}
    assert "no gradients yet" in browser.find_element("id", "step-text").text
    f.backward(retain_graph=True)
    open_page(browser, viz.explore(f), "after-backward")
    browser.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    assert browser.execute_script("return explorer.boxText()")["n0"][-1] == f"0.5   g {float(w.grad):.4g}"
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_a_summary_boxs_name_is_cut_to_its_box(browser):  # noqa: F811
    """A name too long for its box is cut to the box, measured in the name's own (bold, bigger) font: 'Layer
    layers.2: parameters', fitted, ran past the box's right edge."""
    from test_viz_readability import demo_loss

    model, loss = demo_loss()
    open_page(browser, viz.explore(viz.collapse(viz.trace(loss), 60)), "summary-names")
    browser.execute_async_script("explorer.fit(); requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    scale = browser.execute_script("return explorer.zoom()")
    texts = browser.execute_script("return explorer.boxText()")
    width = ("const c = document.createElement('canvas').getContext('2d');"
             "c.font = `bold ${arguments[1]}px Helvetica, Arial, sans-serif`; return c.measureText(arguments[0]).width")
    cut = 0
    for name, x0, _, x1, _ in browser.execute_script("return explorer.boxes()"):
        title = texts[name][0]
        if name.startswith("c"):  # a summary box
            assert browser.execute_script(width, title, max(11, 9 / scale)) <= x1 - x0 - 10, title
            cut += title.endswith("…")
    assert cut >= 1  # 'Layer layers.2: parameters' does not fit at this zoom
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_an_operation_on_a_folded_module_is_written_as_in_the_picture(browser):  # noqa: F811
    """An operation whose argument is folded into a module's box writes it '…', as the collapsed picture does ('… ** 2'
    on the folded Linear 2; the page wrote 'n7 ** 2', a node nowhere to be seen)."""
    from test_viz_explore import tensor_model

    loss = tensor_model()
    ops = dict(re.findall(r'\t(n\d+)_op \[label="([^"]*)"', viz.draw(loss, max_nodes=8).source))
    square = next(i for i, text in ops.items() if text.endswith("** 2"))
    assert ops[square] == "… ** 2"
    data = page_data(viz.explore(loss).html)
    open_page(browser, viz.explore(loss), "folded-operand")
    assert browser.execute_script("return explorer.opText(arguments[0])", square) == "n7 ** 2"  # unfolded
    browser.execute_script("explorer.setCollapsed(arguments[0], true)", data["scopeTitles"].index("Linear 2"))
    assert browser.execute_script("return explorer.opText(arguments[0])", square) == "… ** 2"
    browser.execute_script("explorer.show(arguments[0], 1)", square)
    browser.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    assert browser.execute_script("return explorer.boxText()")[square][1] == "… ** 2"
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_fitted_a_folded_module_still_shows_all_its_lines(browser):  # noqa: F811
    """Notebook 02's network with its three layers folded, fitted to the window (zoom 0.66, where text is drawn bigger
    than the boxes grow): each box still writes all the lines of the picture's box (the grad range was left out)."""
    from autograd_core import nn

    nn.manual_seed(0)
    net = nn.Sequential(*(nn.Layer(m, n, activation="sigmoid", dtype=np.float64) for m, n in ((3, 4), (4, 3), (3, 2))))
    rng = np.random.default_rng(1)
    loss = 0.5 * ((net(Value(rng.normal(size=(5, 3)), requires_grad=False)) - rng.uniform(size=(5, 2))) ** 2).sum()
    loss.backward()
    expected = {lines[0]: lines for lines in picture_boxes(viz.draw(loss, max_nodes=12).source)}
    assert sorted(expected) == ["Layer 0", "Layer 1", "Layer 2"] and all(len(v) == 5 for v in expected.values())
    open_page(browser, viz.explore(loss), "fitted-folded")
    browser.find_element("id", "collapse-all").click()
    browser.execute_script("explorer.setCollapsed(0, false)")
    browser.execute_async_script("explorer.fit(); requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    assert browser.execute_script("return explorer.zoom()") < 0.8
    texts = browser.execute_script("return explorer.boxText()")
    assert {k[len("module:"):]: v for k, v in texts.items() if k.startswith("module:")} == \
        {title: [f"⊞ {title}", *lines[1:]] for title, lines in expected.items()}
    screenshot(browser, "fitted-folded")
    assert console_errors(browser) == []
