"""The package boundaries: the core (autograd_core/*.py, autograd_core/ops/) imports nothing from nn, optim or
viz, and they read Values only through the public inspection API. Jupyter display is registered by viz.
autograd_core/vision/ (torchvision's datasets and transforms) is a layer above nn, as torchvision is above torch: it
may import nn, nothing imports it from the core, and it imports neither optim nor viz."""

import ast
import functools
import operator
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
CORE = ROOT / "autograd_core"
SIBLINGS = ("nn", "optim", "viz")
VISION = CORE / "vision"  # inside the autograd_core folder, but above nn
# A Value's private slots read from outside (`self._params` of an optimizer or `self._index()` of a container is
# that object's own attribute, not a Value's).
PRIVATE_SLOTS = re.compile(r"(?<!\bself)\._(op|params|scope|index|parents|pending|hooks|origin)\b")


def _run(code):
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_core_loads_no_sibling_package():
    out = _run("""
        import sys
        import autograd_core
        from autograd_core import Value, engine, functional, gradcheck, anomaly, modes, ops
        x = Value([1.0, 2.0]); (x * x).tanh().sum().backward()
        loaded = sorted(m for m in sys.modules if m.startswith(('autograd_core.nn', 'autograd_core.optim',
                                                                'autograd_core.viz', 'autograd_core.vision')))
        print(loaded)
    """)
    assert out.strip() == "[]"


def _imported_modules(tree, package):
    """Absolute names of what a module's import statements import (relative imports resolved in `package`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def _is_sibling(name, siblings=SIBLINGS + ("vision",)):
    parts = name.split(".")
    return parts[0] in siblings or (parts[0] == "autograd_core" and len(parts) > 1 and parts[1] in siblings)


def _offenders(files, is_offender):
    found = []
    for path in files:
        rel = path.relative_to(ROOT).with_suffix("")
        package = ".".join(rel.parts[:-1])  # the package a relative import starts from
        tree = ast.parse(path.read_text(), str(path))
        found += [f"{rel}: {name}" for name in _imported_modules(tree, package) if is_offender(name)]
    return found


def test_no_core_module_imports_nn_optim_viz_or_vision():
    files = sorted(p for p in CORE.rglob("*.py") if VISION not in p.parents)
    assert len(files) > 10
    assert not _offenders(files, _is_sibling)


def test_vision_imports_nn_but_not_optim_or_viz():
    files = sorted(VISION.rglob("*.py"))
    assert len(files) > 5
    assert _offenders(files, lambda name: _is_sibling(name, ("nn",)))  # it does use nn (the scan sees it)
    assert not _offenders(files, lambda name: _is_sibling(name, ("optim", "viz")))


def test_the_ast_scan_sees_imports_of_siblings(tmp_path):
    # The scan itself can fail: each of these spellings is caught.
    for code in ("from autograd_core.viz.jupyter import x", "from ..viz import draw", "import autograd_core.nn",
                 "from autograd_core import optim", "from .nn import Module"):
        package = "autograd_core.ops" if code.startswith("from ..") else "autograd_core"
        names = list(_imported_modules(ast.parse(code), package))
        assert any(_is_sibling(n) for n in names), code
    assert not any(_is_sibling(n) for n in _imported_modules(ast.parse("from .value import Value"), "autograd_core"))


def test_the_private_slot_pattern_can_fail():
    assert PRIVATE_SLOTS.search("names.add(v._op.name)") and PRIVATE_SLOTS.search("out._scope.kind")
    assert not PRIVATE_SLOTS.search("for p in self._params:") and not PRIVATE_SLOTS.search("v.scope")


@pytest.mark.parametrize("folder", ["nn", "optim", "viz", "autograd_core/vision", "examples", "bench"])
def test_siblings_read_no_private_slot_of_a_value(folder):
    offenders = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in sorted((ROOT / folder).rglob("*.py"))
                 for i, line in enumerate(p.read_text().splitlines(), 1) if PRIVATE_SLOTS.search(line)]
    assert not offenders


def test_a_value_displays_as_text_until_viz_is_imported():
    pytest.importorskip("IPython")  # what Jupyter uses to display a cell's result
    out = _run("""
        import sys
        from IPython.core.formatters import DisplayFormatter
        from autograd_core import Value
        x = Value(2.0, label="x"); y = (x * x).tanh()
        formats, _ = DisplayFormatter().format(y)
        print(sorted(formats), formats["text/plain"] == repr(y))
        print("autograd_core.viz" in sys.modules)
    """)
    assert out.split("\n")[:2] == ["['text/plain'] True", "False"]


@pytest.mark.needs("dot")
def test_a_value_displays_its_graph_once_viz_is_imported():
    pytest.importorskip("IPython")
    out = _run("""
        from IPython.core.formatters import DisplayFormatter
        from autograd_core import Value
        from autograd_core import viz
        x = Value(2.0, label="x"); y = (x * x).tanh()
        formats, _ = DisplayFormatter().format(y)
        print(sorted(formats), "<svg" in formats["image/svg+xml"], formats["text/plain"] == repr(y))
        viz.show_values_as_graphs(False)
        print(sorted(DisplayFormatter().format(y)[0]))
    """)
    assert out.split("\n")[:2] == ["['image/svg+xml', 'text/plain'] True True", "['text/plain']"]


def test_the_engines_names_are_importable_from_engine_py_where_they_always_were():
    """engine.py holds the backward pass; the forward recording is recording.py and the pass's hooks backward_hooks.py.
    The names code outside the core (and users' code) imports from engine keep working there, as the same objects."""
    from autograd_core import backward_hooks, engine, modes, recording

    for name in ("apply", "apply_unary", "apply_binary"):
        assert getattr(engine, name) is getattr(recording, name)
    for name in ("queue_callback", "accumulating_pass"):
        assert getattr(engine, name) is getattr(backward_hooks, name)
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "name_scope"):
        assert getattr(engine, name) is getattr(modes, name)
    assert all(callable(getattr(engine, name)) for name in ("backward", "grad", "toposort", "run_backward", "edge_vjp"))


# engine.py split by meaning (the backward pass's parts, each in a module named after it): the module each moved
# function is in now. engine.py keeps run_backward, backward, grad, edge_vjp and re-exports the public names.
_ENGINE_PARTS = {
    "backward_order": ("toposort", "_in_backward_order", "_release_first", "_UNREACHED"),
    "backward_seeds": ("_seed_gradient", "conjugate_gradient", "_SCALAR_ONES"),
    "backward_edges": ("_to_parents", "_fit", "_unbroadcast", "_on_dense_or_raise", "pass_gradient", "_gradient_aside",
                       "ASIDE_FROM"),
    "backward_undo": ("_Freed", "_free_saved", "_add_later", "_undo"),
    "chain_rule": ("_chain_rule", "_through_routing", "_taken_over"),
}


def test_the_backward_passs_parts_stand_under_engine_py():
    """engine.py's parts (chain_rule.py, backward_order.py, ...) import nothing of engine.py, which puts them together;
    each is under ~600 lines; engine.py keeps its public names as the parts' own objects; the names tests and tools
    patch are read where they live (ASIDE_FROM and run_aside by backward_edges.py, so engine.py does not offer them
    for a patch that would change nothing; run_backward and watched_to_parents, which compile's recorder and tracing.py
    set, by engine.py); and the hot loop reads the names it needs as its module's globals, imported one by one (no
    module attribute looked up per node)."""
    import importlib

    from autograd_core import engine

    for name, moved in _ENGINE_PARTS.items():
        module = importlib.import_module(f"autograd_core.{name}")
        text = (CORE / f"{name}.py").read_text()
        assert "autograd_core.engine" not in set(_imported_modules(ast.parse(text), "autograd_core")), name
        assert len(text.splitlines()) <= 600, name
        for attr in moved:
            assert attr in vars(module), (name, attr)
    assert len((CORE / "engine.py").read_text().splitlines()) <= 600
    from autograd_core import backward_edges, backward_order, backward_seeds

    assert engine.toposort is backward_order.toposort and engine.pass_gradient is backward_edges.pass_gradient
    assert engine.conjugate_gradient is backward_seeds.conjugate_gradient
    assert not hasattr(engine, "ASIDE_FROM") and not hasattr(engine, "run_aside")
    assert "ASIDE_FROM" in backward_edges._gradient_aside.__code__.co_names
    assert "run_aside" in backward_edges._gradient_aside.__code__.co_names
    assert "watched_to_parents" in engine.run_backward.__code__.co_names
    assert all("run_backward" in f.__code__.co_names for f in (engine.backward, engine.grad))
    tree = ast.parse((CORE / "chain_rule.py").read_text())
    modules = {alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names
               if alias.name in _ENGINE_PARTS or alias.name == "engine"}
    assert not modules


def test_what_names_engine_finds_it_there():
    """Comments, docstrings, docs and code of the package that name `engine.<name>` name something engine.py defines
    or re-exports: after the split, a pointer to a moved function names its new home (`backward_edges._fit`)."""
    pattern = re.compile(r"(?<![\w.])engine\.([A-Za-z_]\w*)")
    tree = ast.parse((CORE / "engine.py").read_text())
    names = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names.update(n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
    stale = []
    for folder in ("autograd_core", "nn", "optim", "viz", "docs"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".md") and "api" not in path.parts:
                stale += [f"{path.relative_to(ROOT)}: {m[0]}" for m in pattern.finditer(path.read_text())
                          if m[1] != "py" and m[1] not in names]
    assert not stale


def test_the_forward_recording_imports_nothing_of_the_backward_pass():
    """recording.py runs once per operation and needs nothing of the pass (engine.py) or its hooks."""
    tree = ast.parse((CORE / "recording.py").read_text())
    imported = set(_imported_modules(tree, "autograd_core"))
    assert imported and not imported & {"autograd_core.engine", "autograd_core.backward_hooks"}


# tensor.py, tensor_methods.py and sparse_tensor.py, each split by meaning (the old module keeps the names code imported
# from it): the module each name moved to, and names imported from the old module before the split.
_SPLITS = {
    "tensor": {
        "dtypes": ("DEFAULTS", "float32", "bfloat16", "complex32", "device", "type_name", "dtype_of_type_name",
                   "set_default_dtype", "get_default_dtype", "set_default_device", "get_default_device"),
        "generator": ("Generator", "default_generator", "manual_seed", "get_rng"),
        "torch_functions": ("sum", "max", "all", "any", "round", "t", "sub", "cat", "stack", "where", "add", "mm",
                            "numel", "is_tensor", "write_out", "IN_PLACE_FUNCTIONS", "gcd_", "polygamma", "std_mean"),
        "switches": ("accelerator", "use_deterministic_algorithms", "set_float32_matmul_precision"),
    },
    "sparse_tensor": {
        "sparse_layouts": ("sparse_coo", "ElementwiseInLayout", "SparseInPlace", "SparseConversions"),
        "sparse_functions": ("sparse_coo_tensor", "spmm", "smm", "hspmm", "addmm", "sparse_sum"),
    },
}


def test_the_split_modules_names_are_importable_where_they_always_were():
    """tensor.py keeps the factories (dtypes.py, generator.py, torch_functions.py, switches.py beside it) and
    sparse_tensor.py the COO tensor class (sparse_layouts.py, sparse_functions.py): the names code outside (and users'
    code) imported from the old modules are there still, as the same objects."""
    import importlib

    for old, homes in _SPLITS.items():
        module = importlib.import_module(f"autograd_core.{old}")
        for home, names in homes.items():
            new = importlib.import_module(f"autograd_core.{home}")
            for name in names:
                assert getattr(module, name) is getattr(new, name), (old, home, name)
    from autograd_core import tensor_methods

    for name in ("Size", "CallableSize", "MaxMin", "Device", "on_cpu", "TensorMethods", "reduce_args", "required_dim",
                 "callable_size", "check_matrices"):
        assert getattr(tensor_methods, name).__module__ == "autograd_core.tensor_methods", name


def test_the_methods_of_tensor_methods_families_are_value_methods_named_as_before():
    """tensor_shape_methods.py, tensor_reductions.py and tensor_conversions.py write methods that are copied onto
    TensorMethods: a Value has them (properties and aliases too), named `TensorMethods.<name>` as when they were written
    in its body, and the classes keep their module (pickles and saved files name them)."""
    from autograd_core import Generator, Size, Tensor, Value, device, tensor, tensor_conversions, tensor_methods
    from autograd_core import tensor_reductions, tensor_shape_methods
    from autograd_core.sparse_tensor import SparseTensor

    families = {tensor_shape_methods: ("dim", "ndimension", "view", "permute", "expand", "t", "mT", "contiguous",
                                       "__index__"),
                tensor_reductions: ("var", "std", "max", "argmax", "norm", "any", "all"),
                tensor_conversions: ("clone", "to", "type", "double", "bfloat16", "cpu", "device", "is_cuda")}
    for module, names in families.items():
        for name in names:
            member = tensor_methods.TensorMethods.__dict__[name]
            assert getattr(Value, name) is member, name
            function = member.fget if isinstance(member, property) else member
            if callable(function):
                assert function.__module__ == module.__name__
                assert function.__qualname__ == f"TensorMethods.{function.__name__}", name
    assert Value.ndimension is Value.dim and Value([1.0, 2.0]).view(2, 1).shape == (2, 1)
    assert [0, 1, 2][tensor(2)] == 2 and operator.index(tensor(1)) == 1  # __index__: copied, it fills the slot
    assert (Tensor.__module__, Size.__module__, device.__module__, SparseTensor.__module__) == (
        "autograd_core.tensor", "autograd_core.tensor_methods", "autograd_core.tensor_methods",
        "autograd_core.sparse_tensor")
    assert Generator.__module__ == "autograd_core.generator"  # (a pickle of one made before loads: tensor.Generator)


def test_the_defaults_and_the_generator_import_nothing_of_the_factories():
    """dtypes.py (DEFAULTS, which most modules read) and generator.py need nothing of tensor.py or torch_functions.py;
    the split modules of sparse tensors and of TensorMethods import their old module only as documented."""
    for name in ("dtypes", "generator", "switches"):
        imported = set(_imported_modules(ast.parse((CORE / f"{name}.py").read_text()), "autograd_core"))
        assert imported and not imported & {"autograd_core.tensor", "autograd_core.torch_functions"}, name
    imported = set(_imported_modules(ast.parse((CORE / "sparse_layouts.py").read_text()), "autograd_core"))
    assert "autograd_core.sparse_tensor" not in imported and "autograd_core.sparse_functions" not in imported
    for name in ("tensor", "tensor_methods", "sparse_tensor", "dtypes", "generator", "torch_functions", "switches",
                 "sparse_layouts", "sparse_functions", "tensor_shape_methods", "tensor_reductions",
                 "tensor_conversions"):
        assert len((CORE / f"{name}.py").read_text().splitlines()) <= 600, name


def test_pickles_that_name_the_classes_in_tensor_py_still_load():
    """Classes that moved out of tensor.py (bfloat16's, Generator, accelerator) are reached by a pickle through the
    module that defined them when it was written: one written before the split names autograd_core.tensor."""
    import pickle

    import autograd_core as ag

    for obj in (ag.bfloat16, ag.Generator(), ag.accelerator):
        written = pickle.dumps(obj, protocol=0)  # (protocol 0: module names as plain text, replaceable)
        for home in (b"dtypes", b"generator", b"switches"):
            written = written.replace(b"autograd_core." + home + b"\n", b"autograd_core.tensor\n")
        assert b"autograd_core.tensor\n" in written
        loaded = pickle.loads(written)
        assert type(loaded) is type(obj) if not isinstance(obj, type) else loaded is obj


# inplace.py, nn/module.py and inplace_graph.py, each split by meaning: the modules beside them, and the names users and
# other code import from the old module (which it keeps).
_SPLITS3 = {
    "autograd_core.inplace": (("autograd_core.version_counter", "autograd_core.inplace_functions",
                               "autograd_core.inplace_fills"),
                              ("mark_changed", "update_in_place", "castable", "InplaceMethods", "check_saved_versions",
                               "_write")),
    "autograd_core.nn.module": (("autograd_core.nn.module_hooks", "autograd_core.nn.module_modes",
                                 "autograd_core.nn.module_state", "autograd_core.nn.module_walk"),
                                ("Module", "Parameter", "Buffer", "check_device", "not_a_module",
                                 "_attribute_members")),
    "autograd_core.inplace_graph": (("autograd_core.version_check", "autograd_core.rule_reads"),
                                    ("_record_in_place", "_live_views", "_REPLACED", "_frozen_as_of", "_copy_node")),
    # nn/pool.py's primitives and layers over max pooling's NumPy kernels (stop 66)
    "autograd_core.nn.pool": (("autograd_core.nn.max_pool_kernels",),
                              ("max_pool2d", "MaxPool2d", "_max_pool2d", "_max_np", "_scatter_to_max",
                               "_averaging_matrix")),
    # optim/optimizer.py's Optimizer over its hyper-parameters' checks and its steps' data plumbing (stop 67); the
    # public names stay importable there (its docstring shows a custom optimizer's table naming them)
    "autograd_core.optim.optimizer": (("autograd_core.optim.hyperparameter_checks",
                                       "autograd_core.optim.parameter_data"),
                                      ("Optimizer", "ParamGroup", "register_optimizer_step_pre_hook", "check_number",
                                       "check_betas", "nonnegative", "flag", "beta_pair", "implementation_flags",
                                       "gradient_and_data", "sparse_gradient", "update_as_real", "as_real_pairs")),
}


def test_the_modules_split_from_inplace_and_module_exist_and_the_old_names_resolve():
    """The modules split from inplace.py, nn/module.py and inplace_graph.py are there and under ~600 lines, as the old
    ones now are; the names imported from the old modules resolve there (autograd_core.inplace.mark_changed is in the
    docs); and the classes that pickles, reprs and `isinstance` checks name keep their module."""
    import importlib

    for old, (homes, names) in _SPLITS3.items():
        module = importlib.import_module(old)
        for name in names:
            assert getattr(module, name) is not None, (old, name)
        for name in (old, *homes):
            path = pathlib.Path(importlib.import_module(name).__file__)
            assert len(path.read_text().splitlines()) <= 600, name
    from autograd_core import inplace, version_counter
    from autograd_core.nn import Buffer, Module, Parameter

    assert inplace.mark_changed is version_counter.mark_changed and inplace.Versions is version_counter.Versions
    assert {c.__module__ for c in (Module, Parameter, Buffer)} == {"autograd_core.nn.module"}
    assert Module.__mro__ == (Module, object)  # the families are copied onto it, not mixed in


def test_the_methods_written_apart_are_module_and_value_methods_named_as_before():
    """inplace_functions.py and inplace_fills.py write InplaceMethods' methods, module_hooks.py, module_modes.py and
    module_state.py Module's, in class bodies of their own: copied onto the class, each is its attribute under the same
    name and qualified name as when it was written in its body (a decorated method's function and a property's getter
    too)."""
    from autograd_core import Value, inplace, inplace_fills, inplace_functions
    from autograd_core.nn import Module, module_hooks, module_modes, module_state

    families = {
        (inplace.InplaceMethods, inplace_functions): ("relu_", "pow_", "scatter_", "masked_fill_", "triu_"),
        (inplace.InplaceMethods, inplace_fills): ("uniform_", "normal_", "bernoulli_", "random_", "apply_", "map_"),
        (Module, module_hooks): ("register_forward_hook", "register_full_backward_hook", "_add_hook",
                                 "_call_with_hooks", "_forward_hooks", "_backward_pre_hooks"),
        (Module, module_modes): ("train", "eval", "zero_grad", "to", "double", "float", "half", "type", "cuda"),
        (Module, module_state): ("state_dict", "load_state_dict", "_apply_state", "save", "load", "_entry_array",
                                 "get_extra_state", "register_load_state_dict_post_hook"),
    }
    for (cls, module), names in families.items():
        for name in names:
            member = cls.__dict__[name]
            function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
            assert function.__module__ == module.__name__, name
            while function is not None:
                assert function.__qualname__ == f"{cls.__name__}.{function.__name__}", name
                function = getattr(function, "__wrapped__", None)
    assert Value.floor_.__qualname__ == "InplaceMethods.floor_" and Value.relu_ is inplace.InplaceMethods.relu_
    assert Module.train.__wrapped__.__qualname__ == "Module.train"


def test_what_a_compile_recording_replaces_in_inplace_py_is_what_its_methods_call():
    """A compile recording replaces `inplace._write` while it watches (jit_recorder.py): every function that calls
    `_write` must look it up in inplace.py's namespace, so none of the modules split from it may name it."""
    def names(module):  # the names a module reads or imports
        tree = ast.parse((CORE / f"{module}.py").read_text())
        return {node.id if isinstance(node, ast.Name) else node.asname or node.name for node in ast.walk(tree)
                if isinstance(node, (ast.Name, ast.alias))}

    for name in ("version_counter", "inplace_functions", "inplace_fills"):
        assert "_write" not in names(name), name
    assert "_write" in names("inplace")


def test_pickles_that_name_the_classes_moved_out_of_nn_module_still_load():
    """load_state_dict's result and a view of a module's hooks pickle plainly; one written before the split names their
    classes in autograd_core.nn.module, which still has them."""
    import pickle

    from autograd_core import nn

    model = nn.Linear(2, 3)
    model.register_forward_hook(print)
    objects = (model.load_state_dict(model.state_dict()), model._forward_hooks)
    for obj in objects:
        written = pickle.dumps(obj, protocol=0)  # (protocol 0: module names as plain text, replaceable)
        for home in (b"module_hooks", b"module_state"):
            written = written.replace(b"autograd_core.nn." + home + b"\n", b"autograd_core.nn.module\n")
        assert b"autograd_core.nn.module\n" in written
        assert type(pickle.loads(written)) is type(obj)


def test_one_attach_methods_copies_every_family_onto_its_class():
    """The families written apart (TensorMethods', InplaceMethods', Module's) are copied by one function,
    method_families.attach_methods: no module of the core or of nn defines another. It copies each attribute under
    its name (refusing one the class has), naming each function `<class>.<name>` (a property's getter, a static or
    class method's function, each function a decorator wraps) and leaving other attributes as they are."""
    import functools

    from autograd_core.method_families import attach_methods

    defined = [f"{p.relative_to(ROOT)}" for p in sorted([*CORE.rglob("*.py"), *(ROOT / "nn").rglob("*.py")])
               if re.search(r"^\s*def attach_methods\b", p.read_text(), re.M)]
    assert defined == ["autograd_core/method_families.py"]

    def decorated(method):
        @functools.wraps(method)
        def wrapper(self):
            return method(self) + 1
        return wrapper

    class Target:
        def old(self):
            return 0

    class _Body:
        flag = False

        def plain(self):
            return 1

        @decorated
        def wrapped(self):
            return 2

        @property
        def getter(self):
            return 3

        @staticmethod
        def static():
            return 4

        @classmethod
        def of_class(cls):
            return cls.__name__

    attach_methods(_Body, Target)
    target = Target()
    assert (target.plain(), target.wrapped(), target.getter, Target.static(), Target.of_class()) == (
        1, 3, 3, 4, "Target")
    assert Target.flag is False and Target.__mro__ == (Target, object)
    for function in (Target.plain, Target.wrapped, Target.wrapped.__wrapped__, Target.getter.fget, Target.static,
                     Target.of_class.__func__):
        assert function.__qualname__ == f"{Target.__qualname__}.{function.__name__}", function
        assert function.__module__ == __name__

    class _Again:
        def old(self):
            return 5

    with pytest.raises(AssertionError, match="old"):
        attach_methods(_Again, Target)
    assert target.old() == 0


# Names the old modules keep for users and saved files (and the engine: check_saved_versions), which code and docs may
# still name there.
_KEPT_THERE = {"inplace": {"mark_changed", "Versions", "check_saved_versions"}}


def test_what_names_a_split_modules_function_finds_it_there():
    """Comments, docstrings, docs and code that name `inplace.<name>`, `inplace_graph.<name>`, `tensor_methods.<name>`
    or `sparse_tensor.<name>` name something defined in that module (or a name it keeps for users): after a split, a
    pointer to a function's old home names its new one (`inplace_functions.placed`, `version_counter.element_of`)."""
    pattern = re.compile(r"(?<![\w.])(inplace|inplace_graph|tensor_methods|sparse_tensor)\.([A-Za-z_]\w*)")
    defined = {}
    for module in ("inplace", "inplace_graph", "tensor_methods", "sparse_tensor"):
        names = set(_KEPT_THERE.get(module, ()))
        for node in ast.parse((CORE / f"{module}.py").read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name))
        defined[module] = names
    stale = []
    for folder in ("autograd_core", "nn", "optim", "viz", "bench", "tests", "docs"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".md") and "api" not in path.parts:
                text = path.read_text()
                stale += [f"{path.relative_to(ROOT)}: {m[0]}" for m in pattern.finditer(text) if m[2] != "py"
                          and m[2] not in defined[m[1]] and f" as {m[1]}\n" not in text]  # (not another module's alias)
    assert not stale


def test_what_moved_out_of_sparse_tensor_py_is_imported_from_its_new_home():
    """No module of the core reaches the layouts' mixins or the sparse functions through sparse_tensor.py (as
    compressed_tensor.py did, `_coo.spmm`): each imports them from sparse_layouts.py or sparse_functions.py.
    sparse_tensor.py re-exports only the public functions, which a pickle written before the split names there."""
    import pickle

    import autograd_core as ag
    from autograd_core import sparse_functions, sparse_tensor

    tree = ast.parse((CORE / "sparse_tensor.py").read_text())
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    reached = []
    for path in sorted(CORE.glob("*.py")):
        text = path.read_text()
        for node in ast.walk(ast.parse(text)) if "sparse_tensor" in text else ():
            if isinstance(node, ast.ImportFrom) and node.module in ("sparse_tensor", "autograd_core.sparse_tensor"):
                reached += [f"{path.name}: {alias.name}" for alias in node.names if alias.name not in defined]
            elif isinstance(node, (ast.ImportFrom, ast.Import)):  # the module itself, to read names off it
                reached += [f"{path.name}: the module" for alias in node.names if alias.name == "sparse_tensor"]
    assert not reached
    kept = {name for name, value in vars(sparse_tensor).items()
            if callable(value) and getattr(value, "__module__", None) == sparse_functions.__name__}
    assert kept == {"sparse_coo_tensor", "spmm", "smm", "hspmm", "addmm", "sparse_sum"}
    written = pickle.dumps(ag.sparse_coo_tensor, protocol=0).replace(b"autograd_core.sparse_functions\n",
                                                                      b"autograd_core.sparse_tensor\n")
    assert b"autograd_core.sparse_tensor\n" in written and pickle.loads(written) is ag.sparse_coo_tensor


def test_the_version_check_and_the_rule_reader_stand_apart_from_the_recording():
    """inplace_graph.py records in-place changes and keeps copies of what they replaced; version_check.py, the backward
    pass's check, reads those copies and asks rule_reads.py what a node's rules read (from their bytecode), which
    needs neither. The recording needs nothing of the check; the engine's check_saved_versions is version_check's."""
    from autograd_core import engine, inplace, rule_reads, version_check
    from autograd_core.autograd import graph

    def imported(name):
        return set(_imported_modules(ast.parse((CORE / f"{name}.py").read_text()), "autograd_core"))

    assert not imported("rule_reads") & {"autograd_core.inplace_graph", "autograd_core.version_check"}
    assert not imported("inplace_graph") & {"autograd_core.version_check", "autograd_core.rule_reads"}
    assert engine.check_saved_versions is inplace.check_saved_versions is version_check.check_saved_versions
    assert graph._read_by_rules is version_check._read_by_rules is rule_reads._read_by_rules
    assert {f.__module__ for f in (version_check.check_saved_versions, rule_reads._rule_reads)} == {
        "autograd_core.version_check", "autograd_core.rule_reads"}


def _names_imported_not_defined(path):
    """The names a module's top level imports without defining them: what it only re-exports."""
    defined, imported = set(), set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined.update(n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            imported.update(alias.asname or alias.name for alias in node.names)
    return imported - defined


@functools.lru_cache(maxsize=1)
def _package_sources():
    """(path relative to the repository, text) of every module of the package: the core, nn, optim and viz."""
    return [(path.relative_to(ROOT).as_posix(), path.read_text())
            for folder in ("autograd_core", "nn", "optim", "viz") for path in sorted((ROOT / folder).rglob("*.py"))]


# Re-exported names still reached through the old module: the hooks' functions that import engine lazily (beside the
# pass's own modules, for its private helpers) read these two off it.
_STILL_THROUGH = {
    (f"autograd_core/{name}.py", "engine", reexported) for name in ("grad_fn_hooks", "grad_fn_hook_inputs")
    for reexported in ("COMPLEX_VALUES_EXIST", "ScatteredGradient")}


@pytest.mark.parametrize("old", ["autograd_core/engine.py", "autograd_core/inplace.py", "optim/optimizer.py",
                                 "autograd_core/value.py"])
def test_code_imports_each_name_from_the_module_that_defines_it(old):
    """engine.py re-exports ShapeError and grad mode's names (users import them from there), inplace.py what moved to
    version_counter.py, inplace_graph.py and the rest, optim/optimizer.py its hyper-parameter checks and its data
    plumbing: the package's own modules (the core, nn, optim, viz; at the top or inside a function) import each name
    from its home (`from .modes import no_grad`, not `from .engine import no_grad` nor `engine.no_grad()`), so that a
    module's imports say what it needs and the next split moves nothing through a third."""
    reexported = _names_imported_not_defined(ROOT / old)
    stem = pathlib.Path(old).stem
    assert reexported  # (the check looks at something)
    looked_at = re.compile(rf"{stem} import|\b{stem}\.({'|'.join(reexported)})\b")  # (which files to parse)
    reached = []
    for rel, text in _package_sources():
        for node in ast.walk(ast.parse(text)) if looked_at.search(text) else ():
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[-1] == stem \
                    and (node.level or node.module in (f"autograd_core.{stem}", f"autograd_core.optim.{stem}")):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == stem:
                names = [node.attr]  # `from . import engine` ... `engine.no_grad()`
            else:
                continue
            reached += [f"{rel}:{node.lineno}: {name}" for name in names
                        if name in reexported and (rel, stem, name) not in _STILL_THROUGH]
    assert not reached


def test_the_moved_optimizer_helpers_are_the_same_objects_where_they_were():
    """optim/optimizer.py's public helpers are hyperparameter_checks.py's and parameter_data.py's functions themselves
    (their `__module__` their new home), and the algorithms' tables name them (SGD's lr: check_learning_rate)."""
    from autograd_core.optim import SGD, hyperparameter_checks, optimizer, parameter_data

    for home in (hyperparameter_checks, parameter_data):
        public = [name for name, value in vars(home).items() if callable(value) and not name.startswith("_")
                  and getattr(value, "__module__", None) == home.__name__]
        assert public
        for name in public:
            assert getattr(optimizer, name) is getattr(home, name), name
    assert optimizer.nonnegative is hyperparameter_checks.check_nonnegative
    assert SGD.hyperparameters["lr"] is hyperparameter_checks.check_learning_rate
    assert "Optimizer" not in vars(hyperparameter_checks) and "Optimizer" not in vars(parameter_data)


# value.py split by meaning (stop 68): the modules beside it, and which of them write a family of Value's methods.
_VALUE_SPLIT = {"python_numbers": (), "grad_assignment": (),
                "value_hooks": ("register_hook", "_add_hook", "register_post_accumulate_grad_hook", "_backward_hooks"),
                "value_printing": ("__repr__", "__format__", "_repr_mimebundle_"),
                "value_conversions": ("item", "__float__", "__bool__", "__len__", "__iter__", "__array__", "numpy",
                                      "__dlpack__", "__array_ufunc__", "__array_function__"),
                "value_methods": ("exp", "tanh", "relu", "clip", "sum", "mean", "softmax", "reshape", "T", "astype")}


def test_value_py_and_the_modules_split_from_it_stay_short_and_copy_their_methods_onto_value():
    """value.py (1,197 lines) and each module split from it are under ~600 lines. The families of methods written
    apart are copied onto Value (not mixed in: its MRO is as it was), each named `Value.<name>` as in Value's body, with
    its new home as its module; a family may replace only what Value has from `object` (`__repr__`)."""
    import importlib

    from autograd_core import Value, inplace, tensor_methods
    from autograd_core.method_families import attach_methods

    for name in ("value", *_VALUE_SPLIT):
        assert len((CORE / f"{name}.py").read_text().splitlines()) <= 600, name
    assert Value.__mro__ == (Value, tensor_methods.TensorMethods, inplace.InplaceMethods, object)
    for home, names in _VALUE_SPLIT.items():
        module = importlib.import_module(f"autograd_core.{home}")
        for name in names:
            member = Value.__dict__[name]
            function = member.fget if isinstance(member, property) else member
            assert function.__module__ == module.__name__, name
            assert function.__qualname__ == f"Value.{function.__name__}", name
    assert repr(Value(2.0)) == "Value(2.0)" and f"{Value(2.0):.2f}" == "2.00" and float(Value([3.0])) == 3.0

    class _Again:
        def exp(self):
            return 0

    with pytest.raises(AssertionError, match="exp"):  # Value's own method is not replaced
        attach_methods(_Again, Value)


def test_pickles_that_name_what_left_value_py_still_load():
    """A pickle names autograd_core.value for a computed Value (value._leaf_copy, which stays) and for the hook class
    in a Value's hooks (value.PostAccumulateHook, now value_hooks'): one written before the split loads."""
    import pickle

    from autograd_core import Value, value_hooks

    x = Value([1.0, 2.0])
    x.register_post_accumulate_grad_hook(print)  # (a hook that pickles: a builtin function)
    written = pickle.dumps(x, protocol=2)  # (protocol 2: module names as text, replaceable)
    assert b"autograd_core.value_hooks\nPostAccumulateHook\n" in written
    loaded = pickle.loads(written.replace(b"autograd_core.value_hooks\n", b"autograd_core.value\n"))
    (hook,) = loaded._hooks.values()
    assert type(hook) is value_hooks.PostAccumulateHook and hook.fn is print
    computed = pickle.loads(pickle.dumps(x * 2, protocol=2))
    assert computed.is_leaf and computed.tolist() == [2.0, 4.0]
