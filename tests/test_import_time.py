"""What `import autograd_core` (and `import autograd_core.nn`, the `autograd-graph` CLI) loads, not how long it
takes: the heavy, rarely used modules load on first use (PEP 562 `__getattr__` in the package `__init__` files),
every public name still resolves to the object its defining module holds and is listed by `dir()`, and the op
registry `ops.PRIMITIVES` is complete once a package is imported, although its lazy modules are not. Each check
runs in a fresh interpreter (this process has imported everything already). The measured times are in
BENCHMARKS.md."""

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Modules that `import autograd_core` must not load: the sibling packages, the heavy parts of the core, and every
# optional dependency (torch is only a test oracle, graphviz is for viz, mpi4py for distributed).
NOT_LOADED_BY_THE_CORE = (
    "autograd_core.nn", "autograd_core.optim", "autograd_core.viz", "autograd_core.distributions",
    "autograd_core.jit", "autograd_core.jit_plan", "autograd_core.functional", "autograd_core.forward",
    "autograd_core.autograd", "autograd_core.autograd.forward_ad", "autograd_core.func", "autograd_core.utils",
    "autograd_core.utils.data", "autograd_core.distributed", "autograd_core.serialization", "autograd_core.special",
    "autograd_core.anomaly", "autograd_core.amp",
    "torch", "graphviz", "mpi4py", "IPython", "matplotlib", "scipy",
)
# Public names of the package that load on first use, and where each is defined ("module:name").
LAZY_NAMES = {
    **{name: f"functional:{name}" for name in ("grad", "hessian", "jacobian", "jvp", "value_and_grad", "vjp", "vmap",
                                                "jacfwd", "jacrev")},
    "AnomalyError": "anomaly:AnomalyError", "detect_anomaly": "anomaly:detect_anomaly",
    "compile": "jit:compile", "CompileWarning": "jit:CompileWarning", "autocast": "amp:autocast",
    "load": "serialization:load", "save": "serialization:save",
    "hardshrink": "nn.functional:hardshrink", "prelu": "nn.functional:prelu",  # nn.functional's, on first use
}
LAZY_SUBMODULES = ("nn", "optim", "viz", "distributions", "autograd", "func", "utils", "special", "distributed",
                   "testing", "anomaly", "element", "forward", "functional", "jit", "jit_plan", "serialization",
                   "tracing", "trees", "amp", "random")
# The same for autograd_core.nn: what nn.functional does not need (recurrent and transformer layers, lazy modules,
# the micrograd MLP, nn.utils, nn.parallel, data loading).
NOT_LOADED_BY_NN = (
    "autograd_core.nn.rnn", "autograd_core.nn.transformer", "autograd_core.nn.lazy", "autograd_core.nn.mlp",
    "autograd_core.nn.utils", "autograd_core.nn.parallel", "autograd_core.nn.data",
    "autograd_core.nn.parameter_containers", "autograd_core.utils.data", "autograd_core.optim", "autograd_core.viz",
    "torch", "graphviz", "mpi4py",
)
NN_LAZY_NAMES = {
    **{name: "data" for name in ("DataLoader", "load_digits", "make_moons")},
    **{name: "mlp" for name in ("MLP", "Layer", "Neuron")},
    **{name: "parameter_containers" for name in ("ParameterDict", "ParameterList")},
    **{name: "rnn" for name in ("GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell", "RNNBase", "RNNCellBase")},
    **{name: "transformer" for name in ("Transformer", "TransformerDecoder", "TransformerDecoderLayer",
                                         "TransformerEncoder", "TransformerEncoderLayer")},
    **{name: "lazy" for name in ("LazyLinear", "LazyConv2d", "LazyBatchNorm1d", "LazyModuleMixin",
                                  "UninitializedParameter", "UninitializedBuffer")},
}
NN_LAZY_SUBMODULES = ("utils", "parallel", "data", "mlp", "parameter_containers", "rnn", "transformer", "lazy")
# autograd_core.optim: the rarely used optimizers, swa_utils (which imports nn).
NOT_LOADED_BY_OPTIM = ("autograd_core.optim.lbfgs", "autograd_core.optim.adafactor", "autograd_core.optim.muon",
                       "autograd_core.optim.swa_utils", "autograd_core.nn", "autograd_core.viz", "torch")
OPTIM_LAZY_NAMES = {"LBFGS": "lbfgs", "Adafactor": "adafactor", "Muon": "muon"}
OPTIM_LAZY_SUBMODULES = ("swa_utils", "lbfgs", "adafactor", "muon")
# autograd_core.autograd: Function and grad do not need the transforms that forward_ad and functional build on.
NOT_LOADED_BY_AUTOGRAD = ("autograd_core.autograd.forward_ad", "autograd_core.autograd.functional",
                          "autograd_core.functional", "autograd_core.forward", "autograd_core.nn", "torch")


def _run(code, *args):
    """Run `code` in a fresh interpreter (the repository as working directory) and return what it printed as JSON."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _loaded_after(code, modules):
    """Which of `modules` are loaded after running `code` in a fresh interpreter."""
    report = "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    return set(_run(textwrap.dedent(code) + report)) & set(modules)


def test_importing_the_core_leaves_the_heavy_modules_unloaded():
    assert _loaded_after("import autograd_core", NOT_LOADED_BY_THE_CORE) == set()


def test_using_values_leaves_them_unloaded():
    # A micrograd-style script: build a graph, backward, tensor functions and methods; none of these needs them.
    assert _loaded_after("""
        import autograd_core as ag
        x = ag.randn(3, 3, requires_grad=True)
        (ag.tanh(x) * x.exp().lgamma() + ag.linalg.det(x)).sum().backward()
        x.svd(), x.cumsum(0), x.erf(), x.xlogy(x), ag.einsum("ij,jk->ik", x, x)
        x.asinh(), x.dist(x), x.matrix_power(2), x.slogdet(), x.sum_to_size(3), ag.gradient(x), ag.rsub(x, 1)
    """, NOT_LOADED_BY_THE_CORE) == set()


def test_the_check_sees_an_eager_import():
    # The first test can fail: a module that loads with the package is reported.
    assert _loaded_after("import autograd_core, autograd_core.jit", NOT_LOADED_BY_THE_CORE) == {
        "autograd_core.jit", "autograd_core.jit_plan"}


def test_lazy_names_are_listed_but_not_loaded_until_used():
    out = _run("""
        import json, autograd_core as ag
        print(json.dumps({"dir": dir(ag), "all": ag.__all__, "loaded": list(vars(ag))}))
    """)
    lazy = set(LAZY_NAMES) | set(LAZY_SUBMODULES)
    assert lazy <= set(out["dir"])
    assert set(out["all"]) <= set(out["dir"])
    assert not lazy & set(out["loaded"])  # each is loaded on first use, not before


def test_each_lazy_name_is_the_object_of_its_defining_module():
    out = _run("""
        import importlib, json, sys
        import autograd_core
        table = json.loads(sys.argv[1])
        same = {}
        for name, where in table.items():
            module, attribute = where.split(":")
            value = getattr(autograd_core, name)
            same[name] = value is getattr(importlib.import_module(f"autograd_core.{module}"), attribute)
            same[name] &= name in vars(autograd_core)  # kept in the namespace: resolved once
        for name in json.loads(sys.argv[2]):
            same[name] = getattr(autograd_core, name) is importlib.import_module(f"autograd_core.{name}")
        from autograd_core import compile, grad, jit, utils  # noqa  (the from-import spelling)
        import autograd_core.distributions
        same["from-import"] = grad is autograd_core.functional.grad and compile is jit.compile
        same["utils.data"] = utils.data is sys.modules["autograd_core.utils.data"]
        same["every name of __all__"] = all(hasattr(autograd_core, name) for name in autograd_core.__all__)
        import autograd_core.gradcheck  # the submodule of the same name as the function
        same["gradcheck is the function"] = autograd_core.gradcheck is sys.modules["autograd_core.gradcheck"].gradcheck
        print(json.dumps(same))
    """, json.dumps(LAZY_NAMES), json.dumps(LAZY_SUBMODULES))
    assert {name for name, ok in out.items() if not ok} == set()
    assert len(out) == len(LAZY_NAMES) + len(LAZY_SUBMODULES) + 4


def test_an_unknown_name_is_still_an_attribute_error():
    out = _run("""
        import json, autograd_core, autograd_core.nn, autograd_core.optim
        errors = []
        for module in (autograd_core, autograd_core.nn, autograd_core.optim):
            try:
                module.no_such_name
            except AttributeError as error:
                errors.append(str(error))
        print(json.dumps(errors))
    """)
    assert out == ["module 'autograd_core' has no attribute 'no_such_name'",
                   "module 'autograd_core.nn' has no attribute 'no_such_name'",
                   "module 'autograd_core.optim' has no attribute 'no_such_name'"]


@pytest.mark.parametrize("package, not_loaded", [("nn", NOT_LOADED_BY_NN), ("optim", NOT_LOADED_BY_OPTIM),
                                                  ("autograd", NOT_LOADED_BY_AUTOGRAD)])
def test_importing_a_subpackage_leaves_its_heavy_modules_unloaded(package, not_loaded):
    assert _loaded_after(f"import autograd_core.{package}", not_loaded) == set()


@pytest.mark.parametrize("package, names, submodules, spelled", [
    ("nn", NN_LAZY_NAMES, NN_LAZY_SUBMODULES, "from autograd_core.nn import LSTM; assert LSTM is sub.rnn.LSTM"),
    ("optim", OPTIM_LAZY_NAMES, OPTIM_LAZY_SUBMODULES,
     "from autograd_core.optim import LBFGS; assert LBFGS is sub.lbfgs.LBFGS"),
    ("autograd", {}, ("forward_ad", "functional"),
     "from autograd_core.autograd import functional; assert functional.jacobian is sub.functional.jacobian"),
])
def test_each_lazy_name_of_a_subpackage_is_the_object_of_its_defining_module(package, names, submodules, spelled):
    out = _run("""
        import importlib, json, sys
        sub = importlib.import_module(f"autograd_core.{sys.argv[1]}")
        table, submodules = json.loads(sys.argv[2]), json.loads(sys.argv[3])
        listed = set(dir(sub))
        same = {name: name in listed and getattr(sub, name) is
                getattr(importlib.import_module(f"{sub.__name__}.{module}"), name) for name, module in table.items()}
        same.update({name: name in listed and getattr(sub, name) is importlib.import_module(f"{sub.__name__}.{name}")
                     for name in submodules})
        exec(sys.argv[4])  # the from-import spelling
        same["every name of __all__"] = all(hasattr(sub, name) for name in sub.__all__) and set(sub.__all__) <= listed
        print(json.dumps(same))
    """, package, json.dumps(names), json.dumps(submodules), spelled)
    assert {name for name, ok in out.items() if not ok} == set()
    assert len(out) == len(names) + len(submodules) + 1


# The registry: once a package is imported, importing all of its modules (the lazy ones too) adds no primitive of
# that package. Who enumerates PRIMITIVES (the op table's coverage test, forward mode's and compile's tests) sees
# every one after `import autograd_core` (or `import autograd_core.nn`, `import autograd_core.distributions`).
_REGISTRY = """
    import importlib, json, pkgutil, sys
    import {package}
    from autograd_core.ops import PRIMITIVES
    before = set(PRIMITIVES)
    for root in ("autograd_core", "autograd_core.nn", "autograd_core.optim", "autograd_core.viz"):
        path = importlib.import_module(root).__path__
        for module in pkgutil.walk_packages(path, root + "."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)
    added = {{name: p.module for name, p in PRIMITIVES.items() if name not in before}}
    print(json.dumps({{"before": len(before), "added": added}}))
"""


def _owner(module):
    """The package whose import must register a primitive defined in `module`."""
    for package in ("autograd_core.nn", "autograd_core.distributions"):
        if module.startswith(package + "."):
            return package
    return "autograd_core"


@pytest.mark.parametrize("package", ["autograd_core", "autograd_core.nn", "autograd_core.distributions"])
def test_the_registry_is_complete_once_a_package_is_imported(package):
    out = _run(_REGISTRY.format(package=package))
    assert out["before"] > 90
    missing = {name: module for name, module in out["added"].items() if _owner(module) == package}
    assert missing == {}
    if package == "autograd_core":  # nn's and distributions' primitives load with them, not with the core
        assert {_owner(module) for module in out["added"].values()} == {"autograd_core.nn",
                                                                          "autograd_core.distributions"}


@pytest.mark.slow
def test_every_module_can_be_imported_first():
    # Lazy loading changes the order in which modules are first imported; a cycle that works in one order only
    # (functional <-> forward, linalg <-> linalg_solvers) breaks when the second module comes first. Any module's
    # import runs its packages' __init__ first, so each module is imported right after its package, with every
    # module that is not eagerly loaded by that package forgotten (an interpreter per module would be slow).
    out = _run("""
        import importlib, json, pkgutil, sys

        def forget_all_but(kept, primitives):
            PRIMITIVES.clear()
            PRIMITIVES.update(primitives)  # the forgotten modules' primitives register again when they load
            for name in [m for m in sys.modules if m.startswith("autograd_core") and m not in kept]:
                module = sys.modules.pop(name)
                parent, _, attribute = name.rpartition(".")
                if parent in sys.modules and getattr(sys.modules[parent], attribute, None) is module:
                    delattr(sys.modules[parent], attribute)  # else `from . import x` would find the old module

        import autograd_core
        from autograd_core.ops import PRIMITIVES
        core, core_primitives = set(sys.modules), dict(PRIMITIVES)
        failing, count = {}, 0
        for root in ("autograd_core", "autograd_core.nn", "autograd_core.optim", "autograd_core.viz",
                     "autograd_core.distributions"):
            forget_all_but(core, core_primitives)
            package = importlib.import_module(root)
            eager, primitives = set(sys.modules), dict(PRIMITIVES)
            for module in pkgutil.walk_packages(package.__path__, root + "."):
                if module.name.endswith("__main__") or module.name in eager:
                    continue
                if root == "autograd_core" and module.name.split(".")[1] in ("nn", "optim", "viz", "distributions"):
                    continue  # with its own package
                forget_all_but(eager, primitives)
                count += 1
                try:
                    importlib.import_module(module.name)
                except Exception as error:
                    failing[module.name] = repr(error)
        print(json.dumps({"count": count, "failing": failing}))
    """)
    assert out["count"] > 40
    assert out["failing"] == {}


def test_the_cli_loads_no_nn_or_optim_until_needed():
    loaded = _loaded_after("""
        from autograd_core.viz import cli
        try:
            cli.main(["--help"])
        except SystemExit:
            pass
    """, ("autograd_core.nn", "autograd_core.optim", "autograd_core.distributions", "autograd_core.jit", "torch"))
    assert loaded == set()
