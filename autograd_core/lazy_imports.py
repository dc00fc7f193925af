"""Names a package loads on first use (PEP 562), so that `import autograd_core` does not pay for what a script never
touches (the function transforms, compile, special functions, recurrent layers, ...).

A package lists its lazy submodules and names and takes its module-level `__getattr__` and `__dir__` from here:

    __getattr__, __dir__ = lazy_attributes(__name__, globals(), _SUBMODULES, _LAZY)

`autograd_core.X`, `from autograd_core import X` and `dir(autograd_core)` then work as if X had been imported eagerly.
"""

from __future__ import annotations

import importlib


def lazy_attributes(package, namespace, submodules=(), names=None):
    """The `__getattr__` and `__dir__` of package `package` (its `__name__`), whose module namespace is `namespace`.

    submodules: names of submodules imported on first access (`package.name`); the import sets the attribute.
    names:      public name -> the submodule defining it (same name there), or (submodule, its name there); the
                value is kept in `namespace` once loaded, so later accesses are plain attribute reads.
    """
    names = names or {}

    def __getattr__(name):
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        where = names.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attribute = (where, name) if isinstance(where, str) else where
        value = getattr(importlib.import_module(f"{package}.{module}"), attribute)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(submodules) | set(names))

    return __getattr__, __dir__
