"""Workspaces: a round trip keeps everything; saving is atomic; bad or newer files are refused in words."""
import io
import json
import os
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from annstudio.core import datasets, lessons
from annstudio.core.engine import Trainer
from annstudio.core.spec import DataSpec, uses_step
from annstudio.core.workspace import (VERSION, Workspace, WorkspaceError, expected_weight_shapes, load_workspace,
                                      save_workspace, workspace_from_training)


@pytest.fixture(scope="module")
def trained():
    """The 2-2-1 network after 2 epochs on 200 points: specs, data, last report, history."""
    preset = lessons.get("looking-at-parameters")
    data_spec = replace(preset.data, size=200, test_fraction=0.2)
    data = datasets.generate(data_spec)
    trainer = Trainer(preset.network, replace(preset.train, epochs=2), data)
    reports = list(trainer.run())
    return preset, data_spec, data, reports[-1], trainer.result.history


def _own_points() -> datasets.Dataset:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(37, 2))
    y = (x[:, 0] > 0).astype(float)
    return datasets.from_points(x, y, "binary", test_fraction=0.2, seed=4)


def _workspace(trained, **changes) -> Workspace:
    preset, data_spec, data, report, history = trained
    ws = workspace_from_training(preset.network, preset.train, data_spec, data, report, history,
                                 views=["loss", "surface", "hidden-space"],
                                 gui_state={"splitter": [300, 700], "surface": {"resolution": 200}},
                                 lesson="Watch the hidden lines.\nThen press Step.",
                                 hidden_controls=["optimizer", "learning_rate"], preset=preset.id)
    return replace(ws, **changes)


def test_round_trip_keeps_everything(trained, tmp_path):
    ws = _workspace(trained)
    path = save_workspace(ws, tmp_path / "session.annws")
    back = load_workspace(path)
    assert back.network == ws.network and back.train == ws.train and back.data == ws.data
    assert back.epoch == 2 and back.history == ws.history and len(back.history) == 2
    assert back.views == ["loss", "surface", "hidden-space"]
    assert back.gui_state == {"splitter": [300, 700], "surface": {"resolution": 200}}
    assert back.lesson == "Watch the hidden lines.\nThen press Step."
    assert back.hidden_controls == ["optimizer", "learning_rate"]
    assert back.preset == "looking-at-parameters" and back.user_data is False
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(back.points, key), getattr(ws.points, key))
    assert back.points.task == "binary" and back.points.bounds == ws.points.bounds
    assert [name for name, _ in back.weights] == [name for name, _ in ws.weights]
    for (_, saved), (_, loaded) in zip(ws.weights, back.weights):
        assert len(saved) == len(loaded)
        for a, b in zip(saved, loaded):
            np.testing.assert_array_equal(a, b)


def test_restored_weights_continue_training_where_it_stopped(trained, tmp_path):
    preset, data_spec, data, report, _ = trained
    back = load_workspace(save_workspace(_workspace(trained), tmp_path / "w.annws"))
    trainer = Trainer(back.network, back.train, back.dataset())
    trainer.restore(back.weights)
    x = data.x_train[:20]
    reference = Trainer(preset.network, preset.train, data)
    reference.restore(report.weights)
    np.testing.assert_allclose(trainer.predict(x), reference.predict(x), rtol=1e-6)


def test_user_points_survive_and_mnist_images_are_never_saved(trained, tmp_path):
    preset = lessons.get("looking-at-parameters")
    own = _own_points()
    ws = Workspace(preset.network, preset.train, DataSpec("xor"), points=own, user_data=True)
    back = load_workspace(save_workspace(ws, tmp_path / "own.annws"))
    assert back.user_data and back.weights is None and back.epoch == 0
    np.testing.assert_array_equal(back.points.x_train, own.x_train)
    np.testing.assert_array_equal(back.points.y_test, own.y_test)
    assert back.dataset() is back.points

    mnist = lessons.get("mnist-mlp")
    fake_images = datasets.Dataset("mnist", np.zeros((5, 28, 28), np.float32), np.zeros(5, np.float32),
                                   np.zeros((0, 28, 28), np.float32), np.zeros(0, np.float32), "multiclass", 10,
                                   (0.0, 28.0, 0.0, 28.0))
    ws = workspace_from_training(mnist.network, mnist.train, replace(mnist.data, path="/data/mnist.npz"),
                                 fake_images)
    path = save_workspace(ws, tmp_path / "mnist.annws")
    with zipfile.ZipFile(path) as archive:
        with np.load(io.BytesIO(archive.read("arrays.npz"))) as npz:
            assert "x_train" not in npz.files
    back = load_workspace(path)
    assert back.points is None and back.data.path == "/data/mnist.npz" and back.data.kind == "mnist"


def test_file_layout_is_documented_json_plus_npz(trained, tmp_path):
    path = save_workspace(_workspace(trained), tmp_path / "w.annws")
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) == {"workspace.json", "arrays.npz"}
        doc = json.loads(archive.read("workspace.json"))
    assert doc["format"] == "annstudio-workspace" and doc["version"] == VERSION == 1
    assert doc["network"]["layers"][0]["units"] == 2


def test_a_failed_save_leaves_the_previous_file_intact(trained, tmp_path, monkeypatch):
    path = tmp_path / "keep.annws"
    save_workspace(_workspace(trained, lesson="first"), path)
    before = path.read_bytes()

    real_writestr = zipfile.ZipFile.writestr

    def disk_full(self, name, data, *args, **kwargs):
        if name == "arrays.npz":  # the JSON is already half-way into the temporary file
            raise OSError(28, "No space left on device")
        return real_writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    with pytest.raises(WorkspaceError, match="No space left on device"):
        save_workspace(_workspace(trained, lesson="second"), path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["keep.annws"]

    def interrupted(self, name, data, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(zipfile.ZipFile, "writestr", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_workspace(_workspace(trained, lesson="third"), path)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["keep.annws"]
    assert load_workspace(path).lesson == "first"


def test_saving_into_a_missing_folder_is_a_sentence(trained, tmp_path):
    with pytest.raises(WorkspaceError, match="does not exist"):
        save_workspace(_workspace(trained), tmp_path / "nowhere" / "w.annws")


def test_weights_that_do_not_fit_are_refused_when_saving(trained, tmp_path):
    ws = _workspace(trained)
    short = ws.weights[:1]
    with pytest.raises(WorkspaceError, match="weights do not fit its network"):
        save_workspace(replace(ws, weights=short), tmp_path / "w.annws")
    texts = ((ws.weights[0][0], (np.array(["a", "b"]),)),) + ws.weights[1:]
    with pytest.raises(WorkspaceError, match="not floating-point"):
        save_workspace(replace(ws, weights=texts), tmp_path / "w.annws")
    assert not (tmp_path / "w.annws").exists()


def test_gui_state_that_is_not_plain_data_is_refused(trained, tmp_path):
    with pytest.raises(WorkspaceError, match="not plain data"):
        save_workspace(_workspace(trained, gui_state={"widget": object()}), tmp_path / "w.annws")
    assert not (tmp_path / "w.annws").exists()


def _rewrite(path, out, edit_doc=None, drop=None, arrays=None):
    """Copy a workspace file with its JSON edited, a member dropped or the arrays replaced."""
    with zipfile.ZipFile(path) as archive:
        doc = json.loads(archive.read("workspace.json"))
        npz = archive.read("arrays.npz")
    if edit_doc:
        edit_doc(doc)
    if arrays is not None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        npz = buffer.getvalue()
    with zipfile.ZipFile(out, "w") as archive:
        if drop != "workspace.json":
            archive.writestr("workspace.json", json.dumps(doc))
        if drop != "arrays.npz":
            archive.writestr("arrays.npz", npz)
    return out


def test_a_file_from_a_newer_version_is_refused_saying_so(trained, tmp_path):
    good = save_workspace(_workspace(trained), tmp_path / "w.annws")
    newer = _rewrite(good, tmp_path / "newer.annws", edit_doc=lambda d: d.update(version=2))
    with pytest.raises(WorkspaceError) as info:
        load_workspace(newer)
    assert str(info.value).startswith("newer.annws was saved by a newer ANN Studio (format 2); "
                                      "this version reads format 1")


def _set(path, value):
    def edit(doc):
        *parents, last = path
        for key in parents:
            doc = doc[key]
        doc[last] = value
    return edit


def _delete(key):
    return lambda doc: doc.pop(key)


@pytest.mark.parametrize("edit, words", [
    (_delete("network"), "lacks the network"),
    (_delete("history"), "lacks the loss history"),
    (_delete("weights"), "lacks the weights"),
    (_set(["weights"], "lots"), "weights' description is not a list"),
    (_delete("dataset"), "lacks the data description"),
    (_set(["format"], "something-else"), "not an ANN Studio workspace"),
    (_set(["version"], "one"), "format version 'one'"),
    (_set(["epoch"], "7"), "epoch count \\('epoch'\\) must be a whole number, not text"),
    (_set(["epoch"], True), "epoch count .* must be a whole number, not true or false"),
    (_set(["epoch"], -1), "negative"),
    (_set(["views"], "loss"), "open views .* must be a list, not text"),
    (_set(["history"], [{"epoch": 1, "loss": "low"}]), "not a number"),
    (_set(["gui_state"], [1, 2]), "window state"),
    (_set(["network", "layers", 0, "units"], 0), "settings that cannot be used: layer 1 \\(dense\\): units"),
    (_set(["train", "optimizer"], "magic"), "optimizer must be one of"),
    (_set(["data", "kind"], "moons"), "data set must be one of"),
    (_set(["train", "surprise"], 1), "unknown field"),
    (_set(["features"], ["x3"]), "unknown input feature"),
    (_set(["dataset", "task"], "ranking"), "task must be one of"),
    (_set(["weights", 0, "arrays"], 3), "weights of layer .* are missing"),
    (_set(["lesson"], "text"), "lesson"),
])
def test_damaged_fields_are_refused_with_a_sentence(trained, tmp_path, edit, words):
    good = save_workspace(_workspace(trained), tmp_path / "w.annws")
    bad = _rewrite(good, tmp_path / "bad.annws", edit_doc=edit)
    with pytest.raises(WorkspaceError, match=words):
        load_workspace(bad)


def test_weights_that_do_not_fit_the_network_are_refused(trained, tmp_path):
    ws = _workspace(trained)
    good = save_workspace(ws, tmp_path / "w.annws")
    with np.load(io.BytesIO(zipfile.ZipFile(good).read("arrays.npz"))) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["w_0_0"] = np.zeros((5, 2), np.float32)
    with pytest.raises(WorkspaceError, match="do not fit its network"):
        load_workspace(_rewrite(good, tmp_path / "shape.annws", arrays=arrays))
    arrays["w_0_0"] = np.full((2, 2), np.nan, np.float32)
    with pytest.raises(WorkspaceError, match="not finite"):
        load_workspace(_rewrite(good, tmp_path / "nan.annws", arrays=arrays))
    del arrays["x_train"]
    with pytest.raises(WorkspaceError, match="x_train"):
        load_workspace(_rewrite(good, tmp_path / "nox.annws", arrays=arrays))


def test_pickled_arrays_are_refused(trained, tmp_path):
    good = save_workspace(_workspace(trained), tmp_path / "w.annws")
    with np.load(io.BytesIO(zipfile.ZipFile(good).read("arrays.npz"))) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["w_0_0"] = np.array([{"evil": 1}], dtype=object)
    with pytest.raises(WorkspaceError, match="arrays cannot be read"):
        load_workspace(_rewrite(good, tmp_path / "pickle.annws", arrays=arrays))


@pytest.mark.parametrize("drop, words", [("workspace.json", "has no workspace.json"),
                                         ("arrays.npz", "has no arrays.npz")])
def test_missing_members_are_refused(trained, tmp_path, drop, words):
    good = save_workspace(_workspace(trained), tmp_path / "w.annws")
    with pytest.raises(WorkspaceError, match=words):
        load_workspace(_rewrite(good, tmp_path / "bad.annws", drop=drop))


def test_corrupt_truncated_and_random_files_are_refused(trained, tmp_path):
    good = save_workspace(_workspace(trained), tmp_path / "w.annws").read_bytes()
    cases = {
        "empty.annws": b"",
        "random.annws": np.random.default_rng(0).bytes(5000),
        "truncated.annws": good[: len(good) // 2],
        "tail-cut.annws": good[:-30],
        "flipped.annws": good[:200] + bytes(b ^ 0xFF for b in good[200:400]) + good[400:],
        "text.annws": b"workspace.json\n{}",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(WorkspaceError) as info:
            load_workspace(tmp_path / name)
        message = str(info.value)
        assert name in message and "\n" not in message, message
    not_json = _rewrite(tmp_path / "w.annws", tmp_path / "notjson.annws")
    with zipfile.ZipFile(not_json, "w") as archive:
        archive.writestr("workspace.json", "{not json")
        archive.writestr("arrays.npz", b"")
    with pytest.raises(WorkspaceError, match="not valid JSON"):
        load_workspace(not_json)
    with pytest.raises(WorkspaceError, match="does not exist"):
        load_workspace(tmp_path / "missing.annws")


def test_expected_weight_shapes_match_keras_for_every_preset():
    from annstudio.core import build

    for preset in lessons.PRESETS:
        if uses_step(preset.network):  # a perceptron has no Keras model: one neuron's kernel and bias
            assert expected_weight_shapes(preset.network) == [((2, 1), (1,))], preset.id
            continue
        model = build.build_model(preset.network)
        keras_shapes = [tuple(tuple(w.shape) for w in layer.weights) for layer in model.layers if layer.weights]
        assert expected_weight_shapes(preset.network) == keras_shapes, preset.id


def test_initial_weights_and_activations_are_saved_and_old_files_read_as_glorot(trained, tmp_path):
    ws = _workspace(trained)
    layers = (replace(ws.network.layers[0], activation="sine", initializer="constant", init_value=0.5),
              replace(ws.network.layers[1], initializer="zeros"))
    chosen = replace(ws, network=replace(ws.network, layers=layers))
    back = load_workspace(save_workspace(chosen, tmp_path / "init.annws"))
    assert back.network == chosen.network and back.network.layers[0].init_value == 0.5

    def forget_initializers(doc):  # as a workspace saved before the choice existed
        for layer in doc["network"]["layers"]:
            del layer["initializer"], layer["init_value"]

    good = save_workspace(ws, tmp_path / "w.annws")
    old = load_workspace(_rewrite(good, tmp_path / "old.annws", edit_doc=forget_initializers))
    assert [layer.initializer for layer in old.network.layers] == ["glorot_uniform"] * 2
    assert old.network == ws.network


def test_stopping_rules_and_schedule_are_saved_and_old_files_read_without_them(trained, tmp_path):
    ws = _workspace(trained)
    rules = dict(validation_split=0.2, early_stopping=True, monitor="val_accuracy", patience=4, restore_best=False,
                 target_loss=0.05, schedule="cosine", schedule_length=50, schedule_floor=0.1, schedule_warmup=5)
    chosen = replace(ws, train=replace(ws.train, **rules))
    back = load_workspace(save_workspace(chosen, tmp_path / "rules.annws"))
    assert back.train == chosen.train

    def forget_rules(doc):  # as a workspace saved before stopping rules and schedules existed
        for name in list(doc["train"]):
            if name.startswith(("schedule", "validation")) or name in ("early_stopping", "monitor", "patience",
                                                                        "restore_best", "target_loss"):
                del doc["train"][name]

    good = save_workspace(ws, tmp_path / "w.annws")
    old = load_workspace(_rewrite(good, tmp_path / "old.annws", edit_doc=forget_rules))
    assert old.train == ws.train and old.train.schedule == "constant" and not old.train.early_stopping
