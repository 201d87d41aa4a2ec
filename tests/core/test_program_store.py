"""Traced programs kept on disk: a later launch runs them without a trace, with the same numbers to the bit."""
from __future__ import annotations

import json
import time
from dataclasses import replace

import numpy as np
import pytest

from annstudio.core import datasets, engine, faststart, program_store
from annstudio.core.engine import Probes, Trainer
from annstudio.core.spec import DataSpec, NetworkSpec, TrainSpec, dense
from same_run import graph_programs  # noqa: F401  (autouse: these tests are about the graph programs)

PROBES = Probes(surface=True, resolution=12, activations=True, grad_norms=True, neuron_maps=True, neuron_resolution=6)
NETWORK = NetworkSpec((2,), (dense(5, "tanh", l2=0.01), dense(3, "relu"), dense(1, "sigmoid")), ("x1", "x2"))
TRAIN = TrainSpec("adam", 0.05, 16, 3, "binary_crossentropy", seed=2)


def _launch():
    """What a new launch has: no program in memory (the kept ones are on disk)."""
    engine._POOL.clear()
    with faststart._lock:
        faststart._cache.clear()


def _run(monkeypatch):
    monkeypatch.setattr(engine._Compiled, "compile_ahead", lambda *args, **kwargs: None)  # no XLA hand-over
    data = datasets.generate(DataSpec("xor", size=150, seed=3, test_fraction=0.2))
    trainer = Trainer(NETWORK, TRAIN, data, PROBES, probe_interval=1e-9)
    reports = list(trainer.run())
    assert program_store.flush()  # (kept from a thread of its own, once nobody waits)
    own = trainer._compiled.fast_programs("train")
    return trainer, own, reports, [v.numpy().copy() for v in trainer.model.variables]


def _kept(folder) -> list:
    return sorted(folder.glob("*.json"))


def test_a_kept_program_runs_without_a_trace_with_the_same_numbers(tmp_path, monkeypatch):
    program_store.set_folder(tmp_path)
    _launch()
    _, own, first_reports, first_weights = _run(monkeypatch)
    assert own.fixed == ("tanh", "relu")
    assert (own.train.experimental_get_tracing_count(), own.probe.experimental_get_tracing_count()) == (1, 1)
    assert len(_kept(tmp_path)) == 2  # its training and its picture

    _launch()
    _, again, reports, weights = _run(monkeypatch)
    assert again is not own and again.key == own.key
    assert (again.train.experimental_get_tracing_count(), again.probe.experimental_get_tracing_count()) == (0, 0)
    assert again.train._stored.calls >= TRAIN.epochs and again.probe._stored.calls >= 1
    for a, b in zip(reports, first_reports):
        assert a.metrics == b.metrics
        np.testing.assert_array_equal(a.surface, b.surface)
        np.testing.assert_array_equal([v for _, v in a.grad_norms], [v for _, v in b.grad_norms])
        for x, y in zip(a.neuron_maps, b.neuron_maps):
            np.testing.assert_array_equal(x, y)
    for a, b in zip(weights, first_weights):
        np.testing.assert_array_equal(a, b)


def test_a_kept_program_that_cannot_be_read_is_traced_and_kept_again(tmp_path, monkeypatch):
    program_store.set_folder(tmp_path)
    _launch()
    _, _, first_reports, _ = _run(monkeypatch)
    for path in _kept(tmp_path):
        path.write_text("{not json", encoding="utf-8")  # a disk that went wrong, a file cut short
    _launch()
    _, own, reports, _ = _run(monkeypatch)
    assert own.train.experimental_get_tracing_count() == 1 and own.train._stored is None
    assert [r.metrics for r in reports] == [r.metrics for r in first_reports]
    assert all(json.loads(path.read_text())["format"] == program_store.FORMAT for path in _kept(tmp_path))


def test_a_kept_program_that_does_not_run_is_traced(tmp_path, monkeypatch):
    program_store.set_folder(tmp_path)
    _launch()
    _, _, first_reports, _ = _run(monkeypatch)
    for path in _kept(tmp_path):  # readable, but its inputs are not the program's
        record = json.loads(path.read_text())
        record["inputs"] = record["inputs"][:-1]
        path.write_text(json.dumps(record), encoding="utf-8")
    _launch()
    _, own, reports, _ = _run(monkeypatch)
    assert own.train.experimental_get_tracing_count() == 1
    assert [r.metrics for r in reports] == [r.metrics for r in first_reports]


def test_each_program_and_each_version_of_the_code_has_its_own_file(monkeypatch):
    first = program_store.identity(("faststart", (1, 2), "train"))
    assert program_store.identity(("faststart", (1, 2), "train")) == first
    assert program_store.identity(("faststart", (1, 2), "probe")) != first
    assert program_store.identity(("faststart", (1, 3), "train")) != first
    monkeypatch.setattr(program_store, "_code", program_store._code_identity() + "another version")
    assert program_store.identity(("faststart", (1, 2), "train")) != first


def test_the_store_is_off_unless_the_app_turns_it_on(tmp_path, monkeypatch):
    assert program_store.folder() is None  # tests and scripts trace as always
    _launch()
    _, own, _, _ = _run(monkeypatch)
    assert own.train.stored_as is None and not program_store.save("anything", None)


def test_only_the_newest_programs_are_kept(tmp_path, monkeypatch):
    program_store.set_folder(tmp_path)
    monkeypatch.setattr(program_store, "KEEP", 1)
    _launch()
    _run(monkeypatch)
    assert len(_kept(tmp_path)) == 1


@pytest.mark.parametrize("folder_state", ["missing", "a file"])
def test_a_folder_that_cannot_be_written_costs_nothing_but_the_trace(tmp_path, monkeypatch, folder_state):
    blocked = tmp_path / "programs"
    if folder_state == "a file":
        blocked.write_text("in the way")
        program_store.set_folder(blocked / "inside")
    else:
        program_store.set_folder(blocked)
    _launch()
    _, own, reports, _ = _run(monkeypatch)
    assert len(reports) == TRAIN.epochs and own.train.experimental_get_tracing_count() == 1
    if folder_state == "missing":
        assert len(_kept(blocked)) == 2  # made when the first program was kept
    else:
        assert blocked.read_text() == "in the way"


def test_kept_programs_are_prepared_for_running_while_the_model_is_built(tmp_path, monkeypatch):
    """TensorFlow prepares a program for running at its first call, without holding the interpreter lock: for
    programs read back, that first call starts in the compile thread as soon as a trainer is asked for."""
    program_store.set_folder(tmp_path)
    _launch()
    _run(monkeypatch)
    _launch()
    data = datasets.generate(DataSpec("xor", size=150, seed=3, test_fraction=0.2))
    trainer = Trainer(NETWORK, TRAIN, data, PROBES, probe_interval=1e-9)
    own = trainer._compiled.own_fast()
    deadline = time.monotonic() + 60
    while not (own.train.called() and own.probe.called()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert own.train._stored.calls == own.probe._stored.calls == 1  # (nothing trained yet: prepared)
    assert own.train.experimental_get_tracing_count() == own.probe.experimental_get_tracing_count() == 0


def test_a_one_epoch_run_s_first_call_is_not_training_time(tmp_path, monkeypatch):
    """Read back, the first call still prepares the program for running: not counted as training time (the
    XLA compile is due after COMPILE_AFTER_S of training)."""
    program_store.set_folder(tmp_path)
    _launch()
    _run(monkeypatch)
    _launch()
    monkeypatch.setattr(engine._Compiled, "compile_ahead", lambda *args, **kwargs: None)
    monkeypatch.setattr(engine._Compiled, "_prepare_kept_programs", lambda *args: None)  # the run's first call
    data = datasets.generate(DataSpec("xor", size=150, seed=3, test_fraction=0.2))
    trainer = Trainer(NETWORK, replace(TRAIN, epochs=1), data, PROBES, probe_interval=1e-9)
    list(trainer.run())
    assert trainer._compiled.fast_programs("train").train._stored.calls == 1
    assert trainer._fast_seconds == 0.0


def test_programs_are_kept_once_nobody_waits(tmp_path):
    """Writing a program is not part of anyone's wait: while a student waits (a run's first report), it waits."""
    import tensorflow as tf

    from annstudio.core.control import FOREGROUND

    program_store.set_folder(tmp_path)
    doubled = tf.function(lambda x: {"y": 2.0 * x}, input_signature=[tf.TensorSpec([None], tf.float32)])
    FOREGROUND.enter()
    try:
        program_store.save_later("waiting", doubled.get_concrete_function())
        assert not program_store.flush(timeout=0.3) and not _kept(tmp_path)
    finally:
        FOREGROUND.leave()
    assert program_store.flush() and [p.stem for p in _kept(tmp_path)] == ["waiting"]
    kept = program_store.load("waiting")
    assert kept(tf.constant([1.5, -2.0]))["y"].numpy().tolist() == [3.0, -4.0]
