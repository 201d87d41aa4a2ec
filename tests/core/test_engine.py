import math
import queue
import threading
from dataclasses import replace

import numpy as np
import pytest

from annstudio.core import build, datasets, engine, lessons
from annstudio.core.engine import Probes, TrainControl, Trainer, TrainingError
from annstudio.core.spec import DataSpec, NetworkSpec, SpecError, TrainSpec, batchnorm, dense


def _preset(pid, **train):
    p = lessons.get(pid)
    return p, replace(p.train, **train), datasets.load(p.data)


@pytest.mark.parametrize("pid", ["logistic-regression", "overfit-batchnorm"])
def test_engine_gives_the_same_losses_and_model_as_fit(pid):
    p, train, data = _preset(pid, shuffle=False, epochs=3)
    model = build.build_model(p.network, seed=train.seed)
    build.compile_like_lecture(model, train)
    fit = model.fit(data.x_train, data.y_train.reshape(-1, 1), epochs=3, batch_size=32, shuffle=False, verbose=0)
    result = Trainer(p.network, train, data).train_to_end()
    np.testing.assert_allclose([h["loss"] for h in result.history], fit.history["loss"], rtol=2e-4)
    ours = result.model.predict_on_batch(data.x_train[:20])
    np.testing.assert_allclose(ours, model.predict_on_batch(data.x_train[:20]), atol=2e-3)


def test_seeded_runs_are_reproducible():
    p, train, data = _preset("looking-at-parameters", epochs=3)
    a = Trainer(p.network, train, data).train_to_end().history
    b = Trainer(p.network, train, data).train_to_end().history
    assert a == b
    c = Trainer(p.network, replace(train, seed=train.seed + 1), data).train_to_end().history
    assert c != a


def test_reports_are_immutable_snapshots_with_probes():
    p, train, data = _preset("looking-at-parameters", epochs=2)
    probes = Probes(surface=True, resolution=50, activations=True, grad_norms=True, histograms=True)
    trainer = Trainer(p.network, train, data, probes)
    reports = list(trainer.run())
    assert [r.epoch for r in reports] == [1, 2]
    first, last = reports
    assert first.surface.shape == (50, 50) and 0 <= first.surface.min() and first.surface.max() <= 1
    assert len(first.surface_axes) == 2 and first.surface_axes[0][0] == -5
    assert [a.shape for a in first.activations] == [(1000, 2), (1000, 1)]
    assert [name for name, _ in first.grad_norms] == ["dense_1", "dense_2"]
    assert all(n > 0 for _, n in first.grad_norms)
    assert [h[0] for h in first.histograms] == ["dense_1", "dense_2"]
    kernel = first.layer_weights("dense_1")[0]
    assert kernel.shape == (2, 2) and not kernel.flags.writeable
    with pytest.raises(ValueError):
        kernel[0, 0] = 1.0
    assert not np.array_equal(kernel, last.layer_weights("dense_1")[0]), "a report must not follow the model"
    with pytest.raises(AttributeError):
        first.epoch = 5  # frozen dataclass
    # the surface probe agrees with the model's own prediction on a grid point
    xs, ys = first.surface_axes
    np.testing.assert_allclose(trainer.predict(np.array([[xs[3], ys[7]]]))[0, 0], last.surface[7, 3], atol=1e-5)


def test_regression_reports_rmse_r2_and_a_curve():
    p, train, data = _preset("overfit-plain", epochs=3)
    report = list(Trainer(p.network, train, data, Probes(surface=True, resolution=100)).run())[-1]
    assert {"loss", "mse", "rmse", "r2"} <= set(report.metrics)
    assert report.surface.shape == (100,) and len(report.surface_axes) == 1


def test_test_metrics_when_there_is_a_test_set():
    p, train, data = _preset("perceptron-xor", epochs=1)
    report = next(iter(Trainer(p.network, train, data).run()))
    assert 0 <= report.metrics["test_accuracy"] <= 1 and report.metrics["test_loss"] > 0


def _run_in_thread(trainer, control, epochs=None):
    reports: queue.Queue = queue.Queue()

    def work():
        for r in trainer.run(epochs, control):
            reports.put(r)
        reports.put(None)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, reports


def test_pause_step_resume_stop_from_another_thread():
    p, train, data = _preset("looking-at-parameters", epochs=50)
    control = TrainControl()
    control.pause()
    trainer = Trainer(p.network, train, data, chunk_steps=8)
    thread, reports = _run_in_thread(trainer, control)
    with pytest.raises(queue.Empty):
        reports.get(timeout=0.5)  # paused before the first batch: nothing happens
    assert trainer.batches == 0

    control.step_batch()
    r = reports.get(timeout=30)
    assert r.partial and r.batches == 1 and r.epoch == 0

    control.step_epoch()  # finishes the epoch that was started, then pauses again
    r = reports.get(timeout=30)
    assert not r.partial and r.epoch == 1 and r.batches == 32
    with pytest.raises(queue.Empty):
        reports.get(timeout=0.3)

    control.step_epoch()
    assert reports.get(timeout=30).epoch == 2

    control.set_learning_rate(0.05)
    control.resume()
    r = reports.get(timeout=30)
    assert r.learning_rate == pytest.approx(0.05)
    control.stop()
    while reports.get(timeout=30) is not None:
        pass
    thread.join(10)
    result = trainer.result
    assert result.stopped and not result.diverged and trainer.epoch < 50
    assert float(trainer.optimizer.learning_rate.numpy()) == pytest.approx(0.05)


def test_stop_in_the_first_epoch_returns_the_model_after_the_last_finished_batch():
    p, train, data = _preset("looking-at-parameters", epochs=5)
    control = TrainControl()
    control.pause()
    trainer = Trainer(p.network, train, data)
    thread, reports = _run_in_thread(trainer, control)
    for _ in range(3):
        control.step_batch()
        last = reports.get(timeout=30)
    control.stop()
    assert reports.get(timeout=30) is None
    thread.join(10)
    assert trainer.result.stopped and trainer.epoch == 0 and trainer.batches == 3
    assert "stopped" in trainer.result.message
    for name, arrays in last.weights:
        for ours, model in zip(arrays, trainer.model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(ours, model)


def test_batch_size_change_takes_effect_at_the_next_epoch():
    p, train, data = _preset("logistic-regression", epochs=3)
    control = TrainControl()
    trainer = Trainer(p.network, train, data)
    it = trainer.run(control=control)
    assert next(it).batch_size == 32
    control.set_batch_size(100)
    r = next(it)
    assert r.batch_size == 100 and r.batches == 32 + 10
    with pytest.raises(SpecError):
        control.set_batch_size(0)
    with pytest.raises(SpecError):
        control.set_learning_rate(-1.0)


def test_divergence_stops_and_keeps_the_last_good_weights():
    p, train, data = _preset("overfit-plain", optimizer="sgd", learning_rate=100.0, epochs=50)
    trainer = Trainer(p.network, train, data)
    reports = list(trainer.run())
    result = trainer.result
    assert result.diverged and "diverged" in result.message and "smaller learning rate" in result.message
    assert len(reports) < 50
    weights = [w for layer in trainer.model.layers for w in layer.get_weights()]
    assert all(np.isfinite(w).all() for w in weights)
    if reports:
        np.testing.assert_array_equal(reports[-1].layer_weights("dense_1")[0], trainer.model.get_layer("dense_1").get_weights()[0])


def test_training_more_epochs_continues_the_same_model():
    p, train, data = _preset("logistic-regression", epochs=2)
    trainer = Trainer(p.network, train, data)
    trainer.train_to_end()
    trainer.train_to_end(epochs=2)
    assert trainer.epoch == 4 and [h["epoch"] for h in trainer.result.history] == [1, 2, 3, 4]


@pytest.mark.parametrize("network, train, words", [
    (NetworkSpec((2,), (dense(2, "softmax"),)), TrainSpec(loss="binary_crossentropy"), "needs 1 output unit"),
    (NetworkSpec((2,), (dense(1, "sigmoid"),)), TrainSpec(loss="mse"), "needs a cross-entropy loss"),
    (NetworkSpec((2,), (dense(2, "softmax"),)), TrainSpec(loss="sparse_categorical_crossentropy"), None),
])
def test_network_and_data_must_fit_together(network, train, words):
    data = datasets.generate(DataSpec("xor", size=50))
    if words is None:
        Trainer(network, train, data).train_to_end(epochs=1)
        return
    with pytest.raises(TrainingError, match=words):
        Trainer(network, train, data)


def test_multiclass_softmax_needs_enough_outputs():
    data = datasets.generate(DataSpec("spiral", size=90, classes=3))
    with pytest.raises(TrainingError, match="3 classes need an output layer of 3 units"):
        Trainer(NetworkSpec((2,), (dense(2, "softmax"),)), TrainSpec(loss="sparse_categorical_crossentropy"), data)
    trainer = Trainer(NetworkSpec((2,), (dense(8, "relu"), dense(3, "softmax"))),
                      TrainSpec(loss="sparse_categorical_crossentropy", learning_rate=0.05), data,
                      Probes(surface=True, resolution=20))
    report = list(trainer.run(2))[-1]
    assert report.surface.shape == (20, 20, 3)
    np.testing.assert_allclose(report.surface.sum(axis=-1), 1.0, rtol=1e-4)


def test_run_zero_epochs_reports_the_untrained_state_with_neuron_maps():
    p, train, data = _preset("looking-at-parameters")
    trainer = Trainer(p.network, train, data, Probes(surface=True, resolution=30, neuron_maps=True,
                                                     neuron_resolution=12))
    (report,) = list(trainer.run(0))
    assert report.partial and report.epoch == 0 and trainer.batches == 0
    assert [m.shape for m in report.neuron_maps] == [(12, 12, 2), (12, 12, 1)]
    assert report.neuron_axes[0].shape == (12,)
    np.testing.assert_allclose(report.neuron_maps[-1][..., 0][::11, ::11], report.surface[::29, ::29], atol=1e-5)
    assert 0 < report.metrics["loss"] and "accuracy" in report.metrics


def test_neuron_edits_freeze_and_switch_off():
    from annstudio.core.engine import NeuronEdit

    p, train, data = _preset("looking-at-parameters", epochs=3)
    control = TrainControl()
    trainer = Trainer(p.network, train, data, Probes(surface=True, resolution=20))
    control.request_edit(NeuronEdit("dense_1", 0, incoming=np.array([1.5, -2.0]), bias=0.25, frozen=True))
    control.request_edit(NeuronEdit("dense_1", 1, off=True))
    reports = list(trainer.run(control=control))
    edited = reports[0]
    assert edited.partial and edited.message == ""
    k1, b1 = edited.layer_weights("dense_1")
    np.testing.assert_allclose(k1[:, 0], [1.5, -2.0])
    assert b1[0] == pytest.approx(0.25)
    assert edited.layer_weights("dense_2")[0][1, 0] == 0.0
    k1, b1 = trainer.model.get_layer("dense_1").get_weights()
    np.testing.assert_allclose(k1[:, 0], [1.5, -2.0])  # frozen through 3 epochs of training
    assert b1[0] == pytest.approx(0.25)
    # a silenced neuron gets no gradient; the output layer goes on learning
    np.testing.assert_allclose(k1[:, 1], edited.layer_weights("dense_1")[0][:, 1])
    assert trainer.model.get_layer("dense_2").get_weights()[0][0, 0] != edited.layer_weights("dense_2")[0][0, 0]
    assert trainer.model.get_layer("dense_2").get_weights()[0][1, 0] == 0.0  # switched off stays off
    # unfreeze and switch back on: training changes them again
    control.request_edit(NeuronEdit("dense_1", 0, frozen=False))
    control.request_edit(NeuronEdit("dense_1", 1, off=False))
    control.request_edit(NeuronEdit("dense_2", 0, off=True))
    reports = list(trainer.run(2, control))
    assert "output neuron cannot be switched off" in reports[0].message
    assert not np.allclose(trainer.model.get_layer("dense_1").get_weights()[0][:, 0], [1.5, -2.0])
    assert trainer.model.get_layer("dense_2").get_weights()[0][1, 0] != 0.0


def test_an_edit_while_paused_answers_at_once_with_a_report():
    from annstudio.core.engine import NeuronEdit

    p, train, data = _preset("looking-at-parameters", epochs=5)
    control = TrainControl()
    control.pause()
    trainer = Trainer(p.network, train, data, Probes(surface=True, resolution=20))
    thread, reports = _run_in_thread(trainer, control)
    control.request_edit(NeuronEdit("dense_2", 0, bias=5.0))
    r = reports.get(timeout=30)
    assert r.partial and r.layer_weights("dense_2")[1][0] == pytest.approx(5.0) and trainer.batches == 0
    assert r.surface.mean() > 0.9  # a big output bias pushes every point to class 1
    control.stop()
    assert reports.get(timeout=30) is None
    thread.join(10)


def test_probe_interval_gives_metrics_only_reports_between_full_ones():
    p, train, data = _preset("looking-at-parameters", epochs=40)
    trainer = Trainer(p.network, train, data, Probes(surface=True, resolution=20), probe_interval=3600.0,
                      fast_start=False)
    reports = list(trainer.run())
    full = [r for r in reports if r.weights is not None]
    # the first (nothing drawn yet), the second (the engine times an epoch then) and the last
    assert [r.epoch for r in full] == [1, 2, 40]
    assert all(r.surface is None and "loss" in r.metrics for r in reports if r.weights is None)
    assert [r.epoch for r in reports] == list(range(1, 41)) and len(trainer.result.history) == 40
    assert trainer.epochs_per_call == 38  # the rest in one call


@pytest.mark.parametrize("pid, shuffle, data_spec", [
    ("xor-hidden", True, None),
    ("overfit-dropout", False, None),
    ("overfit-dropout", True, DataSpec("sine", size=120, noise=0.2, test_fraction=0.25)),  # regression with test
])
def test_watched_training_runs_many_epochs_per_call_with_the_same_numbers(pid, shuffle, data_spec):
    """While watched, whole epochs of small data run many to a call (the Python around each call held the
    interpreter lock the window needs); the numbers are those of one epoch at a time."""
    p, train, data = _preset(pid, epochs=120, shuffle=shuffle)
    if data_spec is not None:
        data = datasets.load(data_spec)
    probes = Probes(surface=True, resolution=20, activations=True, grad_norms=True, histograms=True)
    one = Trainer(p.network, train, data, probes).train_to_end()
    one_weights = [v.numpy().copy() for v in one.model.variables]
    # (no fast start: its any-width program trains one epoch a call until this program is compiled)
    many = Trainer(p.network, train, data, probes, probe_interval=0.02, fast_start=False)
    per_call, reports = [], []
    for report in many.run():
        per_call.append(many.epochs_per_call)
        reports.append(report)
    assert max(per_call) > 5
    assert [r.epoch for r in reports] == list(range(1, 121))
    assert [r.batches for r in reports] == [e * reports[0].batches for e in range(1, 121)]
    assert reports[-1].weights is not None and reports[-1].surface is not None
    history = many.result.history
    assert [h.keys() for h in history] == [h.keys() for h in one.history]
    for key in one.history[0]:
        np.testing.assert_allclose([h[key] for h in history], [h[key] for h in one.history], rtol=1e-4, atol=1e-5)
    for ours, theirs in zip(many.model.variables, one_weights):
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-4, atol=1e-5)
    # the pictures come at most about every probe_interval: far fewer than the epochs
    assert sum(r.weights is not None for r in reports) < 60
    # ... but every epoch has its weight histograms (counted in the graph where it has no weights)
    layers = [name for name, ws in reports[-1].weights if ws]
    assert all([h[0] for h in r.histograms] == layers for r in reports)


def test_watched_training_pauses_steps_and_stops_between_calls():
    p, train, data = _preset("looking-at-parameters", epochs=100_000)
    control = TrainControl()
    trainer = Trainer(p.network, train, data, probe_interval=0.05)
    thread, reports = _run_in_thread(trainer, control)
    first = reports.get(timeout=60)
    assert first.epoch == 1
    while trainer.epochs_per_call < 2:  # many epochs a call now
        reports.get(timeout=30)
    control.pause()
    while True:  # the call under way ends; the pause holds from there on
        try:
            paused_at = reports.get(timeout=0.5).epoch
        except queue.Empty:
            break
    assert trainer.epoch == paused_at
    control.step_epoch()
    r = reports.get(timeout=30)
    assert r.epoch == paused_at + 1 and r.weights is not None  # paused: one epoch, with its picture
    with pytest.raises(queue.Empty):
        reports.get(timeout=0.3)
    control.stop()
    while reports.get(timeout=30) is not None:
        pass
    thread.join(10)
    assert trainer.result.stopped and trainer.epoch == paused_at + 1


def test_watched_training_that_diverges_keeps_the_last_good_weights():
    p, train, data = _preset("overfit-plain", optimizer="sgd", learning_rate=100.0, epochs=500)
    trainer = Trainer(p.network, train, data, Probes(surface=True, resolution=20), probe_interval=10.0)
    reports = list(trainer.run())
    result = trainer.result
    assert result.diverged and "diverged" in result.message
    assert all(math.isfinite(v) for h in result.history for v in h.values())
    assert [h["epoch"] for h in result.history] == [r.epoch for r in reports]
    weights = [w for layer in trainer.model.layers for w in layer.get_weights()]
    assert all(np.isfinite(w).all() for w in weights)


def _histograms_agree(report, reference):
    """``report``'s weight histograms are those np.histogram makes of ``reference``'s weights (the same
    epoch trained one epoch a call: equal up to float rounding, so the edges are compared closely)."""
    expected = [(name, *np.histogram(ws[0], bins=30)) for name, ws in reference.weights if ws]
    assert [h[0] for h in report.histograms] == [h[0] for h in expected]
    for (_, counts, edges), (_, want_counts, want_edges) in zip(report.histograms, expected):
        assert counts.dtype == want_counts.dtype and edges.dtype == want_edges.dtype
        np.testing.assert_array_equal(counts, want_counts)
        np.testing.assert_allclose(edges, want_edges, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("layers, fast_start", [
    ((dense(4, "tanh"), batchnorm(), dense(1, "sigmoid")), False),  # a BatchNorm's gamma: all one value
    (None, True),  # the fast start's epochs (one a call, most without pictures), then the compiled program's
])
def test_a_watched_run_has_every_epochs_weight_histogram(layers, fast_start):
    """Many epochs a call have weights only for their last epoch; the others' histograms are counted in the
    graph, so the Weights view gets every epoch's. (Without XLA, which only takes longer to compile here:
    the test below counts with it, and the compiled many-epochs program's reports are checked further up.)"""
    p, train, data = _preset("xor-hidden", epochs=10)
    network = p.network if layers is None else replace(p.network, layers=layers)
    probes = Probes(histograms=True)
    one = list(Trainer(network, train, data, probes, xla=False).run())  # every report has weights
    many = Trainer(network, train, data, probes, probe_interval=3600.0, fast_start=fast_start, xla=False)
    per_call, reports = [], []
    for report in many.run():
        per_call.append(many.epochs_per_call)
        reports.append(report)
    if not fast_start:
        assert max(per_call) > 5 and sum(r.weights is None for r in reports) > 5
    assert [r.epoch for r in reports] == list(range(1, 11))
    for report, reference in zip(reports, one):
        _histograms_agree(report, reference)


def test_weight_histograms_counted_in_the_graph_are_np_histograms():
    """Values on bin edges, equal values, one value everywhere: the same counts and edges to the bit (with
    XLA, as the app trains)."""
    import tensorflow as tf

    from annstudio.core.engine import histograms_from_rows

    p, train, data = _preset("xor-hidden", epochs=1)
    compiled = Trainer(p.network, train, data, Probes(histograms=True, histogram_bins=7))._compiled
    count = tf.function(compiled.histograms_graph, jit_compile=True)
    kernels = [layer.weights[0] for layer in compiled.layers if layer.weights]
    rng = np.random.default_rng(0)
    for kind in range(12):
        for kernel in kernels:
            shape = kernel.shape
            values = [rng.normal(0, 10.0 ** rng.uniform(-3, 1), shape), np.full(shape, rng.normal()),
                      rng.integers(-3, 4, shape) * 0.1, np.repeat(rng.normal(size=(1,) + tuple(shape[1:])), shape[0], 0)]
            kernel.assign(values[kind % 4].astype(np.float32))
        found = histograms_from_rows(count().numpy()[None], compiled.histogram_layers(), 7)[0]
        assert len(found) == len(kernels)
        for (_, counts, edges), kernel in zip(found, kernels):
            want_counts, want_edges = np.histogram(kernel.numpy(), bins=7)
            np.testing.assert_array_equal(counts, want_counts)
            np.testing.assert_array_equal(edges, want_edges)
            assert edges.dtype == want_edges.dtype


# --- reusing compiled programs (TensorFlow never frees a traced function) ------------------------------

def _weights(trainer):
    return [v.numpy().copy() for v in trainer.model.variables]


@pytest.mark.parametrize("layers, optimizer", [
    ((dense(4, "tanh"), {"kind": "dropout", "rate": 0.3}, {"kind": "batchnorm"}, dense(1, "sigmoid")), "adam"),
    ((dense(3, "relu"), dense(1, "sigmoid")), "sgd"),
])
def test_a_released_trainers_programs_are_reused_with_fresh_weights_and_optimizer(layers, optimizer):
    from annstudio.core import engine
    from annstudio.core.spec import LayerSpec

    layers = tuple(LayerSpec(**l) if isinstance(l, dict) else l for l in layers)
    network = NetworkSpec((2,), layers, ("x1", "x2"))
    train = TrainSpec(optimizer=optimizer, learning_rate=0.05, batch_size=16, epochs=3, seed=7,
                      loss="binary_crossentropy")
    data = datasets.generate(DataSpec("xor", size=200, seed=3, test_fraction=0.25))
    first = Trainer(network, train, data, Probes(surface=True, resolution=20))
    initial = _weights(first)
    history = first.train_to_end().history
    assert not all(np.array_equal(a, b) for a, b in zip(_weights(first), initial))
    built, reused = engine._POOL.built, engine._POOL.reused
    first.release()
    second = Trainer(network, train, data, Probes(surface=True, resolution=20))
    assert (engine._POOL.built, engine._POOL.reused) == (built, reused + 1)  # the same programs, reset
    assert second.model is first.model
    for a, b in zip(_weights(second), initial):   # weights and dropout's random state as a fresh build
        np.testing.assert_array_equal(a, b)
    assert int(second.optimizer.iterations.numpy()) == 0
    assert second.train_to_end().history == history  # optimizer slots were zeroed too


def test_programs_are_not_shared_while_a_trainer_lives_and_are_reused_for_other_data_of_that_kind():
    from annstudio.core import engine

    p, train, data = _preset("looking-at-parameters", epochs=1)
    a = Trainer(p.network, train, data)
    built = engine._POOL.built
    b = Trainer(p.network, train, data)  # a still lives: its own programs
    assert engine._POOL.built == built + 1 and b.model is not a.model
    a.train_to_end()
    b.train_to_end()
    model = a.model
    del a  # garbage: its programs are free again
    other = datasets.generate(replace(p.data, size=300, seed=9))
    c = Trainer(p.network, train, other)
    assert c.model is model and engine._POOL.built == built + 1
    result = c.train_to_end()
    assert len(result.history) == 1 and np.isfinite(result.final["loss"])


def test_a_reused_trainer_starts_with_no_neuron_frozen_or_switched_off():
    from annstudio.core.control import NeuronEdit

    p, train, data = _preset("looking-at-parameters", epochs=2)
    first = Trainer(p.network, train, data)
    layer = first.network.layer_names()[0]
    first.apply_edit(NeuronEdit(layer, 0, frozen=True))
    frozen_before = first.model.get_layer(layer).get_weights()[0][:, 0].copy()
    first.train_to_end()
    np.testing.assert_array_equal(first.model.get_layer(layer).get_weights()[0][:, 0], frozen_before)
    first.release()
    second = Trainer(p.network, train, data)
    assert second.model is first.model and not second.frozen
    start = second.model.get_layer(layer).get_weights()[0][:, 0].copy()
    second.train_to_end()
    assert not np.array_equal(second.model.get_layer(layer).get_weights()[0][:, 0], start)


def test_a_result_keeps_its_model_when_the_trainer_is_dropped():
    p, train, data = _preset("looking-at-parameters", epochs=2)
    first = Trainer(p.network, train, data).train_to_end()
    weights = [w.copy() for w in first.model.get_weights()]
    second = Trainer(p.network, replace(train, seed=5), data).train_to_end()
    assert second.model is not first.model
    for a, b in zip(first.model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


def test_a_speed_caps_the_epochs_a_second_and_a_stop_does_not_wait_for_it():
    import time

    p, train, data = _preset("looking-at-parameters", epochs=100_000)
    control = TrainControl()
    control.set_speed(20.0)
    trainer = Trainer(p.network, train, data, probe_interval=1 / 60, fast_start=False)  # full speed: compiled
    thread, reports = _run_in_thread(trainer, control)
    reports.get(timeout=60)  # compiled: the first epoch
    first = trainer.epoch
    time.sleep(1.0)
    done = trainer.epoch - first
    assert 10 <= done <= 30, done  # ~20 epochs in that second, not thousands
    control.set_speed(None)  # full speed, at once
    time.sleep(0.5)
    assert trainer.epoch - first > 60
    control.set_speed(0.2)  # one epoch every five seconds
    time.sleep(0.3)
    stopping = time.perf_counter()
    control.stop()
    while reports.get(timeout=30) is not None:
        pass
    thread.join(10)
    assert time.perf_counter() - stopping < 1.0 and trainer.result.stopped
    with pytest.raises(SpecError):
        control.set_speed(0)
    with pytest.raises(SpecError):
        control.set_speed(float("nan"))


@pytest.mark.parametrize("fast_start", [False, True])
def test_a_small_networks_every_report_has_that_epochs_weights(fast_start, monkeypatch):
    """The loss landscape's path needs every epoch's weights, also of the epochs a many-epochs call trains
    without pictures: a small network's rows carry them. They equal a run that reports every epoch's weights."""
    p, train, data = _preset("xor-hidden", epochs=12)
    probes = Probes(histograms=True, parameters_up_to=200)  # both ride in the rows
    one = list(Trainer(p.network, train, data, probes, xla=False).run())  # every report has weights
    many = Trainer(p.network, train, data, probes, probe_interval=3600.0, fast_start=fast_start, xla=False)
    if fast_start:  # the hand-over after the first epoch, not a race against the machine's load
        monkeypatch.setattr(engine, "COMPILE_AFTER_S", 0.0)
    per_call, reports = [], []
    for report in many.run():
        per_call.append(many.epochs_per_call)
        reports.append(report)
        if fast_start and len(reports) == 1:
            assert engine.wait_compiled(120)  # (the run waits meanwhile: it is a generator)
    assert max(per_call) > 5 and sum(r.weights is None for r in reports) > 5
    assert [r.epoch for r in reports] == list(range(1, 13))
    for report, reference in zip(reports, one):
        assert [name for name, _ in report.parameters] == [name for name, _ in reference.weights]
        for (_, ours), (_, theirs) in zip(report.parameters, reference.weights):
            for a, b in zip(ours, theirs):
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        _histograms_agree(report, reference)
    # a bigger network than the limit carries none (its rows stay as narrow as they were)
    big = Trainer(p.network, train, data, Probes(parameters_up_to=5), probe_interval=3600.0, xla=False)
    assert all(r.parameters is None for r in big.run(3))


def test_weight_histograms_of_huge_or_broken_weights_are_counted_or_left_out():
    from annstudio.core.engine import weight_histogram

    counts, edges = weight_histogram(np.array([1e8, 1e8 + 8], np.float32), 30)  # float32 has no room for 30 bins
    assert counts.sum() == 2 and len(edges) == 31
    assert weight_histogram(np.array([1.0, np.nan]), 30) is None
    assert weight_histogram(np.array([0.0, 1.0]), 4)[0].tolist() == [1, 0, 0, 1]


@pytest.mark.parametrize("light", [False, True])
def test_a_diverging_run_with_weight_histograms_says_it_diverged(light):
    """Found in the window: SGD at rate 100 blew the weights up until np.histogram could not count them, and
    the student read "an unexpected problem" instead of "diverged"."""
    p, train, data = _preset("overfit-plain", optimizer="sgd", learning_rate=100.0, epochs=300)
    network = replace(p.network, layers=[dense(3, "tanh"), dense(1, "linear")])
    trainer = Trainer(network, train, data, Probes(histograms=True, surface=not light), probe_interval=0.0)
    list(trainer.run())
    assert trainer.result.diverged and "diverged" in trainer.result.message


def test_stopping_after_an_epoch_without_pictures_ends_on_its_picture():
    """The loss curve has a point for every epoch, the picture only every probe_interval: a run stopped
    between two pictures ends with one of the epoch it stopped at, so the two say the same."""
    p, train, data = _preset("looking-at-parameters", epochs=40)
    trainer = Trainer(p.network, train, data, Probes(surface=True, resolution=20), probe_interval=3600.0,
                      fast_start=False)
    trainer.chunk_steps = 1  # a call per batch: a stop comes between two epochs (many epochs a call end on a picture)
    control, reports = TrainControl(), []
    for report in trainer.run(control=control):
        reports.append(report)
        if report.epoch == 4 and not report.partial:
            control.stop()
    assert trainer.result.stopped and trainer.epoch == 4
    assert any(r.weights is None for r in reports if r.epoch == 4)  # epoch 4 came without pictures first
    last = reports[-1]
    assert last.epoch == 4 and last.weights is not None and last.surface is not None and not last.partial
    assert last.metrics["loss"] == pytest.approx(trainer.result.history[-1]["loss"])
