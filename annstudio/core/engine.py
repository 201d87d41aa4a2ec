"""The training engine: real Keras/TensorFlow, without per-batch Python overhead.

``fit`` pays Python, callback and data-pipeline overhead on every batch, which dominates small models.
The :class:`Trainer` instead compiles one TensorFlow function (with XLA where available) that runs
*many* optimizer steps in a graph loop over the data held as tensors, and another that computes the
probes (decision surface, activations) in the graph too. The Python loop between those calls is where
pause, step, stop and learning-rate changes take effect, and where an immutable :class:`EpochReport`
is made for whoever is watching.

The numbers are those of ``model.fit``: same model, loss, optimizer, batch order (shuffled each epoch),
last batch smaller when the data does not divide evenly, and the reported loss the running mean over
the epoch's batches, weighted by batch size.
"""
from __future__ import annotations

import logging
import math
import os
import threading
import time
import weakref
from dataclasses import replace
from typing import Callable, Iterator

import numpy as np

from . import augment as _augment
from . import build as _build
from . import faststart, numpy_net, schedules, stopping
from .control import FOREGROUND, NeuronEdit, TrainControl, gc_paused
from .datasets import Dataset, expand_features
from .errors import UserError
from .epoch_report import EpochReport, Probes, TrainResult, _frozen, weight_histogram  # noqa: F401  (re-exported)
from .history import History
from .jobs import at_shutdown
from .spec import ACTIVATIONS, NetworkSpec, TrainSpec, perceptron_problems

import keras  # noqa: E402  (build sets the TF log level first)
import tensorflow as tf  # noqa: E402


_EVAL_LIMIT = 10_000  # evaluate at most this many samples in one graph call
#: Compile the next program on a thread of its own while training goes on (the any-width programs of faststart
#: train meanwhile). On unless ANNSTUDIO_BACKGROUND_COMPILE=0 (then it compiles in the training thread after the
#: untrained picture, and Play waits for it). History: it was off for a while, blamed for a Keras error the GUI
#: fuzzer met ("'list' object has no attribute 'ndim'"); the cause was a training thread still tracing while the
#: process exited, after optree's exit handler had emptied its registry (fixed in core.jobs.at_shutdown).
BACKGROUND_COMPILE = os.environ.get("ANNSTUDIO_BACKGROUND_COMPILE", "1") != "0"
#: A run trains this long (seconds of training, not counting pauses nor a trace) through the any-width programs before its XLA
#: program is compiled in the background. A student trying one change after another trains each network for a
#: moment: compiling every one of them (1.5–4 s of a core each) only slowed the next change's picture and first
#: epoch, and was thrown away. A run watched longer hands over a moment later than it could have.
COMPILE_AFTER_S = 0.5
#: The TrainSpec fields a run may change between epochs (Trainer.set_rules): stopping rules and schedule.
_RULE_FIELDS = ("early_stopping", "monitor", "patience", "restore_best", "target_loss", "schedule", "schedule_every",
                "schedule_factor", "schedule_length", "schedule_floor", "schedule_warmup")
#: Data this large (bytes) is copied into TensorFlow once and the copy shared by the trainers of that data set
#: (see :func:`shared_tensor`): every new trainer of MNIST copied its 220 MB again, 0.2-0.6 s of each Play
#: (profiled: ``convert_to_eager_tensor``), also after a student had only added a layer.
SHARED_DATA_BYTES = 8 << 20
_shared: dict[int, tuple] = {}   # id(source) -> (weak reference to it, what was made, the tensor)
_shared_lock = threading.RLock()  # (re-entrant: a source may die, and its entry go, while it is held)


def shared_tensor(source: np.ndarray, part: slice, key: tuple, convert: Callable[[np.ndarray], np.ndarray]):
    """``tf.constant(convert(source[part]))``; for a large ``source``, the one made last for the same ``part``
    and ``key`` (how ``convert`` shapes it) while ``source`` lives. One copy is kept per source array (a new
    part or key replaces it). Data sets are never changed in place: new data is a new array."""
    if not isinstance(source, np.ndarray) or source.ndim == 0 or source.nbytes < SHARED_DATA_BYTES:
        return tf.constant(convert(source[part]))
    start, stop, step = part.indices(len(source))
    root, first = _rows_of(source)  # (the MNIST tab trains on its first N images: a new view at every Play)
    wanted = (first + start, first + stop, step) + tuple(key)
    with _shared_lock:  # (two trainers made at once: one copy)
        kept = _shared.get(id(root))
        if kept is not None and kept[0]() is root and kept[1] == wanted:
            return kept[2]
        tensor = tf.constant(convert(source[part]))
        _shared[id(root)] = (weakref.ref(root, _forget_shared), wanted, tensor)
        return tensor


def _rows_of(source: np.ndarray) -> tuple[np.ndarray, int]:
    """The array whose rows ``source`` is a run of (``array[first:first + len(source)]``), and ``first``; or
    ``source`` itself and 0."""
    root = source
    while isinstance(root.base, np.ndarray):
        root = root.base
    if (root is not source and root.dtype == source.dtype and root.shape[1:] == source.shape[1:]
            and root.flags.c_contiguous and source.flags.c_contiguous and len(source)):
        row = root.strides[0]
        offset = source.ctypes.data - root.ctypes.data
        if row > 0 and offset % row == 0 and 0 <= offset // row and offset // row + len(source) <= len(root):
            return root, offset // row
    return source, 0


def _forget_shared(dead: weakref.ref) -> None:
    with _shared_lock:
        for key, kept in list(_shared.items()):
            if kept[0] is dead:
                del _shared[key]


_MAX_EPOCHS_PER_CALL = 256     # a watched training of a small data set runs up to this many epochs per call
_ORDER_ELEMENTS = 1 << 18      # ... and hands it at most this many sample indices (the epochs' orders)

log = logging.getLogger(__name__)
class _Compiler:
    """One background thread that compiles programs ahead, the newest request first.

    Each change of the network asks for its program; compiled all at once, five quick changes made five
    threads fight for two cores and the interpreter lock, and every picture waited for them. So one runs at a
    time, the newest first, and requests that are overtaken by more than ``keep`` newer ones are dropped
    (their program compiles when, if ever, it is needed). Guesses about what comes next wait while a student
    waits for something (:data:`~annstudio.core.control.FOREGROUND`)."""

    def __init__(self, keep: int = 2):
        self.keep = keep
        self._cond = threading.Condition()
        self._pending: list[tuple[object, object, object, bool]] = []  # (id, work, dropped, a guess)
        self._running = 0
        self._thread: threading.Thread | None = None
        self._closing = False

    def submit(self, job_id, work, dropped=None, urgent: bool = True) -> None:
        """Compile with ``work()`` in the thread, before the requests waiting (``urgent``) or after them (a
        guess about what comes next). ``work`` may return a callable: the rest of its work, which then waits
        after the others (it gave way to them)."""
        if not BACKGROUND_COMPILE:  # in the calling thread, now; a guess about what comes next is left out
            if urgent:
                with gc_paused():
                    work()
            elif dropped is not None:
                dropped()
            return
        with self._cond:
            if self._closing:
                return
            self._pending = [job for job in self._pending if job[0] != job_id]
            job = (job_id, work, dropped, not urgent)
            self._pending.insert(0, job) if urgent else self._pending.append(job)
            while len(self._pending) > self.keep + (0 if urgent else 1):
                old = self._pending.pop()
                if old[2] is not None:
                    old[2]()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="annstudio-compile", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closing and (not self._pending or (self._pending[0][3] and FOREGROUND.busy())):
                    self._cond.wait(0.05 if self._pending else None)  # a guess waits while a student waits
                if self._closing:
                    return
                job_id, work, dropped, guess = self._pending.pop(0)
                self._running += 1
            rest = None
            try:
                with gc_paused():  # a collection in this thread could finalize the window's objects here
                    rest = work()
            except Exception:  # noqa: BLE001 - the program then compiles when first needed, as before
                log.exception("compiling ahead failed")
            finally:
                with self._cond:
                    self._running -= 1
                    if callable(rest) and not self._closing:  # it gave way: its rest after what waits
                        self._pending.append((job_id, rest, dropped, guess))
                    self._cond.notify_all()

    def waiting(self) -> int:
        """Requests waiting (not the one compiling)."""
        with self._cond:
            return len(self._pending)

    def cancel(self, owner: int) -> None:
        """Drop the waiting requests of ``owner`` (an id, the first item of their job ids): its trainer is
        gone, the student has moved on. One already compiling runs to its end."""
        with self._cond:
            dropped = [job for job in self._pending if isinstance(job[0], tuple) and job[0][0] == owner]
            self._pending = [job for job in self._pending if job not in dropped]
        for job in dropped:
            if job[2] is not None:
                job[2]()

    def busy(self) -> int:
        with self._cond:
            return len(self._pending) + self._running

    def wait(self, timeout: float = 300.0) -> bool:
        """Until nothing is pending or compiling (tests, benchmarks); False on timeout."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._running:
                remaining = end - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.25))
        return True

    def close(self, timeout: float = 60.0) -> None:
        with self._cond:
            self._closing = True
            dropped = [job[2] for job in self._pending if job[2] is not None]
            self._pending.clear()
            self._cond.notify_all()
            thread = self._thread
        for callback in dropped:
            callback()
        if thread is not None:
            thread.join(timeout)


_COMPILER = _Compiler()
# A process must not end while the thread is inside XLA's compiler (it can crash on the way out), nor trace after
# the libraries' exit handlers ran (see core.jobs.at_shutdown).
at_shutdown(_COMPILER.close)


def compiling() -> int:
    """How many programs are waiting to be compiled, or compiling, in the background (tests, benchmarks)."""
    return _COMPILER.busy()


def wait_compiled(timeout: float = 300.0) -> bool:
    """Block until the background compiles are done (tests, benchmarks)."""
    return _COMPILER.wait(timeout)


def prepare_programs(network: NetworkSpec, train: TrainSpec, data: Dataset, state=None) -> None:
    """Make ready, before Play, what a run of ``network`` on ``data`` needs first: its Keras model (left in the
    pool for the run's trainer to take) and its any-width programs, traced and run once. The MNIST tab calls it
    while idle: a run of 60 000 images showed its first running loss only after that trace (about a second
    here). Only ``data``'s first rows are used. ``state``: a
    :class:`~annstudio.core.jobs.JobState` (unused: the work is a few calls), as a job runner passes one."""
    rows = 512
    small = Dataset(data.name, data.x_train[:rows], data.y_train[:rows], data.x_test[:rows], data.y_test[:rows],
                    data.task, data.classes, data.bounds)
    trainer = Trainer(network, train, small, fast_start=True)
    try:
        if trainer._fast_ok():
            trainer._compiled.prepare_fast()
    finally:
        trainer.release()


def share_images(data: Dataset) -> None:
    """Make now the TensorFlow copy of a large image data set (MNIST) that its trainers will share (see
    :func:`shared_tensor`): all its training and test images, for a network that takes them as they are (no
    validation part), so that Play does not wait for it (MNIST: 0.2-0.6 s). Small data: nothing."""
    for x in (data.x_train, data.x_test) if data.has_test else (data.x_train,):
        shared_tensor(x, slice(None), _inputs_key((), x.shape[1:]), lambda rows: np.asarray(rows, np.float32))


def _inputs_key(features: tuple, input_shape: tuple) -> tuple:
    return ("inputs", tuple(features), tuple(input_shape))


def _input_tensor(network: NetworkSpec, x: np.ndarray, part: slice):
    """A trainer's input tensor of ``x[part]`` (shared when large): the points as ``network`` takes them."""
    return shared_tensor(x, part, _inputs_key(network.features, network.input_shape),
                         lambda rows: network_inputs(network, rows))


def network_inputs(network: NetworkSpec, x: np.ndarray) -> np.ndarray:
    """Points as ``network`` takes them: its input features made from 2-D points, float32, checked in shape."""
    if network.features and x.ndim == 2:
        x = expand_features(x, network.features)
    x = np.asarray(x, dtype=np.float32)
    if tuple(x.shape[1:]) != tuple(network.input_shape):
        raise TrainingError(f"the network expects inputs of shape {tuple(network.input_shape)}, "
                            f"but the data has {tuple(x.shape[1:])}")
    return x


def read_variables(variables) -> list[np.ndarray]:
    """The values of Keras variables, as numpy arrays, through TensorFlow's own read op: a fifth of the time
    ``variable.numpy()`` takes (its conversions cost ~50 µs a variable here; the any-width and numpy paths read
    and write every weight and optimizer slot at every epoch)."""
    try:
        return [tf.raw_ops.ReadVariableOp(resource=v.value.handle, dtype=v.value.dtype).numpy() for v in variables]
    except (AttributeError, TypeError):  # not a TensorFlow variable underneath: the usual way
        return [np.asarray(v.numpy()) for v in variables]


def write_variables(variables, values) -> None:
    """Put ``values`` into Keras variables (as :func:`read_variables`, ~25 µs a variable instead of ~130)."""
    for var, value in zip(variables, values):
        try:
            target = var.value
            if not tf.is_tensor(value):
                value = np.asarray(value, dtype=target.dtype.as_numpy_dtype)
            tf.raw_ops.AssignVariableOp(resource=target.handle, value=value)
        except (AttributeError, TypeError):
            var.assign(value)


def _one_at_a_time(steps: list) -> Callable[[], object]:
    """A background job that does ``steps`` (callables) in order, and hands the rest back to the compiler
    thread (see :meth:`_Compiler.submit`) whenever something else is waiting, or a student is."""
    def work():
        while steps:
            steps.pop(0)()
            if steps and (_COMPILER.waiting() or FOREGROUND.busy()):
                return work
        return None
    return work


def _batch_sums(train_batch, data, order, start, n_steps, batch_size):
    """Graph code: ``n_steps`` batches of ``batch_size`` taken from ``order`` at ``start``; the sums of their
    losses and metrics (each times its batch's size). A while loop written out, not AutoGraph's (see faststart)."""
    def step(i, loss_sum, metric_sum):
        ls, ms = train_batch(data, order, start + i * batch_size, batch_size)
        return i + 1, loss_sum + ls, metric_sum + ms

    _, loss_sum, metric_sum = tf.while_loop(lambda i, *_: i < n_steps, step,
                                            (tf.constant(0), tf.constant(0.0), tf.constant(0.0)),
                                            maximum_iterations=n_steps)
    return loss_sum, metric_sum


class TrainingError(UserError):
    """Training could not start or go on, with the reason in words."""


# ---------------------------------------------------------------------------------------------------

def grid_axes(bounds: tuple[float, float, float, float], resolution: int) -> tuple[np.ndarray, np.ndarray]:
    x0, x1, y0, y1 = bounds
    return (np.linspace(x0, x1, resolution, dtype=np.float32), np.linspace(y0, y1, resolution, dtype=np.float32))


def histograms_from_rows(numbers: np.ndarray, layers: list[str], bins: int) -> list[tuple]:
    """The histograms :meth:`_Compiled.histograms_graph` counted, one row of numbers per epoch, as reports
    carry them: for each row ``((layer name, counts, edges), ...)`` with the counts and edges
    ``np.histogram(kernel, bins)`` gives for that epoch's kernel (a layer whose values are not finite is left
    out). All rows at once: a watched run makes thousands a second."""
    numbers = np.asarray(numbers, np.float32).reshape(len(numbers), len(layers), 2 + bins)
    smallest, largest = numbers[:, :, 0], numbers[:, :, 1]
    counts = numbers[:, :, 2:].astype(np.int64)
    finite = np.isfinite(smallest) & np.isfinite(largest)
    same = smallest == largest
    low = np.where(finite, np.where(same, smallest - np.float32(0.5), smallest), np.float32(0))
    high = np.where(finite, np.where(same, largest + np.float32(0.5), largest), np.float32(1))
    edges = np.linspace(low, high, bins + 1, axis=-1, dtype=np.float32)  # as np.histogram makes them
    return [tuple((name, counts[e, i], edges[e, i]) for i, name in enumerate(layers) if finite[e, i])
            for e in range(len(numbers))]


def _hidden_activations(network: NetworkSpec) -> list[str]:
    """The hidden Dense layers' activations, in order (what a network's own fast programs fix)."""
    return [layer.activation for layer in network.layers if layer.kind == "dense"][:-1]


class _Compiled:
    """What successive trainers of one architecture can share: the Keras model, its optimizer and the
    compiled graph programs.

    TensorFlow never frees a traced function (nor XLA's compiled code for it), so a process that built a
    new Trainer for every reset or every returning network grew by ~15 MB each time. A Trainer therefore
    takes a free :class:`_Compiled` of the same architecture from :data:`_POOL` when there is one and only
    resets its weights and optimizer state. The data is not captured by the programs: it is passed to them
    as arguments (with the number of samples left open), so another data set of the same kind reuses them.
    """

    def __init__(self, network: NetworkSpec, train: TrainSpec, probes: "Probes", xla: bool, layout: tuple,
                 model: keras.Model | None, seed: int | None):
        self.network = network
        self.loss = train.loss
        self.probes = probes
        self._parameter_layout: tuple | None = None  # (layer, shape) of every parameter, made when first asked
        self._parameter_count: int | None = None
        self.xla = xla
        self.layout = layout
        self.has_test, self.test_in_graph, self.train_in_graph = layout[0], layout[1], layout[2]
        self.optimizer = _build.make_optimizer(train)
        key = faststart.structure(network, layout[3], self.has_test, probes.grad_norms, train.loss,
                                  train.optimizer) if not train.augmentation.active else None
        # small networks in the plane train and draw in numpy until their XLA program is ready (see numpy_net):
        # no any-width program is traced for them
        self.numpy_net = None
        if key is not None and faststart.usable_optimizer(self.optimizer) and numpy_net.usable(network, train.loss,
                                                                                                train.optimizer):
            self.numpy_net = numpy_net.NumpyNet(network, train.loss, train.optimizer,
                                                faststart.optimizer_constants(self.optimizer), probes.grad_norms,
                                                self.has_test)
        #: the any-width programs this network needs (prepared in the background): none when numpy does it all
        self.fast_names = () if self.numpy_net is not None else ("train", "probe", "light")
        if model is None and key is not None:
            self._prepare_kept_programs(key)
        self.model = model if model is not None else _build.build_model(network, seed=seed)
        self.loss_fn = _build.make_loss(train)
        self.optimizer.build(self.model.trainable_variables)
        self.layers = [layer for layer in self.model.layers if not isinstance(layer, keras.layers.InputLayer)]
        self.weight_layout = [(layer.name, len(layer.weights)) for layer in self.layers if layer.weights]
        self.weight_vars = [v for layer in self.layers for v in layer.weights]
        self.by_name = {layer.name: layer for layer in self.layers}
        self.programs: dict[tuple, object] = {}
        self.masks: dict[str, tuple] = {}
        self.probe_fn = None
        self.eval_fn = None
        self.val_fn = None   # the validation loss after each epoch (see Trainer._validation_metrics)
        self.uses = 1
        self.ready: set[tuple] = set()                      # (program, data shapes) compiled (XLA compiles per shape)
        self.compiling: dict[tuple, bool] = {}              # programs waiting or compiling in the background
        self._fast = None                                   # the any-width programs (see faststart, fast)
        self._own_fast = None                               # ... with this network's activations (fast_programs)
        self.fast_key: tuple | None = None                  # ... their structure (None: this network has none)
        self.fast_prepared = False                          # prepare_fast asked for them
        self._set_up_augmentation(train)  # (self.augmentation is None exactly when ``key`` was made)
        self.train_vars = list(self.model.trainable_variables)
        self.slot_vars = self._slot_variables()
        if key is not None and self.slot_vars is not None and faststart.usable_optimizer(self.optimizer):
            self.fast_key = key
        features = tuple(network.input_shape)
        target = (tf.TensorSpec([None], tf.int32) if train.loss == "sparse_categorical_crossentropy"
                  else tf.TensorSpec([None, 1], tf.float32))
        points = tf.TensorSpec([None, *features], tf.float32)
        spec = {"x": points, "y": target}
        if self.has_test:
            spec.update(xt=points, yt=target)
        for name in layout[3]:  # "grid", "ngrid", "act": probe inputs
            spec[name] = points
        self.data_spec = spec

    def _prepare_kept_programs(self, key: tuple) -> None:
        """A network whose training and picture programs were kept by an earlier launch (program_store, e.g.
        the default network at every launch after the first): TensorFlow prepares them for running at their
        first call (0.2-0.3 s here) without holding the interpreter lock, so that starts now, in the compile
        thread, while this thread builds the Keras model (Python, holding it)."""
        try:
            if not faststart.usable_optimizer(self.optimizer):
                return
            own = faststart.programs(faststart.own(key, _hidden_activations(self.network)), self.optimizer)
            names = self.fast_names[:2]
            if names and all(not getattr(own, name).needs_trace() and not getattr(own, name).called()
                             for name in names):
                _COMPILER.submit(("prepare", own.key), lambda: own.prepare(names))
        except Exception:  # noqa: BLE001 - an optimisation only: the run prepares them at its first call
            log.debug("preparing kept programs failed", exc_info=True)

    @property
    def fast(self) -> "faststart.FastPrograms | None":
        """The any-width programs, made when first asked for (only watched runs use them)."""
        if self._fast is None and self.fast_key is not None:
            dense = [layer for layer in self.network.layers if layer.kind == "dense"]
            self.fast_hyper = {"activations": tf.constant([ACTIVATIONS.index(layer.activation)
                                                           for layer in dense[:-1]], tf.int32),
                               "l1": tf.constant([layer.l1 for layer in dense], tf.float32),
                               "l2": tf.constant([layer.l2 for layer in dense], tf.float32)}
            self._fast = faststart.programs(self.fast_key, self.optimizer)
        return self._fast

    def fast_programs(self, name: str) -> "faststart.FastPrograms":
        """Whose program ``name`` runs now: the network's own (its activations fixed: half the trace, see
        faststart) once traced, else the any-width programs when prepared or being prepared (an activation
        changed: nothing to trace), else the network's own, traced by this call."""
        general, own = self.fast, self.own_fast()
        if own is general or own.traced(name) or not general.coming(name):
            return own
        return general

    def own_fast(self) -> "faststart.FastPrograms":
        """The any-width programs with this network's hidden activations fixed (faststart.own)."""
        if self._own_fast is None:
            self._own_fast = faststart.programs(faststart.own(self.fast_key, _hidden_activations(self.network)),
                                                self.optimizer)
        return self._own_fast

    def _slot_variables(self) -> list | None:
        """The optimizer's variables in the order faststart's update takes them (None: unknown layout)."""
        name = type(self.optimizer).__name__.lower()
        try:
            if name == "adam":
                return list(self.optimizer._momentums) + list(self.optimizer._velocities)
            if name == "rmsprop":
                return list(self.optimizer._velocities)
            if name == "sgd":
                return []
        except AttributeError:
            pass
        return None

    # the any-width programs ---------------------------------------------------------------------------
    def fast_train(self, data: dict, order, start: int, n_full: int, batch_size: int, rest: int) -> dict:
        """Train through the any-width program from the variables' values, and put the result back into
        the variables: the model and optimizer end exactly where the compiled program would leave them.
        ``traced`` in the result: whether the call was its program's first (a trace, or a kept program read
        back, and TensorFlow's preparation: not training time)."""
        opt = self.optimizer
        if self._in_numpy(data):
            out = self.numpy_net.train(read_variables(self.train_vars), read_variables(self.slot_vars),
                                       int(np.asarray(opt.iterations)), float(np.asarray(opt.learning_rate)),
                                       {"x": data["x"].numpy(), "y": data["y"].numpy()}, np.asarray(order), start,
                                       n_full, batch_size, rest)
            self._assign(out)
            return {**out, "traced": False}
        state = {"slots": [tf.convert_to_tensor(v) for v in self.slot_vars],
                 "iterations": tf.convert_to_tensor(opt.iterations),
                 "learning_rate": tf.convert_to_tensor(opt.learning_rate)}
        program = self.fast_programs("train").train
        first = not program.called()  # traced, or a kept one read, and prepared for running by this call
        out = program([tf.convert_to_tensor(v) for v in self.train_vars], state, self.fast_hyper, data,
                      order, tf.constant(start, tf.int32), tf.constant(n_full, tf.int32),
                      tf.constant(batch_size, tf.int32), tf.constant(rest, tf.int32))
        self._assign(out)
        return {**out, "traced": first}

    def _assign(self, out: dict) -> None:
        """Put a training call's weights and optimizer state into the model's and optimizer's variables."""
        write_variables(self.train_vars + self.slot_vars + [self.optimizer.iterations],
                        list(out["weights"]) + list(out["slots"]) + [out["iterations"]])

    def _in_numpy(self, data: dict) -> bool:
        """Whether numpy trains and draws this network now (see numpy_net): a small network in the plane, with
        not too many points."""
        return self.numpy_net is not None and numpy_net.small(data)

    def fast_probe(self, data: dict, light: bool = False) -> dict:
        """:meth:`probe_graph`'s outputs (and ``fit``, the training data's loss and metric) without a compile;
        ``light``: the metrics only."""
        name = "light" if light else "probe"
        if self._in_numpy(data):
            arrays = {key: value.numpy() for key, value in data.items()}
            out = getattr(self.numpy_net, name)(read_variables(self.train_vars), arrays)
        else:
            fn = getattr(self.fast_programs(name), name)
            out = dict(fn([tf.convert_to_tensor(v) for v in self.train_vars], self.fast_hyper, data))
        if self.train_in_graph:
            out["train"] = out["fit"]
        if not self.test_in_graph:
            out.pop("test", None)
        return out

    def compile_ahead(self, key: tuple, args: tuple, shapes: tuple) -> None:
        """Compile program ``key`` in a background thread by calling it with ``args`` that train nothing
        (zero steps or epochs; its probes only read the variables): the call that needs it finds it ready."""
        if (key, shapes) in self.ready or key in self.compiling:
            return

        def work() -> None:
            try:
                if self.fast is not None:  # what trains meanwhile first (see prepare_fast)
                    for name in self.fast_names:
                        self.fast_programs(name).prepare((name,))
                fn = self.epochs_program(*key[1:]) if key[0] == "epochs" else self.program(*key)
                out = fn(*args)
                tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, out)
                self.ready.add((key, shapes))
            finally:
                self.compiling.pop(key, None)

        self.compiling[key] = True
        _COMPILER.submit((id(self), key), work, dropped=lambda: self.compiling.pop(key, None))

    def prepare_fast(self) -> None:
        """In the background, once: what Play needs first, unless the any-width programs of this depth are ready:
        the network's own programs (see fast_programs), traced and run once, so Play's first epoch does not wait
        for them. Then, when nothing else waits, guesses about what comes next (see faststart.neighbour_steps):
        the any-width programs of the networks one layer deeper and shallower ("Add layer", then Play, finds
        them ready), then those of this depth (another activation). Those come one program at a time and give
        way to anything asked for meanwhile: traced in one go (they once took seconds) they held the
        interpreter lock while the student tried other changes."""
        if self.fast is None or self.fast_prepared:
            return
        self.fast_prepared = True
        general, key, optimizer = self.fast, self.fast_key, self.optimizer
        own = self.own_fast()
        names = self.fast_names
        if not general.ready(names) and not own.ready(names):
            _COMPILER.submit(("prepare", own.key), lambda: own.prepare(names))
        steps = faststart.neighbour_steps(key, optimizer, names)
        if steps:
            _COMPILER.submit(("neighbours", key), _one_at_a_time(steps), urgent=False)

    # a new owner ----------------------------------------------------------------------------------
    def reset(self, network: NetworkSpec, train: TrainSpec) -> None:
        """Initial weights exactly as a fresh ``build_model(network, train.seed)`` would have them, a
        fresh optimizer state, and no neuron frozen or switched off."""
        fresh = _build.build_model(network, seed=train.seed)
        mine, theirs = self.model.variables, fresh.variables
        if len(mine) != len(theirs) or any(a.shape != b.shape for a, b in zip(mine, theirs)):
            raise TrainingError("internal: a reused network does not match its description")
        for a, b in zip(mine, theirs):
            a.assign(b.value)
        del fresh, theirs
        for v in self.optimizer.variables:
            v.assign(tf.zeros(v.shape, v.dtype))
        self.optimizer.learning_rate.assign(float(train.learning_rate))
        self._set_up_augmentation(train)
        for k_mask, _, b_mask, _ in self.masks.values():
            k_mask.assign(tf.ones(k_mask.shape))
            b_mask.assign(tf.ones(b_mask.shape))
        self.uses += 1

    # data augmentation ----------------------------------------------------------------------------
    def _set_up_augmentation(self, train: TrainSpec) -> None:
        """The augmentation the training programs apply to each batch (None: off, and the programs are
        exactly those without it). Its strengths are part of the pool's key, so they are constants here;
        the seed is a variable, so that a reused program draws as a fresh one with this run's seed would."""
        augmentation = train.augmentation
        self.augmentation = augmentation if augmentation.active else None
        if self.augmentation is None:
            return
        if getattr(self, "augment_seed", None) is None:
            self.augment_seed = tf.Variable(train.seed, dtype=tf.int64, trainable=False)
        else:
            self.augment_seed.assign(train.seed)

    def augment_batch(self, xb):
        """The gathered batch changed at random (graph code): seeded by the run's seed and the optimizer's
        step count, so a seed gives the same run and every step its own changes."""
        seed = _augment.step_seed(self.augment_seed, self.optimizer.iterations)
        return _augment.augment_graph(xb, self.augmentation, seed)

    # graph functions ------------------------------------------------------------------------------
    def batch_metric(self, y, pred):
        if self.loss == "binary_crossentropy":
            return tf.reduce_mean(tf.cast(tf.equal(tf.cast(pred > 0.5, tf.float32), y), tf.float32))
        if self.loss == "sparse_categorical_crossentropy":
            return tf.reduce_mean(tf.cast(tf.equal(tf.argmax(pred, axis=-1, output_type=tf.int32), y), tf.float32))
        return tf.reduce_mean(tf.square(pred - y))

    def total_loss(self, y, pred):
        loss = self.loss_fn(y, pred)
        extra = self.model.losses
        if extra:
            loss = loss + tf.add_n([tf.cast(v, loss.dtype) for v in extra])
        return loss

    def forward_all(self, x):
        """Every layer's output for ``x`` (inference mode), in layer order."""
        outputs = []
        h = x
        for layer in self.layers:
            h = layer(h, training=False)
            outputs.append(h)
        return outputs

    def evaluate_graph(self, x, y) -> dict:
        pred = self.model(x, training=False)
        out = {"loss": self.total_loss(y, pred), "metric": self.batch_metric(y, pred)}
        if self.loss == "mse":
            resid = tf.reduce_sum(tf.square(y - pred))
            total = tf.reduce_sum(tf.square(y - tf.reduce_mean(y)))
            out["r2"] = 1.0 - resid / tf.maximum(total, 1e-12)
        return out

    def probe_graph(self, data: dict, light: bool = False) -> dict:
        """What an end-of-epoch report needs, computed in the same graph call as the last batches.
        ``light``: only the metrics (test loss, regression fit), not the pictures and weights."""
        out = {}
        if self.test_in_graph:
            out["test"] = self.evaluate_graph(data["xt"], data["yt"])
        if self.train_in_graph:
            out["train"] = self.evaluate_graph(data["x"], data["y"])
        if light:
            if self.probes.histograms:
                out["histograms"] = self.histograms_graph()
            if self.carries_parameters():
                out["parameters"] = self.parameters_graph()
            return out
        out["weights"] = [tf.identity(v.value) for v in self.weight_vars]
        if "grid" in data:
            out["surface"] = self.forward_all(data["grid"])[-1]
        if "ngrid" in data:
            out["neuron_maps"] = self.forward_all(data["ngrid"])
        if "act" in data:
            out["activations"] = self.forward_all(data["act"])
        if self.probes.grad_norms:
            out["grad_norms"] = self.grad_norms_graph(data["x"][:512], data["y"][:512])
        return out

    def grad_norms_graph(self, x, y):
        with tf.GradientTape() as tape:
            pred = self.model(x, training=False)
            loss = self.total_loss(y, pred)
        grads = tape.gradient(loss, self.model.trainable_variables)
        return [tf.norm(g) if g is not None else tf.constant(0.0) for g in grads]

    def train_batch(self, data, order, begin, size):
        """One optimizer step on the ``size`` samples of ``order`` from ``begin`` (graph code); the batch's
        loss and metric, each times ``size``."""
        variables = self.model.trainable_variables
        # a gather, not tf.slice: XLA would make a slice's start a compile-time constant and
        # recompile for every chunk of the first epoch
        idx = tf.gather(order, begin + tf.range(size))
        xb = tf.gather(data["x"], idx)
        if self.augmentation is not None:
            xb = self.augment_batch(xb)
        yb = tf.gather(data["y"], idx)
        with tf.GradientTape() as tape:
            pred = self.model(xb, training=True)
            loss = self.total_loss(yb, pred)
        grads = tape.gradient(loss, variables)
        self.optimizer.apply(grads, variables)
        for layer_name, (k_mask, k_fixed, b_mask, b_fixed) in self.masks.items():
            layer = self.by_name[layer_name]
            layer.kernel.assign(layer.kernel * k_mask + k_fixed * (1.0 - k_mask))
            layer.bias.assign(layer.bias * b_mask + b_fixed * (1.0 - b_mask))
        return loss * size, self.batch_metric(yb, pred) * size

    def histograms_graph(self):
        """Each weighted layer's first weight (a Dense layer's kernel) as ``np.histogram`` counts it into
        ``probes.histogram_bins`` bins between its smallest and largest value, laid end to end: per layer
        the smallest value, the largest, then the counts (graph code; see :func:`histograms_from_rows`).

        Only the last epoch of a many-epochs call has weights, so without this a watched run recorded a
        histogram every few hundred epochs and the Weights view drew flat bands that jumped."""
        bins = self.probes.histogram_bins
        parts = []
        for layer in self.layers:
            if not layer.weights:
                continue
            w = tf.reshape(layer.weights[0].value, [-1])
            smallest, largest = tf.reduce_min(w), tf.reduce_max(w)
            # np.histogram's edges: half a unit either side of a single value, otherwise evenly from min to max
            same = tf.equal(smallest, largest)
            low = tf.where(same, smallest - 0.5, smallest)
            high = tf.where(same, largest + 0.5, largest)
            lower = tf.range(bins, dtype=tf.float32) * ((high - low) / bins) + low  # each bin's lower edge
            # a bin holds the values from its lower edge up to the next one's (the last: up to the largest),
            # so its count is how many reach its lower edge less how many reach the next's. (Comparisons, not
            # a bin index per value with a scatter: they fuse into one small loop, a few microseconds an epoch.)
            reached = tf.reduce_sum(tf.cast(w[None, :] >= lower[:, None], tf.float32), axis=1)
            counts = reached - tf.concat([reached[1:], [0.0]], 0)
            parts += [tf.stack([smallest, largest]), counts]
        return tf.concat(parts, 0)

    def histograms_now(self) -> np.ndarray:
        """:meth:`histograms_graph`'s numbers for the weights as they are, counted by ``np.histogram`` (an
        epoch of the any-width program between two pictures: no compiled program to count them in)."""
        bins = self.probes.histogram_bins
        parts = []
        for w in read_variables([layer.weights[0] for layer in self.layers if layer.weights]):
            w = np.asarray(w, np.float32)
            counted = weight_histogram(w, bins)
            if counted is not None:
                parts += [[w.min(), w.max()], counted[0]]
            else:  # dropped by histograms_from_rows, as np.histogram cannot count it
                parts += [[np.nan, np.nan], np.zeros(bins)]
        return np.concatenate(parts).astype(np.float32)

    def histogram_layers(self) -> list[str]:
        """The layers :meth:`histograms_graph` counts, in its order."""
        return [layer.name for layer in self.layers if layer.weights]

    # every epoch's weights, for small networks (the loss landscape's path) ----------------------------
    def parameter_count(self) -> int:
        """How many numbers the weights hold (the width of :meth:`parameters_graph`; asked for every epoch)."""
        if self._parameter_count is None:
            self._parameter_count = max((end for _, arrays in self.parameter_layout() for _, end, _ in arrays),
                                        default=0)
        return self._parameter_count

    def carries_parameters(self) -> bool:
        """Whether every epoch's row carries all weights (``probes.parameters_up_to``): a small network
        only, so that the loss landscape's path has a point per epoch even when one call trains hundreds."""
        return 0 < self.parameter_count() <= self.probes.parameters_up_to

    def parameters_graph(self):
        """All weights laid end to end, in :attr:`weight_vars`' order (graph code)."""
        return tf.concat([tf.reshape(tf.cast(v.value, tf.float32), [-1]) for v in self.weight_vars], 0)

    def parameter_layout(self) -> tuple:
        """Where each layer's arrays lie in :meth:`parameters_graph`'s numbers: ``((layer name, ((start,
        end, shape), ...)), ...)`` (computed once: reading a variable's shape costs microseconds)."""
        if self._parameter_layout is None:
            shapes = iter([tuple(v.shape) for v in self.weight_vars])
            layout, at = [], 0
            for name, count in self.weight_layout:
                arrays = []
                for shape in (next(shapes) for _ in range(count)):
                    size = int(np.prod(shape))
                    arrays.append((at, at + size, shape))
                    at += size
                layout.append((name, tuple(arrays)))
            self._parameter_layout = tuple(layout)
        return self._parameter_layout

    def parameters_now(self) -> np.ndarray:
        """:meth:`parameters_graph`'s numbers for the weights as they are (outside a compiled program)."""
        return np.concatenate([np.ravel(v) for v in read_variables(self.weight_vars)]).astype(np.float32)

    def light_names(self) -> list[tuple[str, str]]:
        """The numbers of a light probe (see :meth:`probe_graph`), in the order :meth:`epochs_program`
        puts them in its rows after an epoch's loss and metric sums (and before its weight histograms,
        when ``probes.histograms``)."""
        keys = ("loss", "metric") + (("r2",) if self.loss == "mse" else ())
        names = [("test", k) for k in keys] if self.test_in_graph else []
        return names + ([("train", k) for k in keys] if self.train_in_graph else [])

    def program(self, batch_size: int, rest: int, with_probe: bool | str):
        """A compiled function ``(data, order, start, n_steps) -> outputs`` that trains ``n_steps`` batches
        of ``batch_size`` taken from ``order`` at ``start``, then (``rest`` > 0) one batch of ``rest``, and
        (``with_probe``) computes the end-of-epoch probes. Cached per shape."""
        key = (batch_size, rest, with_probe)
        if key in self.programs:
            return self.programs[key]
        train_batch = self.train_batch

        def program(data, order, start, n_steps):
            loss_sum, metric_sum = _batch_sums(train_batch, data, order, start, n_steps, batch_size)
            if rest:
                ls, ms = train_batch(data, order, start + n_steps * batch_size, rest)
                loss_sum += ls
                metric_sum += ms
            out = {"loss_sum": loss_sum, "metric_sum": metric_sum}
            if with_probe:
                out.update(self.probe_graph(data, light=with_probe == "light"))
            return out

        fn = tf.function(program, jit_compile=self.xla, reduce_retracing=True, autograph=False,
                         input_signature=[self.data_spec, tf.TensorSpec([None], tf.int32),
                                          tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)])
        self.programs[key] = fn
        return fn

    def epochs_program(self, batch_size: int, rest: int):
        """A compiled function ``(data, orders, n_full, n_epochs) -> outputs`` that trains ``n_epochs`` whole
        epochs (``n_full`` batches of ``batch_size`` then, with ``rest`` > 0, one of ``rest``), epoch ``e``
        in the order ``orders[e]``, and ends early after an epoch whose loss is not finite.

        Outputs: ``rows`` (one per epoch: loss sum, metric sum, the light probe's numbers, see
        :meth:`light_names`, then with ``probes.histograms`` its weight histograms, see
        :meth:`histograms_graph`), ``done`` (epochs trained) and the end state's full probes.

        Small networks train an epoch in well under a millisecond, while calling a TensorFlow function
        costs about as much again in Python. A watched training of 1000 epochs a second spent most of its
        time in that Python, holding the interpreter lock the window needs to draw. So the trainer runs as
        many epochs per call as fit between two pictures.
        """
        key = ("epochs", batch_size, rest)
        if key in self.programs:
            return self.programs[key]
        train_batch = self.train_batch
        names = self.light_names()
        width = 2 + len(names) + (len(self.histogram_layers()) * (2 + self.probes.histogram_bins)
                                  if self.probes.histograms else 0)
        width += self.parameter_count() if self.carries_parameters() else 0

        def program(data, orders, n_full, n_epochs):
            n_rows = tf.shape(orders)[0]
            rows = tf.TensorArray(tf.float32, size=n_rows, element_shape=[width])

            def epoch(e, done, finite, rows):
                order = tf.gather(orders, e)
                loss_sum, metric_sum = _batch_sums(train_batch, data, order, 0, n_full, batch_size)
                if rest:
                    ls, ms = train_batch(data, order, n_full * batch_size, rest)
                    loss_sum += ls
                    metric_sum += ms
                light = self.probe_graph(data, light=True)
                row = [loss_sum, metric_sum] + [tf.cast(light[part][name], tf.float32) for part, name in names]
                row = tf.stack(row)
                if "histograms" in light:
                    row = tf.concat([row, light["histograms"]], 0)
                if "parameters" in light:  # last in the row: see Trainer._parameter_rows
                    row = tf.concat([row, light["parameters"]], 0)
                return e + 1, e + 1, tf.math.is_finite(loss_sum), rows.write(e, row)

            # the loop runs over the orders' rows, a number XLA knows when it compiles: with n_epochs as its
            # bound, every new number of epochs per call compiled the program again; it ends after n_epochs
            # epochs, or after one whose loss is not finite
            _, done, _, rows = tf.while_loop(lambda e, done, finite, rows: (e < n_rows) & (e < n_epochs) & finite,
                                             epoch, (tf.constant(0), tf.constant(0), tf.constant(True), rows),
                                             maximum_iterations=n_rows)
            return {"rows": rows.stack(), "done": done, **self.probe_graph(data)}

        fn = tf.function(program, jit_compile=self.xla, reduce_retracing=True, autograph=False,
                         input_signature=[self.data_spec, tf.TensorSpec([None, None], tf.int32),
                                          tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)])
        # its one concrete function, called directly: a third less Python per call than the dispatch
        self.programs[key] = fn.get_concrete_function()
        return self.programs[key]

    def probe(self, data: dict) -> dict:
        """The probes outside an epoch's end (a batch step, a stop): a separate compiled call."""
        if self.probe_fn is None:
            self.probe_fn = tf.function(self.probe_graph, jit_compile=self.xla, autograph=False,
                                        input_signature=[self.data_spec])
        return self.probe_fn(data)

    def evaluate(self, x, y) -> dict:
        if self.eval_fn is None:
            self.eval_fn = tf.function(self.evaluate_graph, jit_compile=self.xla, reduce_retracing=True,
                                       autograph=False)
        return self.eval_fn(x, y)

    def ensure_masks(self) -> None:
        """Mask variables for every Dense layer (weights that training must leave alone); the compiled
        steps are traced again once, now applying them."""
        if self.masks:
            return
        for layer in self.layers:
            if isinstance(layer, keras.layers.Dense):
                k, b = layer.get_weights()
                self.masks[layer.name] = (tf.Variable(np.ones_like(k)), tf.Variable(k),
                                          tf.Variable(np.ones_like(b)), tf.Variable(b))
        self.programs.clear()
        self.ready.clear()


class _Pool:
    """Free :class:`_Compiled` programs by architecture, the most recently used kept (at most ``size``)."""

    def __init__(self, size: int = 12):
        self.size = size
        self._free: list[tuple[tuple, _Compiled]] = []
        self._lock = threading.Lock()
        self.built = 0      # programs made (for the soak benchmark and tests)
        self.reused = 0

    def take(self, key: tuple | None) -> "_Compiled | None":
        if key is None:
            return None
        with self._lock:
            for i in range(len(self._free) - 1, -1, -1):
                if self._free[i][0] == key:
                    self.reused += 1
                    return self._free.pop(i)[1]
        return None

    def give_back(self, key: tuple | None, compiled: _Compiled) -> None:
        # Its programs waiting to be compiled are for a network the student has left: compiled anyway, they
        # held the interpreter lock (an XLA compile of 2-4 s here) while the next networks' pictures and
        # first epochs waited. If it comes back, they are compiled again when due.
        _COMPILER.cancel(id(compiled))
        if key is None:
            return
        with self._lock:
            self._free.append((key, compiled))
            del self._free[:-self.size]

    def clear(self) -> None:
        with self._lock:
            self._free.clear()


_POOL = _Pool()


class Trainer:
    """Trains one network on one data set; iterate :meth:`run` for reports.

    ``model`` may be given to continue training an existing Keras model (e.g. one loaded from a file);
    otherwise a fresh one is built from ``network`` with ``train.seed`` — or, when an earlier Trainer of
    the same architecture is gone (or was :meth:`release`-d), its compiled programs are reused with
    weights reset to exactly what a fresh build would have. So ``trainer.model`` belongs to the trainer
    only while the trainer lives: keep the trainer, not just its model.
    """

    def __init__(self, network: NetworkSpec, train: TrainSpec, data: Dataset, probes: Probes | None = None,
                 model: keras.Model | None = None, xla: bool = True, chunk_steps: int = 250,
                 probe_interval: float = 0.0, fast_start: bool | None = None, live_interval: float = 0.0):
        self.network = network.validate()
        self.train = train.validate()
        problems = perceptron_problems(network, train)
        if problems:
            raise TrainingError("; ".join(problems))
        self.data = data
        self.probes = probes or Probes()
        self.xla = xla
        self.chunk_steps = max(1, int(chunk_steps))
        # Full probes (surface, maps, weights…) at most this often; epochs between get metrics only. A
        # window draws ~60 frames a second, so probing 1000 epochs a second would be wasted work.
        self.probe_interval = max(0.0, float(probe_interval))
        # A network never seen before trains at once through faststart's any-width programs while its XLA
        # program compiles in the background (default: when watched). Unwatched runs compile first, so that
        # their numbers come from one program only.
        self.fast_start = self.probe_interval > 0 if fast_start is None else bool(fast_start)
        # A long epoch (MNIST: seconds) says how it goes meanwhile: its running loss at most this often, in
        # metrics-only reports (0: none).
        self.live_interval = max(0.0, float(live_interval))
        self._check_fit()
        _augment.check_fits(train.augmentation, network.input_shape, network.features)
        self._prepare_data()
        layout = (self.has_test, self.has_test and int(self.x_test.shape[0]) <= _EVAL_LIMIT,
                  train.loss == "mse" and self.n_train <= _EVAL_LIMIT, tuple(self._data_args)[4 if self.has_test else 2:])
        key = None if model is not None else (self.network, train.optimizer, train.loss, self.probes, xla, layout,
                                              train.augmentation)
        compiled = _POOL.take(key)
        if compiled is not None:
            compiled.reset(self.network, self.train)
        else:
            compiled = _Compiled(self.network, self.train, self.probes, xla, layout, model, train.seed)
            _POOL.built += 1
        self._compiled = compiled
        self._release = weakref.finalize(self, _POOL.give_back, key, compiled)
        self.model = compiled.model
        self.optimizer = compiled.optimizer
        self._rng = np.random.default_rng(train.seed)
        self.batch_size = train.batch_size
        self.epoch = 0
        self.batches = 0
        self.result: TrainResult | None = None
        self._layers = compiled.layers
        self._weight_layout = compiled.weight_layout
        self._weight_vars = compiled.weight_vars
        self._by_name = compiled.by_name
        self.learning_rate = float(train.learning_rate)
        self.base_rate = self.learning_rate      # the schedule's starting rate (the panel's); see _schedule_rate
        self.rules: stopping.StopRules | None = None  # the run under way's stopping rules
        self._epoch_seconds: float | None = None  # how long an epoch takes in a call (once compiled)
        self.epochs_per_call = 0                  # epochs the newest call trained (tests, benchmarks)
        self._target = 0                          # the epoch the run under way ends at
        self._fast_pictured = 0.0                 # when the any-width program last gave pictures
        self._fast_seconds = 0.0                  # how long it has trained (see COMPILE_AFTER_S)
        self.frozen: set[tuple[str, int]] = set()
        self.off: set[tuple[str, int]] = set()

    def release(self) -> None:
        """Hand the compiled programs back for a later Trainer of the same architecture; this trainer
        (and its model) must not be used afterwards. Also happens when the trainer is garbage."""
        self._release()

    # set-up ---------------------------------------------------------------------------------------
    def _check_fit(self) -> None:
        task, out = self.data.task, self.network.output_units
        loss = self.train.loss
        if task == "regression" and loss != "mse":
            raise TrainingError("a regression data set needs the mean squared error (mse) loss")
        if task != "regression" and loss == "mse":
            raise TrainingError("a classification data set needs a cross-entropy loss, not mse")
        if loss == "binary_crossentropy" and out != 1:
            raise TrainingError(f"binary cross-entropy needs 1 output unit (sigmoid), not {out}")
        if loss == "sparse_categorical_crossentropy" and out < max(self.data.classes, 2):
            raise TrainingError(f"{self.data.classes} classes need an output layer of {self.data.classes} "
                                f"units (softmax), not {out}")
        if task == "regression" and out != 1:
            raise TrainingError(f"regression needs 1 output unit, not {out}")
        if len(self.data.x_train) == 0:
            raise TrainingError("there are no training points")

    def _inputs(self, x: np.ndarray) -> np.ndarray:
        return network_inputs(self.network, x)

    def _targets(self, y: np.ndarray) -> np.ndarray:
        if self.train.loss == "sparse_categorical_crossentropy":
            return np.asarray(y, dtype=np.int32).reshape(-1)
        return np.asarray(y, dtype=np.float32).reshape(-1, 1)

    def _target_tensor(self, y: np.ndarray, part: slice):
        return shared_tensor(y, part, ("targets", self.train.loss == "sparse_categorical_crossentropy"), self._targets)

    def _prepare_data(self) -> None:
        d = self.data
        split = self._validation_split()
        self.x_train = _input_tensor(self.network, d.x_train, slice(None, split))
        self.y_train = self._target_tensor(d.y_train, slice(None, split))
        self.n_train = int(self.x_train.shape[0])
        self.has_test = d.has_test
        args = {"x": self.x_train, "y": self.y_train}
        if self.has_test:
            self.x_test = _input_tensor(self.network, d.x_test, slice(None))
            self.y_test = self._target_tensor(d.y_test, slice(None))
            args.update(xt=self.x_test, yt=self.y_test)
        if self.probes.surface and d.x_train.ndim == 2:
            if d.x_train.shape[1] == 2:
                xs, ys = grid_axes(d.bounds, self.probes.resolution)
                gx, gy = np.meshgrid(xs, ys)
                points = np.column_stack([gx.ravel(), gy.ravel()])
                self.grid_axes = (xs, ys)
            else:
                lo, hi = d.bounds[0], d.bounds[1]
                pad = 0.05 * (hi - lo or 1.0)
                xs = np.linspace(lo - pad, hi + pad, self.probes.resolution, dtype=np.float32)
                points = xs.reshape(-1, 1)
                self.grid_axes = (xs,)
            args["grid"] = tf.constant(self._inputs(points))
        if self.probes.neuron_maps and d.x_train.ndim == 2 and d.x_train.shape[1] == 2:
            xs, ys = grid_axes(d.bounds, self.probes.neuron_resolution)
            gx, gy = np.meshgrid(xs, ys)
            self.neuron_axes = (xs, ys)
            args["ngrid"] = tf.constant(self._inputs(np.column_stack([gx.ravel(), gy.ravel()])))
        if self.probes.activations:
            args["act"] = tf.constant(self._inputs(d.x_train[: self.probes.activation_limit]))
        self._data_args = args
        self._shapes = tuple((name, tuple(value.shape)) for name, value in args.items())

    # validation, stopping rules, schedules ------------------------------------------------------------
    def _validation_split(self) -> int:
        """Hold out the last ``validation_split`` of the training points, as Keras' ``fit`` does (before any
        shuffling): where they begin. They are evaluated after every epoch (``val_loss``)."""
        n = len(self.data.x_train)
        stopping.check_split(n, self.train.validation_split)
        start = stopping.validation_start(n, self.train.validation_split)
        self.has_val = start < n
        if self.has_val:
            self.x_val = tf.constant(self._inputs(self.data.x_train[start:]))  # (one source keeps one part:
            self.y_val = tf.constant(self._targets(self.data.y_train[start:]))  # the training part)
        return start

    def _validation_metrics(self) -> dict:
        """``val_loss`` and ``val_accuracy`` (or ``val_mse``) of the weights as they are; {} without a split.
        One small program of its own, not XLA-compiled: it costs a forward pass, not a compile."""
        if not self.has_val:
            return {}
        compiled = self._compiled
        if compiled.val_fn is None:
            compiled.val_fn = tf.function(compiled.evaluate_graph, jit_compile=False, reduce_retracing=True,
                                          autograph=False)
        out = compiled.val_fn(self.x_val, self.y_val)
        name = "val_accuracy" if self.train.is_classification else "val_mse"
        return {"val_loss": float(out["loss"]), name: float(out["metric"])}

    def set_rules(self, train: TrainSpec) -> None:
        """Take a TrainSpec's stopping rules and schedule for the next run (or the one under way, between two
        epochs); the validation split is not among them: it changes the data, so it needs a new trainer."""
        train = train.validate()
        self.train = replace(self.train, **{name: getattr(train, name) for name in _RULE_FIELDS})
        if self.rules is not None:
            self.rules.update(self.train)

    def _take_rules(self, control: TrainControl, rate: float | None) -> None:
        """Before an epoch: rules edited meanwhile, a rate typed meanwhile, and the schedule's rate."""
        edited = control.take_rules()
        if edited is not None:
            self.set_rules(edited)
        if rate is not None:
            self.base_rate = rate
        self._schedule_rate()

    def _per_epoch(self) -> bool:
        """Whether something must happen after every epoch (a validation loss, a stopping decision, a new
        rate): then a call trains one epoch, never many."""
        return (self.has_val or self.train.schedule != "constant"
                or self.train.early_stopping or self.train.target_loss is not None)

    def _schedule_rate(self) -> None:
        """The rate of the epoch about to start, from the schedule and the panel's rate."""
        if self.train.schedule == "constant":
            rate = self.base_rate
        else:
            rate = schedules.rate_at(self.train, self.base_rate, self.epoch)
        if rate != self.learning_rate:
            self._set_learning_rate(rate)

    def _program(self, batch_size: int, rest: int, with_probe: bool | str):
        program = self._compiled.program(batch_size, rest, with_probe)
        return lambda order, start, n_steps: program(self._data_args, order, start, n_steps)

    def _epochs_per_call(self, control: TrainControl, total_steps: int, target: int, last_probe: float) -> int:
        """How many whole epochs the next call of :meth:`_train_epochs` trains (0: one epoch the ordinary
        way, a call per chunk of batches).

        Only while watched (``probe_interval``) and not paused, for data whose epoch fits in one call: as
        many epochs as fit until the next picture is due (one while an epoch's time is not known yet)."""
        if (not self.probe_interval or total_steps > self.chunk_steps
                or control.paused or control.stopped or control.edits_waiting
                or (self.has_test and not self._compiled.test_in_graph)):
            return 0
        if self._epoch_seconds is None or self._per_epoch():
            return 1
        remaining = self.probe_interval - (time.perf_counter() - last_probe)
        wanted = math.ceil(remaining / self._epoch_seconds) if remaining > 0 else 1
        if control.speed:  # slowed down: the epochs of one picture's time at that speed
            wanted = min(wanted, max(1, int(control.speed * self.probe_interval)))
        return max(1, min(wanted, self._order_rows(), target - self.epoch))

    def _order_rows(self) -> int:
        """How many epochs' orders a call of :meth:`_train_epochs` takes (its most epochs)."""
        return min(_MAX_EPOCHS_PER_CALL, max(1, _ORDER_ELEMENTS // self.n_train))

    def _pace(self, control: TrainControl, next_at: float, epochs: int) -> float:
        """With a speed set (and not paused): wait until ``next_at``, when the next epochs may start, and
        return when the ones after the ``epochs`` about to train may start."""
        speed = control.speed
        now = time.perf_counter()
        if not speed or control.paused:
            return now
        if next_at > now:
            control.wait_until(next_at)
            now = time.perf_counter()
        return max(now, next_at) + epochs / speed if control.speed == speed else now

    def _train_epochs(self, k: int, batch_size: int) -> tuple[np.ndarray, int, dict]:
        """Train ``k`` whole epochs in one call: (a row of numbers per epoch, epochs done, the end state's
        probes)."""
        orders = np.zeros((self._order_rows(), self.n_train), np.int32)
        for e in range(k):  # one permutation per epoch trained, as one epoch at a time takes them
            orders[e] = self._rng.permutation(self.n_train) if self.train.shuffle else np.arange(self.n_train)
        full_steps, rest = divmod(self.n_train, batch_size)
        key = ("epochs", batch_size, rest)
        if self._fast_ok() and (key, self._shapes) not in self._compiled.ready:
            # its XLA program is not compiled yet: this epoch without it (while it compiles, once the run has
            # trained for a moment)
            if self._compile_due():
                self._compile_epochs_ahead(batch_size)
            out = self._fast_epoch(batch_size, orders[0])
            row = [float(out["loss_sum"]), float(out["metric_sum"])]
            row += [float(out["fit" if part == "train" else part][name]) for part, name in self._compiled.light_names()]
            self.epochs_per_call = 1
            return np.array([row], np.float64), 1, out
        fresh = key not in self._compiled.programs
        program = self._compiled.epochs_program(batch_size, rest)
        began = time.perf_counter()
        out = program(*self._epochs_args(batch_size, k, orders))
        self._compiled.ready.add((key, self._shapes))
        numbers, done = out["rows"].numpy(), int(out["done"])
        if not fresh and done:  # a call that compiled its program says nothing about an epoch's time
            self._epoch_seconds = (time.perf_counter() - began) / done
        self.epochs_per_call = done
        return numbers, done, out

    def _light_metrics(self, numbers: np.ndarray) -> tuple[list[str], np.ndarray]:
        """The metrics of the epochs one call of :meth:`_train_epochs` trained (its rows), as :meth:`_metrics`
        makes them for a single epoch: (their keys, one row of values per epoch)."""
        num = np.asarray(numbers, dtype=np.float64)
        light = {name: num[:, 2 + i] for i, name in enumerate(self._compiled.light_names())}
        classes = self.train.is_classification
        keys = ["loss", "accuracy" if classes else "mse"]
        columns = [num[:, 0] / self.n_train, num[:, 1] / self.n_train]
        if ("train", "metric") in light:
            keys += ["rmse", "r2"]
            columns += [np.sqrt(np.maximum(light["train", "metric"], 0.0)), light["train", "r2"]]
        if ("test", "loss") in light:
            keys.append("test_loss")
            columns.append(light["test", "loss"])
            if classes:
                keys.append("test_accuracy")
                columns.append(light["test", "metric"])
            else:
                keys += ["test_mse", "test_rmse", "test_r2"]
                columns += [light["test", "metric"], np.sqrt(np.maximum(light["test", "metric"], 0.0)),
                            light["test", "r2"]]
        return keys, np.column_stack(columns) if len(num) else np.zeros((0, len(keys)))

    def _histograms(self, numbers: np.ndarray) -> list:
        """Each epoch's weight histograms from its row of a many-epochs call (see :func:`histograms_from_rows`);
        None for each where the rows have none (the fast start's single epoch: its probe brings them)."""
        layers, bins = self._compiled.histogram_layers(), self.probes.histogram_bins
        start = 2 + len(self._compiled.light_names())
        numbers = np.asarray(numbers)
        end = start + len(layers) * (2 + bins)
        if not self.probes.histograms or numbers.shape[-1] != end + self._parameter_width():
            return [None] * len(numbers)
        return histograms_from_rows(numbers[:, start:end], layers, bins)

    def _parameter_width(self) -> int:
        return self._compiled.parameter_count() if self._compiled.carries_parameters() else 0

    def _parameter_rows(self, numbers: np.ndarray) -> list:
        """Each epoch's weights from its row of a many-epochs call (the row's last numbers, see
        :meth:`_Compiled.parameters_graph`), as :meth:`weights_snapshot` gives them; None for each where the
        rows have none (the fast start's single epoch: its probe brings them)."""
        numbers = np.asarray(numbers)
        width = self._parameter_width()
        full = 2 + len(self._compiled.light_names()) + width + (
            len(self._compiled.histogram_layers()) * (2 + self.probes.histogram_bins) if self.probes.histograms else 0)
        if not width or numbers.ndim != 2 or numbers.shape[-1] != full:
            return [None] * len(numbers)
        block = _frozen(np.asarray(numbers[:, -width:], np.float32))  # one copy for every row's views
        return [self._views(row) for row in block]

    def _unflatten(self, flat: np.ndarray) -> tuple:
        """A :meth:`weights_snapshot` from :meth:`_Compiled.parameters_graph`'s numbers: read-only views of one
        copy (a watched run makes thousands a second)."""
        return self._views(_frozen(np.asarray(flat, np.float32)))

    def _views(self, flat: np.ndarray) -> tuple:
        """``flat`` (read-only float32 numbers of :meth:`_Compiled.parameters_graph`) as weights, in views."""
        return tuple((name, tuple(flat[start:end].reshape(shape) for start, end, shape in arrays))
                     for name, arrays in self._compiled.parameter_layout())

    def _parameters_of(self, probe: dict, weights: tuple | None) -> tuple | None:
        """A report's ``parameters``: its weights, or those a light probe brought (small networks only)."""
        if not self._compiled.carries_parameters():
            return None
        if weights is not None:
            return weights
        if "parameters" in probe:
            return self._unflatten(np.asarray(probe["parameters"]))
        return None

    def _probe_now(self) -> dict:
        # Watched: a few milliseconds without a compile (nothing is trained). Unwatched runs compile the probe
        # once: through the any-width program MNIST's probe of 70 000 images made every epoch 10-25 % longer.
        if self.fast_start and self._compiled.fast is not None:
            return self._compiled.fast_probe(self._data_args)
        return self._compiled.probe(self._data_args)

    def _fast_ok(self) -> bool:
        """Whether the any-width program may train now (no neuron is frozen or switched off: it has no masks)."""
        return self.fast_start and self._compiled.fast is not None and not self._compiled.masks

    def _epochs_args(self, batch_size: int, epochs: int, orders: np.ndarray | None = None) -> tuple:
        full_steps = self.n_train // batch_size
        if orders is None:
            orders = np.zeros((self._order_rows(), self.n_train), np.int32)
        return (self._data_args, tf.constant(orders), tf.constant(full_steps, tf.int32), tf.constant(epochs, tf.int32))

    def _compile_epochs_ahead(self, batch_size: int) -> None:
        """Compile the many-epochs program in the background (called with 0 epochs it trains nothing)."""
        if (self.n_train + batch_size - 1) // batch_size > self.chunk_steps or (self.has_test and not self._compiled.test_in_graph):
            return  # it is not used for this data
        self._compiled.compile_ahead(("epochs", batch_size, self.n_train % batch_size), self._epochs_args(batch_size, 0),
                                     self._shapes)

    def _fast_epoch(self, batch_size: int, order: np.ndarray) -> dict:
        """One whole epoch through the any-width program, with the pictures of its end when they are due (as
        the compiled program gives them: at most every ``probe_interval``, and at the run's end)."""
        full_steps, rest = divmod(self.n_train, batch_size)
        out = self._fast_train(tf.constant(order.astype(np.int32)), 0, full_steps, batch_size, rest)
        now = time.perf_counter()
        full = now - self._fast_pictured >= self.probe_interval or self.epoch + 1 >= self._target
        if full:
            self._fast_pictured = now
        probe = self._probe_now() if full else self._compiled.fast_probe(self._data_args, light=True)
        if not full and self.probes.histograms:  # as the compiled program's epochs between pictures have them
            probe["histograms"] = self._compiled.histograms_now()
        if not full and self._compiled.carries_parameters():
            probe["parameters"] = self._compiled.parameters_now()
        return {"loss_sum": out["loss_sum"], "metric_sum": out["metric_sum"], **probe}

    def _fast_train(self, order, start: int, n_full: int, batch_size: int, rest: int) -> dict:
        """Batches through the any-width program, counting the time (see :meth:`_compile_due`)."""
        began = time.perf_counter()
        out = self._compiled.fast_train(self._data_args, order, start, n_full, batch_size, rest)
        if not out.pop("traced"):  # (not the time of a trace)
            self._fast_seconds += time.perf_counter() - began
        return out

    def _compile_due(self) -> bool:
        """Whether this run has trained long enough through the any-width program for its XLA program to be
        worth compiling (see COMPILE_AFTER_S)."""
        return self._fast_seconds >= COMPILE_AFTER_S

    def _forward_all(self, x):
        return self._compiled.forward_all(x)

    # neurons: edit, freeze, switch off ------------------------------------------------------------
    def _dense(self, name: str):
        layer = self._by_name.get(name)
        if layer is None or not isinstance(layer, keras.layers.Dense):
            raise TrainingError(f"{name!r} is not a Dense layer of this network")
        return layer

    def _next_dense(self, name: str):
        names = [layer.name for layer in self._layers]
        for layer in self._layers[names.index(name) + 1:]:
            if isinstance(layer, keras.layers.Dense):
                return layer
            if not isinstance(layer, (keras.layers.Dropout, keras.layers.Activation,
                                      keras.layers.BatchNormalization)):
                return None
        return None

    def apply_edit(self, edit: NeuronEdit) -> None:
        """Set a neuron's weights and its frozen / switched-off state (call only from the training thread)."""
        layer = self._dense(edit.layer)
        if not (isinstance(edit.unit, int) and 0 <= edit.unit < layer.units):
            raise TrainingError(f"{edit.layer} has no neuron {edit.unit}")
        kernel, bias = layer.get_weights()
        if edit.incoming is not None:
            incoming = np.asarray(edit.incoming, dtype=np.float32).reshape(-1)
            if incoming.shape != (kernel.shape[0],) or not np.isfinite(incoming).all():
                raise TrainingError(f"a neuron of {edit.layer} needs {kernel.shape[0]} finite incoming weights")
            kernel[:, edit.unit] = incoming
        if edit.bias is not None:
            if not math.isfinite(edit.bias):
                raise TrainingError("a bias must be a finite number")
            bias[edit.unit] = edit.bias
        layer.set_weights([kernel, bias])
        key = (edit.layer, edit.unit)
        if edit.frozen is not None:
            (self.frozen.add if edit.frozen else self.frozen.discard)(key)
        if edit.off is not None:
            following = self._next_dense(edit.layer)
            if edit.off and following is None:
                raise TrainingError("an output neuron cannot be switched off; switch off a hidden neuron")
            (self.off.add if edit.off else self.off.discard)(key)
            if edit.off:
                k2, b2 = following.get_weights()
                k2[edit.unit, :] = 0.0
                following.set_weights([k2, b2])
        self._update_masks()

    def _update_masks(self) -> None:
        """Weights that training must leave alone: masks applied after every optimizer step."""
        masks = self._compiled.masks
        if not self.frozen and not self.off and not masks:
            return
        self._compiled.ensure_masks()
        for name, (k_mask, k_fixed, b_mask, b_fixed) in self._compiled.masks.items():
            k, b = self._by_name[name].get_weights()
            km, bm = np.ones_like(k), np.ones_like(b)
            for layer_name, unit in self.frozen:
                if layer_name == name:
                    km[:, unit] = 0.0
                    bm[unit] = 0.0
            for layer_name, unit in self.off:
                following = self._next_dense(layer_name)
                if following is not None and following.name == name:
                    km[unit, :] = 0.0
            k_mask.assign(km)
            k_fixed.assign(k)
            b_mask.assign(bm)
            b_fixed.assign(b)

    def _apply_edits(self, control: TrainControl) -> str:
        """Apply waiting edits; the refusal messages, if any."""
        problems = []
        for edit in control.take_edits():
            try:
                self.apply_edit(edit)
            except TrainingError as exc:
                problems.append(str(exc))
        return "; ".join(problems)

    def probe_report(self, started: float | None = None, message: str = "") -> EpochReport:
        """A report of the model as it is now, evaluated on all training (and test) data."""
        probe = self._probe_now()
        if "fit" in probe:
            ev = {k: float(v) for k, v in probe["fit"].items()}
        else:
            ev = self._evaluate_large(self.x_train, self.y_train)
        metrics = self._metrics(ev["loss"], ev["metric"], 1, probe)
        return self._report(metrics, started or time.perf_counter(), partial=True, probe=probe,
                            message=message)

    def compile_for_play(self) -> None:
        """After the untrained picture (never before it: that picture must not wait for a compile), what Play
        needs first, when watched: the any-width programs, in the background (or, without a background compile,
        here, while the student looks at the picture). The XLA program follows once a run has trained a moment
        (see COMPILE_AFTER_S)."""
        if self.probe_interval and self._fast_ok():
            self._compiled.prepare_fast()

    # reports --------------------------------------------------------------------------------------
    def predict(self, inputs: np.ndarray) -> np.ndarray:
        """Outputs for raw inputs (2-D points are expanded into the network's features)."""
        return self._forward_all(tf.constant(self._inputs(np.asarray(inputs))))[-1].numpy()

    def _metrics(self, loss_sum: float, metric_sum: float, seen: int, probe: dict) -> dict:
        metrics = {"loss": loss_sum / max(seen, 1)}
        metrics["accuracy" if self.train.is_classification else "mse"] = metric_sum / max(seen, 1)
        metrics.update(self._validation_metrics())
        if "train" in probe:
            metrics["rmse"] = math.sqrt(max(float(probe["train"]["metric"]), 0.0))
            metrics["r2"] = float(probe["train"]["r2"])
        test = probe.get("test")
        if test is None and self.has_test:
            test = self._evaluate_large(self.x_test, self.y_test)
        if test is not None:
            metrics["test_loss"] = float(test["loss"])
            if self.train.is_classification:
                metrics["test_accuracy"] = float(test["metric"])
            else:
                metrics["test_mse"] = float(test["metric"])
                metrics["test_rmse"] = math.sqrt(max(float(test["metric"]), 0.0))
                metrics["test_r2"] = float(test["r2"])
        return metrics

    def _evaluate_large(self, x, y) -> dict:
        n = int(x.shape[0])
        totals: dict[str, float] = {}
        for begin in range(0, n, _EVAL_LIMIT):
            part = self._compiled.evaluate(x[begin:begin + _EVAL_LIMIT], y[begin:begin + _EVAL_LIMIT])
            weight = min(_EVAL_LIMIT, n - begin) / n
            for k, v in part.items():
                totals[k] = totals.get(k, 0.0) + float(v) * weight
        return totals

    def weights_snapshot(self, flat: list | None = None) -> tuple:
        """``((layer name, (array, ...)), ...)`` — copies, read-only."""
        if flat is None:
            flat = [v.value for v in self._weight_vars]
        arrays = iter(flat)
        return tuple((name, tuple(_frozen(np.asarray(next(arrays))) for _ in range(count)))
                     for name, count in self._weight_layout)

    def restore(self, weights: tuple) -> None:
        """Put a :meth:`weights_snapshot` back into the model."""
        for (name, arrays) in weights:
            self.model.get_layer(name).set_weights([np.array(a) for a in arrays])

    def _report(self, metrics: dict, started: float, partial: bool, probe: dict, message: str = "",
                histograms: tuple | None = None, parameters: tuple | None = None) -> EpochReport:
        """The report of the model now; ``histograms``: its weight histograms, counted in the graph (a
        metrics-only report of a many-epochs call has no weights to count them from)."""
        p = self.probes
        surface = activations = grad_norms = neuron_maps = None
        if "surface" in probe:
            out = np.asarray(probe["surface"])
            if len(self.grid_axes) == 2:
                res = len(self.grid_axes[0])
                surface = out.reshape(res, res, -1)
                if surface.shape[-1] == 1:
                    surface = surface[..., 0]
            else:
                surface = out[:, 0]
            surface = _frozen(surface.astype(np.float32))
        if "neuron_maps" in probe:
            res = len(self.neuron_axes[0])
            neuron_maps = tuple(_frozen(np.asarray(m).reshape(res, res, -1)) for m in probe["neuron_maps"])
        if "activations" in probe:
            activations = tuple(_frozen(np.asarray(a)) for a in probe["activations"])
        if "grad_norms" in probe:
            per_layer: dict[str, float] = {}
            for var, norm in zip(self.model.trainable_variables, probe["grad_norms"]):
                name = var.path.split("/")[0]
                per_layer[name] = math.hypot(per_layer.get(name, 0.0), float(norm))
            grad_norms = tuple(per_layer.items())
        weights = self.weights_snapshot(probe["weights"]) if "weights" in probe else None
        if p.histograms and weights is not None:
            counted = ((name, weight_histogram(ws[0], p.histogram_bins)) for name, ws in weights if ws)
            histograms = tuple((name, *found) for name, found in counted if found is not None)
        elif p.histograms and "histograms" in probe:  # a light probe's (see _Compiled.histograms_graph)
            found = histograms_from_rows(np.asarray(probe["histograms"])[None], self._compiled.histogram_layers(),
                                         p.histogram_bins)
            histograms = found[0]
        return EpochReport(epoch=self.epoch, batches=self.batches, metrics=metrics, weights=weights,
                           learning_rate=self.learning_rate, batch_size=self.batch_size,
                           seconds=time.perf_counter() - started, partial=partial, message=message,
                           surface=surface,
                           surface_axes=self.grid_axes if surface is not None else None,
                           activations=activations, grad_norms=grad_norms, histograms=histograms,
                           neuron_maps=neuron_maps,
                           neuron_axes=self.neuron_axes if neuron_maps is not None else None,
                           adam=self._adam_state() if p.optimizer_state and weights is not None else None,
                           parameters=parameters if parameters is not None else self._parameters_of(probe, weights))

    def _adam_state(self) -> tuple | None:
        """Adam's first and second moments per weight array, and how many steps it has taken (the backprop
        explorer shows what Adam would do next with a gradient). None for other optimizers."""
        opt = self.optimizer
        if type(opt).__name__ != "Adam":
            return None
        layers: dict[str, list] = {}
        variables = self.model.trainable_variables
        indices = [opt._get_variable_index(var) for var in variables]
        moments = read_variables([opt._momentums[i] for i in indices] + [opt._velocities[i] for i in indices])
        for k, var in enumerate(variables):
            pair = (_frozen(moments[k]), _frozen(moments[len(variables) + k]))
            layers.setdefault(var.path.split("/")[0], []).append(pair)
        return int(opt.iterations.numpy()), tuple((name, tuple(pairs)) for name, pairs in layers.items())

    # the loop -------------------------------------------------------------------------------------
    def _set_learning_rate(self, value: float) -> None:
        self.learning_rate = float(value)
        self.optimizer.learning_rate.assign(self.learning_rate)

    def run(self, epochs: int | None = None, control: TrainControl | None = None) -> Iterator[EpochReport]:
        """Train for ``epochs`` more epochs (default: the TrainSpec's), yielding a report after each.

        When it ends, :attr:`result` holds the model, the history and why it ended.
        """
        control = control or TrainControl()
        target = self.epoch + (epochs if epochs is not None else self.train.epochs)
        self._target = target
        history = self.result.history if self.result else History()
        started = time.perf_counter()
        last_good = self.weights_snapshot()
        last_probe = -math.inf
        unprobed = None  # metrics of the newest epoch if its report had no pictures
        stopped = diverged = ruled = False
        rules = self.rules = stopping.StopRules.from_spec(self.train, history[-1].get("loss") if history else None)
        seen = 0
        next_at = 0.0  # with a speed set: when the next epoch may start
        pending = control.take_edits()
        if pending or epochs == 0:
            for edit in pending:
                control.request_edit(edit)
            yield self.probe_report(started, self._apply_edits(control))
            self.compile_for_play()
        while self.epoch < target and not stopped and not diverged and not ruled:
            lr, bs = control.take_settings()
            self._take_rules(control, lr)
            if bs is not None:
                self.batch_size = bs
            batch_size = min(self.batch_size, self.n_train)
            full_steps, rest = divmod(self.n_train, batch_size)
            total_steps = full_steps + (1 if rest else 0)
            seen = 0
            k = self._epochs_per_call(control, total_steps, target, last_probe)
            next_at = self._pace(control, next_at, max(k, 1))
            if control.stopped:
                stopped = True
                break
            if k and (control.paused or control.edits_waiting):  # came while it waited: the usual way
                k = 0
            if k:  # several epochs in one call; the last one's report has the pictures
                numbers, done, out = self._train_epochs(k, batch_size)
                keys, table = self._light_metrics(numbers[:done])
                finite = np.isfinite(table).all(axis=1)
                good = done if finite.all() else int(np.argmin(finite))
                diverged = good < done
                histograms = self._histograms(numbers[:good])  # the epochs without pictures have them too
                parameters = self._parameter_rows(numbers[:good])  # so have small networks' weights
                first = self.epoch + 1
                validation = self._validation_metrics() if good == 1 else {}  # (with a split, one epoch a call)
                history.extend_columns({"epoch": np.arange(first, first + good, dtype=np.float64),
                                        **{key: table[:good, i] for i, key in enumerate(keys)},
                                        **{key: np.array([value]) for key, value in validation.items()}})
                for e, values in enumerate(table[:good].tolist()):
                    self.epoch += 1
                    self.batches += total_steps
                    control.epoch_finished()
                    metrics = {**dict(zip(keys, values)), **validation}
                    report = self._report(metrics, started, partial=False, probe=out if e == done - 1 else {},
                                          histograms=histograms[e], parameters=parameters[e])
                    unprobed = None if report.weights is not None else metrics
                    if report.weights is not None:
                        last_good = report.weights
                        last_probe = time.perf_counter()
                    yield report
                    ruled = rules.after_epoch(self.epoch, metrics, self.weights_snapshot)
                continue
            order = self._rng.permutation(self.n_train) if self.train.shuffle else np.arange(self.n_train)
            order_t = tf.constant(order.astype(np.int32))
            done = 0
            loss_sum = metric_sum = 0.0
            last_live = time.perf_counter()
            while done < total_steps:
                if unprobed is not None and control.paused:  # paused after a metrics-only epoch: a picture
                    probe = self._probe_now()
                    report = self._report(unprobed, started, partial=False, probe=probe)
                    last_good, last_probe, unprobed = report.weights, time.perf_counter(), None
                    yield report
                wanted = min(self.chunk_steps, total_steps - done)
                if self.live_interval and self.batches < self.chunk_steps:  # the first running loss soon
                    wanted = min(wanted, max(1, self.chunk_steps // 10))
                allowed = control.acquire(wanted)
                if allowed < 0:
                    note = self._apply_edits(control)
                    if seen:
                        probe = self._probe_now()
                        yield self._report(self._metrics(loss_sum, metric_sum, seen, probe), started, True, probe,
                                           message=note)
                    else:
                        yield self.probe_report(started, note)
                    continue
                if allowed == 0:
                    stopped = True
                    break
                lr, _ = control.take_settings()
                if lr is not None:
                    self.base_rate = lr
                    self._schedule_rate()
                n_full = min(allowed, full_steps - done)
                with_rest = bool(rest) and done + n_full == full_steps and allowed > n_full
                n = n_full + (1 if with_rest else 0)
                last = done + n == total_steps
                # A whole epoch in one call (small data): the probes ride along in the same graph call.
                fused = last and done == 0
                full = (not self.probe_interval or self.epoch + 1 >= target or control.paused
                        or time.perf_counter() - last_probe >= self.probe_interval)
                probe_kind = ("full" if full else "light") if fused else False
                program_rest = rest if with_rest else 0
                key = (batch_size, program_rest, probe_kind)
                fast = self._fast_ok() and (key, self._shapes) not in self._compiled.ready
                if fast and not program_rest:  # called with 0 steps it trains nothing: compile it meanwhile
                    if self._compile_due():
                        self._compiled.compile_ahead(key, (self._data_args, order_t, tf.constant(0, tf.int32),
                                                           tf.constant(0, tf.int32)), self._shapes)
                elif fast and not (self.probe_interval or control.paused):
                    fast = False  # unwatched, with a last smaller batch: compiled now, as it always was
                began = time.perf_counter()
                if fast:
                    out = self._fast_train(order_t, done * batch_size, n_full, batch_size, program_rest)
                    if probe_kind:
                        out = {**out, **self._probe_now()}
                    fresh = True
                else:
                    fresh = key not in self._compiled.programs
                    out = self._program(batch_size, program_rest, probe_kind)(
                        order_t, tf.constant(done * batch_size, tf.int32), tf.constant(n_full, tf.int32))
                    self._compiled.ready.add((key, self._shapes))
                ls, ms = float(out["loss_sum"]), float(out["metric_sum"])
                if fused and not fresh:
                    self._epoch_seconds = time.perf_counter() - began
                    self.epochs_per_call = 1
                if not math.isfinite(ls):
                    diverged = True
                    break
                loss_sum += ls
                metric_sum += ms
                seen += n_full * batch_size + (rest if with_rest else 0)
                done += n
                self.batches += n
                if last:
                    self.epoch += 1
                    control.epoch_finished()
                    if not fused and full:
                        out = {**out, **self._probe_now()}
                    metrics = self._metrics(loss_sum, metric_sum, seen, out)
                    if not all(math.isfinite(v) for v in metrics.values()):
                        diverged = True
                        break
                    report = self._report(metrics, started, partial=False, probe=out)
                    unprobed = None if report.weights is not None else metrics
                    if report.weights is not None:
                        last_good = report.weights
                        last_probe = time.perf_counter()
                    history.append({"epoch": self.epoch, **metrics})
                    yield report
                    ruled = rules.after_epoch(self.epoch, metrics, self.weights_snapshot)
                elif allowed < wanted and control.paused:
                    probe = self._probe_now()
                    yield self._report(self._metrics(loss_sum, metric_sum, seen, probe), started, True, probe)
                elif self.live_interval and time.perf_counter() - last_live >= self.live_interval:
                    last_live = time.perf_counter()
                    key = "accuracy" if self.train.is_classification else "mse"
                    yield self._report({"loss": loss_sum / seen, key: metric_sum / seen}, started, True, {})
        message = ""
        kept: dict = {}  # the validation (and test) metrics of the weights the run leaves
        if diverged:
            self.restore(last_good)
            message = ("training diverged: the loss became infinite or not a number. "
                       "The last good weights were kept; try a smaller learning rate.")
        elif stopped:
            message = (f"stopped after {self.batches} batches, in epoch {self.epoch + 1}" if seen
                       else f"stopped after epoch {self.epoch}")
        else:
            message = rules.reason
            if rules.keeps_best:  # as Keras' EarlyStopping(restore_best_weights=True) at the end of fit
                self.restore(rules.best_weights)
                message = "; ".join(filter(None, [message, f"kept the weights of epoch {rules.best_epoch}, "
                                                           f"the best {stopping.MONITORS[rules.monitor][0]}"]))
                picture = self.probe_report(started)  # the kept weights' picture (the message is the result's)
                kept = {key: value for key, value in picture.metrics.items() if key.startswith(("val_", "test_"))}
                yield picture
                unprobed = None
        if unprobed is not None and not diverged:  # it ended on an epoch without pictures (stopped, or a
            # rule): its picture, so that the last picture and the loss curve's last point are the same epoch
            yield self._report(unprobed, started, partial=False, probe=self._probe_now())
        if not kept and self.has_val and not diverged:
            kept = self._validation_metrics()
        self.result = TrainResult(self.model, history, stopped=stopped, diverged=diverged, message=message,
                                  stopped_epoch=rules.stopped_epoch, best_epoch=rules.best_epoch, kept=kept)
        return self.result

    def train_to_end(self, epochs: int | None = None, control: TrainControl | None = None) -> TrainResult:
        """Run to the end without watching; the :class:`TrainResult`."""
        for _ in self.run(epochs, control):
            pass
        assert self.result is not None
        return replace(self.result, owner=self)
