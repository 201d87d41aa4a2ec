"""ANN Studio: build artificial neural networks by point and click, train them live, look inside them."""

import os as _os

# One thread for numpy's matrix products (read by OpenBLAS when numpy loads, so before any import of numpy).
# The window's thread does a few (the weight histograms moved onto a grown axis, the landscape's grid in a
# job); OpenBLAS split each over a helper thread that then spun waiting for more work, on the core the window
# needs while training runs on the other: 10-15 ms more per such frame (ui_latency: max stall 40-50 ms
# against 29-38 ms with one thread, 4 pairs). TensorFlow's own threads are not OpenBLAS's. A user's setting wins.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
