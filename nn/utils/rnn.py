"""`torch.nn.utils.rnn.pad_sequence`: a list of variable-length sequences as one padded batch."""

from __future__ import annotations

import numpy as np

from autograd_core import Value, concatenate, stack


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Pad sequences of shapes (L_i, *) to the longest length T and stack them: (T, B, *), or (B, T, *) with
    batch_first=True. padding_side: 'right' (padding after each sequence) or 'left' (before it).

    Differentiable: each sequence's gradient is its slice of the batch's; the padding is a constant. Arrays are
    taken as sequences without gradient. The trailing shapes * must agree."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    if isinstance(sequences, (Value, np.ndarray)):
        sequences = list(sequences)  # a tensor is taken as the list of its rows, as PyTorch
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    shapes = [tuple(np.shape(s.data if isinstance(s, Value) else s)) for s in sequences]
    if any(len(s) == 0 for s in shapes):
        raise RuntimeError("pad_sequence: each sequence needs a length axis, got a 0-d one")
    trailing = shapes[0][1:]
    for i, shape in enumerate(shapes):
        if shape[1:] != trailing:
            raise RuntimeError(f"pad_sequence: sequence {i} has trailing shape {shape[1:]}, sequence 0 has "
                               f"{trailing}; all must agree")
    dtype = np.result_type(*[np.asarray(s.data if isinstance(s, Value) else s).dtype for s in sequences])
    longest = max(shape[0] for shape in shapes)
    padded = []
    for seq, shape in zip(sequences, shapes):
        missing = longest - shape[0]
        if missing == 0:
            padded.append(seq)
            continue
        fill = np.full((missing,) + trailing, padding_value, dtype=dtype)
        padded.append(concatenate([seq, fill] if padding_side == "right" else [fill, seq]))
    return stack(padded, axis=0 if batch_first else 1)
