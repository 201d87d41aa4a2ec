"""The GUI fuzzer in the suite: a few seeds of a careless student driving the real window (see
``fuzz_driver.py`` and ``fuzz_actions.py``; ``bench/fuzz_window.py`` runs many more). Each seed runs in its
own process, whose exit code is checked: zero uncaught exceptions, zero crashes, and it exits by itself."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fuzz_driver import describe_failure, run_seed

ROOT = Path(__file__).resolve().parents[2]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"

#: Seeds that found a bug, kept to replay it: seed -> what it found (and at which action).
REGRESSION_SEEDS = {
    2: "a training thread still tracing when the process exited met Keras after optree's exit handler had emptied "
       "its registry (\"'list' object has no attribute 'ndim'\", about one full-suite run in two; fixed by "
       "core.jobs.at_shutdown, test_job_runner.py)",
    4: "the data-set combo's separator entry raised an uncaught SpecError (action #2; fixed in dataset_panel)",
}
#: Seeds of the long runs (``bench/fuzz_window.py --seeds 20 --actions 300 --start 1000 --data mnist.npz``)
#: that found a bug: too long for the suite, so each bug also has a direct test (named here).
LONG_RUN_SEEDS = {
    1001: "a picture of the untrained network made for inputs changed since was drawn as the new network's: "
          "uncaught ValueError (test_fuzz_findings.py)",
    1007: "the fuzzer itself hung when a dismissal opened a dialog (Save → file dialog → replace?); fixed in "
          "fuzz_driver.py, replayed by every seed that answers the unsaved-work question with Save",
}

#: (seed, actions, with MNIST): what the suite runs; one seed loads MNIST and trains the digit network first.
#: The regression seeds are among them, so they cost nothing extra.
SEEDS = [(4, 150, False), (2, 150, False), (11, 80, True)]  # the MNIST seed shorter: its first epoch costs most
assert set(REGRESSION_SEEDS) <= {seed for seed, _, _ in SEEDS}


@pytest.fixture(scope="module")
def mnist_file(tmp_path_factory) -> Path:
    """The shared MNIST file, or (where it is missing) a small file of the same format, so that the MNIST
    seed runs everywhere: the fuzzer is about the window, not about learning digits."""
    if SHARED_MNIST.is_file():
        return SHARED_MNIST
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("mnist") / "mnist.npz"
    np.savez(path, x_train=rng.integers(0, 256, (1200, 28, 28), dtype=np.uint8),
             y_train=np.arange(1200, dtype=np.uint8) % 10,
             x_test=rng.integers(0, 256, (300, 28, 28), dtype=np.uint8), y_test=np.arange(300, dtype=np.uint8) % 10)
    return path


@pytest.mark.parametrize("seed, actions, with_mnist", SEEDS)
def test_a_careless_student_cannot_break_the_window(seed, actions, with_mnist, mnist_file):
    data = str(mnist_file) if with_mnist else None
    result = run_seed(seed, actions, data=data, timeout=400, mnist_size=1500)
    assert result.ok, describe_failure(result, data)
    assert result.returncode == 0 and result.done == actions
