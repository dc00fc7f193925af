"""Random draws inside compiled steps (torch.randn, rand, randint, randperm, randn_like, rand_like, normal,
bernoulli, poisson, multinomial; the distributions' Gamma, Beta, Dirichlet and Categorical samples): recorded
operations, so a step replays and draws fresh numbers at each call from the same generator and in the same order as
eager mode. Each test runs a step eagerly and then compiled, each run seeded alike once at its start, and checks every
call's results, weights and gradients bit for bit: one draw too many or too few anywhere shifts every later number."""

from __future__ import annotations

import warnings

import numpy as np

import autograd_core as torch
import autograd_core.nn.functional as F
from autograd_core import CompileWarning, nn, optim
from autograd_core.jit_plan import _DrawingProgram, _Program
from gradient_helpers import same_bits


_same = same_bits


def _batches(count, rows=8, features=5, seed=0):
    rng = np.random.default_rng(seed)
    return [(torch.tensor(rng.standard_normal((rows, features)).astype(np.float32)),) for _ in range(count)]


def _run(make, batches, compiled):
    """make() -> (model, step); the step run on the batches after one manual_seed: each call's result and the
    weights and gradients after it (copied), and the step (compiled if asked)."""
    torch.manual_seed(0)
    model, step = make()
    if compiled:
        step = torch.compile(step)
    history = []
    for args in batches:
        result = step(*args)
        params = [(p.data.copy(), None if p.grad is None else np.array(p.grad)) for p in model.parameters()]
        history.append((result, params))
    return history, step


def _assert_same_runs(got, expected):
    assert len(got) == len(expected)
    for i, ((result, params), (result_e, params_e)) in enumerate(zip(got, expected)):
        assert _same(result, result_e), f"call {i}: result"
        for (w, g), (w_e, g_e) in zip(params, params_e):
            assert _same(w, w_e) and _same(g, g_e), f"call {i}: weights or gradients"


def _replays_as_eager(make, batches, every_call=True):
    """The compiled step equals the eager one at every call, runs eagerly never (no CompileWarning) and replays
    (every call after the two recordings, or at least once). Returns the compiled step."""
    expected, _ = _run(make, batches, compiled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        got, step = _run(make, batches, compiled=True)
    _assert_same_runs(got, expected)
    assert step.stats["eager"] == 0
    if every_call:
        assert step.stats["replayed"] == len(batches) - 2
    else:
        assert step.stats["replayed"] >= 1
    return step


class _VAE(nn.Module):
    def __init__(self, features=5, hidden=16, latent=3):
        self.encoder = nn.Linear(features, hidden)
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, features))

    def forward(self, x):
        h = F.relu(self.encoder(x))
        mu, logvar = self.mu(h), self.logvar(h)
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)  # the reparameterisation: z = mu + eps * std
        return self.decoder(mu + eps * std), mu, logvar


def test_vae_step_with_randn_like_replays_bit_for_bit():
    def make():
        model = _VAE()
        opt = optim.Adam(model.parameters(), lr=1e-2)

        def step(x):
            opt.zero_grad()
            recon, mu, logvar = model(x)
            reconstruction = F.mse_loss(recon, x, reduction="sum")
            kl = -0.5 * torch.sum(1 + logvar - mu * mu - torch.exp(logvar))
            loss = (reconstruction + kl) / x.shape[0]
            loss.backward()
            opt.step()
            return loss, kl

        return model, step

    step = _replays_as_eager(make, _batches(12))
    assert type(next(iter(step.cache.values())).program) is _Program  # no guard after a draw: nothing to put back


def test_noise_injection_with_randn_of_given_shapes_replays():
    def make():
        model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

        def step(x):
            opt.zero_grad()
            noisy = x + 0.1 * torch.randn(x.shape)                      # a shape from x.shape
            hidden_noise = torch.randn(x.shape[0], 8, dtype=torch.float64)  # Python ints, another dtype
            out = model[2](model[1](model[0](noisy) + hidden_noise.float() * 0.01))
            target = torch.normal(0.0, 1.0, size=(x.shape[0], 1))
            loss = ((out - target) ** 2).mean() + 0.0 * torch.randn(()).abs()  # a 0-d draw
            loss.backward()
            opt.step()
            return loss, hidden_noise

        return model, step

    _replays_as_eager(make, _batches(10))


def test_rand_masks_and_randint_indices_replay():
    def make():
        model = nn.Linear(5, 3)
        opt = optim.Adam(model.parameters(), lr=1e-2)

        def step(x):
            opt.zero_grad()
            keep = (torch.rand(x.shape) > 0.3).float()                   # a mask drawn with rand
            jitter = torch.rand_like(x, dtype=torch.float64)             # rand_like with dtype=
            rows = torch.randint(0, x.shape[0], (6,))                    # a minibatch drawn with randint
            order = torch.randperm(x.shape[0])
            chosen = (x * keep + jitter.float() * 0.01)[rows]
            loss = model(chosen).pow(2).mean() + model(x[order]).mean() * 0.1
            loss.backward()
            opt.step()
            return loss, rows, order

        return model, step

    _replays_as_eager(make, _batches(10))


def test_bernoulli_normal_poisson_multinomial_of_computed_values_replay():
    """Draws whose probabilities, means or rates the step computes: inputs of the recorded draw, so a replay draws
    with this call's values."""
    def make():
        model = nn.Linear(5, 4)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            logits = model(x)
            probs = torch.sigmoid(logits)
            gate = torch.bernoulli(probs.detach())                        # computed probabilities
            coin = torch.bernoulli(x, p=0.25)                             # one probability for all
            about = torch.normal(logits.detach(), 0.5)                    # computed means
            both = torch.normal(logits.detach(), probs.detach())          # computed means and deviations
            counts = torch.poisson(probs.detach() * 3)
            picks = torch.multinomial(probs.detach(), 2)
            loss = (probs * gate).mean() + (logits - about).pow(2).mean() * 0.1 + (logits * counts).mean() * 0.01
            loss.backward()
            opt.step()
            return loss, coin, both, picks

        return model, step

    _replays_as_eager(make, _batches(10))


def test_a_generator_argument_is_drawn_from_at_each_replay_and_reseeding_reaches_it():
    generators = []

    def make():
        model = nn.Linear(5, 2)
        opt = optim.SGD(model.parameters(), lr=0.1)
        g = torch.Generator().manual_seed(7)
        generators.append(g)

        def step(x):
            opt.zero_grad()
            noise = torch.randn(x.shape, generator=g)                     # the step's own generator
            drop = torch.rand(x.shape) > 0.5                              # and the default one, interleaved
            loss = model(x + noise * drop.float()).pow(2).mean()
            loss.backward()
            opt.step()
            return loss, noise

        return model, step

    batches = _batches(10)
    expected, _ = _run(make, batches, compiled=False)
    generators.pop()
    got, step = _run(make, batches, compiled=True)
    _assert_same_runs(got, expected)
    assert step.stats["replayed"] == 8
    # The generator reseeded in place between calls (and the default one restored): a replay draws the new numbers.
    g = generators.pop()
    g.manual_seed(3)
    state = torch.get_rng_state()
    replayed = step(*batches[0])
    g.manual_seed(3)
    torch.set_rng_state(state)
    x = batches[0][0]
    assert _same(replayed[1].data, torch.randn(x.shape, generator=g).data)
    assert step.stats["replayed"] == 9


def test_a_guard_that_fails_after_a_draw_puts_the_generator_back():
    """A read that steers Python (`if (x.sum() > 0).item():`) is checked after the draws before it; a replay whose
    check fails records the call again eagerly, which must draw what eager mode draws, not the numbers after."""
    def make():
        model = nn.Linear(5, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            noise = torch.randn(x.shape)
            if (x.sum() > 0).item():
                loss = model(x + noise).pow(2).mean()
            else:
                loss = model(x - noise).abs().mean()
            loss.backward()
            opt.step()
            return loss, noise

        return model, step

    rng = np.random.default_rng(1)
    batches = [(torch.tensor((rng.standard_normal((8, 5)) + (1 if i % 5 < 3 else -1)).astype(np.float32)),)
               for i in range(15)]
    step = _replays_as_eager(make, batches, every_call=False)
    assert step.stats["guard_failures"] >= 1
    assert isinstance(next(iter(step.cache.values())).program, _DrawingProgram)


def test_a_guard_that_fails_after_a_dropout_mask_puts_its_generator_back():
    """The same for nn.Dropout's masks (drawn from the generator the operation names, here a module's own)."""
    def make():
        model = nn.Sequential(nn.Linear(5, 8), nn.Dropout(0.3), nn.Linear(8, 1), nn.Dropout(0.2, rng=4))
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            out = model(x)
            loss = out.pow(2).mean() if (x.mean() > 0).item() else out.abs().mean()
            loss.backward()
            opt.step()
            return loss

        return model, step

    rng = np.random.default_rng(2)
    batches = [(torch.tensor((rng.standard_normal((8, 5)) + (1 if i % 4 < 2 else -1)).astype(np.float32)),)
               for i in range(16)]
    step = _replays_as_eager(make, batches, every_call=False)
    assert step.stats["guard_failures"] >= 1


def test_a_shape_that_depends_on_the_data_records_again():
    def make():
        model = nn.Linear(5, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            positive = x[x > 0]
            jitter = torch.randn_like(positive)                          # as many as the data has positive entries
            extra = torch.rand(int((x > 1).sum()))                        # a count read with int(): guarded
            loss = model(x).mean() + (positive + jitter).mean() + extra.sum() * 0
            loss.backward()
            opt.step()
            return loss, jitter, extra

        return model, step

    batches = _batches(4)
    batches = [batches[0]] * 4 + [batches[1]] * 3 + [batches[0]] * 3
    expected, _ = _run(make, batches, compiled=False)
    got, step = _run(make, batches, compiled=True)
    _assert_same_runs(got, expected)
    assert step.stats["replayed"] >= 4 and step.stats["recorded"] > 2  # the other batch's counts: recorded again


def test_a_sample_that_requires_grad_replays():
    """randn(..., requires_grad=True) and randn(...).requires_grad_(): a drawn leaf whose gradient the step reads."""
    def make():
        model = nn.Linear(5, 1)

        def step(x):
            w = torch.randn(5, 1, requires_grad=True)
            v = torch.rand(5, 1).requires_grad_()
            loss = (model(x) + x @ w + x @ v * 2).sum()
            loss.backward()
            return loss, w.grad, v.grad, w

        return model, step

    _replays_as_eager(make, _batches(10))


def test_steps_without_draws_get_the_plain_program():
    """A program pays for putting generators back only where it draws before a guard that may fail."""
    model = nn.Linear(5, 1)

    def step(x):
        if (x.sum() > 0).item():
            return model(x).sum()
        return model(x).mean()

    step = torch.compile(step)
    x = _batches(1)[0][0]
    for _ in range(3):
        step(x)
    assert type(next(iter(step.cache.values())).program) is _Program


def test_eager_draws_are_unchanged():
    """Outside a recording the functions draw what they drew before (NumPy's generator, in its order)."""
    torch.manual_seed(5)
    got = [torch.randn(2, 3), torch.rand(4), torch.randint(0, 9, (3,)), torch.randperm(5),
           torch.normal(1.0, 2.0, size=(3,))]
    rng = np.random.default_rng(5)
    want = [rng.standard_normal((2, 3)).astype(np.float32), rng.random(4).astype(np.float32),
            rng.integers(0, 9, size=(3,)), rng.permutation(5), rng.normal(1.0, 2.0, (3,)).astype(np.float32)]
    for a, b in zip(got, want):
        assert _same(a.data, b)


def test_distribution_rsample_in_a_vae_step_replays():
    """`Normal(mu, std).rsample()` (and the other distributions that sample by one standard draw) draws through the
    same recorded operation as torch.randn."""
    def make():
        model = _VAE()
        opt = optim.Adam(model.parameters(), lr=1e-2)

        def step(x):
            opt.zero_grad()
            h = F.relu(model.encoder(x))
            mu, logvar = model.mu(h), model.logvar(h)
            posterior = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
            z = posterior.rsample()
            u = torch.distributions.Uniform(0.0, 1.0).sample((x.shape[0], 1))
            prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
            kl = torch.distributions.kl_divergence(posterior, prior).sum(-1).mean()
            loss = F.mse_loss(model.decoder(z), x) + kl + (u * 0).sum()
            loss.backward()
            opt.step()
            return loss, z, u

        return model, step

    _replays_as_eager(make, _batches(10))


def test_gamma_beta_and_dirichlet_reparameterized_samples_replay():
    """Gamma, Beta and Dirichlet rsample draw standard gamma numbers for the concentrations the step computes: a
    recorded draw with the concentrations as its input, so each replay draws anew for that call's, and the implicit
    gradient w.r.t. them is eager mode's."""
    def make():
        model = nn.Linear(5, 3)
        opt = optim.Adam(model.parameters(), lr=1e-2)

        def step(x):
            opt.zero_grad()
            h = model(x)
            concentration = h.exp() + 0.5
            gamma = torch.distributions.Gamma(concentration, 2.0).rsample()
            beta = torch.distributions.Beta(concentration, h.pow(2) + 1.0).rsample((2,))
            weights = torch.distributions.Dirichlet(concentration).rsample()
            loss = (gamma * h).mean() + beta.mean() + (weights * h).sum()
            loss.backward()
            opt.step()
            return loss, gamma, beta, weights

        return model, step

    _replays_as_eager(make, _batches(6))


def test_a_policy_gradient_step_with_categorical_samples_replays():
    """REINFORCE: actions drawn from Categorical(logits=policy(x)), scored by log_prob: the draw reads the
    probabilities of each call, and log_prob the actions drawn, by recorded operations."""
    def make():
        policy = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 4))
        opt = optim.SGD(policy.parameters(), lr=0.05)

        def step(x):
            opt.zero_grad()
            dist = torch.distributions.Categorical(logits=policy(x))
            actions = dist.sample()
            reward = (actions == 2).float() - 0.25
            loss = -(dist.log_prob(actions) * reward).mean()
            loss.backward()
            opt.step()
            return loss, actions

        return policy, step

    _replays_as_eager(make, _batches(6))
