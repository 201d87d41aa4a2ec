"""Small networks in the plane trained and drawn in numpy: the numbers of faststart's graph programs and of the
compiled (XLA) program, with nothing traced (a new network's picture and first epoch wait for no trace)."""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from annstudio.core import datasets, engine, faststart, numpy_net
from annstudio.core.engine import Probes, Trainer
from annstudio.core.spec import DataSpec, NetworkSpec, TrainSpec, dense, dropout, flatten
from same_run import assert_same_run

PROBES = Probes(surface=True, resolution=16, activations=True, grad_norms=True, neuron_maps=True, neuron_resolution=6)

CASES = [
    ("xor-tanh-penalties", DataSpec("xor", size=200, noise=0.1, seed=1, test_fraction=0.2),
     NetworkSpec((2,), (dense(4, "tanh", l1=0.01, l2=0.02), dense(1, "sigmoid")), ("x1", "x2")),
     TrainSpec("adam", 0.05, 16, 3, "binary_crossentropy", seed=2)),
    ("gaussians-softmax", DataSpec("gaussians", size=200, classes=3, seed=2),
     NetworkSpec((3,), (dense(5, "relu"), dense(3, "gelu", l2=0.01), dense(3, "softmax")), ("x1", "x2", "x1^2")),
     TrainSpec("rmsprop", 0.01, 16, 3, "sparse_categorical_crossentropy", seed=3)),
    ("sine-regression", DataSpec("sine", size=120, noise=0.1, seed=3, test_fraction=0.25),
     NetworkSpec((1,), (dense(6, "elu"), dense(4, "softplus"), dense(3, "swish"), dense(3, "sine"),
                        dense(2, "leaky_relu"), dense(1, "linear")), ("x1",)),
     TrainSpec("sgd", 0.05, 8, 3, "mse", seed=4)),
    ("circle-clipped-output", DataSpec("circle", size=150, seed=5),  # no logits: the probability is clipped
     NetworkSpec((2,), (dense(3, "sigmoid"), dense(3, "softmax"), dense(1, "tanh")), ("x1", "x2")),
     TrainSpec("adam", 0.05, 16, 3, "binary_crossentropy", seed=6)),
]


def _fresh_programs():
    engine._POOL.clear()
    with faststart._lock:
        faststart._cache.clear()


def _close(a, b, what):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-6, err_msg=what)


@pytest.mark.parametrize("name, data_spec, network, train", CASES, ids=[c[0] for c in CASES])
def test_numpy_computes_what_the_picture_program_computes(monkeypatch, name, data_spec, network, train):
    monkeypatch.setattr(engine._Compiled, "compile_ahead", lambda *args, **kwargs: None)
    trainer = Trainer(network, train, datasets.generate(data_spec), PROBES, probe_interval=1e-9)
    list(trainer.run())  # trained a little: not only the starting weights
    compiled = trainer._compiled
    assert compiled.numpy_net is not None
    weights = [v.numpy() for v in compiled.train_vars]
    arrays = {key: value.numpy() for key, value in trainer._data_args.items()}
    graph = compiled.fast_programs("probe").probe
    for light in (False, True):
        ours = (compiled.numpy_net.light if light else compiled.numpy_net.probe)(weights, arrays)
        theirs = (compiled.fast_programs("light").light if light else graph)(
            [tf.convert_to_tensor(v) for v in compiled.train_vars], compiled.fast_hyper, trainer._data_args)
        assert sorted(ours) == sorted(theirs)
        for part in ("fit", "test"):
            if part in theirs:
                assert sorted(ours[part]) == sorted(theirs[part])
                for key in theirs[part]:
                    _close(ours[part][key], theirs[part][key], f"{part} {key}")
        for key in ("surface", "neuron_maps", "activations", "weights"):
            if key in theirs:
                parts = theirs[key] if isinstance(theirs[key], list) else [theirs[key]]
                mine = ours[key] if isinstance(ours[key], list) else [ours[key]]
                assert len(mine) == len(parts)
                for i, (a, b) in enumerate(zip(mine, parts)):
                    _close(a, b, f"{key} {i}")
        if "grad_norms" in theirs:
            _close(ours["grad_norms"], [float(g) for g in theirs["grad_norms"]], "gradient norms")


@pytest.mark.parametrize("name, data_spec, network, train", CASES, ids=[c[0] for c in CASES])
def test_numpy_trains_as_the_training_program_does(monkeypatch, name, data_spec, network, train):
    """Batches from an order, with a smaller last one, from the middle of the order: the weights, the
    optimizer's state and the loss and metric sums of faststart's training program."""
    monkeypatch.setattr(engine._Compiled, "compile_ahead", lambda *args, **kwargs: None)
    trainer = Trainer(network, train, datasets.generate(data_spec), PROBES, probe_interval=1e-9)
    list(trainer.run(1))  # the optimizer has a state
    compiled = trainer._compiled
    weights = [v.numpy() for v in compiled.train_vars]
    slots = [v.numpy() for v in compiled.slot_vars]
    iterations = int(compiled.optimizer.iterations.numpy())
    rate = float(np.asarray(compiled.optimizer.learning_rate))
    order = np.random.default_rng(7).permutation(trainer.n_train).astype(np.int32)
    start, n_full, size, rest = 5, 4, 9, 3
    ours = compiled.numpy_net.train(weights, slots, iterations, rate, {k: trainer._data_args[k].numpy() for k in "xy"},
                                    order, start, n_full, size, rest)
    state = {"slots": [tf.constant(v) for v in slots], "iterations": tf.constant(iterations, tf.int64),
             "learning_rate": tf.constant(rate, tf.float32)}
    theirs = compiled.fast_programs("train").train(
        [tf.constant(v) for v in weights], state, compiled.fast_hyper, trainer._data_args, tf.constant(order),
        tf.constant(start), tf.constant(n_full), tf.constant(size), tf.constant(rest))
    assert ours["iterations"] == int(theirs["iterations"]) == iterations + n_full + 1
    _close(ours["loss_sum"], float(theirs["loss_sum"]), "loss sum")
    _close(ours["metric_sum"], float(theirs["metric_sum"]), "metric sum")
    for a, b in zip(ours["weights"] + ours["slots"], theirs["weights"] + theirs["slots"]):
        assert a.dtype == np.float32
        _close(a, b, "weights and optimizer state")


@pytest.mark.parametrize("name, data_spec, network, train", CASES, ids=[c[0] for c in CASES])
def test_a_run_through_numpy_gives_the_compiled_program_s_numbers(monkeypatch, name, data_spec, network, train):
    """A watched run trains through numpy until its XLA program is ready (never, here): its losses, metrics,
    pictures and weights are those of an unwatched run, which trains through the compiled program only."""
    data = datasets.generate(data_spec)
    steady = Trainer(network, train, data, PROBES, probe_interval=1e-9, fast_start=False)
    steady_reports = list(steady.run())
    monkeypatch.setattr(engine._Compiled, "compile_ahead", lambda *args, **kwargs: None)
    fast = Trainer(network, train, data, PROBES, probe_interval=1e-9)
    assert fast._compiled.numpy_net is not None and fast._fast_ok()
    assert_same_run(fast, list(fast.run()), steady, steady_reports, train.epochs)


def test_a_new_network_s_picture_and_first_epochs_trace_nothing(monkeypatch):
    """What a student waits for after "Add layer" (the untrained picture, then Play) and at launch (the first
    epoch): numpy draws and trains; no graph program is traced, none is prepared in the background."""
    monkeypatch.setattr(engine._Compiled, "compile_ahead", lambda *args, **kwargs: None)
    submitted = []
    monkeypatch.setattr(engine._COMPILER, "submit", lambda *args, **kwargs: submitted.append(args[0]))
    _fresh_programs()
    name, data_spec, network, train = CASES[0]
    trainer = Trainer(network, train, datasets.generate(data_spec), PROBES, probe_interval=1e-9)
    assert trainer._compiled.fast_names == ()
    untrained = next(trainer.run(0))  # (then the any-width programs would be prepared: none is needed)
    assert untrained.epoch == 0 and untrained.surface is not None and untrained.grad_norms is not None
    reports = list(trainer.run(3))
    assert [r.epoch for r in reports] == [1, 2, 3] and reports[-1].neuron_maps is not None
    assert "test_loss" in reports[-1].metrics and trainer._fast_seconds > 0  # (training time: its XLA compile)
    assert submitted == []
    assert [programs.key for programs in faststart._cache.values()
            if any(getattr(programs, p).experimental_get_tracing_count() for p in ("train", "probe", "light"))] == []


def test_many_points_or_other_layers_keep_the_graph_programs(monkeypatch):
    monkeypatch.setattr(engine._Compiled, "compile_ahead", lambda *args, **kwargs: None)
    name, data_spec, network, train = CASES[0]
    loss = train.loss
    assert numpy_net.usable(network, loss, "adam")
    assert not numpy_net.usable(NetworkSpec((2,), (dense(3, "relu"), dropout(0.2), dense(1, "sigmoid")),
                                            ("x1", "x2")), loss, "adam")
    assert not numpy_net.usable(NetworkSpec((4, 4), (flatten(), dense(3, "softmax")), ()),
                                "sparse_categorical_crossentropy", "adam")
    assert not numpy_net.usable(NetworkSpec((2,), (dense(2, "step"), dense(1, "sigmoid")), ("x1", "x2")), loss, "adam")
    assert not numpy_net.usable(network, loss, "perceptron")
    # more points than numpy is quick for: the graph programs train and draw, as before
    monkeypatch.setattr(numpy_net, "MAX_POINTS", 50)
    _fresh_programs()
    trainer = Trainer(network, train, datasets.generate(data_spec), PROBES, probe_interval=1e-9)
    reports = list(trainer.run(1))
    assert reports[-1].surface is not None
    for name in ("train", "probe"):
        assert getattr(trainer._compiled.fast_programs(name), name).experimental_get_tracing_count() == 1
