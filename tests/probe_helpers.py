"""What the differential probes against PyTorch share (not a test module: pytest collects test_*.py): running an
expression in one library as an outcome, and whether our outcome agrees with PyTorch's."""


def outcome(compute):
    """("value", compute()), or ("raises", the exception it raised): a probe compares either."""
    try:
        return "value", compute()
    except Exception as err:  # noqa: BLE001  (the exception is the result compared)
        return "raises", err


def error_of(call):
    """(type, message) of the exception call() raises, or None when it returns: the error an API test compares
    with PyTorch's."""
    try:
        call()
    except Exception as err:  # noqa: BLE001  (the exception is the result compared)
        return type(err), str(err)
    return None


def error_named(call):
    """`error_of`, the exception's type given by its name: for comparing with literal words, or ours with PyTorch's
    where the two libraries' exceptions are other classes of one name."""
    error = error_of(call)
    return None if error is None else (error[0].__name__, error[1])


def same_exception_kind(ours, theirs):
    """Ours is an instance of PyTorch's exception's type, or a ValueError where PyTorch raises RuntimeError (shape and
    argument errors are ValueErrors here, documented in docs/coming-from-pytorch.md)."""
    return isinstance(ours, type(theirs)) or (type(theirs) is RuntimeError and isinstance(ours, ValueError))


def agreement(ours, theirs, same):
    """(agrees, description) of our outcome and PyTorch's: both values and same(ours, theirs), or both raised
    exceptions of the same kind (`same_exception_kind`)."""
    (kind, a), (torch_kind, b) = ours, theirs
    if kind == torch_kind == "value":
        return same(a, b), f"ours {a!r}, torch {b!r}"
    if kind == torch_kind == "raises":
        return same_exception_kind(a, b), f"ours raised {a!r}, torch {b!r}"
    ours_text = f"raised {a!r}" if kind == "raises" else repr(a)
    return False, f"ours {ours_text}, torch {'raised ' if torch_kind == 'raises' else ''}{b!r}"
