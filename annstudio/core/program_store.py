"""Traced programs kept on disk from one launch to the next: the next launch runs them without tracing.

Every launch used to trace the default network's programs (its training epoch and its picture) before the
first epoch could be shown: Python building TensorFlow's graph op by op, 0.5–1 s of the launch on this 2-core
machine, the same graph every time. A traced program is a set of TensorFlow ``FunctionDef`` protos; kept here
after its first trace (a file per program, ~20–100 KB), a later launch registers them with TensorFlow's
runtime and calls them by name (a few milliseconds), with the numbers of the traced program to the bit (a
test checks it). The first call still pays TensorFlow's preparation of the graph for running.

A file is used only by the same program of the same code: its name is a hash of what the program was made
from (the caller's description, TensorFlow's, Keras' and Python's versions, Keras' float type and epsilon,
and the source of the modules that write the graph). A file that cannot be read or run is deleted and the
program traced as before. At most :data:`KEEP` files are kept (the oldest go).

The store is off until :func:`set_folder` is called (the app does it at start-up, see ``gui.qapp``): tests
and scripts trace as they always did. Plain Python at import: TensorFlow is imported by the functions that
need it, which are called where it is loaded already.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .applog import app_data_dir
from .jobs import at_shutdown

log = logging.getLogger(__name__)

FORMAT = 1
KEEP = 200
# the modules whose code writes the stored graphs: a change to any of them is another program
SOURCES = ("faststart.py", "build.py", "spec.py", "program_store.py")

_folder: Path | None = None
_lock = threading.Lock()
_code: str | None = None


def default_folder() -> Path:
    """Where the app keeps them: ``programs`` in the app-data folder (see :mod:`applog`)."""
    return app_data_dir() / "programs"


def set_folder(path: str | os.PathLike | None) -> None:
    """Keep programs in ``path`` from now on (created when the first is kept); None: keep none."""
    global _folder
    _folder = Path(path) if path is not None else None


def folder() -> Path | None:
    return _folder


def identity(description: Any) -> str:
    """The file name (without extension) of the program ``description`` (its ``repr`` must say everything that
    shapes the graph), for the code running now."""
    return hashlib.sha256((_code_identity() + repr(description)).encode()).hexdigest()[:40]


def _code_identity() -> str:
    global _code
    if _code is None:
        import keras
        import tensorflow as tf

        here = Path(__file__).parent
        digest = hashlib.sha256()
        for name in SOURCES:
            digest.update((here / name).read_bytes())
        _code = repr((FORMAT, tf.__version__, keras.__version__, sys.version_info[:3], keras.config.floatx(),
                      keras.config.epsilon(), digest.hexdigest()))
    return _code


def path_of(name: str) -> Path | None:
    return _folder / f"{name}.json" if _folder is not None else None


def has(name: str) -> bool:
    """Whether a kept program ``name`` is there (it may still prove unreadable)."""
    path = path_of(name)
    return path is not None and path.is_file()


def forget(name: str) -> None:
    """Delete kept program ``name`` (it could not be read or run)."""
    path = path_of(name)
    try:
        if path is not None:
            path.unlink(missing_ok=True)
    except OSError:
        log.debug("could not delete %s", path, exc_info=True)


# keeping -----------------------------------------------------------------------------------------------
_waiting: list = []  # (name, concrete function) to keep, in the order traced
_saver: threading.Thread | None = None
_saver_cond = threading.Condition()
_closing = False  # the process is exiting: nothing more is kept


def save_later(name: str, concrete) -> None:
    """Keep it soon, from a thread of the store's own, once no student waits for anything (see
    ``control.FOREGROUND``): writing a program (10-30 ms) is not part of a run's first epoch."""
    global _saver
    if _folder is None:
        return
    with _saver_cond:
        _waiting.append((name, concrete))
        if _saver is None:
            _saver = threading.Thread(target=_save_loop, name="annstudio-keep", daemon=True)
            _saver.start()
        _saver_cond.notify_all()


def _save_loop() -> None:
    from .control import FOREGROUND, gc_paused

    while True:
        with _saver_cond:
            while not _waiting and not _closing:
                _saver_cond.wait()
            if _closing:
                return
        while FOREGROUND.busy() and not _closing:
            time.sleep(0.05)
        with _saver_cond:
            if _closing or not _waiting:
                return
            name, concrete = _waiting[0]
        with gc_paused():  # a collection in this thread could finalize the window's objects here
            save(name, concrete)
        with _saver_cond:
            if _waiting and _waiting[0][0] == name:
                _waiting.pop(0)
            _saver_cond.notify_all()


def _close() -> None:
    """At exit: what waits is dropped (the next launch traces it), a program being written is waited for."""
    global _closing
    with _saver_cond:
        _closing = True
        _waiting.clear()
        _saver_cond.notify_all()
    if _saver is not None:
        _saver.join(10)


at_shutdown(_close)


def flush(timeout: float = 60.0) -> bool:
    """Wait until every program given to :func:`save_later` is kept (or failed to be); False on timeout."""
    deadline = time.monotonic() + timeout
    with _saver_cond:
        while _waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _saver_cond.wait(left)
    return True


def save(name: str, concrete) -> bool:
    """Keep the traced ``concrete`` function (a ``tf.function``'s concrete function) as program ``name``.
    Nothing is kept (False) when the store is off, the function captures tensors from outside (their values
    would have to be kept too), or the file cannot be written; the caller goes on in any case."""
    path = path_of(name)
    if path is None:
        return False
    try:
        import tensorflow as tf
        from tensorflow.core.framework import function_pb2

        if list(concrete.captured_inputs):
            return False
        main = concrete.function_def
        library = function_pb2.FunctionDefLibrary()
        library.function.extend(concrete.graph.as_graph_def().library.function)
        library.function.append(main)
        # names of their own: TensorFlow names a trace's functions by a counter of its process, so another
        # launch's "while_body_47" may be another function of that launch
        renamed = {f.signature.name: f"annstudio_{name[:16]}_{i}" for i, f in enumerate(library.function)}
        for function in library.function:
            _rename(function, renamed)
        flat = tf.nest.flatten(concrete.structured_outputs, expand_composites=True)
        record = {"format": FORMAT, "main": renamed[main.signature.name], "outputs": len(flat),
                  "template": tf.nest.pack_sequence_as(concrete.structured_outputs, list(range(len(flat))),
                                                       expand_composites=True),
                  "inputs": [int(arg.type) for arg in main.signature.input_arg],
                  "library": base64.b64encode(library.SerializeToString()).decode("ascii")}
        text = json.dumps(record)
        from .atomic import atomic_path

        with _lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp:
                Path(tmp).write_text(text, encoding="utf-8")
            _prune(path.parent)
        return True
    except Exception:  # noqa: BLE001 - a cache only: the program runs traced
        log.debug("could not keep program %s", name, exc_info=True)
        return False


def _rename(function, renamed: dict) -> None:
    function.signature.name = renamed.get(function.signature.name, function.signature.name)
    for node in function.node_def:
        if node.op in renamed:
            node.op = renamed[node.op]
        for value in node.attr.values():
            if value.HasField("func") and value.func.name in renamed:
                value.func.name = renamed[value.func.name]
            for func in value.list.func:
                if func.name in renamed:
                    func.name = renamed[func.name]


def _prune(where: Path) -> None:
    files = sorted(where.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in files[:max(0, len(files) - KEEP)]:
        old.unlink(missing_ok=True)


# reading back ------------------------------------------------------------------------------------------
class Stored:
    """A kept program, registered with TensorFlow's runtime: called with the traced function's arguments, it
    returns what that function returns."""

    def __init__(self, name: str, main: str, inputs: list[int], outputs: int, template) -> None:
        self.name, self.main, self.outputs, self.template = name, main, outputs, template
        import tensorflow as tf

        self.dtypes = [tf.dtypes.as_dtype(kind) for kind in inputs]
        self.calls = 0

    def __call__(self, *args):
        import tensorflow as tf
        from tensorflow.python.eager import context

        flat = tf.nest.flatten(args, expand_composites=True)
        if len(flat) != len(self.dtypes):
            raise TypeError(f"program {self.name}: {len(flat)} inputs, not {len(self.dtypes)}")
        flat = [value if getattr(value, "dtype", None) == dtype else tf.convert_to_tensor(value, dtype)
                for value, dtype in zip(flat, self.dtypes)]
        outs = context.context().call_function(self.main.encode(), flat, self.outputs)
        self.calls += 1
        return tf.nest.map_structure(lambda i: outs[i], self.template)


def load(name: str) -> Stored | None:
    """Kept program ``name``, registered and ready to call; None when there is none or it cannot be read
    (then it is deleted)."""
    path = path_of(name)
    if path is None or not path.is_file():
        return None
    try:
        from tensorflow.core.framework import function_pb2
        from tensorflow.python.eager import context

        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("format") != FORMAT:
            raise ValueError("another format")
        library = function_pb2.FunctionDefLibrary()
        library.ParseFromString(base64.b64decode(record["library"]))
        names = {f.signature.name for f in library.function}
        if record["main"] not in names:
            raise ValueError("no main function")
        ctx = context.context()
        ctx.ensure_initialized()
        with _lock:
            for function in library.function:
                if not ctx.has_function(function.signature.name):
                    ctx.add_function_def(function)
        return Stored(name, record["main"], list(record["inputs"]), int(record["outputs"]), record["template"])
    except Exception:  # noqa: BLE001 - a cache only: the program is traced
        log.info("kept program %s could not be read; it is traced again", name, exc_info=True)
        forget(name)
        return None
