"""The network diagram, the neuron editor, the neuron maps and the weights/gradient plots, driven like a user."""
from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDoubleSpinBox,
    QLabel,
    QToolTip,
)

from annstudio.core.spec import (
    DataSpec,
    NetworkSpec,
    TrainSpec,
    activation,
    dense,
    dropout,
    flatten,
)
from annstudio.gui import style
from annstudio.gui.plots import network_view as nv
from annstudio.gui.plots.network_view import (
    NetworkView,
    NeuronEditor,
    is_output_layer,
    neuron_sources,
)
from annstudio.gui.plots.neurons import MAX_TILES, NeuronMaps, layer_names, layer_titles
from annstudio.gui.plots import weights as weights_module
from annstudio.gui.plots.weights import (
    BINS,
    DRAWN_COLUMNS,
    MAX_COLUMNS,
    SPREAD_PER_PICTURE,
    WeightsPlot,
    _LayerHistory,
    resample,
    resample_many,
)

NET_221 = NetworkSpec(layers=(dense(2, "sigmoid"), dense(1, "sigmoid")))
NET_2881 = NetworkSpec(layers=(dense(8, "tanh"), dropout(0.2), dense(8, "relu"), dense(1, "sigmoid")))


def _weights(spec: NetworkSpec, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    width, found = int(np.prod(spec.input_shape)), []
    for name, layer in zip(layer_names(spec), spec.layers):
        if layer.kind == "dense":
            found.append((name, (rng.normal(size=(width, layer.units)).astype(np.float32),
                                 rng.normal(size=layer.units).astype(np.float32))))
            width = layer.units
    return tuple(found)


def _maps(spec: NetworkSpec, res: int = 12) -> tuple[tuple, tuple]:
    """Per layer a (res, res, units) map whose unit k is (k + 1) · y: rows are y, so row 0 is the lowest."""
    xs = ys = np.linspace(-1, 1, res, dtype=np.float32)
    units, found = 2, []
    for layer in spec.layers:
        units = layer.units if layer.kind == "dense" else units
        plane = np.repeat(ys[:, None], res, axis=1)
        found.append(np.stack([(k + 1) * plane for k in range(units)], axis=-1).astype(np.float32))
    return tuple(found), (xs, ys)


def _view(qtbot, spec: NetworkSpec, size=(700, 420)) -> NetworkView:
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(*size)
    view.set_network(spec)
    view.show()
    qtbot.waitExposed(view)
    return view


def _pixel(view: NetworkView, scene_point: QPointF):
    image = view.viewport().grab().toImage()
    return image.pixelColor(view.mapFromScene(scene_point))


# ---------------------------------------------------------------------------------------------------
# NetworkView

@pytest.mark.parametrize("spec, nodes, links", [(NET_221, 2 + 2 + 1, 2 * 2 + 2 * 1),
                                                (NET_2881, 2 + 8 + 8 + 1, 2 * 8 + 8 * 8 + 8 * 1)])
def test_the_diagram_has_a_square_per_neuron_and_a_link_per_weight(qtbot, spec, nodes, links):
    view = _view(qtbot, spec)
    assert view.node_count() == nodes
    assert view.link_count() == links
    rect = view.viewport().rect()
    for key in [(n, u) for n, layer in zip(layer_names(spec), spec.layers) if layer.kind == "dense"
                for u in range(layer.units)]:
        assert rect.contains(view.node_position(*key)), f"{key} is outside the visible area"


def test_link_colour_follows_the_sign_and_width_the_size(qtbot):
    view = _view(qtbot, NET_221)
    kernel1 = np.array([[2.0, -1.0], [0.5, -0.25]], np.float32)
    kernel2 = np.array([[1.0], [-4.0]], np.float32)
    view.update_weights((("dense_1", (kernel1, np.zeros(2))), ("dense_2", (kernel2, np.zeros(1)))))
    def pen(layer, s, t):
        return view.link_item(layer, s, t).pen()

    blue, orange = pen("dense_1", 0, 0).color(), pen("dense_1", 0, 1).color()
    assert blue.blue() > blue.red() and orange.red() > orange.blue()
    assert pen("dense_2", 1, 0).color().red() > pen("dense_2", 1, 0).color().blue()
    assert pen("dense_2", 1, 0).widthF() == pytest.approx(nv.MAX_WIDTH)          # |w| = 4, the largest
    assert pen("dense_1", 0, 0).widthF() == pytest.approx(nv.MAX_WIDTH / 2)      # |w| = 2
    widths = [pen("dense_1", s, t).widthF() for s, t in ((0, 0), (0, 1), (1, 0), (1, 1))]
    assert widths == sorted(widths, reverse=True)                                # 2 > 1 > 0.5 > 0.25
    assert view.link_item("dense_1", 0, 1).weight == pytest.approx(-1.0)


def test_clicking_a_neuron_asks_to_edit_it(qtbot):
    view = _view(qtbot, NET_2881)
    view.update_weights(_weights(NET_2881))
    for key in [("dense_2", 5), ("dense_1", 0), ("dense_3", 0)]:
        with qtbot.waitSignal(view.neuron_clicked, timeout=1000) as blocker:
            qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.node_position(*key))
        assert tuple(blocker.args) == key
    empty = view.node_position("dense_1", 0)
    empty.setY(empty.y() - 200)
    with qtbot.assertNotEmitted(view.neuron_clicked):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=empty)


def test_frozen_and_switched_off_neurons_are_drawn_so(qtbot):
    view = _view(qtbot, NET_2881)
    view.update_weights(_weights(NET_2881))
    off, frozen = view.node_item("dense_1", 3), view.node_item("dense_1", 1)
    rect_off, rect_frozen = off.sceneBoundingRect(), frozen.sceneBoundingRect()
    beside_cross = QPointF(rect_off.center().x() + rect_off.width() / 4, rect_off.center().y())
    lock = QPointF(rect_frozen.right() - 8, rect_frozen.top() + 11)
    before_off, before_lock = _pixel(view, beside_cross), _pixel(view, lock)
    view.set_neuron_states({("dense_1", 1)}, {("dense_1", 3)})
    assert (frozen.frozen, frozen.off, off.off) == (True, False, True)
    assert _pixel(view, beside_cross).lightness() > before_off.lightness() + 10    # greyed out
    assert _pixel(view, lock).lightness() < before_lock.lightness() - 100          # the dark padlock
    assert view.link_item("dense_2", 3, 0).pen().style() == Qt.PenStyle.DotLine     # its outputs are silent
    assert view.link_item("dense_2", 2, 0).pen().style() == Qt.PenStyle.SolidLine
    view.set_neuron_states(set(), set())
    assert not off.off and not frozen.frozen
    assert view.link_item("dense_2", 3, 0).pen().style() == Qt.PenStyle.SolidLine


def test_neuron_faces_show_their_maps_with_y_up(qtbot):
    view = _view(qtbot, NET_2881)
    maps, axes = _maps(NET_2881)
    view.update_maps(maps, axes)
    rect = view.node_item("dense_1", 0).sceneBoundingRect()
    top = _pixel(view, QPointF(rect.center().x(), rect.top() + 5))
    bottom = _pixel(view, QPointF(rect.center().x(), rect.bottom() - 5))
    assert top.blue() > top.red() + 60          # high y: high output: blue
    assert bottom.red() > bottom.blue() + 60    # low y: low output: orange
    x1 = view._columns[0].nodes[0]              # the input x1 grows to the right
    r = x1.sceneBoundingRect()
    left = _pixel(view, QPointF(r.left() + 5, r.center().y()))
    right = _pixel(view, QPointF(r.right() - 5, r.center().y()))
    assert right.blue() > right.red() and left.red() > left.blue()


def test_a_large_network_is_drawn_condensed_and_fast(qtbot):
    spec = NetworkSpec(input_shape=(28, 28), features=(), layers=(flatten(), dense(100, "relu"), dense(10, "softmax")))
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    started = time.perf_counter()
    view.set_network(spec)
    view.update_weights(_weights(spec))
    view.show()
    qtbot.waitExposed(view)
    view.viewport().repaint()
    assert time.perf_counter() - started < 2.0
    assert view.node_count() == 1 + nv.SHOWN + 10                       # one box for the 784 inputs
    assert view.link_count() == nv.SHOWN + nv.SHOWN * 10
    with pytest.raises(KeyError):
        view.node_item("dense_1", nv.SHOWN)                               # not drawn
    with qtbot.waitSignal(view.neuron_clicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.node_position("dense_2", 9))
    assert blocker.args == ["dense_2", 9]


def test_sources_and_titles_are_in_words():
    spec = NetworkSpec(input_shape=(3,), features=("x1", "x2", "x1*x2"), layers=NET_2881.layers)
    assert neuron_sources(spec, "dense_1") == ["x1", "x2", "x1*x2"]
    assert neuron_sources(spec, "dense_2")[2] == "layer 1, neuron 3"
    assert layer_titles(spec) == ["layer 1", "layer 1 Dropout(0.2)", "layer 2", "output"]
    assert is_output_layer(spec, "dense_3") and not is_output_layer(spec, "dense_2")


# ---------------------------------------------------------------------------------------------------
# NeuronEditor

def _type(qtbot, box, text: str) -> None:
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text.replace(".", box.locale().decimalPoint()))


def _editor(qtbot) -> NeuronEditor:
    editor = NeuronEditor()
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    incoming = np.array([0.123456, -2.5], np.float32)
    editor.show_neuron("dense_1", 1, incoming, 0.25, ["x1", "x2"], frozen=False, off=False, title="layer 1, neuron 2")
    return editor


def test_every_control_of_the_editor_explains_itself(qtbot):
    editor = _editor(qtbot)
    controls = editor.findChildren(QLabel) + editor.findChildren(QAbstractButton) + editor.findChildren(QDoubleSpinBox)
    assert len(controls) > 10
    assert [c for c in controls if not c.toolTip()] == []


@pytest.mark.qt_log_ignore("This plugin does not support raise")   # the offscreen platform shows the tooltip
def test_hovering_shows_a_neurons_bias_and_a_links_weight(qtbot):
    view = _view(qtbot, NET_221)
    view.update_weights((("dense_1", (np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([0.125, 0.0]))),
                          ("dense_2", (np.array([[1.0], [-1.0]]), np.zeros(1)))))
    texts = []
    node = view.node_position("dense_1", 0)
    link = view.link_item("dense_1", 1, 0)
    middle = view.mapFromScene(link.path().pointAtPercent(0.5))
    for point in (node, middle):
        event = QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point))
        QApplication.sendEvent(view.viewport(), event)
        texts.append(QToolTip.text())
    assert "bias 0.125" in texts[0] and "layer 1, neuron 1" in texts[0]
    assert "weight 2" in texts[1] and "from x2 to layer 1, neuron 1" in texts[1]


def test_the_editor_shows_a_neurons_values(qtbot):
    editor = _editor(qtbot)
    boxes = editor.weight_boxes()
    assert [round(b.value(), 4) for b in boxes] == [0.1235, -2.5]
    assert editor.bias_box.value() == pytest.approx(0.25)
    assert not editor.freeze_box.isChecked() and not editor.off_box.isChecked()
    labels = [editor._weights_form.labelForField(b).text() for b in boxes]
    assert labels == ["from x1", "from x2"]
    assert "layer 1, neuron 2" in editor._title.text()


def test_typing_a_bias_and_applying_sends_the_edit(qtbot):
    editor = _editor(qtbot)
    _type(qtbot, editor.bias_box, "0.75")
    _type(qtbot, editor.weight_boxes()[1], "1.5")
    qtbot.mouseClick(editor.freeze_box, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(editor.edit_requested) as blocker:
        qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    layer, unit, incoming, bias, frozen, off = blocker.args
    assert (layer, unit, bias, frozen, off) == ("dense_1", 1, pytest.approx(0.75), True, False)
    assert incoming[0] == np.float32(0.123456)       # untouched: full precision, not the 4 shown decimals
    assert incoming[1] == pytest.approx(1.5)


def test_too_large_values_are_refused_visibly_and_revert_restores(qtbot):
    editor = _editor(qtbot)
    _type(qtbot, editor.weight_boxes()[0], "5000")
    assert editor.weight_boxes()[0].value() == pytest.approx(5000)
    assert editor.error.isVisible() and "1000" in editor.error.text()
    assert not editor.apply_button.isEnabled()
    with qtbot.assertNotEmitted(editor.edit_requested):
        qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
        qtbot.keyClick(editor.weight_boxes()[0], Qt.Key.Key_Return)
    qtbot.mouseClick(editor.revert_button, Qt.MouseButton.LeftButton)
    assert editor.weight_boxes()[0].value() == pytest.approx(0.1235)
    assert not editor.error.isVisible() and editor.apply_button.isEnabled()


def test_an_output_neuron_cannot_be_switched_off(qtbot):
    editor = NeuronEditor()
    qtbot.addWidget(editor)
    editor.show_neuron("dense_2", 0, np.ones(3), 0.0, ["a", "b", "c"], False, False, can_switch_off=False)
    assert not editor.off_box.isEnabled()
    editor.show_neuron("dense_1", 0, np.ones(784), 0.0, [], False, True)
    assert editor.off_box.isEnabled() and editor.off_box.isChecked()
    assert "output neuron" not in editor.off_box.toolTip()
    assert editor.weight_boxes() == [] and "784" in editor._many.text()


# ---------------------------------------------------------------------------------------------------
# NeuronMaps

def test_neuron_maps_have_one_tile_per_neuron_with_layer_levels(qtbot):
    spec = NetworkSpec(layers=(dense(4, "sigmoid"), dense(3, "relu"), activation("tanh"), dense(1, "linear")))
    maps = NeuronMaps()
    qtbot.addWidget(maps)
    maps.set_network(spec)
    assert maps.tile_count() == 4 + 3 + 3 + 1
    assert maps.tile_titles()[5] == "layer 2, neuron 2"
    assert maps.tile_titles()[-1] == "output, neuron 1"
    values, axes = _maps(spec)
    maps.update_maps(values, axes)
    images = maps.tile_images()
    np.testing.assert_array_equal(images[1].image, values[0][:, :, 1])      # row 0 = lowest y
    assert not images[1].getViewBox().yInverted()
    assert tuple(images[0].levels) == (0.0, 1.0)                             # sigmoid
    assert tuple(images[4].levels) == pytest.approx((-3.0, 3.0))             # relu: ± max |value| of the layer
    assert tuple(images[7].levels) == (-1.0, 1.0)                            # tanh
    assert tuple(images[10].levels) == pytest.approx((-1.0, 1.0))            # linear output, values in ±1


def test_neuron_maps_are_capped(qtbot):
    maps = NeuronMaps()
    qtbot.addWidget(maps)
    maps.set_network(NetworkSpec(layers=(dense(50, "relu"), dense(50, "relu"), dense(1, "sigmoid"))))
    assert maps.tile_count() == MAX_TILES
    assert f"first {MAX_TILES} of 101" in maps._note.text()
    maps.set_network(NetworkSpec(input_shape=(1,), features=(), layers=(dense(30, "sigmoid"), dense(1))))
    assert maps.tile_count() == 0 and "nothing to draw" in maps._note.text()


# ---------------------------------------------------------------------------------------------------
# WeightsPlot

def test_resampling_keeps_the_number_of_weights():
    counts, edges = np.histogram(np.random.default_rng(1).normal(size=500), bins=17)
    fixed = np.linspace(edges[0] - 1, edges[-1] + 1, 50)
    assert resample(counts, edges, fixed).sum() == pytest.approx(500)


def test_histograms_accumulate_over_epochs_on_a_growing_axis(qtbot):
    plot = WeightsPlot()
    qtbot.addWidget(plot)
    rng = np.random.default_rng(0)
    for epoch in (1, 2, 3):
        plot.add_histograms(epoch, [(name, *np.histogram(rng.normal(0, 0.5, 50), bins=10))
                                    for name in ("dense_1", "dense_2")])
    assert [plot.layer_combo.itemText(i) for i in range(plot.layer_combo.count())] == ["dense_1", "dense_2"]
    assert plot._image.image.shape == (BINS, 3)
    low = plot.history("dense_1").low
    plot.add_histograms(4, [("dense_1", *np.histogram(rng.normal(0, 5, 50), bins=10))])
    history = plot.history("dense_1")
    assert history.low < low - 5 and plot._image.image.shape == (BINS, 4)
    assert np.isfinite(plot._image.image).all() and plot._image.image.max() == pytest.approx(1.0)
    plot.layer_combo.setCurrentText("dense_2")
    assert plot._image.image.shape == (BINS, 3)
    plot.clear()
    assert plot.layer_combo.count() == 0 and plot._image.image is None


def test_a_long_history_is_thinned_but_spans_the_whole_run():
    history = _LayerHistory()
    counts, edges = np.histogram(np.linspace(-1, 1, 100), bins=8)
    for epoch in range(1, 4501):
        history.add(epoch, counts, edges)
    picture, rect = history.image()
    assert history.stride == 4 and picture.shape[1] <= MAX_COLUMNS
    assert rect.left() < 5 and rect.right() > 4490
    history.add(1, counts, edges)           # a new run starts again
    assert history.stride == 1 and len(history.raw) == 1


def test_a_picture_of_many_columns_combines_neighbours_into_their_darkest():
    history = _LayerHistory()
    rng = np.random.default_rng(5)
    for epoch in range(1, 1304):  # 1303 columns: groups of 3, the last one short
        history.add(epoch, *np.histogram(rng.normal(0, 1 + epoch / 500, 40), bins=9))
    history.columns  # every column spread (a picture spreads a few hundred more at a time)
    full, rect = history.image()
    picture, combined_rect = history.image(500)
    assert full.shape[1] == 1303 and picture.shape == (BINS, 435) and combined_rect == rect
    padded = np.concatenate([full, np.repeat(full[:, -1:], 2, axis=1)], axis=1)   # the last group: repeated
    assert np.array_equal(picture, padded.reshape(BINS, -1, 3).max(axis=2))
    assert picture.flags.c_contiguous
    assert np.array_equal(history.image(2000)[0], full)


@pytest.mark.parametrize("even", [True, False])
def test_many_histograms_are_spread_at_once_exactly_as_one_by_one(even):
    rng = np.random.default_rng(2)
    counts, edges = [], []
    for _ in range(40):
        values = rng.normal(rng.normal(), rng.uniform(0.05, 3), 60)
        bins = 12 if even else np.sort(np.concatenate([[values.min(), values.max()],
                                                       rng.uniform(values.min(), values.max(), 11)]))
        c, e = np.histogram(values, bins=bins)
        counts.append(c)
        edges.append(e)
    for fixed in (np.linspace(-9, 9, 121), np.linspace(-0.3, 0.2, 31)):  # wider and narrower than the data
        expected = np.stack([resample(c, e, fixed) for c, e in zip(counts, edges)])
        np.testing.assert_allclose(resample_many(np.stack(counts), np.stack(edges), fixed), expected, atol=1e-9)


def test_the_engines_float32_edges_are_spread_by_arithmetic_not_searched(monkeypatch):
    """The engine sends float32 edges (even to ~1e-6 of a bin): searched, a long run's redraw took 5x longer."""
    rng = np.random.default_rng(4)
    counts, edges = [], []
    for _ in range(300):
        c, e = np.histogram(rng.normal(rng.normal(), rng.uniform(0.05, 3), 60).astype(np.float32), bins=30)
        counts.append(c)
        edges.append(e.astype(np.float32))
    fixed = np.linspace(-9, 9, 121)
    expected = np.stack([resample(c, e, fixed) for c, e in zip(counts, edges)])
    monkeypatch.setattr(np, "searchsorted", lambda *a, **k: pytest.fail("searched"))
    np.testing.assert_allclose(resample_many(np.stack(counts), np.stack(edges), fixed), expected, atol=1e-3)

def test_a_batch_of_epochs_is_recorded_as_one_by_one():
    rng = np.random.default_rng(5)
    one, many = _LayerHistory(), _LayerHistory()
    epochs, counts, edges = [], [], []
    for epoch in range(1, 2 * MAX_COLUMNS + 700):  # weights that spread out (the axis widens) over a long run
        c, e = np.histogram(rng.normal(0, 0.1 + epoch / 500, 40).astype(np.float32), bins=10)
        epochs.append(epoch)
        counts.append(c)
        edges.append(e.astype(np.float32))
        one.add(epoch, c, e.astype(np.float32))
    for start in range(0, len(epochs), 337):
        many.add_many(epochs[start:start + 337], counts[start:start + 337], edges[start:start + 337])
    assert (many.low, many.high, many.stride, many.first, many.last_epoch) == (one.low, one.high, one.stride,
                                                                              one.first, one.last_epoch)
    assert sorted(many.raw) == sorted(one.raw) and one.stride == 4
    for column, (epoch, c, e) in one.raw.items():
        assert many.raw[column][0] == epoch
        np.testing.assert_array_equal(many.raw[column][1], c)
        np.testing.assert_array_equal(many.raw[column][2], e)
    np.testing.assert_allclose(many.columns, one.columns, equal_nan=True)
    many.add_many([1, 2], counts[:2], edges[:2])  # a new run starts again
    assert many.stride == 1 and sorted(many.raw) == [1, 2]

def test_gradient_bars_set_their_range_again_only_when_it_changes(qtbot, monkeypatch):
    plot = WeightsPlot()
    qtbot.addWidget(plot)
    plot.update_grad_norms((("dense", 0.5), ("dense_1", 0.2)))
    calls = []
    original = plot.grad_plot.setYRange
    monkeypatch.setattr(plot.grad_plot, "setYRange", lambda *a, **k: (calls.append(a), original(*a, **k)))
    plot.update_grad_norms((("dense", 0.4), ("dense_1", 0.3)))  # the same powers of ten: the range stays
    assert calls == []
    plot.update_grad_norms((("dense", 4e3), ("dense_1", 0.3)))  # outgrown: set again
    assert len(calls) == 1 and plot.gradient_tops()["dense"] == pytest.approx(np.log10(4e3))

def test_thinning_keeps_the_kept_columns_pictures_and_a_rebuild_agrees():
    rng = np.random.default_rng(3)
    history = _LayerHistory()
    for epoch in range(1, MAX_COLUMNS + 400):
        history.add(epoch, *np.histogram(rng.normal(0, 0.5, 40), bins=10))
    assert history.stride == 2
    thinned = history.columns.copy()
    history._rebuild()
    n = len(history.raw)
    np.testing.assert_allclose(thinned[:n], history.columns[:n], atol=1e-6)


def test_hidden_histograms_are_recorded_and_drawn_when_shown(qtbot):
    plot = WeightsPlot()
    qtbot.addWidget(plot)
    rng = np.random.default_rng(0)
    for epoch in (1, 2, 3):
        plot.add_histograms(epoch, [("dense_1", *np.histogram(rng.normal(size=30), bins=8))], show=False)
    assert "_image" not in plot.__dict__  # not even the plots are made while out of sight
    assert len(plot.history("dense_1").raw) == 3
    assert plot._image.image.shape == (BINS, 3)  # made on first use, with the recorded epochs in them
    plot.add_histograms(4, [("dense_1", *np.histogram(rng.normal(size=30), bins=8))], show=False)
    assert plot._image.image.shape == (BINS, 3)
    plot.refresh()
    assert plot._image.image.shape == (BINS, 4)


def test_a_long_history_is_drawn_with_at_most_a_few_hundred_columns_over_every_epoch(qtbot):
    plot = WeightsPlot()
    qtbot.addWidget(plot)
    counts, edges = np.histogram(np.linspace(-1, 1, 50), bins=8)
    for epoch in range(1, 1201):
        plot.add_histograms(epoch, [("dense_1", counts, edges)], show=False)
    plot.refresh()
    image = plot._image.image
    assert image.shape[0] == BINS and image.shape[1] <= DRAWN_COLUMNS
    rect = plot._image.mapRectToParent(plot._image.boundingRect())
    assert rect.left() <= 1 and rect.right() >= 1200
    assert image.max() == pytest.approx(1.0)


def _spread_rows(monkeypatch) -> list[int]:
    """How many histograms each call of resample_many spreads (the weights plot's whole cost)."""
    rows, original = [], weights_module.resample_many
    monkeypatch.setattr(weights_module, "resample_many",
                        lambda counts, edges, fixed: (rows.append(len(counts)), original(counts, edges, fixed))[1])
    return rows


def _growing(epochs: range, seed: int = 7):
    """Histograms of weights that spread out: the value axis grows again and again."""
    rng = np.random.default_rng(seed)
    for epoch in epochs:
        counts, edges = np.histogram(rng.normal(0.3 * np.sin(epoch / 300), 0.1 + epoch / 300, 40), bins=30)
        yield epoch, counts, edges.astype(np.float32)


def test_a_grown_value_axis_costs_a_picture_a_few_hundred_histograms_and_ends_exact(monkeypatch):
    """Shown after the axis grew, a long run's picture no longer spreads its 2000 histograms at once (10-40 ms
    of the window's thread while training): the columns move onto the new axis in one product, close to exact,
    and are spread again exactly a few hundred per picture, until the picture is what spreading all gives."""
    history = _LayerHistory()
    for epoch, counts, edges in _growing(range(1, 1501)):
        history.add(epoch, counts, edges)
    history.columns  # noqa: B018 - everything spread on the axis as it is now
    axis = (history.low, history.high)
    for epoch, counts, edges in _growing(range(1501, 1601), seed=8):
        history.add(epoch, counts * 0 + 40 * (np.arange(30) == 15), edges * 3)  # much wider weights
    assert (history.low, history.high) != axis
    rows = _spread_rows(monkeypatch)
    pictures = 0
    while True:
        history.image()
        pictures += 1
        assert sum(rows) <= SPREAD_PER_PICTURE + BINS  # (BINS: the product's matrix, one row per old bin)
        rows.clear()
        if not history.pending():
            break
    assert pictures == -(-1600 // SPREAD_PER_PICTURE)
    shown = history.columns.copy()
    history._rebuild()
    np.testing.assert_allclose(shown, history.columns, atol=1e-6, equal_nan=True)


def test_moved_columns_are_close_to_spread_ones_at_once():
    history = _LayerHistory()
    for epoch, counts, edges in _growing(range(1, 301)):
        history.add(epoch, counts, edges)
        if epoch % 25 == 0:
            history.image()  # a picture now and then: the axis grew since the last one
    moved = history._spread(budget=0).copy()
    history._rebuild()
    exact = history.columns
    drawn = ~np.isnan(exact[:, 0])
    assert np.mean(np.abs(moved[drawn] - exact[drawn])) < 0.02


def test_out_of_sight_a_long_run_is_recorded_and_thinned_without_spreading_anything(qtbot, monkeypatch):
    plot = WeightsPlot()
    qtbot.addWidget(plot)
    rows = _spread_rows(monkeypatch)
    items = list(_growing(range(1, 2 * MAX_COLUMNS + 500)))
    for start in range(0, len(items), 250):
        plot.add_many_histograms([(epoch, [("dense", counts, edges)]) for epoch, counts, edges in items[start:start + 250]])
    history = plot.history("dense")
    assert history.stride == 4 and rows == []
    plot.show()  # in sight: a first picture at once, the rest spread by a timer (also with nothing training)
    assert 0 < sum(rows) <= SPREAD_PER_PICTURE and history.pending()
    qtbot.waitUntil(lambda: not history.pending(), timeout=10000)
    drawn = plot._image.image.copy()
    history._rebuild()
    plot.refresh()
    np.testing.assert_allclose(drawn, plot._image.image, atol=1e-6)


def test_while_live_the_epoch_axis_grows_in_steps_and_fits_the_run_after(qtbot):
    plot = WeightsPlot()
    qtbot.addWidget(plot)
    plot.set_live(True)
    counts, edges = np.histogram(np.linspace(-1, 1, 50), bins=8)
    for epoch in range(1, 16):
        plot.add_histograms(epoch, [("dense_1", counts, edges)])
    x_range = plot.hist_plot.getViewBox().viewRange()[0]
    assert x_range[0] == pytest.approx(0.5) and x_range[1] == pytest.approx(20.5)
    plot.set_live(False)
    x_range = plot.hist_plot.getViewBox().viewRange()[0]
    assert x_range[0] == pytest.approx(0.5) and x_range[1] == pytest.approx(15.5)


def test_gradient_bars_reach_log10_of_the_norms(qtbot):
    plot = WeightsPlot()
    qtbot.addWidget(plot)
    norms = [("dense_1", 3e-7), ("dense_2", 2e-3), ("dense_3", 0.8)]
    plot.update_grad_norms(norms)
    tops = plot.gradient_tops()
    assert tops == pytest.approx({name: np.log10(v) for name, v in norms})
    assert np.all(np.asarray(plot.bars.opts["y0"]) <= np.log10(3e-7))
    ticks = plot.grad_plot.getAxis("bottom")._tickLevels[0]
    assert [name for _, name in ticks] == ["dense_1", "dense_2", "dense_3"]
    assert len(plot.plot_items()) == 2


# ---------------------------------------------------------------------------------------------------

def test_a_real_training_report_feeds_every_view(qtbot):
    from annstudio.core import datasets
    from annstudio.core.engine import Probes, Trainer

    spec = NetworkSpec(layers=(dense(4, "tanh"), dropout(0.1), dense(3, "relu"), dense(1, "sigmoid")))
    data = datasets.generate(DataSpec("xor", size=100, seed=1))
    probes = Probes(grad_norms=True, histograms=True, neuron_maps=True, neuron_resolution=16)
    report = next(iter(Trainer(spec, TrainSpec("adam", 0.05, 32, 1), data, probes=probes).run(1)))
    view, maps, weights = _view(qtbot, spec), NeuronMaps(), WeightsPlot()
    qtbot.addWidget(maps)
    qtbot.addWidget(weights)
    maps.set_network(spec)
    view.update_weights(report.weights)
    view.update_maps(report.neuron_maps, report.neuron_axes)
    maps.update_maps(report.neuron_maps, report.neuron_axes)
    weights.add_histograms(report.epoch, report.histograms)
    weights.update_grad_norms(report.grad_norms)
    kernel = dict(report.weights)["dense_2"][0]
    assert view.link_item("dense_2", 1, 2).weight == pytest.approx(float(kernel[1, 2]))
    assert view.node_item("dense_3", 0).face is not None
    assert maps.tile_images()[-1].image.shape == (16, 16)
    assert set(weights.gradient_tops()) == {"dense_1", "dense_2", "dense_3"}
    editor = NeuronEditor()
    qtbot.addWidget(editor)
    k, b = dict(report.weights)["dense_2"]
    editor.show_neuron("dense_2", 1, k[:, 1], float(b[1]), neuron_sources(spec, "dense_2"), False, False)
    assert [round(x.value(), 4) for x in editor.weight_boxes()] == [round(float(v), 4) for v in k[:, 1]]
    assert style.POSITIVE != style.NEGATIVE
