"""The 2-D playground: data, network and training settings on the left, live views on the right.

This module only wires widgets together: the panels say what the user wants, the session trains in its
worker thread, and the newest report is drawn at most once per screen refresh. The explainers' wiring is in
playground_explain.py, what the window and the File menu ask of it in playground_files.py.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from ..core import lessons
from ..core.control import NeuronEdit, RunState
from ..core.spec import NetworkSpec, TrainSpec
from ..core.words import report_line
from .builder import BuilderPanel
from .dataset_panel import DatasetPanel
from .plots.backprop_view import BackpropExplorer
from .plots.hidden_space import HiddenSpacePlot
from .plots.landscape import EVERY_EPOCH_UP_TO, LandscapeView
from .plots.loss import LossPlot
from .plots.network_view import (
    NetworkView,
    NeuronEditor,
    is_output_layer,
    neuron_sources,
)
from .plots.neurons import NeuronMaps
from .plots.surface import SurfacePlot
from .playground_explain import PlaygroundExplainers
from .playground_files import PlaygroundFiles
from .plots.weights import WeightsPlot
from .pacer import Soon
from .run_controller import RunCommands, RunController, RunHooks
from .tabs import QuietTabWidget
from .training_panel import TrainingPanel
from .worker import ReportBatch, RunOutcome

if TYPE_CHECKING:
    from ..core.datasets import Dataset
    from ..core.engine import EpochReport

DEFAULT_PRESET = "looking-at-parameters"
PROBE_INTERVAL = 1 / 60   # full pictures from the engine at most 60 times a second (one per frame)
LOSS_REDRAW_S = 0.25      # the loss curves and the weights tab are redrawn at most 4 times a second while
                          # training: one more epoch hardly shows, and gradient bars that jump 30 times a
                          # second cannot be read
# While training, a frame is drawn in steps, each in its own event-loop turn with its own paint: the data
# plot first, the view tab in sight TAB_OFFSET_MS later, the loss curves LOSS_OFFSET_MS later. The work is
# the same, but clicks and keys get through between the steps.
TAB_OFFSET_MS = 4
LOSS_OFFSET_MS = 9
BACKPROP_TAB, LANDSCAPE_TAB = 4, 5


def _section(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 6)
    label = QLabel(f"<b>{title}</b>")
    layout.addWidget(label)
    layout.addWidget(widget)
    return box


class Playground(PlaygroundExplainers, PlaygroundFiles, RunCommands, QWidget):
    """Build a network for 2-D (or 1-D regression) data by point and click and watch it learn."""

    status = Signal(str)        # a line for the status bar
    error = Signal(str)         # something went wrong, in a sentence
    state_changed = Signal(str)  # a RunState: "idle", "running", "paused", "finished"
    run_finished = Signal(object)  # a compare.Run, after every run that trained at least one epoch

    def __init__(self, parent: QWidget | None = None, preset: "lessons.Preset | None" = None):
        """``preset``: what to show first (the last session's settings); the lecture's default otherwise."""
        super().__init__(parent)
        self.data_panel = DatasetPanel()
        self.builder = BuilderPanel()
        self.training = TrainingPanel()
        self.surface = SurfacePlot()
        self.loss = LossPlot()
        self.network_view = NetworkView()
        self.neuron_editor = NeuronEditor()
        self.neurons = NeuronMaps()
        self.hidden_space = HiddenSpacePlot()
        self.weights_plot = WeightsPlot()
        self.backprop_view = BackpropExplorer()
        self.landscape = LandscapeView()
        self._frozen: set[tuple[str, int]] = set()
        self._off: set[tuple[str, int]] = set()
        self._neurons_stale = True
        self._loading = False        # a preset's panels are being filled in: one settings change at the end
        self._restoring = False      # an opened model or workspace is being shown: keep its weights
        self._refresh_due = False    # settings changed while the untrained picture was being made
        self._start_weights: tuple | None = None  # weights of an opened model/workspace, until a reset
        self._start_epoch = 0
        self._weights_drawn = 0.0    # when the Weights tab and the Backprop tab were last drawn while training
        self._explorer_drawn = 0.0
        self._last_clicked = None    # the last parameter clicked in the Backprop tab
        # a frame while training: the data plot, the view tab in sight TAB_OFFSET_MS later, the loss curves
        # LOSS_OFFSET_MS after that when due (at most every LOSS_REDRAW_S)
        self.run = RunController(RunHooks(new_trainer=self._new_trainer, train_spec=self.train_spec,
                                          draw_report=self._draw_report, run_started=self._run_started,
                                          take_batch=self._take_batch, show_state=self._show_state,
                                          trained=self._trained, settle=self._settle, reset=self._reset_run),
                                 self.training, self.loss, self, loss_every_s=LOSS_REDRAW_S,
                                 loss_after_ms=LOSS_OFFSET_MS, loss_flush_ms=int(2000 * LOSS_REDRAW_S))
        self.run.pacer.add_step(self._draw_current_tab, after_ms=TAB_OFFSET_MS)
        self.session = self.run.session
        # what the tabs out of sight need (the Neurons tab's tiles for a new network, the weight plots), made
        # while idle: not while the window starts, and not in the middle of a training frame
        self._tiles_timer = QTimer(self)
        self._tiles_timer.setSingleShot(True)
        self._tiles_timer.setInterval(1000)
        self._tiles_timer.timeout.connect(self._prepare_hidden_views)
        # settings changed: show the new untrained network at the next turn of the event loop: the changes of
        # one action (a data set sets the features, then the network) make one picture, and a picture under way
        # makes the next wait for it (a held arrow key)
        # (at launch after the window's first paint: the picture's worker starts TensorFlow's import)
        self._refresh_timer = Soon(self, self._refresh_untrained, after_paint=True)
        self._layout()
        self._connect()
        self._add_export_menus()
        if preset is None or not self.load_preset(preset):
            self.load_preset(lessons.get(DEFAULT_PRESET))

    # layout -----------------------------------------------------------------------------------------
    def _layout(self) -> None:
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(_section("1 · Data", self.data_panel))
        column.addWidget(_section("2 · Network", self.builder))
        column.addWidget(_section("3 · Training", self.training))
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(340)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(self.surface)
        middle.addWidget(self.loss)
        middle.setSizes([560, 300])

        network_tab = QSplitter(Qt.Orientation.Vertical)
        network_tab.addWidget(self.network_view)
        editor = QScrollArea()  # a short window scrolls the editor instead of squeezing its lines together
        editor.setWidget(self.neuron_editor)
        editor.setWidgetResizable(True)
        editor.setFrameShape(QScrollArea.Shape.NoFrame)
        editor.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        network_tab.addWidget(editor)
        network_tab.setSizes([480, 260])
        self.views = QuietTabWidget()
        self.views.addTab(network_tab, "Network")
        self.views.addTab(self.neurons, "Neurons")
        self.views.addTab(self.hidden_space, "Hidden")
        self.views.addTab(self.weights_plot, "Weights")
        self.views.addTab(self.backprop_view, "Backprop")
        self.views.addTab(self.landscape, "Landscape")
        bar = self.views.tabBar()
        bar.setUsesScrollButtons(False)  # every tab in sight: a narrow column shortens their names instead
        bar.setElideMode(Qt.TextElideMode.ElideRight)
        bar.setStyleSheet("QTabBar::tab { padding: 4px 7px; }")  # six tabs side by side in a 1280-px window
        self.views.setTabToolTip(0, "The network as nodes and links: blue links are positive weights, orange "
                                    "negative, thicker is larger. Click a neuron to see and edit it.")
        self.views.setTabToolTip(1, "What every neuron computes over the input plane.")
        self.views.setTabToolTip(2, "Hidden space: the two hidden neurons' outputs (z1, z2) for every point, and "
                                    "the output neuron's line in that space.")
        self.views.setTabToolTip(3, "Weights and gradients: how the weights spread over the epochs, and how big "
                                    "each layer's gradient is.")
        self.views.setTabToolTip(BACKPROP_TAB, "One training point forward through the network and its error "
                                               "back, with the numbers; click a weight for its chain rule.")
        self.views.setTabToolTip(LANDSCAPE_TAB, "The loss over two chosen weights, and the path training takes.")

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.views)
        self.splitter.setSizes([360, 620, 460])
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    def _add_export_menus(self) -> None:
        """Right-click any plot: Export PNG…, Export SVG… (and the loss history as CSV on the loss plot)."""
        import pyqtgraph as pg

        from .export import add_export_menu

        for widget, name, rows in ((self.surface, "data-plot", None), (self.loss, "loss", self.loss.rows),
                                   (self.hidden_space, "hidden-space", None), (self.weights_plot, "weights", None),
                                   (self.neurons, "neurons", None)):
            views = [widget] if isinstance(widget, pg.GraphicsView) else widget.findChildren(pg.GraphicsView)
            for view in views:
                add_export_menu(view, rows, name)

    def _connect(self) -> None:
        self.data_panel.dataset_changed.connect(self._on_dataset_changed)
        self.data_panel.features_changed.connect(self._on_features_changed)
        self.builder.network_changed.connect(self._on_network_changed)
        self.training.setup_changed.connect(self._on_setup_changed)
        self.training.rules_changed.connect(self._on_rules_changed)
        self.surface.point_clicked.connect(self.data_panel.add_point)
        self.surface.erase_requested.connect(self.data_panel.erase_near)
        self.network_view.neuron_clicked.connect(self.show_neuron)
        self.views.currentChanged.connect(self._on_view_tab_changed)
        self.neuron_editor.edit_requested.connect(self._on_edit_requested)
        self._connect_explainers()
        self._follow_run()

    # presets and settings -------------------------------------------------------------------------
    def load_preset(self, preset: "lessons.Preset") -> bool:
        """Show a preset's data, network and training settings, untrained."""
        if self.session.is_running():
            self.shutdown()
        if preset.data.kind == "mnist":
            self.run.fail("MNIST presets open in the MNIST tab, not in the playground.")
            return False
        self._loading = True
        try:
            self.data_panel.set_data_spec(preset.data)
            if preset.network.features:
                self.data_panel.set_features(preset.network.features)
            self._sync_io()
            self.builder.set_network(preset.network)
            self.training.set_loss(self.builder.loss())
            self.training.set_train(preset.train)
        finally:
            self._loading = False
        self._settings_changed()
        self.surface.set_show_hidden_lines("hidden-lines" in preset.views)
        for view, tab in (("backprop", BACKPROP_TAB), ("hidden-space", 2), ("gradients", 3), ("weights", 3),
                          ("neurons", 1), ("network", 0)):
            if view in preset.views:
                self.views.setCurrentIndex(tab)
                break
        return True

    def network_spec(self) -> NetworkSpec:
        return self.builder.network_spec()

    def train_spec(self) -> TrainSpec:
        return self.training.train_spec(self.builder.loss())

    def dataset(self) -> "Dataset":
        return self.data_panel.dataset()

    def _sync_io(self) -> None:
        data = self.data_panel.dataset()
        features = self.data_panel.features()
        shape = (len(features),) if features else (int(data.x_train.shape[1]),)
        self.builder.set_io(shape, features, data.task, data.classes)
        self.training.set_loss(self.builder.loss())

    def _on_dataset_changed(self, dataset) -> None:
        self.surface.set_dataset(dataset)
        self.surface.set_edit_mode(self.data_panel.is_own_data())
        self.hidden_space.set_labels(dataset.y_train)
        if not self._loading:
            self._sync_io()
            self._settings_changed()

    def _on_features_changed(self, _features) -> None:
        if not self._loading:
            self._sync_io()
            self._settings_changed()

    def _on_rules_changed(self) -> None:
        """Stopping rules or the schedule edited (the run controller hands them to a run under way): the
        validation points and the schedule's curve follow."""
        train = self.train_spec()
        self.surface.set_validation_split(train.validation_split)
        trainer = self.session.trainer
        self.loss.show_schedule(train, train.learning_rate, trainer.epoch if trainer is not None else 0, train.epochs)

    def _on_setup_changed(self) -> None:
        """Another optimizer, seed or shuffling: the next run starts from a new trainer."""
        if not self._loading and not self.session.is_running():
            self._settings_changed()

    def _on_network_changed(self, spec: NetworkSpec) -> None:
        self.training.set_loss(self.builder.loss())
        self.training.follow_network(spec)  # a step neuron: the perceptron rule; else a gradient optimizer
        if not self._loading:
            self._settings_changed()

    def _settings_changed(self) -> None:
        """Data or network changed: the old trainer is gone; show the new network untrained."""
        self._refresh_timer.start()  # asked first: before the layouts and repaints the changes below ask for
        if not self._restoring:
            self._start_weights, self._start_epoch = None, 0
        # the old trainer and report no longer describe this network; what trains next is a new run in Compare
        # runs; a run still making the old network's picture is now out of date
        self.run.forget()
        self._frozen.clear()
        self._off.clear()
        self.neuron_editor.clear()  # its neuron belonged to the old network
        self.network_view.set_network(self.network_spec())
        self.network_view.set_neuron_states(self._frozen, self._off)
        self._neurons_stale = True   # the Neurons tab's tiles: now if in sight, else soon (not at start-up)
        if self.views.currentIndex() == 1:
            self._show_neuron_tiles()
        else:
            self._tiles_timer.start()
        self.surface.set_dataset(self.dataset())
        self.surface.set_edit_mode(self.data_panel.is_own_data())
        self.hidden_space.set_labels(self.dataset().y_train)
        if self._has_hidden_space(self.network_spec()):
            self.hidden_space.show_waiting()  # not "needs a layer of 2 neurons": it has one
        else:
            self.hidden_space.update_hidden(None)
        self.loss.set_task(self.dataset().task)
        self.loss.clear()
        self.weights_plot.clear()
        self._explainers_settings_changed()

    def _refresh_untrained(self) -> None:
        if not self.isEnabled():
            return
        if self.session.is_running():  # the picture of the network before: this one follows it
            self._refresh_due = True
            return
        self._refresh_due = False
        if not len(self.dataset().x_train):  # own data, all cleared: nothing to draw a network over
            self.surface.set_surface(None)
            self.surface.set_hidden_lines(None, None)
            self.status.emit("No points yet: click in the data plot to add some (right-drag erases).")
            return
        self.session.forget()
        self.run.start(epochs=0)

    def load_state(self, network: NetworkSpec, train: TrainSpec, data_spec=None, points=None,
                   user_data: bool = False, weights: tuple | None = None, history: list[dict] | None = None) -> bool:
        """Show a saved state (an opened model or workspace): data, network, settings, weights, history."""
        if self.session.is_running():
            self.shutdown()
        self._restoring = True
        try:
            if user_data and points is not None:
                x = np.concatenate([points.x_train, points.x_test]) if len(points.x_test) else points.x_train
                y = np.concatenate([points.y_train, points.y_test]) if len(points.y_test) else points.y_train
                task = "regression" if points.task == "regression" else "classification"
                if data_spec is not None:  # the saved split settings
                    from PySide6.QtCore import QSignalBlocker

                    with QSignalBlocker(self.data_panel.test_spin), QSignalBlocker(self.data_panel.seed_spin):
                        self.data_panel.test_spin.setValue(data_spec.test_fraction)
                        self.data_panel.seed_spin.setValue(data_spec.seed)
                ok = self.data_panel.set_own_points(x, y, task)
            else:
                ok = self.load_preset(lessons.Preset("opened", "opened", data_spec, network, train))
            if not ok:
                return False
            if user_data:
                if network.features:
                    self.data_panel.set_features(network.features)
                self._sync_io()
                self.builder.set_network(network)
                self.training.set_train(train)
                self._settings_changed()
            self._start_weights = weights
            self._start_epoch = len(history or [])
        finally:
            self._restoring = False
        if history:
            self.loss.add_rows([dict(row) for row in history])
        return True

    # training -----------------------------------------------------------------------------------------
    def _make_trainer_factory(self):
        network, train, data = self.network_spec(), self.train_spec(), self.dataset()
        two_d = data.x_train.ndim == 2 and data.x_train.shape[1] == 2

        start_weights, start_epoch = self._start_weights, self._start_epoch

        def make():
            from ..core.epoch_report import Probes
            from ..core.trainers import make_trainer  # the perceptron rule or the engine

            probes = Probes(surface=True, resolution=200 if two_d else 300, activations=two_d,
                            grad_norms=True, histograms=True, neuron_maps=two_d, neuron_resolution=40,
                            optimizer_state=True, parameters_up_to=EVERY_EPOCH_UP_TO)
            trainer = make_trainer(network, train, data, probes, probe_interval=PROBE_INTERVAL)
            if start_weights is not None:
                trainer.restore(start_weights)  # an opened model or workspace goes on from its weights
                trainer.epoch = start_epoch
            return trainer

        return make

    def _new_trainer(self, trainer):
        """A new trainer unless ``trainer`` goes on: the optimizer, seed and shuffle fix the start, so changed
        while idle they need a new one (a step neuron switched to Adam must be refused, not trained on by the
        perceptron rule)."""
        train = self.train_spec()
        if trainer is not None and ((trainer.train.optimizer, trainer.train.seed, trainer.train.shuffle,
                                     trainer.train.validation_split)
                                    == (train.optimizer, train.seed, train.shuffle, train.validation_split)):
            return None
        return self._make_trainer_factory(), self._start_epoch

    def _run_started(self, _epochs: int, _first_epoch: int) -> None:
        # a start shows the current settings' network: a refresh still pending would otherwise throw away
        # what this run trains (a short run ends within the refresh's delay)
        self._refresh_timer.stop()
        self._refresh_due = False

    def _settle(self) -> None:
        """A run ended with nothing asked for meanwhile: the picture of changed settings, if one is due."""
        if self._refresh_due:
            self._refresh_untrained()

    def faster(self) -> None:
        self.training.change_speed(+1)

    def slower(self) -> None:
        self.training.change_speed(-1)

    def _reset_run(self, _keep_weights: bool) -> None:
        """Back to an untrained network (the training panel has picked the seed)."""
        self._start_weights, self._start_epoch = None, 0
        self._settings_changed()

    def shutdown(self) -> bool:
        """Stop training and wait for the worker thread and the landscape's job (closing, loading something
        else)."""
        self._refresh_timer.stop()
        self.landscape.stop()
        return self.run.shutdown()

    # edits ------------------------------------------------------------------------------------------
    def show_neuron(self, layer: str, unit: int) -> None:
        report = self.run.latest
        if report is None:
            return
        try:
            kernel, bias = report.layer_weights(layer)[:2]
        except KeyError:
            return
        spec = self.network_spec()
        self.neuron_editor.show_neuron(layer, unit, kernel[:, unit], float(bias[unit]), neuron_sources(spec, layer),
                                       (layer, unit) in self._frozen, (layer, unit) in self._off,
                                       can_switch_off=not is_output_layer(spec, layer))
        self.views.setCurrentIndex(0)

    def _on_edit_requested(self, layer: str, unit: int, incoming, bias: float, frozen: bool, off: bool) -> None:
        edit = NeuronEdit(layer, unit, incoming=np.asarray(incoming, dtype=np.float32), bias=float(bias),
                          frozen=frozen, off=off)
        self.apply_edit(edit)

    def apply_edit(self, edit: NeuronEdit) -> None:
        key = (edit.layer, edit.unit)
        for flag, group in ((edit.frozen, self._frozen), (edit.off, self._off)):
            if flag is not None:
                (group.add if flag else group.discard)(key)
        self.network_view.set_neuron_states(self._frozen, self._off)
        if not self.session.request_edit(edit):
            self.run.start(epochs=0, edits=(edit,))

    # reports ----------------------------------------------------------------------------------------
    def _take_batch(self, batch: ReportBatch) -> None:
        self.weights_plot.add_many_histograms(batch.histograms)  # recorded now; drawn when its tab is in sight
        self.landscape.add_batch(batch, self._run_label())

    def _draw_report(self, report: "EpochReport") -> None:
        """A frame's first step: the data plot (the view tab in sight follows as the next step)."""
        spec = self.network_spec()
        if report.surface is not None:
            self.surface.set_surface(report.surface, report.surface_axes)
        first = next((w for name, w in report.weights if name.startswith("dense")), None)
        if first is not None and spec.features == ("x1", "x2"):
            self.surface.set_hidden_lines(first[0], first[1])
        else:
            self.surface.set_hidden_lines(None, None)
        self.surface.set_marked_point(report.marked_point)  # the perceptron's last update, if any
        shown = self.neuron_editor.shown_neuron()
        if shown is not None and report.weights is not None:
            try:
                kernel, bias = report.layer_weights(shown[0])[:2]
                self.neuron_editor.follow(kernel[:, shown[1]], float(bias[shown[1]]))
            except (KeyError, IndexError, ValueError):
                pass
        self.status.emit(self._status_text(report))

    def _draw_current_tab(self) -> None:
        """Show the newest drawn report in the view tab in sight."""
        drawn = self.run.drawn
        if drawn is not None:
            index = self.views.currentIndex()
            now = time.perf_counter()
            if index != 3 or not self.run.running or now - self._weights_drawn >= LOSS_REDRAW_S:
                if index == 3:
                    self._weights_drawn = now
                    self.weights_plot.refresh()
                self._draw_tab(index, drawn, self.network_spec())

    def _draw_tab(self, index: int, report: "EpochReport", spec: NetworkSpec) -> None:
        """Update the view in tab ``index`` (only the tab in sight is drawn while training)."""
        if index == 0:
            self.network_view.update_weights(report.weights)
            if report.neuron_maps is not None:
                self.network_view.update_maps(report.neuron_maps, report.neuron_axes)
        elif index == 1 and report.neuron_maps is not None:
            self._show_neuron_tiles()
            self.neurons.update_maps(report.neuron_maps, report.neuron_axes)
        elif index == 2:
            self._draw_hidden_space(report, spec)
        elif index == 3 and report.grad_norms is not None:
            self.weights_plot.update_grad_norms(report.grad_norms)
        elif index in (BACKPROP_TAB, LANDSCAPE_TAB):
            self._draw_explainer(index, report)

    def _draw_explainer(self, index: int, report: "EpochReport") -> None:
        if index == BACKPROP_TAB:
            now = time.perf_counter()
            if self.run.running and now - self._explorer_drawn < LOSS_REDRAW_S:
                return  # numbers that change 60 times a second cannot be read: 4 times a second is enough
            self._explorer_drawn = now
            train = self.train_spec()
            self.backprop_view.set_training(train.loss, train.optimizer, train.learning_rate)
            self.backprop_view.set_weights(report.weights, report.adam)
        else:
            self.landscape.show_weights(report.weights)

    def _prepare_hidden_views(self) -> None:
        """Views not in sight made ready before they are asked for: built when their tab is clicked, they held
        the window 0.1-0.3 s just then (``ui_latency``). A run under way goes first: only once it has shown an
        epoch (built meanwhile, the tiles took the window's thread for 0.1-0.2 s just when the first epoch
        came), and then one view per second, so that a run's animation stutters once, briefly, at most."""
        if self.session.is_running() and (self.run.drawn is None or self.run.drawn.epoch < 1):
            self._tiles_timer.start()
            return
        pieces = [piece for piece, due in ((self._show_neuron_tiles, self._neurons_stale),
                                           (self.weights_plot.prepare, not self.weights_plot.is_built())) if due]
        if pieces and self.session.is_running():
            pieces[0]()
            if len(pieces) > 1:
                self._tiles_timer.start()
            return
        for piece in pieces:
            piece()

    def _show_neuron_tiles(self) -> None:
        if self._neurons_stale:
            self._neurons_stale = False
            self.neurons.set_network(self.network_spec())

    def _on_view_tab_changed(self, index: int) -> None:
        """A tab comes into sight: show it the newest drawn report, not the one it last saw (while training,
        as the next step, so that the tab's first paint and its update are not one long event-loop turn)."""
        if index == 1:
            self._show_neuron_tiles()
        self.surface.set_pick_mode(index == BACKPROP_TAB)
        self._weights_drawn = 0.0  # its picture is due at once
        self.run.pacer.redraw_from(1)

    @staticmethod
    def _has_hidden_space(spec: NetworkSpec) -> bool:
        """A first hidden layer of 2 neurons feeding a one-neuron layer: its (z1, z2) plane can be drawn."""
        dense = [i for i, layer in enumerate(spec.layers) if layer.kind == "dense"]
        return len(dense) >= 2 and spec.layers[dense[0]].units == 2 and spec.layers[dense[1]].units == 1

    def _draw_hidden_space(self, report: "EpochReport", spec: NetworkSpec) -> None:
        dense = [i for i, layer in enumerate(spec.layers) if layer.kind == "dense"]
        fits = self._has_hidden_space(spec)
        if fits and report.activations is None:
            self.hidden_space.show_waiting()
            return
        if not fits:
            self.hidden_space.update_hidden(None)
            return
        # the hidden space is what the output layer sees: the last output before the second Dense layer
        z = report.activations[dense[1] - 1]
        weights = [w for name, w in report.weights if name.startswith("dense")]
        self.hidden_space.update_hidden(z, weights[1][0], weights[1][1])

    def _status_text(self, report: "EpochReport") -> str:
        rate = self.run.rate if self.run.running else 0.0
        return report_line(report.epoch, report.metrics, report.batches, report.partial, rate)

    def _trained(self, outcome: RunOutcome) -> None:
        if outcome.history:
            self._announce_run(outcome)

    def _announce_run(self, outcome: RunOutcome) -> None:
        from ..core.runs import Run, run_name, run_settings

        report = self.run.latest
        data = self.dataset()
        spec = self.data_panel.data_spec()
        key = (spec.to_dict() if spec is not None else f"own data {id(self.data_panel)}", self.data_panel.features())
        name = run_name(self.network_spec().layers[:-1], outcome.trainer.epoch)
        history = outcome.history  # all of it: the loss plot may still hold some rows back
        points = (data.x_train[:, 0], data.y_train) if data.task == "regression" else (data.x_train, data.y_train)
        surface = report.surface if report is not None else None
        axes = report.surface_axes if report is not None else None
        label = f"{self.data_panel.kind_combo.currentText()} · {len(data.x_train)} training points"
        about = {"data_key": repr(key), "data_label": label, "run_id": f"playground {self.run.serial}",
                 "settings": run_settings("Playground", self.network_spec(), self.train_spec(), label)}
        try:
            run = Run(name=name, history=history, surface=surface, axes=axes, points=points,
                      grad_norms=report.grad_norms if report is not None else None, **about)
        except ValueError:
            run = Run(name=name, history=history, **about)
        self.run_finished.emit(run)

    def _show_state(self, state: RunState) -> None:
        self.weights_plot.set_live(state is RunState.RUNNING)
        self.data_panel.set_locked(state.locked)
        self.builder.set_locked(state.locked)
