"""How many threads TensorFlow may use: read once, when it loads (``build`` imports it).

The window leaves a core for itself: TensorFlow gets every core but one. Its matrix products for the
networks we train are small (MNIST's 32 x 784 x 100 a batch): on a 2-core machine one thread trains an MNIST
epoch quicker than two (0.36-0.37 s against 0.40-0.43 s; handing such small products between threads costs more
than the second thread gives). Anything that runs the engine as the window does (the benchmarks) asks for the
same before TensorFlow loads.
"""
from __future__ import annotations

import os

ENV = "ANNSTUDIO_TF_THREADS"


def leave_a_core() -> None:
    """TensorFlow may use every core but one (at least one); a setting already made (the user's) wins.
    Only before TensorFlow loads: later it changes nothing."""
    os.environ.setdefault(ENV, str(max(1, (os.cpu_count() or 2) - 1)))


def requested() -> int | None:
    """The thread count asked for, or None: TensorFlow's own choice (every core)."""
    value = os.environ.get(ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else None
