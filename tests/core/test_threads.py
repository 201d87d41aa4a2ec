"""TensorFlow's thread count: every core but one where the window asks for it (core/threads.py), applied
when TensorFlow loads; a user's own setting wins."""
import os
import subprocess
import sys

from annstudio.core import threads

PROBE = r"""
import sys
from annstudio.core import threads
if sys.argv[1] == "leave":
    threads.leave_a_core()
from annstudio.core import build
tf = build.tf
print(threads.requested(), tf.config.threading.get_intra_op_parallelism_threads(),
      tf.config.threading.get_inter_op_parallelism_threads())
"""


def _run(env: dict, mode: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_leave_a_core_sets_every_core_but_one(monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)
    threads.leave_a_core()
    assert threads.requested() == max(1, (os.cpu_count() or 2) - 1)
    monkeypatch.setenv(threads.ENV, "3")
    threads.leave_a_core()  # the user's setting is kept
    assert threads.requested() == 3
    for unusable in ("", "0", "-2", "many"):
        monkeypatch.setenv(threads.ENV, unusable)
        assert threads.requested() is None


def test_tensorflow_loads_with_the_requested_threads():
    env = {k: v for k, v in os.environ.items() if k != threads.ENV}
    wanted = str(max(1, (os.cpu_count() or 2) - 1))
    assert _run(env, "leave") == [wanted, wanted, wanted]
    assert _run(env, "keep") == ["None", "0", "0"]  # without: TensorFlow's own choice
