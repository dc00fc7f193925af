"""Runnable examples that train real models with autograd_core, nn and optim.

Each file runs on its own (`.venv/bin/python examples/train_moons.py --out out/`) and exposes a `train`
function for other code (the demo, the tests):

    from examples.train_moons import train, plot_decision_boundary
"""
