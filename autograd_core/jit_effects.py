"""Effects and the calls library code makes to a compile recording (jit.py): the recording in progress in this thread
(`_recording_here`), the `@effect` decorator (a method that changes state outside the graph, an optimizer's step,
replayed as a call), and what library code tells the recorder: `not_replayable(reason)`, `replay_requires(check,
*args)`, `setting_written(...)`. Kept apart from the recorder itself (jit_recorder.py): nn and optim use these, and
they need nothing of it."""

from __future__ import annotations

import functools
import threading

_RECORDING = []  # the active recorder, if any (one at a time)


def effect(idempotent=False, updates=()):
    """Decorator for methods that change state outside the graph (an optimizer's `step`): a recorded call
    is replayed as a call. `idempotent=True` (zero_grad) means running it twice is the same as once.

    Positional arguments are replayed too: arrays computed by the call (BatchNorm's batch statistics) and Values
    (a loss handed to ReduceLROnPlateau.step; the method then gets its data, in the recorded call as in replays) as
    the program's own new values, anything else as recorded (and compared between recordings). `updates` names
    the array attributes of `self` the method changes in place (BatchNorm's running statistics): a program that
    calls it does not guard their contents, which its replays change. Or it is a function of `self` giving
    (object, attribute) pairs it sets (Module.train: every submodule's `training`): a module's attribute that the
    call sets before the module's first forward is not guarded either (the replay sets it again)."""

    def wrap(method):
        method.effect_updates = updates if callable(updates) else tuple(updates)

        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if _RECORDING:  # a recording in some thread (is it this one's?); none: no call (every optimizer step)
                recorder = _recording_here()
                if recorder is not None:
                    return recorder.call_effect(method, self, args, kwargs, idempotent)
            return method(self, *args, **kwargs)

        wrapper.is_effect = True
        return wrapper

    return wrap


def replay_routine(method, obj, args, kwargs):
    """What a compiled program calls for a recorded call of effect `method` on `obj`: the routine `obj` offers for it
    (the protocol: a method `__replay_effect__(method, args, kwargs)` of obj's class, given the function recorded and
    the arguments of the call, returning a function of no arguments that does what `method(obj, *args, **kwargs)`
    does at each later call, with what the method decides at every call decided once, and None for the effect's
    result; or None), or None: the program then calls the method itself. An optimizer offers routines for its
    zero_grad and a plain SGD step (optim/replay.py), as torch.compile traces the optimizer's step into its graph. A
    routine must give the method's results in every case: where what it decided on no longer holds, it calls the
    method."""
    offer = getattr(type(obj), "__replay_effect__", None)
    return None if offer is None else offer(obj, method, args, kwargs)


def is_effect(fn):
    """Whether `fn` (a function or method) is marked with `@effect`."""
    return getattr(fn, "is_effect", False) is True


def mark_effects(cls, **idempotent):
    """Make the methods that class `cls` defines itself under these names effects (`name=idempotent`), unless
    they are already: for a base class whose subclasses write their own (an optimizer's `step`), from its
    `__init_subclass__`."""
    for name, is_idempotent in idempotent.items():
        method = cls.__dict__.get(name)
        if method is not None and not is_effect(method):
            setattr(cls, name, effect(idempotent=is_idempotent)(method))


def _recording_here():
    """The recorder of the compile recording running in this thread and not paused (inside an effect), or None."""
    recorder = _RECORDING[0] if _RECORDING else None
    if recorder is not None and recorder.thread == threading.get_ident() and not recorder.paused:
        return recorder
    return None


def replay_requires(check, *args):
    """While a compile recording runs in this thread: a replay of the program must find check(*args) true for
    its own data before going on (else it records again, as when any guard fails). For library code whose
    forward took a path that holds only for some data (cross_entropy's fast path: every label a class). args:
    arrays the call computed or was given (replayed as the new ones) and plain values (compared between
    recordings); `check` a module-level function (compared by identity). Elsewhere it does nothing."""
    recorder = _recording_here()
    if recorder is not None:
        recorder.entries.append(("require", check, args))


def setting_written(settings, key, value):
    """Called by an optimizer's parameter group (a dict) for each write `settings[key] = value`: while a call is
    recorded, a write outside effects (a step that sets `group["lr"] = lr` by hand, as nanoGPT's loop does) is
    recorded and replayed as the same write, where a replay would otherwise keep whatever the group holds then.
    Writes inside effects (a scheduler's step) are the effect's own. Elsewhere it does nothing."""
    recorder = _recording_here()
    if recorder is not None:
        recorder.entries.append(("setting", settings, key, value))


def not_replayable(reason):
    """Tell the compile recording in progress in this thread (if any) that this call changes state a replay
    would not: the compiled function then runs eagerly, with a CompileWarning giving `reason`. For library
    code that updates arrays in place with NumPy during a forward pass (the functional batch_norm's running
    statistics).
    Outside a recording, and inside effects, it does nothing."""
    recorder = _recording_here()
    if recorder is not None:
        recorder.problem = reason
