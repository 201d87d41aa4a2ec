import json

import pytest

from annstudio.core import lessons
from annstudio.core.spec import (DataSpec, LayerSpec, NetworkSpec, SpecError, TrainSpec, data_from_dict, dense,
                                  dropout, network_from_dict, network_from_json, to_json, train_from_dict)


@pytest.mark.parametrize("preset", lessons.PRESETS, ids=lambda p: p.id)
def test_every_preset_round_trips_through_json(preset):
    net = network_from_json(to_json(preset.network))
    assert net == preset.network
    assert train_from_dict(json.loads(to_json(preset.train))) == preset.train
    assert data_from_dict(json.loads(to_json(preset.data))) == preset.data


@pytest.mark.parametrize("layer, words", [
    (LayerSpec("dense", units=0), "units must be a whole number ≥ 1"),
    (LayerSpec("dense", units=2.5), "units must be a whole number ≥ 1"),
    (LayerSpec("dense", units=3, activation="mish"), "activation must be one of"),
    (LayerSpec("dense", units=3, initializer="ones"), "initializer must be one of"),
    (LayerSpec("dense", units=3, l2=-1.0), "L2 must be a number ≥ 0"),
    (LayerSpec("dropout", rate=1.5), "dropout rate must be a number from 0 up to"),
    (LayerSpec("dropout", rate=1.0), "dropout rate must be a number from 0 up to"),
    (LayerSpec("conv"), "kind must be one of"),
])
def test_bad_layers_are_refused_in_words(layer, words):
    with pytest.raises(SpecError, match=words):
        NetworkSpec((2,), (layer, dense(1, "sigmoid"))).validate()


@pytest.mark.parametrize("train, words", [
    (TrainSpec(learning_rate=-0.1), "learning rate must be a number > 0"),
    (TrainSpec(learning_rate=float("nan")), "learning rate must be a number > 0"),
    (TrainSpec(batch_size=0), "batch size must be a whole number ≥ 1"),
    (TrainSpec(epochs=0), "epochs must be a whole number ≥ 1"),
    (TrainSpec(optimizer="lbfgs"), "optimizer must be one of"),
    (TrainSpec(loss="hinge"), "loss must be one of"),
])
def test_bad_training_settings_are_refused_in_words(train, words):
    with pytest.raises(SpecError, match=words):
        train.validate()


def test_network_needs_layers_and_matching_features():
    with pytest.raises(SpecError, match="at least one layer"):
        NetworkSpec((2,), ()).validate()
    with pytest.raises(SpecError, match=r"3 input features need input shape \(3,\)"):
        NetworkSpec((2,), (dense(1),), features=("x1", "x2", "x1*x2")).validate()
    with pytest.raises(SpecError, match="unknown"):
        NetworkSpec((1,), (dense(1),), features=("x3",)).validate()


@pytest.mark.parametrize("text, words", [
    ("{", "not valid JSON"),
    ("[]", "must be a JSON object"),
    ('{"layers": [{"kind": "dense", "units": 0}]}', "units must be a whole number"),
    ('{"layers": [{"kind": "dense", "unts": 3}]}', "unknown field"),
    ('{"layers": 5}', "layers must be a list"),
    ('{"layers": [], "colour": 1}', "unknown field"),
])
def test_network_json_errors_are_spec_errors(text, words):
    with pytest.raises(SpecError, match=words):
        network_from_json(text)


def test_data_and_train_dicts_refuse_unknown_fields_and_bad_values():
    with pytest.raises(SpecError, match="unknown field"):
        train_from_dict({"optimiser": "adam"})
    with pytest.raises(SpecError, match="test fraction"):
        data_from_dict({"kind": "xor", "test_fraction": 1.0})
    with pytest.raises(SpecError, match="must be a JSON object"):
        data_from_dict("xor")
    assert data_from_dict({"kind": "spiral", "classes": 3}).classes == 3


def test_describe_reads_like_the_lecture():
    net = network_from_dict({"input_shape": [2], "features": ["x1", "x2"],
                             "layers": [{"kind": "dense", "units": 2, "activation": "sigmoid"},
                                        {"kind": "dropout", "rate": 0.2},
                                        {"kind": "dense", "units": 1, "activation": "sigmoid"}]})
    assert net.describe() == "Input(2) → Dense(2, sigmoid) → Dropout(0.2) → Dense(1, sigmoid)"
    assert net.output_units == 1
    assert dropout(0.2).describe() == "Dropout(0.2)"
    assert DataSpec("mnist").problems() == []
