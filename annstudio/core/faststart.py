"""Programs for any width: a network never seen before trains at once, while its XLA program compiles.

The engine's XLA programs are compiled for one architecture: every new width, layer or activation costs a
trace and an XLA compile (1–4 s here) before its first epoch. A student who presses "+" and then Play
should not wait for that. The programs here do the same maths — Keras' own layers' operations
(``keras.ops.matmul``, ``keras.ops.add``, the activation and loss functions), the same optimizer update
formulas and the same batches — on the weights and optimizer state passed in as *arguments* whose sizes
are left open. So one trace serves every network with the same number of Dense layers, output
activation, loss and optimizer: another width, another input feature, another data set or another hidden
activation (chosen by a number in the graph) needs no new trace and no compile. They run without XLA
(about ten times slower per epoch than the compiled program, still a few milliseconds for a small net),
so the trainer uses them only until its XLA program is ready, compiled meanwhile in the background; the
state always lives in the model's and optimizer's variables, so the hand-over can happen between any two
calls. A test checks that both paths give the same losses and weights.

A network's *own* programs are the same with its hidden activations fixed (:func:`own`): computing one
activation instead of all of them halves the graph, and with it the trace and TensorFlow's preparation at the
first call (2-2-1 net here: 1.1 s instead of 1.9–2.1 s from the first training call to the first picture). The
engine uses them while the any-width ones are not ready: at launch and after a change of depth nobody prepared.

Networks with other layers than Dense (and a leading Flatten) have no such program: they train as before.
A chain of Dense layers over points in the plane (the Playground's networks) needs none of these either: numpy
trains and draws it until its XLA program is ready, with nothing to trace (see numpy_net); these programs
serve images (MNIST) and large data sets.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from contextlib import contextmanager

import keras
import tensorflow as tf

from . import build, program_store
from .spec import ACTIVATIONS, NetworkSpec

log = logging.getLogger(__name__)

_CACHE_SIZE = 24
_cache: "OrderedDict[tuple, FastPrograms]" = OrderedDict()
_lock = threading.Lock()


def structure(network: NetworkSpec, data_names: tuple[str, ...], has_test: bool, grad_norms: bool, loss: str,
              optimizer: str) -> tuple | None:
    """What the any-width programs of ``network`` depend on (None: the network has none).

    Widths, input size, hidden activations and regularization strengths are arguments, not part of it."""
    layers = network.layers
    flatten = bool(layers) and layers[0].kind == "flatten"
    dense = layers[1:] if flatten else layers
    if not dense or any(layer.kind != "dense" for layer in dense):
        return None
    if not flatten and len(network.input_shape) != 1:
        return None
    return (len(network.input_shape), flatten, len(dense), dense[-1].activation, loss, optimizer,
            tuple(data_names), has_test, grad_norms, None)


def own(key: tuple, hidden_activations) -> tuple:
    """The :func:`structure` ``key`` with the hidden layers' activations fixed: the programs of one network's
    activations (another width, input feature or data set still needs no new trace); ``key`` itself when there
    is no hidden layer."""
    hidden_activations = tuple(hidden_activations)
    if len(hidden_activations) != key[2] - 1:
        raise ValueError("one activation per hidden layer")
    return key[:-1] + (hidden_activations,) if hidden_activations else key


def usable_optimizer(optimizer) -> bool:
    """Whether the update formulas here are this optimizer's (the defaults the app makes: no momentum, no
    AMSGrad, no centering, no clipping, no weight decay)."""
    plain = (not getattr(optimizer, "momentum", 0) and not getattr(optimizer, "amsgrad", False)
             and not getattr(optimizer, "centered", False) and getattr(optimizer, "weight_decay", None) is None
             and getattr(optimizer, "clipnorm", None) is None and getattr(optimizer, "clipvalue", None) is None
             and getattr(optimizer, "global_clipnorm", None) is None
             and not getattr(optimizer, "use_ema", False) and getattr(optimizer, "loss_scale_factor", None) is None
             and getattr(optimizer, "gradient_accumulation_steps", None) is None)
    return plain and type(optimizer).__name__.lower() in ("adam", "rmsprop", "sgd")


def optimizer_constants(optimizer) -> dict[str, float]:
    """The optimizer's fixed numbers the update formulas take (beta_1, beta_2, epsilon, rho: those it has)."""
    return {name: float(getattr(optimizer, name)) for name in ("beta_1", "beta_2", "epsilon", "rho")
            if hasattr(optimizer, name)}


def programs(key: tuple, optimizer) -> "FastPrograms":
    """The programs for ``key`` (a :func:`structure`), traced the first time they are called. ``optimizer``
    gives the update's fixed numbers (beta_1, epsilon …), which are Keras' defaults for every network."""
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = _cache[key] = FastPrograms(key, optimizer)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        return found


def neighbour_steps(key: tuple, optimizer, names: tuple[str, ...] = ("train", "probe", "light")) -> list:
    """:func:`neighbours`, as steps to do in the background, one program each (see :meth:`FastPrograms.prepare`),
    those not prepared yet, of the programs ``names`` only (none where numpy trains and draws, see numpy_net)."""
    wanted = [(programs(other, optimizer), name) for other, name in neighbours(key) if name in names]
    return [lambda found=found, name=name: found.prepare((name,)) for found, name in wanted if not found.ready((name,))]


def neighbours(key: tuple) -> list[tuple[tuple, str]]:
    """What a student asks for next, as (structure, program name), in order: the picture and the training of
    the network one layer deeper than ``key``'s ("Add layer", then Play), the picture of the one a layer
    shallower, the deeper one's metrics; last, for points in the plane, ``key``'s own any-width programs
    (another activation at the same depth, tried after a moment's look, then needs no trace; sooner, it traces
    its network's own programs: half a trace).

    Not those for MNIST: guessed there too they kept the background busy for longer, and a guess being traced
    when Play is pressed holds the interpreter lock against the run (the first running loss 1.9-2.5 s instead
    of 0.9-1.4 s in alternated runs)."""
    depth = key[2]
    deeper = key[:2] + (depth + 1,) + key[3:]
    shallower = key[:2] + (depth - 1,) + key[3:] if depth > 1 else None
    wanted = [(deeper, "probe"), (deeper, "train"), (shallower, "probe"), (deeper, "light")]
    if not key[1]:  # (key[1]: a leading Flatten, images)
        wanted += [(key, "probe"), (key, "train"), (key, "light")]
    return [(other, name) for other, name in wanted if other is not None]


_call_options: dict = {}  # the thread's options -> the same without Grappler


@contextmanager
def _without_grappler():
    """Call graph functions without TensorFlow's graph optimizer (Grappler), in this thread.

    TensorFlow prepares a traced function for running at its first call, and most of that time went to
    Grappler's passes (a program's first call 0.43 s here, of which ~0.2 s were they): a wait after every
    change of depth, for a program that trains for a second or two until the XLA program takes over, at
    the same speed without them (measured). The options are the thread's own (``function_call_options``), so
    other threads' programs, and the XLA programs, are untouched. TensorFlow's private API: if it changes,
    the programs run with Grappler as before."""
    try:
        from tensorflow.core.protobuf import config_pb2
        from tensorflow.python.eager import context as eager_context

        ctx = eager_context.context()
        old = ctx.function_call_options
        key = (old.config_proto_serialized, old.executor_type)
        options = _call_options.get(key)
        if options is None:
            config = config_pb2.ConfigProto()
            config.ParseFromString(old.config_proto_serialized)
            config.graph_options.rewrite_options.disable_meta_optimizer = True
            options = _call_options[key] = eager_context.FunctionCallOptions(old.executor_type, config)
        ctx.function_call_options = options
    except Exception:  # noqa: BLE001 - an optimisation only
        log.debug("calling without Grappler is not available", exc_info=True)
        yield
        return
    try:
        yield
    finally:
        ctx.function_call_options = old


class _Program:
    """A ``tf.function`` called without Grappler (see :func:`_without_grappler`), and kept on disk after its
    first trace as program ``stored_as`` of :mod:`program_store`: a later launch calls the kept one instead of
    tracing (the same numbers to the bit)."""

    def __init__(self, function, stored_as: str | None = None):
        self.function = function
        self.stored_as = stored_as
        self._stored: program_store.Stored | None = None
        self._looked = False
        self._on_disk: bool | None = None
        self._lock = threading.Lock()
        self._first_call = threading.Lock()

    def __call__(self, *args):
        with _without_grappler():
            stored = self._kept()
            if stored is not None:
                try:
                    if not stored.calls:  # the first call prepares it for running: a second caller waits for
                        with self._first_call:  # that (then takes milliseconds), rather than doing it again
                            return stored(*args)
                    return stored(*args)
                except Exception:  # noqa: BLE001 - a kept program that does not run: trace it (raising what it raises)
                    log.info("kept program %s did not run; it is traced again", self.stored_as, exc_info=True)
                    self._stored = None
                    program_store.forget(self.stored_as)
            if self.stored_as is None:
                return self.function(*args)
            traces = self.function.experimental_get_tracing_count()
            out = self.function(*args)
            if self.function.experimental_get_tracing_count() != traces:
                program_store.save_later(self.stored_as, self.function.get_concrete_function())
            return out

    def _kept(self) -> "program_store.Stored | None":
        """The kept program, read the first time it is needed, unless this process traced the program."""
        if self.stored_as is None or self._looked:
            return self._stored
        with self._lock:  # (a second caller meanwhile waits for it, rather than tracing)
            if not self._looked:
                if self.function.experimental_get_tracing_count() == 0:
                    self._stored = program_store.load(self.stored_as)
                self._looked = True
            return self._stored

    def experimental_get_tracing_count(self) -> int:
        """How often this process traced it (a kept program read back is not a trace)."""
        return self.function.experimental_get_tracing_count()

    def needs_trace(self) -> bool:
        """Whether a call would trace it: not traced in this process and none kept (or not readable)."""
        if self.function.experimental_get_tracing_count() or self._stored is not None:
            return False
        if self._looked or self.stored_as is None:
            return True
        if self._on_disk is None:  # (asked on every call by the engine: looked at once)
            self._on_disk = program_store.has(self.stored_as)
        return not self._on_disk

    def called(self) -> bool:
        """Whether it has run in this process (traced or kept): TensorFlow has prepared it for running."""
        return bool(self.function.experimental_get_tracing_count()) or (self._stored is not None
                                                                        and self._stored.calls > 0)


def batch_metric(loss: str, y, pred):
    """Accuracy for classification, the squared error for regression: one batch's mean."""
    if loss == "binary_crossentropy":
        return tf.reduce_mean(tf.cast(tf.equal(tf.cast(pred > 0.5, tf.float32), y), tf.float32))
    if loss == "sparse_categorical_crossentropy":
        return tf.reduce_mean(tf.cast(tf.equal(tf.argmax(pred, axis=-1, output_type=tf.int32), y), tf.float32))
    return tf.reduce_mean(tf.square(pred - y))


class FastPrograms:
    """Two graph functions for one :func:`structure`: ``train`` (batches from an order) and ``probe`` (what a
    report shows), both over ``(weights, hyper)`` passed in, not over variables."""

    def __init__(self, key: tuple, optimizer):
        self.key = key
        (self.rank, self.flatten, self.depth, self.output_activation, self.loss, self.optimizer_name,
         self.data_names, self.has_test, self.grad_norms, self.fixed) = key
        self.loss_fn = {"binary_crossentropy": keras.losses.BinaryCrossentropy,
                        "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
                        "mse": keras.losses.MeanSquaredError}[self.loss]()
        # one function per activation name, in ACTIVATIONS' order (the step never trains by gradient: the
        # perceptron has its own trainer, so it stands in as linear here)
        self.activations = [keras.activations.get(build.keras_activation("linear" if name == "step" else name))
                            for name in ACTIVATIONS]
        unique: dict = {}  # one computation per function (the step and linear are one)
        slots = [unique.setdefault(id(f), (len(unique), f))[0] for f in self.activations]
        self._unique_activations = [f for _, f in unique.values()]
        self._activation_slot = tf.constant(slots, tf.int32)
        self.output_fn = keras.activations.get(build.keras_activation(self.output_activation))  # sine is ours
        n_slots = self.n_slots = {"adam": 2, "rmsprop": 1, "sgd": 0}[self.optimizer_name]
        self._warm: set[str] = set()
        self._preparing: str | None = None  # the program prepare() is tracing now (in another thread, maybe)
        weights = [tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32)] * self.depth
        points = tf.TensorSpec([None] * (1 + self.rank), tf.float32)
        target = (tf.TensorSpec([None], tf.int32) if self.loss == "sparse_categorical_crossentropy"
                  else tf.TensorSpec([None, 1], tf.float32))
        data = {"x": points, "y": target}
        if self.has_test:
            data.update(xt=points, yt=target)
        for name in self.data_names:
            data[name] = points
        hyper = {"activations": tf.TensorSpec([max(self.depth - 1, 0)], tf.int32),
                 "l1": tf.TensorSpec([self.depth], tf.float32), "l2": tf.TensorSpec([self.depth], tf.float32)}
        state = {"slots": weights * n_slots, "iterations": tf.TensorSpec([], tf.int64),
                 "learning_rate": tf.TensorSpec([], tf.float32)}
        self.constants = optimizer_constants(optimizer)
        # Written without Python control flow on tensors, so traced without AutoGraph: its conversion of every
        # method called tripled the trace (probe 0.9 → 0.33 s, train 1.2–1.5 → 0.5 s here), and these traces
        # are what a student waits for at launch and after "Add layer".
        described = ("faststart", key, sorted(self.constants.items()))  # kept on disk after a trace
        stored = {name: program_store.identity(described + (name,)) if program_store.folder() is not None else None
                  for name in ("train", "probe", "light")}
        self.train = _Program(tf.function(self._train, autograph=False, input_signature=[
            weights, state, hyper, data, tf.TensorSpec([None], tf.int32), tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)]),
            stored["train"])
        self.probe = _Program(tf.function(self._probe, autograph=False, input_signature=[weights, hyper, data]),
                              stored["probe"])
        self.light = _Program(tf.function(self._light, autograph=False, input_signature=[weights, hyper, data]),
                              stored["light"])

    def ready(self, names: tuple[str, ...] = ("train", "probe", "light")) -> bool:
        """Whether the programs ``names`` have been prepared (see :meth:`prepare`)."""
        return self._warm.issuperset(names)

    def coming(self, name: str) -> bool:
        """Whether program ``name`` is prepared, or being prepared now: a call then waits for no more than
        what remains of that."""
        return name in self._warm or self._preparing == name

    def traced(self, name: str) -> bool:
        """Whether program ``name`` needs no trace: prepared, traced by a call, or kept from an earlier launch
        (see program_store)."""
        return name in self._warm or not getattr(self, name).needs_trace()

    def prepare(self, names: tuple[str, ...] = ("train", "probe", "light")) -> None:
        """Trace the programs ``names`` now and run each once on a one-neuron network and one point, e.g. in the
        background before they are needed: TensorFlow prepares a traced graph for running at its first call
        (0.25–0.4 s here for the probe), and that first call is otherwise the student's."""
        for name in names:
            if name in self._warm or getattr(self, name).called():  # (a call traced or read it, and ran it)
                self._warm.add(name)
                continue
            self._preparing = name
            try:
                getattr(self, name)(*self._dummy_args(name))  # traces it, then runs it
            finally:
                self._preparing = None
            self._warm.add(name)

    def _dummy_args(self, name: str) -> tuple:
        """Arguments for program ``name``: every layer one neuron wide, one point, one step (the programs are
        pure functions of their arguments: nothing of a real network changes)."""
        point = tf.zeros([1] * (1 + self.rank), tf.float32)
        target = tf.zeros([1], tf.int32) if self.loss == "sparse_categorical_crossentropy" else tf.zeros([1, 1])
        data = {"x": point, "y": target}
        if self.has_test:
            data.update(xt=point, yt=target)
        data.update({key: point for key in self.data_names})
        weights = [tf.zeros([1, 1]), tf.zeros([1])] * self.depth
        hyper = {"activations": tf.zeros([max(self.depth - 1, 0)], tf.int32), "l1": tf.zeros([self.depth]),
                 "l2": tf.zeros([self.depth])}
        if name != "train":
            return weights, hyper, data
        state = {"slots": weights * self.n_slots, "iterations": tf.constant(0, tf.int64),
                 "learning_rate": tf.constant(0.0)}
        one, zero = tf.constant(1), tf.constant(0)
        return weights, state, hyper, data, tf.zeros([1], tf.int32), zero, one, one, zero

    # the network --------------------------------------------------------------------------------------
    def forward_all(self, weights, hyper, x):
        """Every Dense layer's output, as Keras' Dense computes it (matmul, add the bias, activation)."""
        h = x
        outputs = []
        if self.flatten:
            h = tf.reshape(h, [tf.shape(h)[0], -1])
            outputs.append(h)
        for i in range(self.depth):
            z = keras.ops.add(keras.ops.matmul(h, weights[2 * i]), weights[2 * i + 1])
            if i == self.depth - 1:
                h = self.output_fn(z)
            else:
                h = self._hidden_activation(z, hyper, i)
            outputs.append(h)
        return outputs

    def _hidden_activation(self, z, hyper, i):
        """Hidden layer ``i``'s activation of ``z``: the fixed one of a network's own programs, or, in the
        any-width programs, the one picked by its number in ``hyper`` (another one needs no new trace): every
        activation computed, the one asked for taken out.

        Exactly that activation's values, and its gradient: the others get a gradient of zero, and adding
        their zeros (0 · g'(z), finite for every activation here) changes no bit. ``tf.switch_case`` did the
        same with less arithmetic, but its branches (and their gradients) are graphs of their own, one per
        activation and layer: they made most of the trace a student waits for after "Add layer" (the
        training program of a 2-layer network 1.6 → 0.7 s here, a 3-layer one 2.9 → 0.9 s). These
        programs train only until the compiled one is ready, so their speed matters less than their trace."""
        if self.fixed is not None:
            return self.activations[ACTIVATIONS.index(self.fixed[i])](z)
        values = [f(z) for f in self._unique_activations]
        return tf.gather(tf.stack(values), tf.gather(self._activation_slot, hyper["activations"][i]))

    def total_loss(self, weights, hyper, y, pred):
        """The loss plus the layers' L1/L2 penalties (zero where none is set, which adds exactly nothing)."""
        loss = self.loss_fn(y, pred)
        penalties = [hyper["l1"][i] * tf.reduce_sum(tf.abs(weights[2 * i]))
                     + hyper["l2"][i] * tf.reduce_sum(tf.square(weights[2 * i])) for i in range(self.depth)]
        return loss + tf.add_n(penalties)

    def evaluate(self, weights, hyper, x, y) -> dict:
        pred = self.forward_all(weights, hyper, x)[-1]
        out = {"loss": self.total_loss(weights, hyper, y, pred), "metric": batch_metric(self.loss, y, pred)}
        if self.loss == "mse":
            resid = tf.reduce_sum(tf.square(y - pred))
            total = tf.reduce_sum(tf.square(y - tf.reduce_mean(y)))
            out["r2"] = 1.0 - resid / tf.maximum(total, 1e-12)
        return out

    # the optimizer ------------------------------------------------------------------------------------
    def update(self, grads, weights, state):
        """One optimizer step, with Keras' formulas (``update_step`` of Adam, RMSprop, SGD; then
        ``iterations`` + 1)."""
        c = self.constants
        lr = state["learning_rate"]
        slots = list(state["slots"])
        n = len(weights)
        new = []
        if self.optimizer_name == "adam":
            local_step = tf.cast(state["iterations"] + 1, tf.float32)
            beta_1_power = tf.pow(tf.cast(c["beta_1"], tf.float32), local_step)
            beta_2_power = tf.pow(tf.cast(c["beta_2"], tf.float32), local_step)
            alpha = lr * tf.sqrt(1 - beta_2_power) / (1 - beta_1_power)
            for i, (g, w) in enumerate(zip(grads, weights)):
                m, v = slots[i], slots[n + i]
                m = m + (g - m) * (1 - c["beta_1"])
                v = v + (tf.square(g) - v) * (1 - c["beta_2"])
                slots[i], slots[n + i] = m, v
                new.append(w - (m * alpha) / (tf.sqrt(v) + c["epsilon"]))
        elif self.optimizer_name == "rmsprop":
            rho = c["rho"]
            for i, (g, w) in enumerate(zip(grads, weights)):
                velocity = rho * slots[i] + (1 - rho) * tf.square(g)
                slots[i] = velocity
                new.append(w - (lr * g) / tf.sqrt(velocity + c["epsilon"]))
        else:
            new = [w - g * lr for g, w in zip(grads, weights)]
        return new, {"slots": slots, "iterations": state["iterations"] + 1, "learning_rate": lr}

    # the programs -------------------------------------------------------------------------------------
    def _step(self, weights, slots, iterations, lr, hyper, data, order, begin, size):
        idx = tf.gather(order, begin + tf.range(size))
        xb = tf.gather(data["x"], idx)
        yb = tf.gather(data["y"], idx)
        with tf.GradientTape() as tape:
            tape.watch(weights)
            pred = self.forward_all(weights, hyper, xb)[-1]
            loss = self.total_loss(weights, hyper, yb, pred)
        grads = tape.gradient(loss, weights)
        weights, state = self.update(grads, weights, {"slots": slots, "iterations": iterations, "learning_rate": lr})
        count = tf.cast(size, tf.float32)
        return weights, state["slots"], state["iterations"], loss * count, batch_metric(self.loss, yb, pred) * count

    def _train(self, weights, state, hyper, data, order, start, n_full, batch_size, rest):
        """``n_full`` batches of ``batch_size`` from ``order`` at ``start``, then (``rest`` > 0) one of ``rest``:
        the new weights and optimizer state, and the batches' loss and metric sums (each times its size)."""
        lr = state["learning_rate"]
        steps = n_full + tf.cast(rest > 0, tf.int32)

        def batch(i, weights, slots, iterations, loss_sum, metric_sum):
            # (one loop for the full batches and the smaller last one: a tf.cond for the last traced the
            # step a second time, a third of the trace)
            size = tf.where(i < n_full, batch_size, rest)
            weights, slots, iterations, ls, ms = self._step(list(weights), list(slots), iterations, lr, hyper, data,
                                                            order, start + i * batch_size, size)
            return i + 1, weights, slots, iterations, loss_sum + ls, metric_sum + ms

        carried = (tf.constant(0), list(weights), list(state["slots"]), state["iterations"], tf.constant(0.0),
                   tf.constant(0.0))
        _, weights, slots, iterations, loss_sum, metric_sum = tf.while_loop(lambda i, *_: i < steps, batch, carried)
        return {"weights": list(weights), "slots": list(slots), "iterations": iterations, "loss_sum": loss_sum,
                "metric_sum": metric_sum}

    def _light(self, weights, hyper, data):
        """Only the metrics on the training (``fit``) and test data: an epoch between two pictures."""
        out = {"fit": self.evaluate(weights, hyper, data["x"], data["y"])}
        if self.has_test:
            out["test"] = self.evaluate(weights, hyper, data["xt"], data["yt"])
        return out

    def _probe(self, weights, hyper, data):
        """What a report shows: the metrics on the training (``fit``) and test data, the pictures, the weights."""
        out = {"weights": [tf.identity(w) for w in weights], "fit": self.evaluate(weights, hyper, data["x"], data["y"])}
        if self.has_test:
            out["test"] = self.evaluate(weights, hyper, data["xt"], data["yt"])
        if "grid" in data:
            out["surface"] = self.forward_all(weights, hyper, data["grid"])[-1]
        if "ngrid" in data:
            out["neuron_maps"] = self.forward_all(weights, hyper, data["ngrid"])
        if "act" in data:
            out["activations"] = self.forward_all(weights, hyper, data["act"])
        if self.grad_norms:
            x, y = data["x"][:512], data["y"][:512]
            with tf.GradientTape() as tape:
                tape.watch(weights)
                loss = self.total_loss(weights, hyper, y, self.forward_all(weights, hyper, x)[-1])
            out["grad_norms"] = [tf.norm(g) for g in tape.gradient(loss, weights)]
        return out
