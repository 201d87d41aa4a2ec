"""numpy's OpenBLAS runs one thread in ANN Studio's process (see annstudio/__init__.py)."""
import os
import subprocess
import sys

import pytest

PROBE = r"""
import ctypes, sys
import annstudio, numpy
numpy.ones((300, 300)) @ numpy.ones((300, 300))  # (OpenBLAS has loaded)
paths = {line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line.lower() and ".so" in line}
for path in sorted(paths):
    lib = ctypes.CDLL(path)
    for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads"):
        if hasattr(lib, name):
            print(getattr(lib, name)())
            sys.exit(0)
print("none")
"""


def _threads(env: dict) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_numpy_matrix_products_use_one_thread():
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    found = _threads(env)
    if found == "none":
        pytest.skip("numpy is not linked to OpenBLAS here")
    assert found == "1"
    if (os.cpu_count() or 1) > 1:  # a user's own setting is kept
        assert _threads({**env, "OPENBLAS_NUM_THREADS": "2"}) == "2"
