"""Closing the real window after what a user does never crashes the process (issue 12).

The window runs in a subprocess with a fresh HOME and Keras cache (no MNIST there), because a Qt object
reached after Qt deleted it crashes the process with SIGSEGV (exit code 139) rather than raising.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("close_scenarios.py")
ROOT = Path(__file__).resolve().parents[2]

SCENARIOS = ["question-download", "question-cancel", "question-titlebar", "question-reject",
             "train-playground", "train-mnist"]


def run_scenarios(names: list[str], tmp_path: Path, mnist: Path | str = "") -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    (home / ".keras").mkdir(parents=True)
    env = dict(os.environ, HOME=str(home), KERAS_HOME=str(home / ".keras"), QT_QPA_PLATFORM="offscreen",
               ANNSTUDIO_SETTINGS=str(tmp_path / "settings.ini"), ANNSTUDIO_DATA_DIR=str(tmp_path / "app-data"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])))
    return subprocess.run([sys.executable, str(SCRIPT), ",".join(names), str(mnist)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)


def test_closing_after_the_download_question_and_mid_training_exits_cleanly(tmp_path, mnist_path):
    """The download question answered by each button, closed by its title bar, rejected; then the window
    closed. Then the window closed while the playground trains, and while MNIST trains."""
    result = run_scenarios(SCENARIOS, tmp_path, mnist_path)
    output = result.stdout + result.stderr[-3000:]
    assert result.returncode == 0, output
    for name in SCENARIOS:
        assert f"{name}: closed cleanly" in result.stdout, output
