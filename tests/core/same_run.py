"""One check shared by the tests of the fast start (faststart's graph programs, numpy_net): a watched run that
trained through them gives the numbers of an unwatched one, which trains through the compiled program only."""
from __future__ import annotations

import numpy as np
import pytest


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
