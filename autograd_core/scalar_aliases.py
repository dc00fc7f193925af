"""The views and detach()es of a 0-d Value, which share its one element as PyTorch's do.

    y = x * 1                   # a 0-d Value: its data is a NumPy scalar
    v = y.view(1)               # PyTorch's v shares y's element; here v's array is a new one
    v.mul_(3)                   # so the change is written into y, and into y's other views and detach()es, here

NumPy hands out a scalar for a 0-d array's element, and no array can view a scalar: a view of a 0-d Value
(`y.view(())`, `y.view(1)`, `y[()]`, `y[None]`, `y.reshape(1, 1)`, `y.unsqueeze(0)`, `y.squeeze()`, `y.expand(1)`),
a 0-d view of such a view (`y.view(1).view(())`) and a detach() of a 0-d Value share no memory with it. They share
its version counter and are listed on it (`alias`): an in-place change of any of them writes the one number into all
(`synchronise`), and a recorded change finds the Value they view (`origin`) as for views that share memory
(inplace_graph's `_base_of`). Views of their arrays that do share memory (`y.view(1).view(1, 1)`) follow through it.
"""

from __future__ import annotations

import weakref

import numpy as np


def alias(member, base):
    """List `member` with `base`'s 0-d family: a view of base that shares no memory with it (base a 0-d Value, or a
    view of one), or a detach() of a 0-d Value. It takes base's version counter."""
    versions = base._shared_versions()
    member._version = versions
    aliases = versions.aliases
    if aliases is None:  # the family starts with the Value the counter was made for (versions.root may change)
        root = versions.root()
        aliases = versions.aliases = [] if root is None else [(weakref.ref(root), weakref.ref(root))]
    origin = member if member._op is None or not member._op.views else origin_of(base, versions)
    aliases.append((weakref.ref(member), weakref.ref(origin)))
    if len(aliases) > versions.limit:  # now and then, forget the members that are gone
        aliases[:] = [entry for entry in aliases if entry[0]() is not None]
        versions.limit = max(256, 2 * len(aliases))


def origin_of(value, versions):
    """The Value of the family that `value` (one of its members, or a view of a member's array) views, itself not a
    view: the 0-d Value, or a detach() of it, the views were taken from (PyTorch's `_base`); value itself if it is
    no view."""
    if value._op is None or not value._op.views:
        return value
    data = value.data
    owner = data.base if isinstance(data, np.ndarray) else None
    for member_ref, origin_ref in versions.aliases or ():
        member = member_ref()
        if member is value or (owner is not None and member is not None and (
                member.data is owner or getattr(member.data, "base", None) is owner)):
            origin = origin_ref()
            return origin if origin is not None else _root(versions, value)
    return _root(versions, value)


def _root(versions, value):
    root = versions.root()
    return value if root is None else root


def synchronise(source, versions):
    """After an in-place change of `source`, a member of a 0-d family: write its one number into every other member
    (in place into an array of its own, which the views of that array see; a new number or a read-only broadcast
    view otherwise)."""
    number = np.asarray(source.data).reshape(-1)
    if not number.size:
        return
    number = number[0]
    members = [ref() for ref, _ in versions.aliases]
    root = versions.root()
    if root is not None:
        members.append(root)
    for member in members:
        if member is None or member is source or member._version is not versions:
            continue
        data = member.data
        if isinstance(data, np.ndarray):
            if data.flags.writeable:
                data[...] = number
            else:  # an expand(): NumPy's read-only broadcast view, made again of the new number
                member.data = np.broadcast_to(np.asarray(number, dtype=data.dtype), data.shape)
        else:
            member.data = data.dtype.type(number)
