"""Generate the API reference in docs/api/ from the library's public names, signatures and docstrings.

    python scripts/gen_api_docs.py            # (re)write docs/api/*.md, print the docstring summary
    python scripts/gen_api_docs.py --check    # write nothing; exit 1 if docs/api/ is stale or a docstring is missing
    python scripts/gen_api_docs.py --json     # write nothing; print {"stale": [...], "missing": [...]} (the test's)

One page per namespace (autograd_core, Value, linalg, special, fft, amp, nn, nn.functional, nn.init, nn.utils, optim,
utils.data, distributions, autograd + func, profiler, viz, vision: datasets, transforms, io, models, utils), an index,
docs/api/README.md, with counts, and names.md, every name A-Z with the namespaces that have it. Each public name
gets an anchor, its signature (inspect.signature: for PyTorch-named callables, PyTorch's) and the first paragraph of
its docstring; the classes users call methods on (Value, nn.Module, Optimizer, LRScheduler, Distribution,
autograd.Function) get their members listed. A namespace's public names are its `__all__`, else dir() minus private
names, modules and names defined outside the namespace's own package (imports such as `np` or a helper from the
engine). Lazily loaded names (PEP 562 `__getattr__`) are resolved by getattr. The output is deterministic: names
sorted, memory addresses removed from default values.
tests/test_api_docs.py checks that the committed pages equal what this script produces.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import sys
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "api"

# page file -> (title, PyTorch's counterpart, sections). A section is (module, owners): owners are the module prefixes
# whose objects count as the namespace's own when it has no __all__ (None: the module's __all__ decides), or
# (class, MEMBERS): the public methods and properties of a class that users call on its instances.
MEMBERS = "members"
PAGES = {
    "autograd_core.md": ("autograd_core", "torch", [("autograd_core", None)]),
    "Value.md": ("autograd_core.Value", "torch.Tensor", [("autograd_core.Value", MEMBERS)]),
    "linalg.md": ("autograd_core.linalg", "torch.linalg", [("autograd_core.linalg", None)]),
    "special.md": ("autograd_core.special", "torch.special", [("autograd_core.special", None)]),
    "fft.md": ("autograd_core.fft", "torch.fft", [("autograd_core.fft", None)]),
    "amp.md": ("autograd_core.amp", "torch.amp", [("autograd_core.amp", None),
                                                  ("autograd_core.amp.GradScaler", MEMBERS)]),
    "nn.md": ("autograd_core.nn", "torch.nn", [("autograd_core.nn", None), ("autograd_core.nn.Module", MEMBERS)]),
    "nn.functional.md": ("autograd_core.nn.functional", "torch.nn.functional",
                         [("autograd_core.nn.functional", None)]),
    "nn.init.md": ("autograd_core.nn.init", "torch.nn.init", [("autograd_core.nn.init", ("autograd_core.nn.init",))]),
    "nn.utils.md": ("autograd_core.nn.utils", "torch.nn.utils", [
        ("autograd_core.nn.utils", None),
        ("autograd_core.nn.utils.rnn", ("autograd_core.nn.utils.rnn",)),
        ("autograd_core.nn.utils.parametrize", None),
        ("autograd_core.nn.utils.parametrizations", None),
        ("autograd_core.nn.utils.stateless", None),
        ("autograd_core.nn.utils.prune", None),
        ("autograd_core.nn.utils.prune.BasePruningMethod", MEMBERS),
    ]),
    "optim.md": ("autograd_core.optim", "torch.optim", [
        ("autograd_core.optim", None),
        ("autograd_core.optim.lr_scheduler", ("autograd_core.optim",)),
        ("autograd_core.optim.swa_utils", None),
        ("autograd_core.optim.Optimizer", MEMBERS),
        ("autograd_core.optim.lr_scheduler.LRScheduler", MEMBERS),
    ]),
    "utils.data.md": ("autograd_core.utils.data", "torch.utils.data", [
        ("autograd_core.utils.data", ("autograd_core.utils", "autograd_core.distributed.sampler")),
    ]),
    "distributions.md": ("autograd_core.distributions", "torch.distributions",
                         [("autograd_core.distributions", None),
                          ("autograd_core.distributions.Distribution", MEMBERS)]),
    "autograd.md": ("autograd_core.autograd and autograd_core.func", "torch.autograd, torch.func", [
        ("autograd_core.autograd", None),
        ("autograd_core.func", None),
        ("autograd_core.autograd.Function", MEMBERS),
    ]),
    "utils.checkpoint.md": ("autograd_core.utils.checkpoint", "torch.utils.checkpoint",
                            [("autograd_core.utils.checkpoint", None)]),
    "testing.md": ("autograd_core.testing", "torch.testing", [("autograd_core.testing", None)]),
    "random.md": ("autograd_core.random", "torch.random", [("autograd_core.random", None)]),
    "signal.windows.md": ("autograd_core.signal.windows", "torch.signal.windows",
                          [("autograd_core.signal.windows", None)]),
    "utils.tensorboard.md": ("autograd_core.utils.tensorboard", "torch.utils.tensorboard", [
        ("autograd_core.utils.tensorboard", None), ("autograd_core.utils.tensorboard.SummaryWriter", MEMBERS)]),
    "serialization.md": ("autograd_core.serialization", "torch.serialization",
                         [("autograd_core.serialization", None)]),
    "profiler.md": ("autograd_core.profiler and autograd_core.autograd.profiler",
                    "torch.profiler, torch.autograd.profiler", [
        ("autograd_core.profiler", None),
        ("autograd_core.autograd.profiler", None),
        ("autograd_core.profiler.profile", MEMBERS),
        ("autograd_core.profiler.EventList", MEMBERS),
    ]),
    "viz.md": ("autograd_core.viz", "(no PyTorch counterpart: pictures of computation graphs)",
               [("autograd_core.viz", None)]),
    "vision.md": ("autograd_core.vision.datasets, .transforms, .io, .models and .utils",
                  "torchvision.datasets, torchvision.transforms, torchvision.io, torchvision.models, "
                  "torchvision.utils", [
        ("autograd_core.vision.datasets", None),
        ("autograd_core.vision.datasets.utils", None),
        ("autograd_core.vision.transforms", None),
        ("autograd_core.vision.transforms.functional", None),
        ("autograd_core.vision.io", None),
        ("autograd_core.vision.models", None),
        ("autograd_core.vision.models.WeightsEnum", MEMBERS),
        ("autograd_core.vision.utils", None),
    ]),
}

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_FUNCTION_REPR = re.compile(r"<(?:function|built-in function|bound method) ([\w.<>]+)(?: of [^>]*)?>")


def _public_names(module, owners):
    """The module's public names: its __all__, else dir() minus private names, modules and imported helpers."""
    names = getattr(module, "__all__", None)
    if names is not None and owners is None:
        return sorted(set(names))
    chosen = []
    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        if isinstance(obj, types.ModuleType) or type(obj).__name__ == "_Feature":  # submodules, `annotations`
            continue
        defined_in = getattr(obj, "__module__", None) or ""
        if owners and not any(defined_in == o or defined_in.startswith(o + ".") for o in owners):
            continue
        chosen.append(name)
    return sorted(chosen)


def _is_ours(obj):
    """True for objects defined in this library (NumPy dtypes re-exported as torch.float32 are not)."""
    module = getattr(obj, "__module__", None) or getattr(type(obj), "__module__", "")
    return module.startswith("autograd_core")


def own_doc(obj):
    """The object's own docstring (a class does not borrow its base's; a method may inherit an overridden one's)."""
    if isinstance(obj, type):
        doc = obj.__dict__.get("__doc__")
        return inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else ""
    doc = inspect.getdoc(obj) or ""
    if not callable(obj) and doc == (inspect.getdoc(type(obj)) or ""):
        # A constant (a re-exported NumPy dtype, a str) has no docstring: getdoc returns its class's, whose wording
        # is NumPy's or Python's and changes between their versions (NumPy 2.2 and 2.3 word BoolDType's apart).
        return ""
    wrapped = getattr(obj, "__wrapped__", None)  # a primitive made from a NumPy ufunc starts with NumPy's docstring
    if wrapped is not None and not _is_ours(wrapped) and doc == (inspect.getdoc(wrapped) or ""):
        return ""
    return doc


def first_paragraph(doc):
    """The docstring's first paragraph, joined into one line."""
    paragraph = doc.strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


class _Shown:
    """A default value shown by a fixed text (inspect.Signature prints a default with repr)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def stable_repr(value):
    """repr without memory addresses or hash order: sets sorted, a function shown by its name."""
    if isinstance(value, (set, frozenset)):
        items = ", ".join(sorted(stable_repr(v) for v in value))
        return f"{type(value).__name__}({{{items}}})" if items else f"{type(value).__name__}()"
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return getattr(value, "__qualname__", None) or value.__name__
    text = _FUNCTION_REPR.sub(r"\1", repr(value))
    return _ADDRESS.sub("", text)


def signature_of(obj, method=False, drop_first=False):
    """`(args) -> ret` with defaults rendered deterministically, or '' when Python cannot tell; a method's `self`
    is left out (x.sum(dim=0) is documented as sum(dim=0), as PyTorch's Tensor.sum), and with drop_first the
    first argument (a function documented as the method that passes x to it)."""
    wrapped = getattr(obj, "__wrapped__", None)
    if isinstance(wrapped, np.ufunc):  # NumPy's signature lists out=, where=, casting=, which primitives don't take
        names = ["input", "other", "third"][:wrapped.nin][1 if drop_first else 0:]  # PyTorch's argument names
        return "(" + ", ".join(names + ["/"]) + ")" if names else "()"
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):  # an exception class: show what it derives from
        bases = [b.__name__ for b in getattr(obj, "__bases__", ()) if b is not object]
        return f"({', '.join(bases)})" if bases else ""
    params = [p if p.default is p.empty else p.replace(default=_Shown(stable_repr(p.default)))
              for p in sig.parameters.values()]
    if (method and params and params[0].name == "self") or (drop_first and params):
        params = params[1:]
    return _ADDRESS.sub("", str(sig.replace(parameters=params)))


def _kind(obj):
    if isinstance(obj, property):
        return "property"
    if type(obj).__name__ == "member_descriptor":  # a __slots__ field of Value
        return "slot"
    if isinstance(obj, type):
        return "class"
    if callable(obj):
        return "function"
    return "attribute"


def _aliases(rows):
    """{name: canonical name} for the rows that are another name of an object listed under its own name."""
    by_name = {row[2]: row[3] for row in rows}
    aliases = {}
    for _, _, name, obj, kind, _, _ in rows:
        if kind not in ("function", "class"):
            continue
        original = getattr(obj, "__name__", None) or getattr(obj, "name", None)  # a primitive's name: "acos"
        if isinstance(original, str) and original != name and by_name.get(original) is obj:
            aliases[name] = original
    return aliases


def _entry(anchor, qualname, name, obj, kind, doc, sig, alias=None):
    lines = [f'<a id="{anchor}"></a>', f"### `{qualname}`", ""]
    if kind in ("function", "class"):
        prefix = "class " if kind == "class" else ""
        lines += ["```python", f"{prefix}{name}{sig}", "```", ""]
    elif kind == "property":
        lines += ["*property*", ""]
    elif kind == "slot":
        lines += ["*attribute* (set per instance)", ""]
    else:
        rendered = stable_repr(obj)
        lines += [f"*{type(obj).__name__}*: `{rendered}`", ""]
    if alias:  # Tensor for Value, arccos for acos, concat for cat
        lines += [f"Another name for `{alias}`.", ""]
    if doc:
        lines += [first_paragraph(doc), ""]
    elif not _is_ours(obj) and kind in ("function", "class"):
        lines += [f"Re-exported from `{getattr(obj, '__module__', None) or type(obj).__module__}`.", ""]
    return lines


def collect_module(module_name, owners):
    """[(anchor, qualname, name, obj, kind, doc, sig)] for one namespace."""
    module = importlib.import_module(module_name)
    short = module_name.removeprefix("autograd_core").lstrip(".") or "autograd_core"
    rows = []
    for name in _public_names(module, owners):
        obj = getattr(module, name)
        if isinstance(obj, types.ModuleType):  # listed in __all__ (autograd_core.linalg): has its own page/section
            continue
        kind = _kind(obj)
        sig = signature_of(obj) if kind in ("function", "class") else ""
        if sig == "(input, *args, **kwargs)":  # torch.sum(input, ...) made from Value.sum: show the method's arguments
            sig = _function_from_method_signature(obj) or sig
        rows.append((f"{short}.{name}", f"{module_name}.{name}", name, obj, kind, own_doc(obj), sig))
    return rows


_FORWARDS_TO = re.compile(r"(autograd_core(?:\.\w+)+)\b.*with this Value as its first argument", re.S)
_IN_PLACE_OF = re.compile(r"x\.(\w+)\(\.\.\.\) in place")


def _value_method_signature(name, obj, doc):
    """A Value method's signature; for the generic forwarders (self, *args, **kwargs), the signature of the function
    they pass self to (autograd_core.chunk for x.chunk), or of the method whose in-place form they are."""
    import autograd_core

    sig = signature_of(obj, method=True)
    if sig != "(*args, **kwargs)":
        return sig
    free = inspect.getclosurevars(obj).nonlocals  # the forwarder's target: (module, name) in ops/ or the core
    target_name = free.get("name") or free.get("function")
    if isinstance(free.get("module"), str) and isinstance(target_name, str):
        for package in ("autograd_core.ops.", "autograd_core."):
            try:
                target = getattr(importlib.import_module(package + free["module"]), target_name)
            except (ImportError, AttributeError):
                continue
            return signature_of(target, drop_first=True) or sig
    forwards = _FORWARDS_TO.match(doc)
    if forwards:
        target = autograd_core
        try:
            for part in forwards.group(1).split(".")[1:]:
                target = getattr(target, part)
        except AttributeError:
            return sig
        return signature_of(target, drop_first=True) or sig
    in_place = _IN_PLACE_OF.match(doc)
    if in_place and in_place.group(1) != name:
        base = getattr(autograd_core.Value, in_place.group(1), None)
        return sig if base is None else _value_method_signature(in_place.group(1), base, own_doc(base))
    return sig


def _function_from_method_signature(function):
    """`(input, <the method's arguments>)` for a function that calls input.<name>(*args, **kwargs), else ''."""
    from autograd_core import Value

    name = inspect.getclosurevars(function).nonlocals.get("name")
    method = getattr(Value, name, None) if isinstance(name, str) else None
    if not isinstance(method, types.FunctionType):
        return ""
    inner = _value_method_signature(name, method, own_doc(method))
    if not inner.startswith("(") or inner.startswith("(*args, **kwargs)"):
        return ""
    return "(input)" + inner[2:] if inner.startswith("()") else "(input, " + inner[1:]


def collect_members(class_path):
    """The public members of a class: Value (torch.Tensor's methods and properties), nn.Module, Optimizer, ..."""
    module_name, _, class_name = class_path.rpartition(".")
    Value = getattr(importlib.import_module(module_name), class_name)  # noqa: N806  (Value, or another class)
    short = class_path.removeprefix("autograd_core.")
    rows = []
    for name in sorted(dir(Value)):
        if name.startswith("_"):
            continue
        static = inspect.getattr_static(Value, name)
        if isinstance(static, property) or type(static).__name__ == "member_descriptor":
            obj, kind, doc, sig = static, _kind(static), inspect.getdoc(static) or "", ""
        else:
            obj = getattr(Value, name)
            if isinstance(static, (staticmethod, classmethod)) or callable(obj):
                kind = "class" if isinstance(obj, type) else "function"
                doc = own_doc(obj)
                sig = (_value_method_signature(name, obj, doc) if isinstance(obj, types.FunctionType)
                       else signature_of(obj))
            else:
                kind, doc, sig = "attribute", "", ""
        rows.append((f"{short}.{name}", f"{class_path}.{name}", name, obj, kind, doc, sig))
    return rows


def build():
    """{file name: text} for every page, and the public callables of ours that lack a docstring."""
    pages, missing, counts = {}, [], []
    where = {}  # short name -> [(where it is, page, anchor)]: the A-Z index (names.md)
    for filename, (title, torch_name, sections) in PAGES.items():
        section_rows = [(f"{name}: methods and properties", collect_members(name)) if owners == MEMBERS
                        else (name, collect_module(name, owners)) for name, owners in sections]
        lines = [f"# {title}", "", f"PyTorch's counterpart: `{torch_name}`. "
                 "Generated by `python scripts/gen_api_docs.py`; do not edit by hand.", ""]
        total = 0
        for module_name, rows in section_rows:
            if len(section_rows) > 1:
                lines += [f"## {module_name}", ""]
            lines += [" · ".join(f"[{row[2]}](#{row[0]})" for row in rows), ""]  # the section's contents
            aliases = _aliases(rows)
            for anchor, qualname, name, obj, kind, doc, sig in rows:
                lines += _entry(anchor, qualname, name, obj, kind, doc, sig, aliases.get(name))
                where.setdefault(name, []).append((qualname.removesuffix("." + name), filename, anchor))
                if kind in ("function", "class", "property") and not doc and _is_ours(getattr(obj, "fget", obj)):
                    missing.append(qualname)
            total += len(rows)
        pages[filename] = "\n".join(lines).rstrip() + "\n"
        counts.append((filename, title, total))
    index = ["# API reference", "",
             "Every public name of autograd-core, one page per namespace, with its signature (PyTorch's, for "
             "PyTorch's names) and the first paragraph of its docstring. Generated by "
             "`python scripts/gen_api_docs.py`; do not edit by hand.", "",
             "Looking for `torch.X` or `Tensor.X`? [names.md](names.md) lists every name A-Z with where it is.", "",
             "| page | namespace | names |", "|---|---|---|"]
    for filename, title, total in counts:
        index.append(f"| [{filename.removesuffix('.md')}]({filename}) | `{title}` | {total} |")
    index += ["", f"{sum(c[2] for c in counts)} names in all.", ""]
    pages["README.md"] = "\n".join(index)
    names = ["# All names, A-Z", "", "Each public name and the namespaces that have it (PyTorch's torch.X is "
             "autograd_core.X, Tensor.X is Value.X, torch.nn.X is autograd_core.nn.X, ...). Generated by "
             "`python scripts/gen_api_docs.py`; do not edit by hand.", ""]
    for name in sorted(where, key=lambda n: (n.lower().lstrip("_"), n)):
        places = " · ".join(f"[{place}]({page}#{anchor})" for place, page, anchor in sorted(where[name]))
        names.append(f"- `{name}`: {places}")
    pages["names.md"] = "\n".join(names) + "\n"
    return pages, sorted(set(missing))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    check, as_json = "--check" in argv, "--json" in argv
    pages, missing = build()
    stale = sorted(name for name, text in pages.items()
                   if not (OUT / name).exists() or (OUT / name).read_text(encoding="utf-8") != text)
    extra = sorted(p.name for p in OUT.glob("*.md") if p.name not in pages) if OUT.exists() else []
    if as_json:
        print(json.dumps({"stale": stale + extra, "missing": missing}))
        return 0
    if not check:
        OUT.mkdir(parents=True, exist_ok=True)
        for name, text in pages.items():
            (OUT / name).write_text(text, encoding="utf-8")
        for name in extra:
            (OUT / name).unlink()
    print(f"{len(pages)} pages; {len(missing)} public callables or properties without a docstring"
          + (":\n  " + "\n  ".join(missing) if missing else ""))
    if check:
        if stale or extra:
            print("stale pages (run `python scripts/gen_api_docs.py`): " + ", ".join(stale + extra))
        return 1 if (stale or extra or missing) else 0
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
