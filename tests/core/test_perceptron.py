"""The real perceptron: a step neuron trained by the perceptron rule, in numpy, reporting like the engine."""
from dataclasses import replace

import numpy as np
import pytest

from annstudio.core import datasets, lessons
from annstudio.core.codegen import CodegenError, keras_script
from annstudio.core.control import NeuronEdit, TrainControl
from annstudio.core.epoch_report import Probes
from annstudio.core.output_rules import check_output
from annstudio.core.perceptron import PerceptronError, PerceptronTrainer, perceptron_epoch, step
from annstudio.core.spec import (NetworkSpec, SpecError, TrainSpec, dense, is_perceptron, network_from_dict,
                                 perceptron_problems, suited_optimizer)
from annstudio.core.workspace import load_workspace, save_workspace, workspace_from_training


def _trainer(preset_id: str, probes: Probes | None = None, **train) -> PerceptronTrainer:
    preset = lessons.get(preset_id)
    return PerceptronTrainer(preset.network, replace(preset.train, **train), datasets.generate(preset.data), probes)


def test_the_rule_by_hand_on_two_points():
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([1.0, 0.0])
    # point 0: a = 0, so ŷ = 0 but y = 1: w += 0.5·(1, 0), b += 0.5 → w = (0.5, 0), b = 0.5
    # point 1: a = 0 + 0.5 > 0, so ŷ = 1 but y = 0: w -= 0.5·(0, 1), b -= 0.5 → w = (0.5, −0.5), b = 0
    w, b, updates, last = perceptron_epoch(np.zeros(2), 0.0, x, y, np.array([0, 1]), 0.5)
    assert w.tolist() == [0.5, -0.5] and b == 0.0 and updates == 2 and last == 1
    # now a = 0.5 for point 0 (class 1) and −0.5 for point 1 (class 0): both right, nothing changes
    w2, b2, updates, last = perceptron_epoch(w, b, x, y, np.array([0, 1]), 0.5)
    assert w2.tolist() == w.tolist() and b2 == b and updates == 0 and last is None
    assert step(np.array([-1.0, 0.0, 2.0])).tolist() == [0.0, 0.0, 1.0]  # 0 itself does not fire


def test_separable_data_reach_100_percent_then_nothing_changes():
    t = _trainer("perceptron-rule", Probes(surface=True, resolution=20))
    reports = list(t.run())
    result = t.result
    assert result.converged and not result.stopped and "converged" in result.message
    assert t.epoch < lessons.get("perceptron-rule").train.epochs
    last = reports[-1]
    assert last.metrics["accuracy"] == 1.0 and last.metrics["loss"] == 0 and last.metrics["updates"] == 0
    assert all(r.metrics["updates"] > 0 for r in reports[:-1])
    assert set(np.unique(last.surface)) <= {0.0, 1.0} and last.surface.shape == (20, 20)
    assert reports[-2].marked_point is not None  # the point of the last update
    kernel, bias = last.layer_weights("dense_1")
    assert kernel.shape == (2, 1) and bias.shape == (1,)
    # trained on: one more epoch, no update, same weights, converged again
    again = list(t.run(epochs=10))
    assert len(again) == 1 and again[0].metrics["updates"] == 0 and t.result.converged
    assert np.array_equal(again[0].layer_weights("dense_1")[0], kernel)
    assert [row["epoch"] for row in t.result.history] == list(range(1, t.epoch + 1))


def test_xor_never_settles():
    t = _trainer("perceptron-rule-xor", epochs=60)
    reports = list(t.run())
    assert len(reports) == 60 and not t.result.converged and t.result.message == ""
    assert all(r.metrics["accuracy"] < 1.0 and r.metrics["updates"] > 0 for r in reports)
    assert "test_accuracy" in reports[-1].metrics


def test_same_seed_same_numbers_and_step_pause_stop_through_the_control():
    a, b = _trainer("perceptron-rule", epochs=5), _trainer("perceptron-rule", epochs=5)
    assert [r.metrics for r in a.run()] == [r.metrics for r in b.run()]
    t = _trainer("perceptron-rule")
    control = TrainControl()
    control.pause()
    control.step_epoch()
    run = t.run(control=control)
    first = next(run)
    assert first.epoch == 1 and control.paused
    control.stop()
    assert list(run) == [] and t.result.stopped and t.epoch == 1


def test_edits_and_restore_and_bad_input_in_words():
    t = _trainer("perceptron-rule")
    control = TrainControl()
    control.request_edit(NeuronEdit("dense_1", 0, incoming=np.array([1.0, 2.0]), bias=-3.0))
    report = next(t.run(epochs=0, control=control))
    assert report.layer_weights("dense_1")[0][:, 0].tolist() == [1.0, 2.0] and t.b == -3.0
    t.restore(report.weights)
    with pytest.raises(PerceptronError, match="one neuron"):
        t.apply_edit(NeuronEdit("dense_1", 3, bias=1.0))
    with pytest.raises(PerceptronError, match="finite"):
        t.restore((("dense_1", (np.full((2, 1), np.nan), np.zeros(1))),))
    with pytest.raises(PerceptronError, match="not a perceptron's"):
        t.restore((("dense_7", ()),))
    preset = lessons.get("perceptron-rule")
    curve = datasets.generate(lessons.get("overfit-plain").data)
    with pytest.raises(PerceptronError, match="two classes"):
        PerceptronTrainer(NetworkSpec((1,), (dense(1, "step"),), ()), preset.train, curve)
    with pytest.raises(PerceptronError, match="choose the optimizer 'perceptron'"):
        PerceptronTrainer(preset.network, replace(preset.train, optimizer="adam"), datasets.generate(preset.data))


def test_step_is_allowed_only_in_a_perceptron_and_the_rule_only_for_one():
    rule = TrainSpec("perceptron", 0.1, 1, 5)
    one = NetworkSpec((2,), (dense(1, "step"),), ("x1", "x2"))
    assert is_perceptron(one, rule) and not perceptron_problems(one, rule)
    with pytest.raises(SpecError, match="only for a perceptron"):
        network_from_dict({"input_shape": [2], "features": ["x1", "x2"],
                           "layers": [{"kind": "dense", "units": 4, "activation": "step"},
                                      {"kind": "dense", "units": 1, "activation": "sigmoid"}]})
    sigmoid = NetworkSpec((2,), (dense(1, "sigmoid"),), ("x1", "x2"))
    assert "the perceptron rule trains one step neuron only" in perceptron_problems(sigmoid, rule)[0]
    assert "cannot be trained by adam" in perceptron_problems(one, replace(rule, optimizer="adam"))[0]
    assert "two classes" in perceptron_problems(one, replace(rule, loss="mse"))[0]
    assert suited_optimizer(one, "adam") == "perceptron" and suited_optimizer(sigmoid, "perceptron") == "adam"
    assert suited_optimizer(sigmoid, "sgd") == "sgd"
    assert check_output("step", 1, "binary_crossentropy") is None
    assert check_output("step", 1, "mse").cannot_learn


def test_workspace_keeps_a_perceptron_run_and_code_export_refuses_in_words(tmp_path):
    preset = lessons.get("perceptron-rule")
    t = _trainer("perceptron-rule", epochs=3)
    reports = list(t.run())
    ws = workspace_from_training(preset.network, preset.train, preset.data, None, report=reports[-1],
                                 history=list(t.result.history))
    back = load_workspace(save_workspace(ws, tmp_path / "p.annws"))
    assert back.network == preset.network and back.train == preset.train and back.epoch == 3
    fresh = _trainer("perceptron-rule")
    fresh.restore(back.weights)
    assert fresh.w.tolist() == pytest.approx(t.w.tolist()) and fresh.b == pytest.approx(t.b)
    with pytest.raises(CodegenError, match="cannot be exported as Keras code"):
        keras_script(preset.network, preset.train, preset.data)
