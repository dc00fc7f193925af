"""What the suite's hypothesis fuzzers share (not a test module: pytest collects test_*.py): their settings."""

from hypothesis import HealthCheck, seed, settings


def fuzz_settings(examples, seed_text):
    """A decorator running a hypothesis test on `examples` examples: the suite's fixed, derandomized sample where
    seed_text is None, else the examples seed int(seed_text) draws (a run at length by hand, from an environment
    variable). No deadline, no example database, no health checks: a fuzzer's draws are slow and filtered by design."""
    def apply(test):
        test = settings(max_examples=examples, deadline=None, derandomize=seed_text is None, database=None,
                        suppress_health_check=list(HealthCheck), print_blob=False)(test)
        return seed(int(seed_text))(test) if seed_text is not None else test
    return apply
