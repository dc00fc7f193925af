"""The graph explorer (`viz.explore`): the page's data in Python, and the page itself driven in headless Chromium.

Screenshots of every browser test go to out/explorer/ (look at them: they are what users see).
"""

import html
import json
import os
import re
import shutil
import tempfile

import numpy as np
import pytest

from autograd_core import Value, viz
from autograd_core.viz.explore import SMALL

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(ROOT, "out", "explorer")
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,900")


def sigmoid():
    """The lecture's σ(w·x + b) in six named steps, with values that make every factor visible."""
    w, x, b = Value(-0.8, label="w"), Value(1.5, label="x", requires_grad=False), Value(0.3, label="b")
    h1 = x * w
    h2 = h1 + b
    h3 = -h2
    h4 = h3.exp()
    h5 = h4 + 1
    f = 1 / h5
    for i, h in enumerate((h1, h2, h3, h4, h5), start=1):
        h.label = f"h{i}"
    f.label = "f"
    f.backward(retain_graph=True)
    return f, w


def diamond():
    """w reaches the output along three paths."""
    w, c = Value(0.7, label="w"), Value(-1.3, label="c")
    a = w * c
    a.label = "a"
    b = w.tanh()
    b.label = "b"
    f = a * b + w * w
    f.label = "f"
    f.backward(retain_graph=True)
    return f, w


def tensor_model(batch=8):
    from autograd_core import nn

    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(6, 16, rng=rng, dtype=np.float64), nn.ReLU(),
                          nn.Linear(16, 3, rng=rng, dtype=np.float64))  # x's dtype
    x = Value(rng.normal(size=(batch, 6)), label="x", requires_grad=False)
    loss = (model(x) ** 2).mean()
    loss.label = "loss"
    loss.backward(retain_graph=True)
    return loss


def scalar_chain(n):
    """A scalar graph of about n nodes: a long chain of tanh and products."""
    x = Value(0.5, label="x")
    h = x
    for _ in range(n // 3):
        h = (h * 1.001).tanh() + x * 0.001
    h.label = "out"
    return h


# ---- the page's data, no browser --------------------------------------------------------------------

def page_data(page):
    match = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S)
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_page_is_one_self_contained_file():
    f, _ = sigmoid()
    page = viz.explore(f).html
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page  # nothing to fetch: works offline
    assert "<script src" not in page and "<link" not in page
    data = page_data(page)
    assert data["ids"] == [n.id for n in viz.trace(f).nodes]


def test_labels_cannot_break_out_of_the_page():
    x = Value(2.0, label="</script><script>alert(1)</script>")
    f = x * x
    page = viz.explore(f).html
    assert "</script><script>alert(1)" not in page
    assert page_data(page)["label"][0] == x.label


def test_arrays_small_in_full_large_as_summary_histogram_heatmap():
    loss = tensor_model(batch=32)
    data = page_data(viz.explore(loss).html)
    graph = viz.trace(loss)
    for k, n in enumerate(graph.nodes):
        p = data["data"][k]
        if n.data.size == 1:
            assert p == pytest.approx(float(n.data))
        elif n.data.size <= SMALL:
            assert p["v"] == pytest.approx(n.data.reshape(-1).tolist())
        else:
            assert p["s"] == pytest.approx([n.data.min(), n.data.mean(), n.data.max()])
            assert sum(p["h"]) == n.data.size and p["hr"] == pytest.approx([n.data.min(), n.data.max()])
            assert ("m" in p) == (n.data.ndim >= 2)


def test_page_size_grows_linearly():
    small, big = (len(viz.explore(scalar_chain(n)).html) for n in (1000, 10000))
    fixed = len(viz.explore(Value(1.0) * 2).html)  # the script and style
    ratio = (big - fixed) / (small - fixed)
    assert 8 < ratio < 12, ratio


def test_notebook_display_is_a_sandboxed_iframe_holding_the_page():
    f, _ = sigmoid()
    ex = viz.explore(f)
    frame = ex._repr_html_()
    assert frame.startswith("<iframe") and 'sandbox="allow-scripts"' in frame
    srcdoc = re.search(r'srcdoc="(.*?)"', frame, re.S).group(1)
    assert html.unescape(srcdoc) == ex.html


def test_save_writes_the_page(tmp_path):
    f, _ = sigmoid()
    path = tmp_path / "graph.html"
    viz.explore(f).save(path)
    assert path.read_text(encoding="utf-8") == viz.explore(f).html


# ---- in the browser ----------------------------------------------------------------------------------

def require(module):
    """Import `module` (a test extra): skipped with the reason on a user's machine, a failure in CI."""
    import importlib

    from conftest import IN_CI

    try:
        return importlib.import_module(module)
    except ImportError:
        message = f"{module} is not installed (pip install -e '.[test]')"
        if IN_CI:
            pytest.fail(f"CI: {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    webdriver = require("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager look for drivers online
    profile = tempfile.mkdtemp(prefix="explorer-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    os.makedirs(ARTIFACTS, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, explorer, name):
    path = os.path.join(ARTIFACTS, f"{name}.html")
    explorer.save(path)
    driver.get("file://" + path)
    driver.execute_script("return 1")
    assert driver.execute_script("return document.body.dataset.ready") == "1", "the page's script did not finish"
    return path


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def screenshot(driver, name):
    path = os.path.join(ARTIFACTS, f"{name}.png")
    driver.execute_async_script("if (window.explorer) explorer.fit(); "
                                "requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    driver.save_screenshot(path)
    print(f"screenshot: {path}")
    return path


def click_node(driver, node_id):
    from selenium.webdriver.common.action_chains import ActionChains

    driver.execute_script("explorer.reveal(arguments[0]); explorer.select(-1)", node_id)
    x, y = driver.execute_script("return explorer.screenOf(arguments[0])", node_id)
    canvas = driver.find_element("id", "canvas")
    rect = canvas.rect
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(x - rect["x"] - rect["width"] / 2), int(y - rect["y"] - rect["height"] / 2)).click().perform()


@pytest.mark.needs("chromium", "chromedriver")
def test_scalar_graph_in_the_browser(browser):
    f, w = sigmoid()
    graph = viz.trace(f)
    open_page(browser, viz.explore(f), "sigmoid")
    assert console_errors(browser) == []
    # every node of the trace is in the page, and the search finds each label
    assert browser.execute_script("return explorer.ids()") == [n.id for n in graph.nodes]
    search = browser.find_element("id", "search")
    for n in graph.nodes:
        if n.label:
            search.clear()
            search.send_keys(n.label)
            assert n.label in browser.find_element("id", "results").text
    # clicking a node shows its data
    h4 = graph.node_of("h4")
    click_node(browser, h4.id)
    details = browser.find_element("id", "details").text
    assert "h4" in details and "exp" in details and f"{float(h4.data):.6g}" in details
    # clicking the leaf w highlights its path; the product equals w.grad
    click_node(browser, graph.node_of("w").id)
    chain = browser.execute_script("return explorer.chain()")
    assert chain["leaf"] == graph.node_of("w").id and chain["count"] == 1
    assert chain["total"] == pytest.approx(float(w.grad), rel=1e-12)
    assert chain["products"][0] == pytest.approx(float(w.grad), rel=1e-12)
    assert "✓ equal" in browser.find_element("id", "chain-text").text
    screenshot(browser, "sigmoid-chain")
    # the step control: back to the start, then one click per step to the end
    browser.find_element("id", "step-first").click()
    assert browser.execute_script("return explorer.gradOf(arguments[0])", graph.output) is None
    steps = browser.execute_script("return explorer.stepCount")
    for _ in range(steps):
        browser.find_element("id", "step-next").click()
        if browser.execute_script("return explorer.step()") == 3:
            text = browser.find_element("id", "step-text").text
            assert re.search(r"grad h4 = grad h5 · ∂h5/∂h4\s+= 1?[-−\d.e]+ · [-−\d.e]+\s+= [-−\d.e]+", text), text
            screenshot(browser, "sigmoid-step3")
    assert browser.execute_script("return explorer.step()") == steps
    for n, v in zip(graph.nodes, graph._values.values()):
        if v.requires_grad:
            assert browser.execute_script("return explorer.gradOf(arguments[0])", n.id) == pytest.approx(
                float(v.grad), rel=1e-12), n.name
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_every_path_and_their_sum(browser):
    f, w = diamond()
    graph = viz.trace(f)
    open_page(browser, viz.explore(f, highlight=w), "diamond")
    chain = browser.execute_script("return explorer.chain()")
    expected = viz.chain_rule(f, w)
    assert chain["count"] == expected.n_paths == 4  # a·b through a and b, and w·w twice
    assert sum(chain["products"]) == pytest.approx(float(w.grad), rel=1e-12)
    assert chain["total"] == pytest.approx(float(w.grad), rel=1e-12)
    assert {tuple(e) for e in chain["edges"]} == expected.edges
    assert graph.node_of("c").id not in {e[0] for e in chain["edges"]}
    screenshot(browser, "diamond")
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_tensor_model_heatmap_histogram_modules(browser):
    loss = tensor_model(batch=32)
    graph = viz.trace(loss)
    open_page(browser, viz.explore(loss), "tensor-model")
    assert console_errors(browser) == []
    weight = next(n for n in graph.nodes if n.role == "parameter" and n.data.ndim == 2 and n.data.size > 64)
    click_node(browser, weight.id)
    details = browser.find_element("id", "details")
    assert "min" in details.text and "mean" in details.text and "max" in details.text
    plots = details.find_elements("css selector", "canvas.plot")
    assert len(plots) == 4  # data and gradient: a heatmap and a histogram each
    screenshot(browser, "tensor-model")
    # hovering a tensor edge shows its rule (there is no single number) and the value's summary
    edge = next(e for e in graph.edges if e.src == weight.id)
    browser.execute_script("explorer.select(-1); explorer.fit()")
    point = browser.execute_script("return explorer.edgePoint(arguments[0], arguments[1])", edge.src, edge.dst)
    move_to(browser, *point)
    tip = browser.find_element("id", "tip").text
    assert f"rule: {edge.formula}" in tip and f"value {weight.name} = (16, 6)" in tip and "mean" in tip, tip
    # the step control ends with every gradient the stored one
    browser.find_element("id", "step-last").click()
    for n, v in zip(graph.nodes, graph._values.values()):
        if v.requires_grad and v.data.size == 1:
            assert browser.execute_script("return explorer.gradOf(arguments[0])", n.id) == pytest.approx(float(v.grad))
    # modules fold and unfold
    units = browser.execute_script("return explorer.visibleUnits()")
    browser.execute_script("explorer.setCollapsed(0, true)")
    folded = browser.execute_script("return explorer.visibleUnits()")
    assert folded < units
    screenshot(browser, "tensor-model-folded")
    browser.execute_script("explorer.setCollapsed(0, false)")
    assert browser.execute_script("return explorer.visibleUnits()") == units
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_big_model_opens_folded_and_unfolds_on_demand(browser):
    from autograd_core import nn

    model = nn.MLP(3, [32, 32, 1], rng=0, dtype=np.float64)
    out = model([Value(0.5), Value(-1.0), Value(2.0)])
    out.backward(retain_graph=True)
    graph = viz.trace(out)
    assert len(graph.nodes) > 2000
    open_page(browser, viz.explore(out, collapse_above=400), "mlp-folded")
    assert browser.execute_script("return explorer.visibleUnits()") <= 400
    first = graph.nodes[1].id
    browser.execute_script("explorer.reveal(arguments[0])", first)
    assert browser.execute_script("return explorer.ids().length") == len(graph.nodes)
    screenshot(browser, "mlp-folded")
    # the last step is an input, used by all 32 neurons of the first layer: six terms are written out
    text = browser.execute_script("return explorer.stepText(explorer.stepCount - 1)")
    assert text.count("… (26 more uses)") == 2 and len(text) < 600, text
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_the_notebook_iframe_runs_the_script(browser):
    f, _ = sigmoid()
    path = os.path.join(ARTIFACTS, "notebook-cell.html")
    with open(path, "w", encoding="utf-8") as out:
        out.write("<!DOCTYPE html><html><body><p>cell output:</p>" + viz.explore(f)._repr_html_() + "</body></html>")
    browser.get("file://" + path)
    browser.switch_to.frame(browser.find_element("tag name", "iframe"))
    try:
        assert browser.execute_script("return document.body.dataset.ready") == "1"
        assert browser.execute_script("return explorer.nodeCount") == len(viz.trace(f).nodes)
    finally:
        browser.switch_to.default_content()
    screenshot(browser, "notebook-cell")
    assert console_errors(browser) == []


def test_cli_writes_the_explorer(tmp_path, capsys):
    from autograd_core.viz.cli import main

    out = tmp_path / "graph.html"
    assert main(["export", "tanh(w*x)*w", "--set", "w=0.5", "--set", "x=2", "--backward", "--highlight", "w",
                 "-o", str(out)]) == 0
    data = page_data(out.read_text(encoding="utf-8"))
    assert data["label"][data["highlight"]] == "w"
    assert main(["export", "w*x", "--set", "w=0.5", "--set", "x=2", "-f", "html"]) == 0
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>")


@pytest.mark.needs("chromium", "chromedriver")
def test_modules_in_order_layers_left_to_right_neurons_top_down(browser):
    from autograd_core import nn

    model = nn.MLP(2, [3, 3, 1], rng=0, dtype=np.float64)
    out = model([Value(1.0, label="x[0]"), Value(-2.0, label="x[1]")])
    out.backward(retain_graph=True)
    graph = viz.trace(out)
    open_page(browser, viz.explore(out), "mlp-order")
    positions = {name: (x, y) for name, x, y in browser.execute_script("return explorer.positions()")}
    scopes = {s.id: s for s in graph.scopes}

    def where(node):
        s = scopes.get(node.scope)
        if s is None or s.kind != "Neuron":
            return None
        return int(scopes[s.parent].name.split(".")[-1]), int(s.name.split(".")[-1])

    computed = [n for n in graph.nodes if n.op not in ("", "getitem") and where(n) is not None]
    for a in computed:
        for b in computed:
            (la, na), (lb, nb) = where(a), where(b)
            if la < lb:
                assert positions[a.id][0] < positions[b.id][0]  # layer by layer, left to right
            if la == lb and na < nb:
                assert positions[a.id][1] < positions[b.id][1]  # neuron 0 above neuron 1
    screenshot(browser, "mlp-order")  # fitted: zoomed out
    assert browser.execute_script("return explorer.zoom()") < 0.45
    assert browser.execute_script("return explorer.namesDrawn()") == len(positions)  # still every node's name
    texts = browser.execute_script("return Array.from({length: explorer.stepCount}, (_, i) => explorer.stepText(i))")
    numbers = [line for t in texts for line in t.splitlines() if line.strip().startswith("= ")]
    assert not any("· −" in line or "+ −" in line for line in numbers)  # a · (−b), never a · −b
    assert any("(−" in line for line in numbers)
    assert console_errors(browser) == []


def move_to(driver, x, y):
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = driver.find_element("id", "canvas")
    rect = canvas.rect
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(x - rect["x"] - rect["width"] / 2), int(y - rect["y"] - rect["height"] / 2)).perform()


@pytest.mark.needs("chromium", "chromedriver")
def test_hovering_an_edge_shows_its_local_derivative_and_play_replays_the_pass(browser):
    import time

    f, w = sigmoid()
    graph = viz.trace(f)
    open_page(browser, viz.explore(f), "sigmoid-hover")
    h3, h4 = graph.node_of("h3"), graph.node_of("h4")
    edge = next(e for e in graph.edges if e.src == h3.id and e.dst == h4.id)
    browser.execute_script("explorer.fit()")
    move_to(browser, *browser.execute_script("return explorer.edgePoint(arguments[0], arguments[1])", h3.id, h4.id))
    tip = browser.find_element("id", "tip")
    assert tip.is_displayed()
    assert f"∂h4/∂h3 = {edge.derivative:.6g}" in tip.text and "rule" in tip.text and "value h3" in tip.text
    screenshot_path = os.path.join(ARTIFACTS, "sigmoid-hover.png")
    browser.save_screenshot(screenshot_path)  # without re-fitting: the tooltip stays where the mouse is
    # play: from the first step to the last on its own. The page steps every 700 ms; its timer runs 20 times faster
    # here (play is driven by the same setInterval, which is all this checks: waiting 0.7 s a step proves nothing)
    browser.execute_script("const every = window.setInterval;"
                           "window.setInterval = (fn, ms, ...args) => every(fn, ms / 20, ...args)")
    browser.find_element("id", "step-first").click()
    browser.find_element("id", "step-play").click()
    steps = browser.execute_script("return explorer.stepCount")
    deadline = time.time() + steps * 0.7 + 10
    while browser.execute_script("return explorer.step()") < steps and time.time() < deadline:
        time.sleep(0.02)
    assert browser.execute_script("return explorer.step()") == steps
    assert browser.execute_script("return explorer.gradOf(arguments[0])", w_id := graph.node_of("w").id) == \
        pytest.approx(float(w.grad), rel=1e-12), w_id
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_freed_derivatives_are_explained_not_miscalled(browser):
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    f = (w * x).tanh() * w
    f.label = "f"
    f.backward()  # no retain_graph: the saved values may be freed
    graph = viz.trace(f)
    open_page(browser, viz.explore(f, highlight=w), "freed")
    text = browser.find_element("id", "chain-text").text
    chain = browser.execute_script("return explorer.chain()")
    if chain["total"] is None:
        assert "retain_graph=True" in text
    else:
        assert chain["total"] == pytest.approx(float(w.grad))
    browser.find_element("id", "step-last").click()
    assert browser.execute_script("return explorer.gradOf(arguments[0])", graph.node_of("w").id) == \
        pytest.approx(float(w.grad))
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_odd_graphs_open_without_errors(browser):
    odd = {
        "collapsed": viz.collapse(viz.trace(scalar_chain(300)), 12),
        "non-finite": Value(np.array([1.0, np.nan, np.inf, -np.inf] * 5), label="weird") * 2,
        "empty": Value(np.zeros((0, 3)), label="empty") * 2,
        "integers": Value(np.arange(100).reshape(10, 10), requires_grad=False) + Value(np.ones((10, 10))),
    }
    for name, root in odd.items():
        open_page(browser, viz.explore(root), f"odd-{name}")
        for k in range(browser.execute_script("return explorer.nodeCount")):
            browser.execute_script("explorer.select(arguments[0])", k)
        assert console_errors(browser) == [], name


@pytest.mark.needs("chromium")
def test_the_readme_screenshot_is_what_its_command_makes(tmp_path, monkeypatch):
    """README shows docs/img/explorer.png and the two commands that made it: run them and compare (a changed
    page needs a new screenshot: run the README's commands from the repository root)."""
    import shlex
    import subprocess

    from autograd_core.viz.cli import main

    image = require("PIL.Image")
    from PIL import ImageChops, ImageStat

    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    block = readme.split("This screenshot was made with", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    make_page, take_shot = (shlex.split(line) for line in block.strip().splitlines())
    assert make_page[0] == "autograd-graph" and take_shot[0] == "chromium"
    assert "--screenshot=docs/img/explorer.png" in take_shot and "![" in readme.split(block, 1)[1][:400]
    monkeypatch.chdir(tmp_path)
    assert main(make_page[1:]) == 0
    shot = tmp_path / "explorer.png"
    argv = [shutil.which("chromium") or shutil.which("chromium-browser")]
    argv += [a if not a.startswith("--screenshot=") else f"--screenshot={shot}" for a in take_shot[1:]]
    argv.insert(1, f"--user-data-dir={tmp_path / 'profile'}")  # the README's flags, no others: they move the page
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    subprocess.run(argv, cwd=tmp_path, capture_output=True, timeout=120, check=True)
    made = image.open(shot).convert("L")
    kept = image.open(os.path.join(ROOT, "docs", "img", "explorer.png")).convert("L")
    assert made.size == kept.size
    # compared at a quarter of the size: another machine's fonts blur the same, a changed page does not (the
    # screenshot of the previous page differs by 6.6 of 255, the same page moved down 28 px by 4.5)
    made, kept = (im.resize((im.size[0] // 4, im.size[1] // 4), image.BOX) for im in (made, kept))
    difference = ImageStat.Stat(ImageChops.difference(made, kept)).mean[0]
    assert difference < 3.0, f"docs/img/explorer.png is out of date (mean difference {difference:.2f} of 255)"


@pytest.mark.needs("chromium", "chromedriver")
def test_inputs_without_gradient_do_not_make_a_staircase(browser):
    """Notebook 03's network on inputs that need no gradient: the neurons of a layer start in the same column
    (each was pulled one column after the one before when such inputs counted as parameters)."""
    from autograd_core import nn

    net = nn.Sequential(*[nn.Layer(2, 2, activation="sigmoid", rng=k, dtype=np.float64) for k in range(3)])
    y1, _ = net([Value(1.0, label="x1", requires_grad=False), Value(-1.0, label="x2", requires_grad=False)])
    y1.label = "y1"
    y1.backward(retain_graph=True)
    graph = viz.trace(y1)
    open_page(browser, viz.explore(y1), "lecture-network")
    x = {name: px for name, px, _ in browser.execute_script("return explorer.positions()")}
    scopes = {s.id: s for s in graph.scopes}
    for layer in (s for s in graph.scopes if s.kind == "Layer"):
        starts = {min(x[n.id] for n in graph.nodes if n.scope == s.id and n.op == "*")
                  for s in graph.scopes if s.parent == layer.id}
        assert len(starts) == 1, (layer.name, starts)
    column = {}  # layer -> the x of its sigmoids: one column per layer, left to right
    for n in graph.nodes:
        if n.op == "sigmoid":
            column.setdefault(int(scopes[scopes[n.scope].parent].name), set()).add(x[n.id])
    assert all(len(xs) == 1 for xs in column.values()) and min(column[0]) < min(column[1]) < min(column[2])
    screenshot(browser, "lecture-network")
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_pan_zoom_slider_and_module_folding_by_hand(browser):
    """What a user does with the mouse and keyboard: drag to pan, wheel and buttons to zoom, the slider to
    step, the module list and a double-click to fold and unfold a layer, collapse all / expand all."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.keys import Keys

    from autograd_core import nn

    model = nn.MLP(2, [3, 3, 1], rng=0, dtype=np.float64)
    out = model([Value(1.0, label="x[0]"), Value(-2.0, label="x[1]")])
    out.backward(retain_graph=True)
    graph = viz.trace(out)
    open_page(browser, viz.explore(out), "by-hand")
    canvas = browser.find_element("id", "canvas")
    view = lambda: browser.execute_script("return explorer.view()")  # noqa: E731
    scale, tx, ty = view()
    ActionChains(browser).move_to_element_with_offset(canvas, 0, 200).click_and_hold() \
        .move_by_offset(120, -60).release().perform()
    assert view() == [scale, pytest.approx(tx + 120, abs=2), pytest.approx(ty - 60, abs=2)]  # dragged
    ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(canvas), 0, -300).perform()
    assert view()[0] > scale * 1.2  # the wheel zooms in
    zoomed = view()[0]
    browser.find_element("id", "zoom-out").click()
    assert view()[0] == pytest.approx(zoomed / 1.3)
    browser.find_element("id", "zoom-fit").click()
    assert view()[0] == pytest.approx(scale)
    # the slider: Home goes back to the start of the backward pass, each arrow one step on
    slider = browser.find_element("id", "step-slider")
    slider.send_keys(Keys.HOME)
    assert browser.execute_script("return explorer.step()") == 0
    slider.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert browser.execute_script("return explorer.step()") == 2
    assert "step 2:" in browser.find_element("id", "step-text").text
    # fold the first layer from the module list, unfold it by double-clicking its box
    units = browser.execute_script("return explorer.visibleUnits()")
    row = next(r for r in browser.find_elements("css selector", "#modules [data-s]") if "Layer layers.0" in r.text)
    row.click()
    folded = browser.execute_script("return explorer.visibleUnits()")
    assert folded < units and "⊞ Layer layers.0" in browser.find_element("id", "modules").text
    screenshot(browser, "by-hand-folded")
    parent = {s.id: s.parent for s in graph.scopes}
    layer0 = next(s.id for s in graph.scopes if s.name == "layers.0")
    inside = next(n.id for n in graph.nodes if parent.get(n.scope) == layer0)  # a node of a neuron of layer 0
    browser.execute_script("explorer.fit()")
    x, y = browser.execute_script("return explorer.screenOf(arguments[0])", inside)
    rect = canvas.rect
    dx, dy = int(x - rect["x"] - rect["width"] / 2), int(y - rect["y"] - rect["height"] / 2)
    ActionChains(browser).move_to_element_with_offset(canvas, dx, dy).double_click().perform()
    assert browser.execute_script("return explorer.visibleUnits()") == units
    browser.find_element("id", "collapse-all").click()
    assert browser.execute_script("return explorer.visibleUnits()") < folded
    browser.find_element("id", "expand-all").click()
    assert browser.execute_script("return explorer.visibleUnits()") == units
    assert console_errors(browser) == []


@pytest.mark.parametrize("size", [SMALL + 5, 5000])  # summarised with others of its shape, and alone
def test_values_a_few_ulps_apart_get_a_histogram(size):
    """np.histogram refuses a range too narrow for its bins (values differing in their last bits): the page
    still gets a histogram holding every value, the same rule for arrays summarised together and alone."""
    from autograd_core.viz.explore import encode_array, encode_arrays

    x = np.ones(size)
    x[::2] = np.nextafter(1.0, 2.0)
    for entry in (encode_array(x), encode_arrays([x, x.copy()])[0]):
        assert sum(entry["h"]) == size and entry["hr"] == [1.0, float(np.nextafter(1.0, 2.0))]


# ---- the explorer shows what the Graphviz picture shows ------------------------------------------------

def operands():
    """Non-commutative operations with a number on either side, and two differences of Values."""
    a, b = Value(3.0, label="a"), Value(5.0, label="b")
    q = (a - b) / (b - a) + 2 / a + a ** 2 + (a * 1.5 - 1)
    q.label = "q"
    q.backward(retain_graph=True)
    return q


def dot_op_labels(root):
    """{node id: its operation's label} in the Graphviz picture."""
    return dict(re.findall(r'\t(n\d+)_op \[label="([^"]*)"', viz.draw(root).source))


def test_the_page_writes_each_operation_as_the_picture_does():
    for root in (operands(), sigmoid()[0]):
        data = page_data(viz.explore(root).html)
        written = {data["ids"][k]: data["ops"][w if w >= 0 else o]
                   for k, (o, w) in enumerate(zip(data["op"], data["written"])) if o >= 0}
        assert written == dot_op_labels(root)
    data = page_data(viz.explore(operands()).html)
    assert {data["ops"][w] for w in data["written"] if w >= 0} == {"a - b", "b - a", "n2 / n3", "2 / a", "a ** 2",
                                                                   "n11 - 1"}
    # the numbers written in place: the 2 of '2 / a' and 'a ** 2' (one shared constant), the 1 of 'n13 - 1'
    in_place = {(data["ids"][data["src"][e]], data["ids"][data["dst"][e]]) for e in data["inPlace"]}
    assert sorted(data["ops"][data["written"][data["ids"].index(d)]] for _, d in in_place) == \
        ["2 / a", "a ** 2", "n11 - 1"]
    assert all(data["role"][data["ids"].index(s)] == data["roles"].index("constant") for s, _ in in_place)


@pytest.mark.needs("chromium", "chromedriver")
def test_operands_in_place_in_the_browser(browser):
    q = operands()
    graph = viz.trace(q)
    open_page(browser, viz.explore(q), "operands")
    assert console_errors(browser) == []
    dot = dot_op_labels(q)
    for node_id, text in dot.items():
        assert browser.execute_script("return explorer.opText(arguments[0])", node_id) == text
    # a number every use writes in place has no box; one that '*' uses as well (the 1.5) keeps its box
    units = {name for name, _, _ in browser.execute_script("return explorer.positions()")}
    constants = {n.id: float(n.data) for n in graph.nodes if n.role == "constant"}
    assert {constants[i] for i in constants if i in units} == {1.5}
    drawn = browser.execute_script("return explorer.edgesDrawn()")
    assert not any(src in constants and constants[src] != 1.5 for src, _ in drawn)
    assert len(drawn) == len(graph.edges) - 3  # the 2 of '2 / a' and of 'a ** 2', the 1 of '… - 1'
    # the panel and the edge tooltip write the operation as the picture does, with its symbol beside it
    div = next(n for n in graph.nodes if dot.get(n.id) == "2 / a")
    browser.execute_script("explorer.select(arguments[0])", div.id)
    assert "op 2 / a (/)" in browser.find_element("id", "details").text
    screenshot(browser, "operands")
    # (the edges of q cross near a: the tooltip is read on a graph of one operation)
    a = Value(4.0, label="a")
    f = 2 / a
    f.label = "f"
    f.backward(retain_graph=True)
    open_page(browser, viz.explore(f), "operand-tip")
    units = [name for name, _, _ in browser.execute_script("return explorer.positions()")]
    assert units == ["n1", "n2"]  # a and f: n0, the 2, has no box
    point = browser.execute_script("return explorer.edgePoint('n1', 'n2')")
    move_to(browser, *point)
    tip = browser.find_element("id", "tip").text
    assert "a → f (argument 1 of 2 / a)" in tip and "rule: −g⊙out/a" in tip, tip  # the rule names a, not 'y'
    assert "∂f/∂a = −0.125" in tip, tip
    browser.save_screenshot(os.path.join(ARTIFACTS, "operand-tip.png"))  # not fitted again: the tooltip stays
    # found by its id, the 2 is shown where it is drawn: inside its operation's box, centred
    browser.execute_script("explorer.fit(); explorer.reveal('n0')")
    x, y = browser.execute_script("return explorer.screenOf('n2')")
    rect = browser.find_element("id", "canvas").rect
    assert abs(x - rect["x"] - rect["width"] / 2) < 2 and abs(y - rect["y"] - rect["height"] / 2) < 2
    assert "2" in browser.find_element("id", "details").text
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_parameters_shared_by_folded_calls_fold_into_groups(browser):
    from test_viz_readability import demo_loss

    model, loss = demo_loss()
    graph = viz.trace(loss)
    params = [n for n in graph.nodes if n.role == "parameter"]
    assert len(params) == 41 and all(n.scope is None for n in params)  # shared by the four calls of the MLP
    data = page_data(viz.explore(loss).html)
    groups = [s for s in data["scopes"] if len(s) > 3]
    assert [s[:2] for s in groups if s[2] < 0] == [["MLP", "MLP"]]
    assert sorted(s[0] for s in groups if data["scopes"][s[2]][:2] == ["MLP", "MLP"] and s[2] >= 0) == \
        ["layers.0", "layers.1", "layers.2"]
    open_page(browser, viz.explore(loss), "demo-loss-groups")
    browser.find_element("id", "collapse-all").click()
    units = [name for name, _, _ in browser.execute_script("return explorer.positions()")]
    assert units.count("module:MLP") == 4 and units.count("module:MLP: parameters") == 1
    assert not any(name in {p.id for p in params} for name in units)  # no weight is a loose box
    assert "MLP: parameters 41" in browser.find_element("id", "modules").text
    screenshot(browser, "demo-loss-groups")
    # unfolding the group shows one box per layer, as a collapsed picture has
    top = next(k for k, s in enumerate(data["scopes"]) if len(s) > 3 and s[2] < 0)
    browser.execute_script("explorer.setCollapsed(arguments[0], false)", top)
    units = [name for name, _, _ in browser.execute_script("return explorer.positions()")]
    assert sorted(u for u in units if u.endswith(": parameters")) == [
        f"module:Layer layers.{i}: parameters" for i in range(3)]
    picture = viz.draw(loss, max_nodes=60).source
    assert all(f"Layer layers.{i}: parameters" in picture for i in range(3))
    screenshot(browser, "demo-loss-groups-open")
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_a_collapsed_graphs_summary_boxes_say_what_the_pictures_boxes_say(browser):
    from test_viz_readability import demo_loss

    model, loss = demo_loss()
    folded = viz.collapse(viz.trace(loss), 60)
    boxes = [n for n in folded.nodes if n.role == "collapsed"]
    params = next(n for n in boxes if n.label == "Layer layers.0: parameters")
    picture = viz.draw(folded).source
    line = re.search(rf'\t{params.id} \[label="([^"]*)"', picture).group(1).split("\\n")
    assert line[:2] == ["Layer layers.0: parameters", "16 nodes hidden"] and line[2].startswith("data ")
    data = page_data(viz.explore(folded).html)
    assert {data["ids"][k]: [data["label"][k], *lines] for k, lines, _ in data["summaries"]} == \
        {n.id: re.search(rf'\t{n.id} \[label="([^"]*)"', picture).group(1).split("\\n") for n in boxes}
    # a summary has no gradient and no backward step of its own (it stands for many nodes)
    assert not any(data["rg"][k] for k, _, _ in data["summaries"])
    assert not set(data["order"]) & {k for k, _, _ in data["summaries"]}
    open_page(browser, viz.explore(folded), "collapsed-summaries")
    browser.execute_script("explorer.select(arguments[0])", params.id)
    details = browser.find_element("id", "details").text
    assert "16 nodes hidden" in details and line[2] in details and "w[0,0] = " in details, details
    assert "none yet" not in details and "dtype" not in details
    texts = browser.execute_script("return Array.from({length: explorer.stepCount}, (_, i) => explorer.stepText(i))")
    assert not any("MLP" in t or "parameters" in t for t in texts)
    screenshot(browser, "collapsed-summaries")
    assert console_errors(browser) == []
