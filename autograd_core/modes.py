"""Global modes of the engine: whether operations record a graph, the module scope new nodes belong to
(for pictures), and anomaly detection. One mutable `STATE` object, so the hot path reads one attribute."""

from __future__ import annotations

import contextlib


class _State:
    # One mutable object rather than module globals, so the hot path reads one attribute.
    grad_enabled = True
    anomaly = False
    scope = None  # innermost Scope while an nn.Module is running, for graph clusters
    tracers = ()  # forward-mode traces and compile recorders that see every operation (tracing.py)


STATE = _State()


def is_grad_enabled() -> bool:
    """True when new operations record a graph (the default)."""
    return STATE.grad_enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Context manager and decorator that switches graph recording on or off inside its block."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._saved = []

    def __enter__(self):
        self._saved.append(STATE.grad_enabled)
        STATE.grad_enabled = self.mode
        return self

    def __exit__(self, *exc):
        STATE.grad_enabled = self._saved.pop()
        return False


class no_grad(set_grad_enabled):
    """`with no_grad():` or `@no_grad()`: operations inside record no graph and need no memory for it."""

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Re-enables graph recording inside a `no_grad` block."""

    def __init__(self):
        super().__init__(True)


class Scope:
    """A named region of the graph, such as one call of an `nn.Module`; nodes remember the innermost one.

    `parent` links to the enclosing scope, so a picture can nest clusters (MLP > Layer > Neuron).
    """

    __slots__ = ("name", "kind", "parent", "owner")

    def __init__(self, name, kind, parent=None, owner=None):
        self.name, self.kind, self.parent, self.owner = name, kind, parent, owner

    def path(self):
        """The chain of scopes from the outermost to this one."""
        chain, scope = [], self
        while scope is not None:
            chain.append(scope)
            scope = scope.parent
        return chain[::-1]

    def __repr__(self):
        return f"Scope({self.name!r}, {self.kind!r})"


@contextlib.contextmanager
def name_scope(name, kind="scope", owner=None):
    """Tag every node created inside the block with a `Scope`, so `viz` can draw it as one cluster."""
    scope = Scope(name, kind, STATE.scope, owner)
    STATE.scope = scope
    try:
        yield scope
    finally:
        STATE.scope = scope.parent
