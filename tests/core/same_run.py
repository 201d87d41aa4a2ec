"""What the tests of the fast start (faststart's graph programs, numpy_net) share: the check that a watched run
trained through them gives the numbers of an unwatched one, which trains through the compiled program only; and
the fixture that keeps numpy out of the tests of the graph programs."""
from __future__ import annotations

import numpy as np
import pytest

from annstudio.core import numpy_net


def assert_same_run(fast, fast_reports: list, steady, steady_reports: list, epochs: int) -> None:
    """``fast`` (a trainer whose XLA program never became ready) and ``steady`` trained alike: every epoch's
    metrics, picture and gradient norms, the weights and the optimizer's step count, to float tolerance."""
    assert not fast._compiled.ready and len(fast_reports) == len(steady_reports) == epochs
    for a, b in zip(fast_reports, steady_reports):
        assert a.metrics.keys() == b.metrics.keys()
        for key in a.metrics:
            assert a.metrics[key] == pytest.approx(b.metrics[key], rel=1e-4, abs=1e-5), key
        if b.surface is not None:
            np.testing.assert_allclose(a.surface, b.surface, rtol=1e-4, atol=1e-5)
        if b.grad_norms is not None:
            np.testing.assert_allclose([v for _, v in a.grad_norms], [v for _, v in b.grad_norms], rtol=1e-3, atol=1e-6)
    for a, b in zip(fast.model.variables, steady.model.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)
    assert int(fast.optimizer.iterations.numpy()) == int(steady.optimizer.iterations.numpy())


@pytest.fixture(autouse=True)
def graph_programs(monkeypatch):
    """For the tests of the graph programs (imported there, it applies to each of them): small networks in the
    plane train and draw in numpy instead (tests/core/test_numpy_net.py), so there they do not."""
    monkeypatch.setattr(numpy_net, "usable", lambda *args: False)
