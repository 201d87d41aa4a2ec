"""The fast start: a new network trains at once through the any-width programs, with the numbers of the
compiled (XLA) programs, and hands over to them between two calls."""
from __future__ import annotations

import threading
import time
from dataclasses import replace

import keras
import numpy as np
import pytest

from annstudio.core import datasets, engine, faststart
from annstudio.core.engine import Probes, Trainer
from annstudio.core.spec import DataSpec, NetworkSpec, TrainSpec, dense, dropout, flatten
from same_run import assert_same_run, graph_programs  # noqa: F401  (graph_programs: autouse)

PROBES = Probes(surface=True, resolution=12, activations=True, grad_norms=True, neuron_maps=True, neuron_resolution=6)


def _weights(trainer):
    return [v.numpy().copy() for v in trainer.model.variables]


def _xor():
    return datasets.generate(DataSpec("xor", size=150, seed=3, test_fraction=0.2))


def _digits():
    rng = np.random.default_rng(0)
    x = rng.random((90, 4, 4), dtype=np.float32)
    y = (x[:, 0, 0] * 3).astype(np.float32)
    return datasets.Dataset("tiny digits", x[:70], y[:70], x[70:], y[70:], "multiclass", 3, (0.0, 1.0, 0.0, 1.0))


CASES = [
    ("xor-adam-l2", NetworkSpec((2,), (dense(5, "tanh", l2=0.01), dense(3, "relu"), dense(1, "sigmoid")), ("x1", "x2")),
     TrainSpec("adam", 0.05, 16, 3, "binary_crossentropy", seed=2), _xor, PROBES),
    ("sine-sgd", NetworkSpec((1,), (dense(6, "sigmoid"), dense(1, "linear")), ()),
     TrainSpec("sgd", 0.1, 8, 3, "mse", seed=4), lambda: datasets.generate(DataSpec("sine", size=60, seed=1)),
     Probes(surface=True, resolution=15, grad_norms=True)),
    ("flatten-rmsprop", NetworkSpec((4, 4), (flatten(), dense(7, "relu"), dense(3, "softmax")), ()),
     TrainSpec("rmsprop", 0.01, 16, 3, "sparse_categorical_crossentropy", seed=5), _digits, Probes()),
]


@pytest.mark.parametrize("name, network, train, make_data, probes", CASES, ids=[c[0] for c in CASES])
def test_the_fast_path_trains_as_the_compiled_program_does(monkeypatch, name, network, train, make_data, probes):
    data = make_data()
    steady = Trainer(network, train, data, probes, probe_interval=1e-9, fast_start=False)
    steady_reports = list(steady.run())
    # the XLA programs never become ready: every epoch goes through the any-width program
    monkeypatch.setattr(engine._Compiled, "compile_ahead", lambda *args, **kwargs: None)
    fast = Trainer(network, train, data, probes, probe_interval=1e-9)
    assert fast._compiled.fast is not None
    assert_same_run(fast, list(fast.run()), steady, steady_reports, train.epochs)


def test_a_run_hands_over_to_the_compiled_program_with_the_same_numbers(monkeypatch):
    network = CASES[0][1]
    train = replace(CASES[0][2], epochs=6)
    data = _xor()
    steady = Trainer(network, train, data, PROBES, probe_interval=1e-9, fast_start=False)
    expected = [r.metrics["loss"] for r in steady.run()]
    monkeypatch.setattr(engine, "COMPILE_AFTER_S", 0.0)  # compile as soon as the run asks for it
    compile_ahead = engine._Compiled.compile_ahead
    monkeypatch.setattr(engine._Compiled, "compile_ahead", lambda *args, **kwargs: None)
    trainer = Trainer(network, train, data, PROBES, probe_interval=1e-9)
    run = trainer.run()
    losses = [next(run).metrics["loss"]]           # the first epoch: no compiled program
    monkeypatch.setattr(engine._Compiled, "compile_ahead", compile_ahead)
    losses.append(next(run).metrics["loss"])       # the second: still none, but it compiles meanwhile
    assert engine.wait_compiled(300)                # wait for it
    key = ("epochs", train.batch_size, len(data.x_train) % train.batch_size)
    assert (key, trainer._shapes) in trainer._compiled.ready and engine.compiling() == 0
    losses += [r.metrics["loss"] for r in run]      # the rest: through the compiled program
    assert key in trainer._compiled.programs
    np.testing.assert_allclose(losses, expected, rtol=1e-4)
    for a, b in zip(_weights(trainer), _weights(steady)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def _fresh_programs():
    engine._POOL.clear()
    with faststart._lock:
        faststart._cache.clear()  # no program traced yet


def _traces(programs) -> int:
    return sum(getattr(programs, name).experimental_get_tracing_count() for name in ("train", "probe", "light"))


def test_another_width_feature_or_activation_needs_no_new_trace(monkeypatch):
    """Once the any-width programs are prepared (the app does it after a network's untrained picture), the
    networks of the same depth train through them: no trace, not even of their own programs."""
    monkeypatch.setattr(engine._Compiled, "compile_ahead", lambda *args, **kwargs: None)
    _fresh_programs()
    data = _xor()
    train = TrainSpec("adam", 0.05, 16, 1, "binary_crossentropy", seed=2)
    base = NetworkSpec((2,), (dense(3, "relu"), dense(1, "sigmoid")), ("x1", "x2"))
    first = Trainer(base, train, data, PROBES, probe_interval=1e-9)
    first._compiled.fast.prepare()
    list(first.run())
    programs = first._compiled.fast
    for network in (replace(base, layers=(dense(7, "relu"), dense(1, "sigmoid"))),
                    replace(base, layers=(dense(3, "tanh"), dense(1, "sigmoid"))),
                    replace(base, input_shape=(3,), features=("x1", "x2", "x1*x2"))):
        trainer = Trainer(network, train, data, PROBES, probe_interval=1e-9)
        assert trainer._compiled.fast is programs
        list(trainer.run())
    assert programs.train.experimental_get_tracing_count() == 1
    assert programs.probe.experimental_get_tracing_count() == 1
    assert [_traces(found) for found in faststart._cache.values() if found is not programs] == [0, 0]  # relu, tanh


def test_a_network_not_prepared_trains_through_its_own_programs_with_the_same_numbers(monkeypatch):
    """At launch, or after a change of depth nobody prepared, a network's first epoch traces its own
    programs (its activations fixed: half the graph of the any-width ones, half the wait) and keeps them; they
    compute what the any-width programs compute, to the bit."""
    monkeypatch.setattr(engine._Compiled, "compile_ahead", lambda *args, **kwargs: None)
    network, data = CASES[0][1], _xor()  # tanh and relu hidden layers, an L2 penalty
    train = replace(CASES[0][2], epochs=4)
    runs = []
    for prepared in (False, True):
        _fresh_programs()
        trainer = Trainer(network, train, data, PROBES, probe_interval=1e-9)
        if prepared:
            trainer._compiled.fast.prepare()
        reports = list(trainer.run())
        general = trainer._compiled.fast
        own = faststart.programs(faststart.own(trainer._compiled.fast_key, ("tanh", "relu")), trainer.optimizer)
        assert own.fixed == ("tanh", "relu") and general.fixed is None
        assert (_traces(general), _traces(own)) == ((3, 0) if prepared else (0, 2))  # (own: train, probe)
        runs.append((reports, _weights(trainer)))
    (own_reports, own_weights), (general_reports, general_weights) = runs
    for a, b in zip(own_reports, general_reports):
        assert a.metrics == b.metrics
        np.testing.assert_array_equal(a.surface, b.surface)
        np.testing.assert_array_equal([v for _, v in a.grad_norms], [v for _, v in b.grad_norms])
    for a, b in zip(own_weights, general_weights):
        np.testing.assert_array_equal(a, b)


def test_networks_with_other_layers_and_unwatched_runs_train_as_before():
    data = _xor()
    train = TrainSpec("adam", 0.05, 16, 1, "binary_crossentropy", seed=2)
    with_dropout = NetworkSpec((2,), (dense(3, "relu"), dropout(0.2), dense(1, "sigmoid")), ("x1", "x2"))
    assert Trainer(with_dropout, train, data, probe_interval=1e-9)._compiled.fast is None
    assert faststart.structure(with_dropout, (), True, False, "binary_crossentropy", "adam") is None
    plain = Trainer(CASES[0][1], train, data)  # not watched: no fast start unless asked for
    assert not plain.fast_start and not plain._fast_ok()


def test_a_new_seed_leaves_tensorflow_alone_and_gives_keras_weights():
    """A network built with another seed must not set TensorFlow's global seed: that empties the caches of
    prepared functions for the whole process, under the feet of a program compiling in another thread (a test
    run stalled with the training thread building a model while the compiling thread finished). The weights are
    still those ``keras.utils.set_random_seed`` gives."""
    import keras
    from tensorflow.python.eager import context

    from annstudio.core import build

    network = CASES[0][1]
    before = context.context()._seed
    seed = 987 if before != 987 else 988
    ours = build.build_model(network, seed=seed)
    assert context.context()._seed == before
    keras.utils.set_random_seed(seed)
    theirs = build.build_model(network)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_network_trained_for_a_moment_is_not_compiled_one_trained_longer_is(monkeypatch):
    """Trying one change after another, each network trains for a moment: its XLA compile would only slow the
    next change down. A run compiles once it has trained COMPILE_AFTER_S through the any-width programs."""
    network = CASES[0][1]
    train = replace(CASES[0][2], epochs=400)
    data = _xor()
    monkeypatch.setattr(engine, "COMPILE_AFTER_S", 3600.0)
    engine._POOL.clear()  # not a network another test has compiled
    trainer = Trainer(network, train, data, PROBES, probe_interval=1e-9)
    trainer.compile_for_play()  # after the untrained picture: the any-width programs, not the XLA program
    assert engine.wait_compiled(300)
    for _ in trainer.run(3):
        pass
    assert engine.wait_compiled(300) and not trainer._compiled.ready and not trainer._compiled.programs
    monkeypatch.setattr(engine, "COMPILE_AFTER_S", trainer._fast_seconds)  # it has trained that long now
    for _ in trainer.run(1):
        pass
    assert engine.wait_compiled(300)
    key = ("epochs", train.batch_size, len(data.x_train) % train.batch_size)
    assert (key, trainer._shapes) in trainer._compiled.ready


def test_a_trace_is_not_counted_as_training_time():
    """The XLA compile is due after COMPILE_AFTER_S of training: the any-width program's trace (the first call
    of a structure not prepared) is not training, and counted it made every first run compile at once."""
    network, train, data = CASES[0][1], CASES[0][2], _xor()
    _fresh_programs()  # its programs not traced yet
    trainer = Trainer(network, train, data, PROBES, probe_interval=1e-9)
    program = trainer._compiled.fast_programs("train").train
    traces = program.experimental_get_tracing_count()
    for _ in trainer.run(1):  # one epoch: one call, which traces
        pass
    assert trainer._compiled.fast_programs("train").train is program
    assert program.experimental_get_tracing_count() == traces + 1
    assert trainer._fast_seconds == 0.0
    for _ in trainer.run(2):
        pass
    assert trainer._fast_seconds > 0.0


def test_a_left_network_s_waiting_compiles_are_dropped(monkeypatch):
    """A network the student has left (its trainer released) is not compiled: that held the interpreter lock
    while the next network's picture and first epoch waited."""
    monkeypatch.setattr(engine, "BACKGROUND_COMPILE", True)
    network, train, data = CASES[0][1], CASES[0][2], _xor()
    engine._POOL.clear()
    gate = threading.Event()
    engine._COMPILER.submit(("test", "busy"), lambda: gate.wait(60))  # the thread is busy with something else
    try:
        trainer = Trainer(network, train, data, PROBES, probe_interval=1e-9)
        compiled = trainer._compiled
        trainer._compile_epochs_ahead(train.batch_size)
        assert compiled.compiling and engine.compiling() == 2
        trainer.release()
        assert not compiled.compiling and engine.compiling() == 1  # dropped; the other job still runs
    finally:
        gate.set()
    assert engine.wait_compiled(60) and not compiled.ready


def test_the_networks_a_layer_away_are_prepared_one_program_at_a_time(monkeypatch):
    """After a network's own programs, the background makes ready what "Add layer" (its picture, Play) and
    "remove" (its picture) need next, one program a job step, giving way to anything asked for meanwhile."""
    monkeypatch.setattr(engine, "BACKGROUND_COMPILE", True)
    network, train, data = CASES[0][1], CASES[0][2], _xor()  # two hidden layers
    _fresh_programs()
    trainer = Trainer(network, train, data, PROBES, probe_interval=1e-9)
    trainer._compiled.prepare_fast()
    assert engine.wait_compiled(300)
    key = trainer._compiled.fast_key
    around = {depth: faststart.programs(key[:2] + (depth,) + key[3:], trainer.optimizer)._warm for depth in (2, 3, 4)}
    assert around == {3: {"train", "probe", "light"}, 2: {"probe"}, 4: {"train", "probe", "light"}}
    assert trainer._compiled.own_fast().ready()  # what Play takes first: the network's own programs

    done = []
    steps = [lambda: (done.append("first"), engine._COMPILER.submit(("test", "asked"), lambda: done.append("asked"))),
             lambda: done.append("second")]
    engine._COMPILER.submit(("test", "steps"), engine._one_at_a_time(steps), urgent=False)
    assert engine.wait_compiled(60)
    assert done == ["first", "asked", "second"]  # what was asked meanwhile went first


def test_another_activation_is_guessed_in_the_plane_not_for_images():
    """The any-width programs of a network's own depth are guessed last, after those a layer away, for points in
    the plane; for images (MNIST) they kept the background busy when Play came, so not there."""
    plane = faststart.structure(CASES[0][1], (), False, False, "binary_crossentropy", "adam")
    images = faststart.structure(CASES[2][1], (), False, False, "sparse_categorical_crossentropy", "rmsprop")
    deeper = plane[:2] + (4,) + plane[3:]
    shallower = plane[:2] + (2,) + plane[3:]
    assert faststart.neighbours(plane) == [(deeper, "probe"), (deeper, "train"), (shallower, "probe"), (deeper, "light"),
                                           (plane, "probe"), (plane, "train"), (plane, "light")]
    assert [found for found, _ in faststart.neighbours(images)] == [images[:2] + (3,) + images[3:]] * 2 + [
        images[:2] + (1,) + images[3:], images[:2] + (3,) + images[3:]]


def test_the_programs_are_called_without_grappler_in_their_thread_only():
    """Grappler's passes made most of a program's first call (a wait after every new depth): the any-width
    programs are called without them, through the calling thread's own options, which are put back."""
    from tensorflow.core.protobuf import config_pb2
    from tensorflow.python.eager import context as eager_context

    def meta_optimizer_off() -> bool:
        config = config_pb2.ConfigProto()
        config.ParseFromString(eager_context.context().function_call_options.config_proto_serialized)
        return config.graph_options.rewrite_options.disable_meta_optimizer

    before = eager_context.context().function_call_options
    seen = []
    with faststart._without_grappler():
        seen.append(meta_optimizer_off())
        other = threading.Thread(target=lambda: seen.append(meta_optimizer_off()))
        other.start()
        other.join()
    assert seen == [True, False]  # here, not in another thread
    assert eager_context.context().function_call_options is before and not meta_optimizer_off()

    fast = faststart.programs(faststart.structure(CASES[0][1], (), False, False, "binary_crossentropy", "adam"),
                              keras.optimizers.Adam())
    calls = []
    original = fast.probe.function
    fast.probe.function = lambda *args: (calls.append(meta_optimizer_off()), original(*args))[1]
    try:
        fast.probe(*fast._dummy_args("probe"))
    finally:
        fast.probe.function = original
    assert calls == [True]


def test_guesses_wait_while_a_student_waits(monkeypatch):
    """While a picture or a run's first report is being made (the worker enters FOREGROUND), the background
    does what is asked for, but not its guesses about what comes next; they go on once it is quiet."""
    from annstudio.core.control import FOREGROUND

    monkeypatch.setattr(engine, "BACKGROUND_COMPILE", True)
    done = []
    FOREGROUND.enter()
    try:
        engine._COMPILER.submit(("test", "guess"), lambda: done.append("guess"), urgent=False)
        engine._COMPILER.submit(("test", "asked"), lambda: done.append("asked"))
        deadline = time.monotonic() + 30
        while "asked" not in done and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        assert done == ["asked"] and engine.compiling() == 1  # the guess waits
    finally:
        FOREGROUND.leave(grace=0.1)
    assert engine.wait_compiled(30) and done == ["asked", "guess"]
    deadline = time.monotonic() + 5
    while FOREGROUND.busy() and time.monotonic() < deadline:  # its grace runs out
        time.sleep(0.01)
    assert not FOREGROUND.busy()


def test_unwatched_runs_neither_make_nor_use_the_any_width_programs():
    """Unwatched runs (scripts, benchmarks) compile first: their end-of-epoch probe is the compiled one. Through
    the any-width program MNIST's probe of 70 000 images made every epoch 10-25 % longer."""
    network, train, data = CASES[0][1], CASES[0][2], _xor()
    engine._POOL.clear()
    unwatched = Trainer(network, train, data, PROBES)
    unwatched.chunk_steps = 2  # epochs of several calls: the probe comes after the last one
    for _ in unwatched.run(1):
        pass
    assert unwatched._compiled._fast is None and unwatched._compiled.probe_fn is not None
    watched = Trainer(network, replace(train, seed=9), data, PROBES, probe_interval=1e-9)
    assert watched._compiled.fast is not None and watched._fast_ok()
