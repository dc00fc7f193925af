"""Methods of one class written in class bodies of other modules, and copied onto it.

When a module grew too long, families of a class's methods moved out word for word (tensor_shape_methods.py,
tensor_reductions.py and tensor_conversions.py hold TensorMethods'; inplace_functions.py and inplace_fills.py
InplaceMethods'; nn/module_hooks.py, module_modes.py and module_state.py Module's). Each module writes its family in a
class body of its own and calls `attach_methods` on it once, at its end. The methods are copied, not mixed in: the
class's MRO stays as it was, and a method's qualified name stays the one it had in the class's body (what reprs,
tracebacks, pickles and `__qualname__` checks read), while its `__module__` says where its code is now.
"""

_CLASS_ATTRIBUTES = ("__module__", "__qualname__", "__doc__", "__dict__", "__weakref__")


def attach_methods(body, target):
    """Copy the attributes of class `body` onto class `target`, each under its own name, which `target` must not have
    yet (but from `object`: Value's `__repr__` and `__format__` replace object's). The functions among them (a
    property's getter, a static or class method's function, and each function a decorator's `functools.wraps` wrapper
    wraps) are renamed `<target>.<name>`, as when they were written in `target`'s body; other attributes (`is_cuda =
    False`) are copied as they are."""
    for name, member in vars(body).items():
        if name not in _CLASS_ATTRIBUTES:
            assert getattr(target, name, None) is getattr(object, name, None), name
            function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
            while hasattr(function, "__code__"):  # (a function; not `is_cuda = False`)
                function.__qualname__ = f"{target.__qualname__}.{function.__name__}"
                function = getattr(function, "__wrapped__", None)
            setattr(target, name, member)
