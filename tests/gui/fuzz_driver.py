"""The GUI fuzzer: a seeded, careless student drives the real main window offscreen; every uncaught
exception and every crash is a failure.

Two halves:

* the **child** (``python tests/gui/fuzz_driver.py --seed S --actions N [--data mnist.npz]``) builds the
  real :class:`~annstudio.gui.app.MainWindow` with the app's real crash handler, optionally loads MNIST and
  trains a network briefly, then performs N actions from :mod:`fuzz_actions` chosen by ``random.Random(S)``,
  and finally closes the window (mid-training or not). A timer dismisses modal dialogs that block an action
  (``QDialog.exec``, file dialogs, questions) in a random way. It never downloads: ``urlopen`` and socket
  connections are blocked, and the Keras cache is an empty, private folder unless ``--data`` puts MNIST
  there. The last line of its output is a JSON object; the exit code is 0 only when nothing went wrong.
* the **runner** (:func:`run_seed`) starts the child in a subprocess (a segfault must not kill the caller),
  with a private HOME, settings, app-data folder and Keras cache, under a watchdog, and judges it: exit code,
  the child's report, tracebacks on stderr, the app's log.

The same seed makes the same choices; what the app does in between depends on timing (training threads),
so a replay can differ in details. On failure the seed, the action number and the action list are printed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TRACEBACK = "Traceback (most recent call last)"


# ---------------------------------------------------------------------------------------------------------
# the runner (in the caller's process)

@dataclass
class SeedResult:
    seed: int
    actions: int                     # actions asked for
    done: int = 0                    # actions performed
    returncode: int | None = None
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    output: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def crashed(self) -> bool:
        """The process died (a signal, a hang) rather than reporting a problem itself."""
        return self.returncode is None or self.returncode < 0 or self.returncode > 1


_SUBSETS: dict[tuple[str, int], Path] = {}


def mnist_subset(data: str, size: int) -> Path:
    """A real mnist.npz holding the first ``size`` training and ``size // 4`` test digits of ``data``
    (made once per process): loading and evaluating it takes a fraction of the whole file's time."""
    key = (str(data), size)
    if key not in _SUBSETS or not _SUBSETS[key].is_file():
        import numpy as np

        with np.load(data) as full:
            arrays = {name: full[name][: size if "train" in name else max(1, size // 4)]
                      for name in ("x_train", "y_train", "x_test", "y_test")}
        target = Path(tempfile.mkdtemp(prefix="annstudio-fuzz-mnist-")) / "mnist.npz"
        np.savez(target, **arrays)
        _SUBSETS[key] = target
    return _SUBSETS[key]


def run_seed(seed: int, actions: int, data: str | None = None, timeout: float = 300.0,
             python: str = sys.executable, mnist_size: int = 3000) -> SeedResult:
    """Run one seed in a fresh subprocess with private folders; judge exit code, report, stderr and log.

    With ``data`` (an mnist.npz), MNIST is in the child's Keras cache (its first ``mnist_size`` digits;
    0: all of it) and is loaded and trained on before the actions; without, the cache is empty."""
    result = SeedResult(seed, actions)
    with tempfile.TemporaryDirectory(prefix=f"annstudio-fuzz-{seed}-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "HOME": str(home), "KERAS_HOME": str(home / "keras"),
               "ANNSTUDIO_SETTINGS": str(home / "settings.ini"), "ANNSTUDIO_DATA_DIR": str(home / "app-data"),
               "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "3", "OPENBLAS_NUM_THREADS": "1",
               "PYTHONPATH": os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]),
               "XDG_RUNTIME_DIR": str(home / "runtime")}
        (home / "runtime").mkdir(mode=0o700)
        command = [python, str(HERE / "fuzz_driver.py"), "--seed", str(seed), "--actions", str(actions),
                   "--watchdog", str(int(timeout))]
        if data:
            cache = home / "keras" / "datasets" / "mnist.npz"
            cache.parent.mkdir(parents=True)
            shutil.copyfile(mnist_subset(data, mnist_size) if mnist_size else data, cache)
            command += ["--data", str(cache)]
        start = time.monotonic()
        try:
            proc = subprocess.run(command, env=env, cwd=str(home), capture_output=True, text=True,
                                  timeout=timeout + 30)
            result.returncode = proc.returncode
            result.output = proc.stdout + proc.stderr
            stdout, stderr = proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            result.failures.append(f"hung: no exit after {timeout + 30:.0f} s")
            out = exc.stdout or b""
            err = exc.stderr or b""
            stdout = out.decode(errors="replace") if isinstance(out, bytes) else out
            stderr = err.decode(errors="replace") if isinstance(err, bytes) else err
            result.output = stdout + stderr
        result.seconds = time.monotonic() - start
        report = _last_json(stdout)
        if report is not None:
            result.done = int(report.get("done", 0))
            result.failures += list(report.get("failures", []))
        elif result.returncode is not None:
            result.failures.append(f"no report from the child (exit code {result.returncode})")
        if result.returncode not in (0, None):
            result.failures.append(f"exit code {result.returncode}" + (" (a crash)" if result.crashed else ""))
        if TRACEBACK in stderr and not any("uncaught" in f for f in result.failures):
            result.failures.append("a traceback on stderr")
        log = home / "app-data" / "annstudio.log"
        text = log.read_text(errors="replace") if log.is_file() else ""
        if TRACEBACK in text:
            result.output += "\nthe app's log:\n" + "\n".join(text.splitlines()[-60:])
        if result.ok and unexpected_in_log(text):
            result.failures.append("an unexpected exception in the app's log")
    return result


def unexpected_in_log(text: str) -> bool:
    """The log holds an exception nobody expected: one the crash handler caught ("unexpected ..."), or a
    logged traceback ending in an exception that is not one of the app's own (a worker's "training failed"
    with a TrainingError is a sentence the student was shown; one with a ValueError is a bug)."""
    lines = text.splitlines()
    if any(" ERROR " in line and "unexpected " in line for line in lines):
        return True
    for index, line in enumerate(lines):
        if line.startswith(TRACEBACK):
            last = next((later for later in lines[index + 1:] if later and not later.startswith((" ", "\t"))), "")
            if not last.startswith("annstudio."):
                return True
    return False


def _last_json(text: str) -> dict | None:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def describe_failure(result: SeedResult, data: str | None = None) -> str:
    """What to print for a failed seed: how to replay it, what went wrong, and the end of its output."""
    replay = f"python tests/gui/fuzz_driver.py --seed {result.seed} --actions {result.actions}"
    if data:
        replay += f" --data {data}"
    tail = "\n".join(result.output.strip().splitlines()[-150:])
    return (f"seed {result.seed} failed after {result.done} of {result.actions} actions "
            f"(exit code {result.returncode}): {'; '.join(result.failures)}\nreplay: {replay}\n{tail}")


# ---------------------------------------------------------------------------------------------------------
# the child (its own process)

def _block_network() -> None:
    """No real download, ever: opening a URL or connecting a socket fails as it does offline."""
    import socket
    import urllib.error
    import urllib.request

    def refuse(*_args, **_kwargs):
        raise urllib.error.URLError("the fuzzer blocks the network")

    def refuse_socket(*_args, **_kwargs):
        raise OSError("the fuzzer blocks the network")

    urllib.request.urlopen = refuse
    socket.socket.connect = refuse_socket
    socket.create_connection = refuse_socket


class Driver:
    """Performs the actions, dismisses blocking modal dialogs, and keeps the action list."""

    def __init__(self, window, handler, seed: int, files) -> None:
        from PySide6.QtCore import QTimer

        import fuzz_actions as fa

        self.fa = fa
        self.window = window
        self.handler = handler
        self.rng = random.Random(seed)
        self.dismiss_rng = random.Random(seed * 7919 + 1)
        self.scope = fa.Scope(window, files)
        self.log: list[str] = []
        self.failures: list[str] = []
        self.in_action = False
        self.dismissing = False  # a dismissal is scheduled
        self.insist = False      # leaving for good: unsaved work is discarded
        self.inner: list[str] = []  # what the dismisser did inside the running action
        self.progress = self.started = time.monotonic()
        self.seen = 0  # exceptions the crash handler had counted when last looked
        self.timer = QTimer()
        self.timer.setInterval(40)
        self.timer.timeout.connect(self._unblock)
        self.timer.start()

    def note(self, text: str) -> None:
        self.log.append(f"#{len(self.log)} {text}")
        print(f"{self.log[-1]}  [{time.monotonic() - self.started:.2f} s]", flush=True)

    def _unblock(self) -> None:
        """A modal dialog or a menu blocks the action that opened it (or the driver stalls): dismiss it
        randomly, from a single-shot timer. A dismissal may itself open a modal dialog (Save → a file
        dialog → "replace it?"); this repeating timer must stay free to answer that one too."""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        blocked = self.in_action or time.monotonic() - self.progress > 2.0
        if blocked and not self.dismissing and (QApplication.activePopupWidget() is not None
                                                 or self.scope.modal() is not None):
            self.dismissing = True
            QTimer.singleShot(0, self._dismiss)

    def _dismiss(self) -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        self.dismissing = False  # from here on, a dialog this dismissal opens gets its own
        try:
            if QApplication.activePopupWidget() is not None:  # a menu's exec()
                text = "  then, in a popup: " + self.fa.popup_menu(self.dismiss_rng, self.scope)
            else:
                modal = self.scope.modal()
                if modal is None:
                    return
                if self.insist and isinstance(modal, QMessageBox) and modal.button(QMessageBox.StandardButton.Discard):
                    modal.button(QMessageBox.StandardButton.Discard).click()
                    text = "  then, insisting: Discard"
                else:
                    text = "  then, in a modal " + self.fa.dismiss_dialog(self.dismiss_rng, modal, self.scope.files)
            if self.in_action:
                self.inner.append(text)  # noted after the action that opened the dialog
            else:
                self.note(text)
        except Exception as exc:  # noqa: BLE001 - a fuzzer problem, reported as one
            self.failures.append(f"the dismisser failed: {exc!r}")

    def check(self, where: str) -> None:
        count = self.handler.count
        if count > self.seen:
            crash = self.handler.last
            sentence = crash.sentence if crash is not None else "?"
            self.failures.append(f"uncaught exception at {where}: {sentence}")
            if crash is not None:
                print(crash.traceback, file=sys.stderr, flush=True)
            self.seen = count

    def act(self, action) -> None:
        from PySide6.QtTest import QTest

        self.in_action = True
        try:
            self.note(action(self.rng, self.scope))
        finally:
            self.in_action = False
            self.progress = time.monotonic()
            for text in self.inner:
                self.note(text)
            self.inner = []
        QTest.qWait(self.rng.choice([0, 5, 10, 30]))
        self.progress = time.monotonic()
        self.check(self.log[-1])

    def run(self, actions: int) -> int:
        done = 0
        for done in range(1, actions + 1):
            self.act(self.fa.choose(self.rng, self.scope))
            if self.failures:
                break
        return done

    def close_window(self) -> None:
        """The student leaves: maybe mid-training. Questions on the way out get random answers (Cancel keeps
        the window open: a fair answer); after ten tries the student insists and answers Discard."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        if self.rng.random() < 0.5:
            self.note("press Space (train) before closing")
            QTest.keyClick(self.window, Qt.Key.Key_Space)
            QTest.qWait(self.rng.choice([0, 50, 300]))
        for attempt in range(20):
            if not self.window.isVisible():
                break
            self.insist = attempt >= 10
            self.in_action = True
            try:
                self.note(f"close the window (try {attempt + 1})")
                self.window.close()
            finally:
                self.in_action = False
                for text in self.inner:
                    self.note(text)
                self.inner = []
            QTest.qWait(20)
        if self.window.isVisible():
            self.failures.append("the window did not close, even with Discard answered")
            self.window.ask_unsaved = lambda _text: "discard"  # a failed run: let the process end at least
        self.check("closing")


def _prepare_mnist(window, data: str, driver: Driver) -> None:
    """Load MNIST into the MNIST tab and train its network briefly (a small slice, one epoch)."""
    from PySide6.QtTest import QTest

    mnist = window.mnist
    mnist.train_limit = 1000  # a brief epoch: the fuzzer is about the window, not about learning digits
    window.tabs.setCurrentWidget(mnist)  # showing the tab loads MNIST from the Keras cache by itself
    if not mnist.is_loading() and not mnist.data_loaded() and not mnist.set_data_path(data):
        driver.failures.append(f"MNIST did not start loading from {data}")
        return
    _wait(lambda: mnist.data_loaded() and not mnist.is_loading(), 60)
    driver.note(f"MNIST loaded: {mnist.data_loaded()}")
    mnist.training.epochs_spin.setValue(1)
    mnist.play()
    _wait(lambda: mnist.state() == "finished" and not mnist.session.is_running(), 120)
    driver.note(f"MNIST network trained: state {mnist.state()}")
    if not mnist.data_loaded():
        driver.failures.append("MNIST did not load")
    QTest.qWait(10)


def _wait(condition, seconds: float) -> None:
    from PySide6.QtTest import QTest

    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        QTest.qWait(20)


def child_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--actions", type=int, default=150)
    parser.add_argument("--data", default=None, help="an mnist.npz: load it and train briefly first")
    parser.add_argument("--watchdog", type=int, default=300, help="seconds before the child gives up by itself")
    args = parser.parse_args(argv)

    import faulthandler

    faulthandler.enable()
    faulthandler.dump_traceback_later(args.watchdog, exit=True)  # a hang ends the process, with stacks
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    _block_network()
    os.environ.setdefault("ANNSTUDIO_TF_THREADS", "1")

    from PySide6.QtCore import QCoreApplication, Qt, QTimer

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)

    import fuzz_actions as fa
    from annstudio.core.applog import setup_logging
    from annstudio.gui.app import MainWindow, make_app
    from annstudio.gui.crash import install_excepthook

    setup_logging()
    app = make_app(["annstudio-fuzz"])
    window = MainWindow()
    handler = install_excepthook(lambda: window)
    window.show()
    window.activateWindow()  # shortcuts (Space, F1, Ctrl+R…) go to the active window
    extra = [Path(args.data)] if args.data else []
    files = fa.FileChooser(Path.cwd() / "files", extra)
    driver = Driver(window, handler, args.seed, files)
    outcome = {"seed": args.seed, "actions": args.actions, "done": 0, "mnist": bool(args.data)}

    def drive() -> None:
        try:
            if args.data:
                _prepare_mnist(window, args.data, driver)
            if not driver.failures:
                outcome["done"] = driver.run(args.actions)
            driver.close_window()
        except Exception as exc:  # noqa: BLE001 - the fuzzer's own fault, still a failure to see
            import traceback

            traceback.print_exc()
            driver.failures.append(f"the driver failed: {exc!r}")
        finally:
            QTimer.singleShot(0, app.quit)

    QTimer.singleShot(0, drive)
    app.exec()
    driver.timer.stop()
    driver.check("after the event loop")
    if driver.failures:
        print(f"FUZZ FAILURE seed {args.seed}, action #{len(driver.log) - 1}; the actions:", flush=True)
        print("\n".join(driver.log), flush=True)
    outcome["failures"] = driver.failures
    print(json.dumps(outcome), flush=True)
    return 1 if driver.failures else 0


if __name__ == "__main__":
    sys.exit(child_main())
