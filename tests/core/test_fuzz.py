"""Fuzzing the loaders: whatever a student opens, each loader either loads it or refuses it with the app's own
error type and a sentence, never another exception, never a hang.

Generated input (hypothesis): arbitrary JSON and mutations of the presets' descriptions; random bytes;
mutated and truncated bytes of small real files saved once per module; zip and npz containers holding
random members. What loads is checked too (shapes, types, and a workspace saves and loads back the same).

Misbehaviours found and not yet fixed would be listed in ``KNOWN`` (a property that meets one notes it
and goes on, so the rest of the input space is still fuzzed). The eight found so far are fixed; each has a
test below with the exact input that used to escape.
"""
from __future__ import annotations

import copy
import io
import json
import os
import struct
import time
import traceback
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as _event
from hypothesis import note as _note
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.extra import numpy as hnp

from annstudio.core import datasets, lessons, points_csv, spec
from annstudio.core.datasets import DataError
from annstudio.core.spec import SpecError
from annstudio.core.workspace import (Workspace, WorkspaceError, expected_weight_shapes, load_workspace,
                                      save_workspace)

#: examples per property; ANNSTUDIO_FUZZ_EXAMPLES=2000 for a long hunt
EXAMPLES = int(os.environ.get("ANNSTUDIO_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
FEW = settings(FUZZ, max_examples=max(1, EXAMPLES // 2))  # loaders that reach Keras
SLOW_CALL = 20.0  # seconds; a loader taking longer on a tiny input counts as hanging


# ---------------------------------------------------------------------------------------------------
# Known misbehaviours (reported; the loaders are not ours to edit here)

@dataclass(frozen=True)
class Known:
    loader: str
    exc_type: type
    function: str  # a function of annstudio.core in the traceback where it escapes
    reason: str


KNOWN: tuple = ()  # every misbehaviour found so far is fixed; its test below keeps it fixed


def _known(loader: str, exc: BaseException) -> Known | None:
    functions = {frame.name for frame in traceback.extract_tb(exc.__traceback__)
                 if "annstudio" in frame.filename}
    for known in KNOWN:
        if known.loader == loader and isinstance(exc, known.exc_type) and known.function in functions:
            return known
    return None


def note(text: str) -> None:
    if currently_in_test_context():
        _note(text)


def event(text: str) -> None:
    if currently_in_test_context():
        _event(text)


@dataclass
class Outcome:
    loaded: Any = None
    refused: BaseException | None = None
    known: Known | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None and self.known is None


def attempt(loader: str, call: Callable[[], Any], own: type | tuple) -> Outcome:
    """Call a loader: it loads (``loaded``) or refuses with ``own`` and a sentence; anything else fails."""
    started = time.perf_counter()
    try:
        loaded = call()
        event(f"{loader}: loaded")
        return Outcome(loaded=loaded)
    except own as exc:
        text = str(exc).strip()
        assert text and "Traceback" not in text, f"{loader} refused without a sentence: {exc!r}"
        event(f"{loader}: refused")
        return Outcome(refused=exc)
    except Exception as exc:
        known = _known(loader, exc)
        if known is None:
            raise
        note(f"known misbehaviour of {loader}: {known.reason}")
        event(f"{loader}: known misbehaviour")
        return Outcome(known=known)
    finally:
        elapsed = time.perf_counter() - started
        assert elapsed < SLOW_CALL, f"{loader} took {elapsed:.1f} s on a tiny input"


# ---------------------------------------------------------------------------------------------------
# Strategies

FIELD_NAMES = sorted({"input_shape", "features", "layers", "kind", "units", "activation", "rate", "l1", "l2",
                      "optimizer", "learning_rate", "batch_size", "epochs", "loss", "seed", "shuffle", "size",
                      "noise", "test_fraction", "classes", "path"})
WORDS = ["dense", "dropout", "batchnorm", "activation", "flatten", "relu", "sigmoid", "softmax", "linear", "adam",
         "sgd", "mse", "binary_crossentropy", "x1", "x2", "x1^2", "sin(x1)", "mnist", "parabola", "xor", "", " "]


def json_scalars(big_ints: bool = True) -> st.SearchStrategy:
    ints = st.integers(-1000, 1000)
    odd = [0, 1, -1, 2, 0.0, -0.0, 0.5, 1.5, -1e-9, 1e308, 2**63, -2**63, 10**30]
    if big_ints:  # never in model configs: a layer of 2**31 units would allocate gigabytes
        ints = ints | st.sampled_from([2**31 - 1, 2**31, 2**53 + 1, 10**6])
    return (st.none() | st.booleans() | ints | st.floats() | st.text(max_size=12) | st.sampled_from(WORDS)
            | st.sampled_from(odd))


def json_values(big_ints: bool = True) -> st.SearchStrategy:
    keys = st.sampled_from(FIELD_NAMES) | st.text(max_size=8)
    return st.recursive(json_scalars(big_ints),
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
                        max_leaves=12)


JSON = json_values()


def _mutate(draw, node: Any, values: st.SearchStrategy) -> Any:
    """One change somewhere in a JSON document: a value replaced, a key or item dropped, added or repeated."""
    if isinstance(node, dict) and node:
        action = draw(st.sampled_from(["descend"] * 5 + ["drop", "add", "replace"]))
        key = draw(st.sampled_from(sorted(node)))
        if action == "descend":
            node[key] = _mutate(draw, node[key], values)
        elif action == "drop":
            del node[key]
        elif action == "add":
            node[draw(st.sampled_from(FIELD_NAMES) | st.text(max_size=8))] = draw(values)
        else:
            return draw(values)
        return node
    if isinstance(node, list) and node:
        action = draw(st.sampled_from(["descend"] * 5 + ["drop", "repeat", "replace"]))
        i = draw(st.integers(0, len(node) - 1))
        if action == "descend":
            node[i] = _mutate(draw, node[i], values)
        elif action == "drop":
            del node[i]
        elif action == "repeat":
            node.insert(i, copy.deepcopy(node[i]))
        else:
            return draw(values)
        return node
    return draw(values)


@st.composite
def mutated(draw, bases: list, values: st.SearchStrategy = JSON) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 3))):
        doc = _mutate(draw, doc, values)
    return doc


#: zip record signatures and the byte ranges of their fields (flags, method, CRC, sizes, name length ...)
_ZIP_FIELDS = {b"PK\x01\x02": [(8, 10), (10, 12), (16, 20), (20, 24), (24, 28), (28, 30), (30, 32), (42, 46),
                                (46, 58)],
               b"PK\x03\x04": [(6, 8), (8, 10), (14, 18), (18, 22), (22, 26), (26, 28), (28, 30), (30, 42)],
               b"PK\x05\x06": [(8, 10), (10, 12), (12, 16), (16, 20), (20, 22)]}


def _zip_field_offsets(data: bytes) -> list[tuple[int, int]]:
    spans = []
    for signature, fields in _ZIP_FIELDS.items():
        at = data.find(signature)
        while at >= 0:
            spans.extend((at + a, min(at + b, len(data))) for a, b in fields if at + a < len(data))
            at = data.find(signature, at + 4)
    return spans


@st.composite
def mutated_bytes(draw, original: bytes) -> bytes:
    """Bytes changed at a few places: often a field of a zip record, or in the first or last 300 bytes,
    where zip and image headers live; then perhaps truncated or extended."""
    data = bytearray(original)
    n = len(data)
    fields = _zip_field_offsets(original)
    for _ in range(draw(st.integers(1, 6))):
        region = draw(st.sampled_from(["head", "tail", "anywhere"] + (["zip field"] * 3 if fields else [])))
        if region == "zip field":
            begin, end = draw(st.sampled_from(fields))
            at = draw(st.integers(begin, end - 1))
        elif region == "head":
            at = draw(st.integers(0, min(n, 300) - 1))
        elif region == "tail":
            at = draw(st.integers(max(0, n - 300), n - 1))
        else:
            at = draw(st.integers(0, n - 1))
        kind = draw(st.sampled_from(["byte", "bit", "zero", "ff"]))
        if kind == "byte":
            data[at] = draw(st.integers(0, 255))
        elif kind == "bit":
            data[at] ^= 1 << draw(st.integers(0, 7))
        else:
            data[at] = 0 if kind == "zero" else 0xFF
    tail = draw(st.sampled_from(["keep", "keep", "truncate", "extend"]))
    if tail == "truncate":
        data = data[: draw(st.integers(0, n))]
    elif tail == "extend":
        data += draw(st.binary(max_size=64))
    return bytes(data)


def truncations(original: bytes) -> st.SearchStrategy:
    return st.integers(0, len(original) - 1).map(lambda k: original[:k])


DTYPES = [np.uint8, np.int8, np.int32, np.int64, np.uint64, np.float16, np.float32, np.float64, np.bool_,
          np.complex64, np.dtype("U3"), np.dtype("S2"), np.dtype([("a", "<i4"), ("b", "<f4")])]


def random_arrays(max_side: int = 5) -> st.SearchStrategy:
    plain = st.sampled_from(DTYPES).flatmap(
        lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=max_side)))
    odd = st.sampled_from([np.array([{"code": 1}], dtype=object), np.array(None, dtype=object),
                           np.zeros((0, 28, 28), np.uint8), np.zeros((2, 28, 28), np.uint8),
                           np.full((3,), 200, np.uint8), np.full((2, 28, 28), np.nan, np.float32)])
    return plain | odd


def npz_bytes(arrays: dict[str, np.ndarray], compressed: bool) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def json_text(value: Any) -> str:
    return json.dumps(value, allow_nan=True)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------------------
# Network, training and data descriptions (JSON)

NETWORKS = [p.network.to_dict() for p in lessons.PRESETS]
TRAINS = [p.train.to_dict() for p in lessons.PRESETS]
DATAS = [p.data.to_dict() for p in lessons.PRESETS]


@FUZZ
@given(value=JSON | mutated(NETWORKS))
def test_network_descriptions_load_or_are_refused(value):
    for loader, call in (("network_from_dict", lambda: spec.network_from_dict(value)),
                         ("network_from_json", lambda: spec.network_from_json(json_text(value)))):
        got = attempt(loader, call, SpecError)
        if got.ok:
            network = got.loaded
            assert isinstance(network, spec.NetworkSpec) and network.problems() == []
            assert spec.network_from_json(spec.to_json(network)) == network


@FUZZ
@given(text=st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.decode("latin-1"))
       | st.builds(lambda v, cut: json_text(v)[:cut], mutated(NETWORKS), st.integers(0, 400)))
def test_network_text_loads_or_is_refused(text):
    got = attempt("network_from_json", lambda: spec.network_from_json(text), SpecError)
    if got.ok:
        assert got.loaded.problems() == []


@FUZZ
@given(value=JSON | mutated(TRAINS))
def test_training_settings_load_or_are_refused(value):
    got = attempt("train_from_dict", lambda: spec.train_from_dict(value), SpecError)
    if got.ok:
        assert got.loaded.problems() == [] and spec.train_from_dict(got.loaded.to_dict()) == got.loaded


@FUZZ
@given(value=JSON | mutated(DATAS))
def test_data_settings_load_or_are_refused(value):
    got = attempt("data_from_dict", lambda: spec.data_from_dict(value), SpecError)
    if got.ok:
        assert got.loaded.problems() == [] and spec.data_from_dict(got.loaded.to_dict()) == got.loaded


@pytest.mark.parametrize("text", ["[" * 100_000, '{"layers": ' + "[" * 100_000])
def test_known_deeply_nested_network_json_is_refused(text):
    with pytest.raises(SpecError):
        spec.network_from_json(text)


# ---------------------------------------------------------------------------------------------------
# Workspaces

@pytest.fixture(scope="module")
def real_workspace(scratch) -> dict:
    """A small real workspace (2-2-1 network with weights, 40 points, history, lesson), saved once."""
    preset = lessons.get("looking-at-parameters")
    data_spec = replace(preset.data, size=40, test_fraction=0.25)
    rng = np.random.default_rng(0)
    weights = tuple((f"dense_{i + 1}", tuple(rng.normal(size=shape).astype(np.float32) for shape in layer))
                    for i, layer in enumerate(expected_weight_shapes(preset.network)))
    ws = Workspace(network=preset.network, train=preset.train, data=data_spec, points=datasets.generate(data_spec),
                   weights=weights, epoch=2, history=[{"epoch": 1, "loss": 0.6}, {"epoch": 2, "loss": 0.5}],
                   views=["loss", "surface"], gui_state={"splitter": [300, 700]}, lesson="Watch the lines.",
                   hidden_controls=["optimizer"], preset=preset.id)
    path = save_workspace(ws, scratch / "real.annws")
    load_workspace(path)  # the fixture itself is valid
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("workspace.json"))
        arrays_raw = archive.read("arrays.npz")
    with np.load(io.BytesIO(arrays_raw)) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return {"bytes": raw, "document": document, "arrays": arrays, "arrays_raw": arrays_raw}


def _check_workspace(got: Outcome, scratch: Path) -> None:
    """What loads is a Workspace that saves and loads back the same."""
    if not got.ok:
        return
    ws = got.loaded
    assert isinstance(ws, Workspace)
    if ws.points is not None:
        parts = [ws.points.x_train, ws.points.y_train, ws.points.x_test, ws.points.y_test]
        if not all(np.isfinite(p).all() for p in parts):
            note("known misbehaviour of load_workspace: points beyond float32's range load as inf")
            event("load_workspace: known misbehaviour")
            return
    again = attempt("save_workspace", lambda: save_workspace(ws, scratch / "again.annws"), WorkspaceError)
    if again.ok:
        back = load_workspace(scratch / "again.annws")
        assert (back.network, back.train, back.data, back.epoch, back.preset) == \
            (ws.network, ws.train, ws.data, ws.epoch, ws.preset)


@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_are_not_a_workspace(scratch, data):
    path = _write(scratch, "random.annws", data)
    got = attempt("load_workspace", lambda: load_workspace(path), WorkspaceError)
    assert not got.ok


@FUZZ
@given(st.data())
def test_mutated_or_truncated_workspace_files(scratch, real_workspace, data):
    raw = real_workspace["bytes"]
    changed = data.draw(mutated_bytes(raw) | truncations(raw), label="bytes")
    path = _write(scratch, "mutated.annws", changed)
    _check_workspace(attempt("load_workspace", lambda: load_workspace(path), WorkspaceError), scratch)


@FUZZ
@given(st.data())
def test_workspace_json_with_random_or_mutated_content(scratch, real_workspace, data):
    document = data.draw(JSON | mutated([real_workspace["document"]]), label="workspace.json")
    text = data.draw(st.sampled_from(["json", "json", "cut", "bytes"]), label="as")
    raw = json_text(document).encode()
    if text == "cut":
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    elif text == "bytes":
        raw = data.draw(st.binary(max_size=200))
    members = {"workspace.json": raw, "arrays.npz": real_workspace["arrays_raw"]}
    if data.draw(st.booleans(), label="drop arrays"):
        del members["arrays.npz"]
    path = _write(scratch, "doc.annws", zip_bytes(members))
    _check_workspace(attempt("load_workspace", lambda: load_workspace(path), WorkspaceError), scratch)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")  # the known float32 case
@FUZZ
@given(st.data())
def test_workspace_arrays_with_random_content(scratch, real_workspace, data):
    arrays = dict(real_workspace["arrays"])
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        key = data.draw(st.sampled_from(sorted(arrays) + ["w_2_0", "x", "w_0_5"]), label="key")
        if data.draw(st.booleans(), label="drop") and key in arrays:
            del arrays[key]
        else:
            arrays[key] = data.draw(random_arrays(), label=key)
    member = npz_bytes(arrays, compressed=data.draw(st.booleans(), label="compressed"))
    members = {"workspace.json": json_text(real_workspace["document"]).encode(), "arrays.npz": member}
    path = _write(scratch, "arrays.annws", zip_bytes(members))
    _check_workspace(attempt("load_workspace", lambda: load_workspace(path), WorkspaceError), scratch)


def _flag_encrypted(raw: bytes) -> bytes:
    """Set the 'encrypted' bit of every entry in the central directory."""
    data = bytearray(raw)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        data[at + 8] |= 0x01
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def test_known_workspace_with_an_encrypted_entry_is_refused(scratch, real_workspace):
    path = _write(scratch, "encrypted.annws", _flag_encrypted(real_workspace["bytes"]))
    with pytest.raises(WorkspaceError):
        load_workspace(path)


def test_known_workspace_whose_arrays_are_a_plain_npy_is_refused(scratch, real_workspace):
    members = {"workspace.json": json_text(real_workspace["document"]).encode(),
               "arrays.npz": npy_bytes(np.zeros(3))}
    path = _write(scratch, "npy.annws", zip_bytes(members))
    with pytest.raises(WorkspaceError):
        load_workspace(path)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_known_workspace_points_beyond_float32_do_not_load_as_inf(scratch, real_workspace):
    arrays = dict(real_workspace["arrays"])
    arrays["x_train"] = arrays["x_train"].astype(np.float64)
    arrays["x_train"][0, 0] = 1e300
    members = {"workspace.json": json_text(real_workspace["document"]).encode(),
               "arrays.npz": npz_bytes(arrays, compressed=False)}
    path = _write(scratch, "huge.annws", zip_bytes(members))
    try:
        ws = load_workspace(path)
    except WorkspaceError:
        return
    assert np.isfinite(ws.points.x_train).all()


# ---------------------------------------------------------------------------------------------------
# MNIST .npz

@pytest.fixture(scope="module")
def small_mnist() -> bytes:
    """A valid MNIST-shaped file with 3 training and 2 test images."""
    rng = np.random.default_rng(1)
    arrays = {"x_train": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8), "y_train": np.array([0, 9, 4], np.uint8),
              "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8), "y_test": np.array([7, 1], np.uint8)}
    return npz_bytes(arrays, compressed=True)


def _check_mnist(got: Outcome) -> None:
    if not got.ok:
        return
    x_train, y_train, x_test, y_test = got.loaded
    for x, y in ((x_train, y_train), (x_test, y_test)):
        assert x.dtype == y.dtype == np.uint8
        assert x.ndim == 3 and x.shape[1:] == (28, 28) and y.shape == (len(x),) and len(x) > 0
        assert y.max() <= 9


def _read_mnist(path: Path) -> Outcome:
    return attempt("read_mnist_file", lambda: datasets.read_mnist_file(path), DataError)


@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_are_not_mnist(scratch, data):
    assert not _read_mnist(_write(scratch, "random.npz", data)).ok


@FUZZ
@given(st.data())
def test_mutated_or_truncated_mnist_files(scratch, small_mnist, data):
    changed = data.draw(mutated_bytes(small_mnist) | truncations(small_mnist), label="bytes")
    _check_mnist(_read_mnist(_write(scratch, "mutated.npz", changed)))


KEYS = ["x_train", "y_train", "x_test", "y_test"]


@st.composite
def mnist_like(draw) -> dict[str, np.ndarray]:
    """Arrays under the right keys (and some wrong ones), most of them nearly right."""
    arrays = {}
    for key in draw(st.lists(st.sampled_from(KEYS + ["x", "X_train", "labels"]), min_size=1, max_size=6)):
        if draw(st.booleans()):
            arrays[key] = draw(random_arrays())
            continue
        n = draw(st.integers(0, 3))
        dtype = draw(st.sampled_from([np.uint8, np.uint8, np.int64, np.float32, np.bool_]))
        shape = (n, 28, 28) if key.startswith("x") else (n,)
        if draw(st.booleans()):
            shape = draw(st.sampled_from([(n, 28), (n, 28, 27), (n, 28, 28, 1), (n, 1), ()]))
        arrays[key] = draw(hnp.arrays(dtype, shape, elements=st.integers(0, 12) if dtype != np.bool_ else None))
    return arrays


@FUZZ
@given(arrays=mnist_like(), compressed=st.booleans())
def test_npz_files_with_random_arrays_are_mnist_or_refused(scratch, arrays, compressed):
    _check_mnist(_read_mnist(_write(scratch, "arrays.npz", npz_bytes(arrays, compressed))))


def test_a_nearly_right_mnist_file_loads(scratch, small_mnist):
    _check_mnist(got := _read_mnist(_write(scratch, "small.npz", small_mnist)))
    assert got.ok and len(got.loaded[0]) == 3


def test_known_plain_npy_file_is_not_mnist(scratch):
    path = _write(scratch, "plain.npz", npy_bytes(np.zeros((2, 28, 28), np.uint8)))
    with pytest.raises(DataError):
        datasets.read_mnist_file(path)


def test_known_mnist_file_with_an_encrypted_entry_is_refused(scratch, small_mnist):
    path = _write(scratch, "encrypted.npz", _flag_encrypted(small_mnist))
    with pytest.raises(DataError):
        datasets.read_mnist_file(path)


def _first_data_byte(raw: bytes, member: str) -> int:
    """Where ``member``'s (compressed) data begins in the zip ``raw``."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        offset = archive.getinfo(member).header_offset
    name_length, extra_length = struct.unpack("<HH", raw[offset + 26:offset + 30])
    return offset + 30 + name_length + extra_length


def test_known_mnist_file_with_damaged_compressed_data_is_refused(scratch, small_mnist):
    data = bytearray(small_mnist)
    data[_first_data_byte(small_mnist, "x_train.npy")] ^= 0xFF
    path = _write(scratch, "damaged.npz", bytes(data))
    with pytest.raises(DataError):
        datasets.read_mnist_file(path)


# ---------------------------------------------------------------------------------------------------
# Model files (.keras)

@pytest.fixture(scope="module")
def real_model(scratch) -> dict:
    from annstudio.core import build, store

    network = lessons.get("looking-at-parameters").network
    path = store.save_model(build.build_model(network, seed=0), scratch / "real.keras")
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return {"bytes": raw, "members": members, "config": json.loads(members["config.json"])}


def _load_model(path: Path) -> Outcome:
    from annstudio.core import store

    got = attempt("load_model", lambda: store.load_model(path), store.StoreError)
    if got.ok:
        import keras

        assert isinstance(got.loaded, keras.Model)
    return got


@FEW
@given(data=st.binary(max_size=400) | st.builds(lambda b: b"PK\x03\x04" + b, st.binary(max_size=200)))
def test_random_bytes_are_not_a_model(scratch, real_model, data):
    assert not _load_model(_write(scratch, "random.keras", data)).ok


@FEW
@given(st.data())
def test_mutated_or_truncated_model_files(scratch, real_model, data):
    raw = real_model["bytes"]
    changed = data.draw(mutated_bytes(raw) | truncations(raw), label="bytes")
    _load_model(_write(scratch, "mutated.keras", changed))


MODEL_VALUES = json_values(big_ints=False)


@FEW
@given(st.data())
def test_zips_with_random_config_json_are_models_or_refused(scratch, real_model, data):
    config = data.draw(MODEL_VALUES | mutated([real_model["config"]], MODEL_VALUES), label="config.json")
    members = dict(real_model["members"])
    members["config.json"] = json_text(config).encode()
    for name in ("metadata.json", "model.weights.h5"):
        if data.draw(st.integers(0, 4), label=f"drop {name}") == 0:
            del members[name]
    _load_model(_write(scratch, "config.keras", zip_bytes(members)))


def _flag_utf8_with_a_bad_name(raw: bytes) -> bytes:
    """Rename metadata.json to bytes that are not UTF-8 and flag every name as UTF-8."""
    data = bytearray(raw.replace(b"metadata.json", b"metadata.js\xff\xfe"))
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        data[at + 9] |= 0x08  # general purpose bit 11: the name is UTF-8
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def test_known_model_file_with_a_name_that_is_not_utf8_is_refused(scratch, real_model):
    from annstudio.core import store

    path = _write(scratch, "badname.keras", _flag_utf8_with_a_bad_name(real_model["bytes"]))
    with pytest.raises(store.StoreError):
        store.load_model(path)


@pytest.mark.parametrize("module, name, config", [
    ("os", "system", "touch {marker}"),
    ("builtins", "exec", "open({marker!r}, 'w').write('ran')"),
    ("subprocess", "Popen", ["touch", "{marker}"]),
])
def test_a_config_naming_python_functions_is_refused_and_not_run(scratch, real_model, module, name, config):
    from annstudio.core import store

    marker = scratch / f"ran-{name}"
    filled = (config.format(marker=str(marker)) if isinstance(config, str)
              else [c.format(marker=str(marker)) for c in config])
    document = {"module": module, "class_name": name, "config": filled, "registered_name": None}
    members = dict(real_model["members"], **{"config.json": json.dumps(document).encode()})
    path = _write(scratch, "evil.keras", zip_bytes(members))
    with pytest.raises(store.StoreError):
        store.load_model(path)
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------------
# Points CSV

CELLS = (st.sampled_from(["1", "-2.5", "0", "3", "9", "10", "nan", "inf", "-inf", "1e400", "x1", "x2", "label", "x",
                          "target", "", " 3 ", "1_0", "0x10", "١٢", "1,5", "\x00", '"1"'])
         | st.floats().map(repr) | st.integers(-3, 12).map(str) | st.text(max_size=5))


@st.composite
def csv_like(draw) -> bytes:
    sep = draw(st.sampled_from([",", ";", "\t", " ", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    width = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(CELLS, min_size=max(1, width - 1), max_size=width + 1), max_size=8))
    text = newline.join(sep.join(row) for row in rows)
    if draw(st.booleans()):
        text = draw(st.sampled_from(["x1,x2,label", "x,target", "a,b,c,d", ""])) + newline + text
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(raw=csv_like() | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))
       | st.binary(max_size=200))
def test_points_csv_loads_or_is_refused(scratch, raw):
    path = _write(scratch, "points.csv", raw)
    got = attempt("read_points", lambda: points_csv.read_points(path), DataError)
    if got.ok:
        x, y, task = got.loaded
        assert task in ("classification", "regression") and len(x) == len(y) >= 1
        assert x.shape[1] == (2 if task == "classification" else 1)
        assert np.isfinite(x).all() and np.isfinite(y).all()
        if task == "classification":
            assert ((y == np.round(y)) & (y >= 0) & (y <= 9)).all()


# ---------------------------------------------------------------------------------------------------
# Pictures of digits

try:
    from PIL import Image

    from annstudio.core import digits
    _PICTURES = hasattr(digits, "image_to_canvas")
except ImportError:  # pragma: no cover - digits arrives with the canvas; Pillow with it
    _PICTURES = False

pictures_only = pytest.mark.skipif(not _PICTURES, reason="needs annstudio.core.digits.image_to_canvas and Pillow")

FORMATS = ["PNG", "BMP", "GIF", "TIFF", "JPEG", "WEBP", "ICO", "PPM"]


def _picture(array: np.ndarray, fmt: str) -> bytes:
    picture = Image.fromarray(array)
    if fmt in ("JPEG", "PPM", "BMP") and picture.mode not in ("L", "RGB"):
        picture = picture.convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def real_pictures() -> dict[str, bytes]:
    """A small digit-like picture in each format."""
    canvas = np.full((24, 20, 3), 255, np.uint8)
    canvas[4:20, 8:12] = 0
    return {fmt: _picture(canvas, fmt) for fmt in FORMATS}


def _check_canvas(got: Outcome, shape: tuple[int, int] | None = None) -> None:
    if got.ok:
        canvas = got.loaded
        assert isinstance(canvas, np.ndarray) and canvas.ndim == 2 and canvas.dtype == np.uint8
        assert canvas.size > 0
        if shape is not None:
            assert canvas.shape == shape


def _read_picture(path: Path) -> Outcome:
    return attempt("image_to_canvas", lambda: digits.image_to_canvas(path), digits.DigitError)


@pictures_only
@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_are_not_a_picture(scratch, data):
    got = _read_picture(_write(scratch, "random.png", data))
    assert not got.ok


@st.composite
def pictures(draw) -> tuple[np.ndarray, str]:
    mode = draw(st.sampled_from(["L", "RGB", "RGBA", "LA", "I;16", "F", "1"]))
    h, w = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    if mode == "RGB":
        array = draw(hnp.arrays(np.uint8, (h, w, 3)))
    elif mode == "RGBA":
        array = draw(hnp.arrays(np.uint8, (h, w, 4)))
    elif mode == "LA":
        array = draw(hnp.arrays(np.uint8, (h, w, 2)))
    elif mode == "I;16":
        array = draw(hnp.arrays(np.uint16, (h, w)))
    elif mode == "F":
        array = draw(hnp.arrays(np.float32, (h, w), elements=st.floats(-1e6, 1e6, width=32)))
    elif mode == "1":
        array = draw(hnp.arrays(np.bool_, (h, w)))
    else:
        array = draw(hnp.arrays(np.uint8, (h, w)))
    fmt = draw(st.sampled_from({"F": ["TIFF"], "I;16": ["PNG", "TIFF"], "LA": ["PNG", "WEBP"],
                                "RGBA": ["PNG", "WEBP", "TIFF", "ICO"]}.get(mode, FORMATS)))
    return array, fmt


@pictures_only
@FUZZ
@given(picture=pictures())
def test_generated_pictures_become_a_canvas(scratch, picture):
    array, fmt = picture
    path = _write(scratch, f"picture.{fmt.lower()}", _picture(array, fmt))
    with Image.open(path) as opened:
        width, height = opened.size
    _check_canvas(_read_picture(path), (height, width))


@pictures_only
@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow's notes on damaged files
@FUZZ
@given(st.data())
def test_mutated_or_truncated_pictures(scratch, real_pictures, data):
    fmt = data.draw(st.sampled_from(FORMATS), label="format")
    raw = real_pictures[fmt]
    changed = data.draw(mutated_bytes(raw) | truncations(raw), label="bytes")
    _check_canvas(_read_picture(_write(scratch, f"mutated.{fmt.lower()}", changed)))


def _png(width: int, height: int, body: bytes = b"") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(body)) + chunk(b"IEND", b"")


@pictures_only
@pytest.mark.parametrize("make, shape", [
    (lambda: _png(0, 10), None),                          # zero-sized
    (lambda: _png(100_000, 100_000), None),              # claims 10 gigapixels
    (lambda: _png(7000, 7000), None),                    # 49 megapixels, over the limit
    (lambda: _png(30, 30, b"\x00" * 5), None),           # far too little pixel data
    (lambda: _picture(np.zeros((1, 1), np.uint8), "PNG"), (1, 1)),
    (lambda: _picture(np.full((1, 5000), 255, np.uint8), "PNG"), (1, 1000)),  # long and thin: read smaller
    (lambda: _picture(np.zeros((3, 3, 4), np.uint8), "PNG"), (3, 3)),         # wholly transparent
])
def test_odd_pictures_become_a_canvas_or_a_sentence(scratch, make, shape):
    got = _read_picture(_write(scratch, "odd.png", make()))
    _check_canvas(got, shape)
    assert got.ok == (shape is not None)
