"""The MNIST workspace: get the digits, build and train the lecture's digit reader, look inside it, draw for it.

Like the playground, this module only wires widgets together. Loading (about 1.5 s) and downloading MNIST
run in a job thread (:class:`~annstudio.gui.jobs.JobRunner` with :func:`~annstudio.core.jobs.load_mnist_job`);
training runs in the :class:`TrainingSession`'s thread;
the newest report is drawn at most once per screen refresh. Everything shown about a trained network
(confusion matrix, misclassified digits, the canvas's answers) is computed on the GUI thread with
:class:`~annstudio.core.forward.NumpyForward` from a copy of the weights: Keras never runs here.
The one exception is a model the builder cannot show (a convnet), opened for prediction only: a
:class:`~annstudio.core.reader.KerasReader` reads the drawings with Keras, and the test digits in a job
thread (:func:`~annstudio.core.jobs.evaluate_reader`).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QMessageBox, QProgressDialog,
                               QPushButton, QScrollArea, QSplitter, QStackedWidget, QTabWidget, QVBoxLayout, QWidget)

from ..core import datasets, lessons
from ..core.control import RunState
from ..core.forward import NumpyForward
from ..core.jobs import evaluate_reader, load_mnist_job
from ..core.spec import NetworkSpec, SpecError, TrainSpec
from ..core.words import plural, report_line
from . import style
from .augment_panel import AugmentPanel
from .builder import BuilderPanel
from .canvas import DigitReader
from .crash import qt_override
from .dialog_ref import DialogRef
from .jobs import JobRunner
from .mnist_views import ConfusionMatrixView, DigitGallery, FirstLayerWeights, MisclassifiedGallery
from .plots.loss import LossPlot
from .run_controller import RunCommands, RunController, RunHooks
from .training_panel import TrainingPanel
from .worker import RunOutcome

if TYPE_CHECKING:
    from ..core.datasets import Dataset
    from ..core.engine import EpochReport
    from ..core.reader import KerasReader
    from ..core.workspace import Workspace as WorkspaceFile

log = logging.getLogger(__name__)

PRESET = "mnist-mlp"
LOSS_REDRAW_S = 0.1
DOWNLOAD_MB = 11
PERSONAL_REPEAT = 20   # each of your drawings counts this many times in training, so that it matters
TABS = ("Data", "Training", "Results", "Draw", "Augment")
ERROR_COLOUR = "#c62828"
WEIGHTS_TIP = "What each neuron of the first hidden layer looks for in the image."
HIGHLIGHT_STYLE = ("QPushButton { font-weight: bold; border: 2px solid #e65100; border-radius: 4px; "
                   "padding: 4px 12px; background: #fff3e0; }")


def count(n: int) -> str:
    """60000 -> "60 000" (a no-break space, as the lecture writes numbers)."""
    return f"{int(n):,}".replace(",", "\u00a0")


def _sentence(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, datasets.DataError) and text:
        first = text.split()[0]
        if "." not in first and "/" not in first and "\\" not in first:  # not a file name: a capital letter
            text = text[0].upper() + text[1:]
        return text.rstrip(".") + "."
    if isinstance(exc, MemoryError):
        return "There is not enough memory to load MNIST (it needs about 250 MB)."
    return f"MNIST could not be loaded because of an unexpected problem ({type(exc).__name__}: {text[:200]})."


def _section(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 6)
    layout.addWidget(QLabel(f"<b>{title}</b>"))
    layout.addWidget(widget)
    return box


def _scrolled(widget: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    return scroll


class CellGallery(DigitGallery):
    """The test digits of one cell of the confusion matrix, captioned with what the network said."""

    CELL_WIDTH = 84
    CAPTION_LINES = 2

    def __init__(self, parent: QWidget | None = None, columns: int = 6) -> None:
        super().__init__(parent, columns)
        self.filter.setVisible(False)  # a cell holds one true digit already
        self.counts.setVisible(False)


class CompactWeights(FirstLayerWeights):
    """The first layer's weights, in tiles small enough for ten in a row beside the confusion matrix."""

    TILE = 46


# ---------------------------------------------------------------------------------------------------


class MnistWorkspace(RunCommands, QWidget):
    """Train the lecture's 784-100-10 digit reader on MNIST, see what it gets wrong and what it learned,
    and read your own drawings with it."""

    status = Signal(str)          # a line for the status bar
    error = Signal(str)           # something went wrong, in a sentence
    state_changed = Signal(str)   # a RunState: "idle", "running", "paused", "finished"
    run_finished = Signal(object)  # a compare.Run after every run that trained at least one epoch
    data_changed = Signal()       # MNIST was loaded (or failed to load)

    def __init__(self, parent: QWidget | None = None, train_limit: int | None = None):
        super().__init__(parent)
        self.train_limit = int(train_limit) if train_limit else None
        self.builder = BuilderPanel()
        self.training = TrainingPanel(speed=False)  # an MNIST epoch takes seconds anyway
        self.loss = LossPlot()
        self.gallery = DigitGallery(columns=14)
        self.confusion = ConfusionMatrixView()
        self.cell_gallery = CellGallery()
        self.misclassified = MisclassifiedGallery(columns=6)
        self.misclassified.counts.setVisible(False)  # the test set's class counts: not what this list shows
        self.first_layer = CompactWeights()
        self.reader = DigitReader()
        self.use_drawings = QCheckBox("Add my drawings to the training data")
        self.augment = AugmentPanel()  # data augmentation: its strengths and a preview grid
        self._full: Dataset | None = None        # MNIST as loaded
        self._data_path = ""
        self._data_message = ""                   # the last problem with the data, shown in the data bar
        self._loader = JobRunner("mnist-loader", self)
        self._loader.progress.connect(self._on_download_progress)
        self._loader.done.connect(self._on_loaded)
        self._loader.failed.connect(self._on_load_failed)
        self._loader.cancelled.connect(self._on_load_cancelled)
        self._loading = ""                        # "", "loading" or "downloading"
        self._loading_path = ""
        self._progress_dialog: DialogRef[QProgressDialog] = DialogRef(forget_on_finish=False)
        self._download_question: DialogRef[QMessageBox] = DialogRef()
        self._autoloaded = False
        self._size_limit: int | None = None      # a preset's data size
        self._results_for: EpochReport | None = None
        self._trained_spec: NetworkSpec | None = None
        self._trainer_key = None                  # which drawings the current trainer's data holds
        self._train_size = 0
        self._personal_version = 0
        self._predicted: np.ndarray | None = None
        self._setting_up = False
        self._opened: tuple | None = None         # an opened workspace (network, weights, history, drawings)...
        self._restore: tuple | None = None        # ...and its (weights, epoch), until it trains or is let go
        self._run_target = 0                      # the epoch the current run stops after
        self._keras: KerasReader | None = None    # an opened model the builder cannot show: prediction only
        self._keras_name = ""
        self._evaluation = JobRunner("mnist-evaluation", self)  # the test digits read by an opened model
        self._evaluation.progress.connect(self._on_evaluation_progress)
        self._evaluation.done.connect(self._on_evaluated)
        self._evaluation.failed.connect(self._on_evaluation_failed)
        self._evaluated: KerasReader | None = None  # the reader whose answers are coming
        self.run = RunController(RunHooks(new_trainer=self._new_trainer, train_spec=self.train_spec,
                                          draw_report=self._draw_report, refusal=self._refusal,
                                          run_started=self._run_started, show_state=self._show_state,
                                          trained=self._trained, reset=self._reset_run),
                                 self.training, self.loss, self, loss_every_s=LOSS_REDRAW_S)
        self.session = self.run.session
        self._layout()
        self._connect()
        self.builder.set_io((28, 28), (), "multiclass", 10)
        self.loss.set_task("multiclass")
        self.load_preset(lessons.get(PRESET))
        self.run.set_state(RunState.IDLE)
        self._show_data_state()
        self._summarise_drawings()

    # layout -----------------------------------------------------------------------------------------
    def _layout(self) -> None:
        bar = QFrame()
        bar.setObjectName("mnistDataBar")
        bar.setStyleSheet("#mnistDataBar { background: #f3f6f9; border-bottom: 1px solid #d5dde5; }")
        row = QHBoxLayout(bar)
        row.setContentsMargins(10, 6, 10, 6)
        self.data_label = QLabel()
        self.data_label.setWordWrap(True)
        self.data_label.setTextFormat(Qt.TextFormat.RichText)
        self.data_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_label.setToolTip("Where the MNIST digits come from: 60 000 handwritten digits to train on and "
                                   "10 000 more to test the network with.")
        self.load_button = QPushButton("Load MNIST")
        self.load_button.setToolTip(
            "Read MNIST from the Keras cache on this computer. If it is not there yet, it is downloaded once "
            f"(about {DOWNLOAD_MB} MB), exactly as keras.datasets.mnist.load_data() does.")
        self.open_button = QPushButton("Open file…")
        self.open_button.setToolTip("Use an mnist.npz file that is already on this computer (for example one "
                                    "a teacher shared), when you cannot download.")
        row.addWidget(self.data_label, 1)
        row.addWidget(self.load_button)
        row.addWidget(self.open_button)

        self.prediction_banner = QFrame()
        self.prediction_banner.setObjectName("predictionBanner")
        self.prediction_banner.setStyleSheet("#predictionBanner { background: #fff8e1; border-bottom: 1px solid "
                                             "#ffb300; }")
        banner = QHBoxLayout(self.prediction_banner)
        banner.setContentsMargins(10, 6, 10, 6)
        self.prediction_note = QLabel()
        self.prediction_note.setWordWrap(True)
        self.prediction_note.setTextFormat(Qt.TextFormat.RichText)
        self.leave_button = QPushButton("Build a network instead")
        self.leave_button.setToolTip("Close the opened model and go back to the lecture's 784-100-10 network, "
                                     "which you can edit and train.")
        banner.addWidget(self.prediction_note, 1)
        banner.addWidget(self.leave_button)
        self.prediction_banner.setVisible(False)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(6, 6, 6, 6)
        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.model_label.setTextFormat(Qt.TextFormat.RichText)
        self.model_label.setVisible(False)
        network = _section("1 · Network", self.builder)
        network.layout().addWidget(self.model_label)
        self.training_off = QLabel()
        self.training_off.setWordWrap(True)
        self.training_off.setVisible(False)
        training = _section("2 · Training", self.training)
        training.layout().addWidget(self.training_off)
        column.addWidget(network)
        column.addWidget(training)
        column.addStretch(1)
        scroll = _scrolled(left)
        scroll.setMinimumWidth(340)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.views = QTabWidget()
        self.views.addTab(self._data_tab(), "Data")
        self.views.addTab(self._training_tab(), "Training")
        self.views.addTab(self._results_tab(), "Results")
        self.views.addTab(self._draw_tab(), "Draw")
        self.views.addTab(self.augment, "Augment")
        self.views.setTabToolTip(TABS.index("Augment"), "Data augmentation: training digits moved, turned, scaled "
                                 "and thickened at random, so the network sees more than the 60 000 pictures.")
        tips = ("The training digits with their labels; pick one digit to see only those.",
                "Loss and accuracy after every epoch, on the training digits and on the test digits.",
                ("How the trained network does on the 10 000 test digits: which digits it confuses, the ones "
                 "it reads wrongly, and what its first layer has learned."),
                "Draw a digit with the mouse and watch the network read it; teach it your handwriting.")
        for index, tip in enumerate(tips):
            self.views.setTabToolTip(index, tip)
        self._view_tips = tips

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.views)
        self.splitter.setSizes([360, 1140])
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.prediction_banner)
        layout.addWidget(self.splitter, 1)

    def _data_tab(self) -> QWidget:
        self.data_pages = QStackedWidget()
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setTextFormat(Qt.TextFormat.RichText)
        self.placeholder.setMargin(40)
        self.data_pages.addWidget(self.placeholder)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.data_note = QLabel()
        self.data_note.setWordWrap(True)
        layout.addWidget(self.data_note)
        layout.addWidget(self.gallery, 1)
        self.data_pages.addWidget(tab)
        return self.data_pages

    def _training_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        note = QLabel("After every epoch (one pass through all training digits): the loss training makes small, "
                      "and the share of digits read right — blue on the training digits, red on the test digits "
                      "the network never learns from.")
        note.setWordWrap(True)
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        self.progress_label.setStyleSheet("font-weight: bold;")
        layout.addWidget(note)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.loss, 1)
        # MNIST trains for a few epochs only: a dot per epoch, so that even one epoch shows
        colours = (style.TRAIN_COLOR, style.TEST_COLOR) * 2
        for curve, colour in zip(self.loss.curves().values(), colours):
            curve.setSymbol("o")
            curve.setSymbolSize(7)
            curve.setSymbolBrush(colour)
            curve.setSymbolPen(colour)
        return tab

    def _results_tab(self) -> QWidget:
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(2, 4, 2, 4)
        self.results_title = QLabel()
        self.results_title.setWordWrap(True)
        column.addWidget(self.results_title)
        column.addWidget(self.confusion, 1)  # as large as there is room for, every column in sight
        self.per_class_label = QLabel()
        self.per_class_label.setWordWrap(True)
        self.per_class_label.setToolTip("The share of each digit's test images that the network reads right "
                                        "(the same numbers as the column next to the matrix).")
        column.addWidget(self.per_class_label)

        self.results_tabs = QTabWidget()
        self.results_tabs.addTab(self.cell_gallery, "Digits of a cell")
        self.results_tabs.addTab(self.misclassified, "Read wrongly")
        weights = _scrolled(self.first_layer)
        weights.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results_tabs.addTab(weights, "First layer's weights")
        self.results_tabs.setTabToolTip(0, "Click a cell of the confusion matrix to see its test digits here.")
        self.results_tabs.setTabToolTip(1, "Every test digit the network reads wrongly, with what it said and "
                                           "what the digit really is.")
        self.results_tabs.setTabToolTip(2, WEIGHTS_TIP)
        self.results_tabs.tabBar().setUsesScrollButtons(False)
        self.results_tabs.tabBar().setElideMode(Qt.TextElideMode.ElideRight)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(_scrolled(left))
        splitter.addWidget(self.results_tabs)
        splitter.setSizes([620, 300])  # the matrix first: the galleries re-flow into fewer columns
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        return splitter

    def _draw_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.reader)
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        row = QVBoxLayout(box)
        self.use_drawings.setToolTip(
            f"When checked, the next Play trains on the MNIST digits plus your labelled drawings (each one "
            f"{PERSONAL_REPEAT} times, so that they count). Training goes on from the network as it is now.")
        self.drawings_note = QLabel()
        self.drawings_note.setWordWrap(True)
        row.addWidget(self.use_drawings)
        row.addWidget(self.drawings_note)
        layout.addWidget(box)
        layout.addStretch(1)
        return _scrolled(tab)

    def _connect(self) -> None:
        self.load_button.clicked.connect(self.load_mnist)
        self.open_button.clicked.connect(self.open_file)
        self.builder.network_changed.connect(self._on_network_changed)
        self.confusion.cell_clicked.connect(self.show_cell)
        self.reader.personal_set_changed.connect(self._on_personal_set_changed)
        self.use_drawings.toggled.connect(self._summarise_drawings)
        self.leave_button.clicked.connect(lambda: self.load_preset(lessons.get(PRESET)))
        self._follow_run()

    # presets and settings ---------------------------------------------------------------------------
    def load_preset(self, preset: "lessons.Preset") -> bool:
        """Show an MNIST preset's network and training settings, untrained."""
        if preset.data.kind != "mnist":
            self._fail("This preset uses 2-D data: it opens in the playground, not in the MNIST tab.")
            return False
        self._leave_prediction_only()
        if self.session.is_running():
            self.session.shutdown()
        self._setting_up = True
        try:
            self.builder.set_io((28, 28), (), "multiclass", 10)
            ok = self.builder.set_network(preset.network)
            self.training.set_loss(self.builder.loss())
            ok = self.training.set_train(preset.train) and ok
            self.augment.set_train(preset.train)
        finally:
            self._setting_up = False
        if not ok:
            self._fail(self.builder.last_error() or self.training.last_error())
        self._size_limit = preset.data.size if preset.data.size < 60000 else None
        self._forget_training()
        if preset.data.path and preset.data.path != self._data_path:
            self.set_data_path(preset.data.path)
        elif self._full is not None:
            self._show_data()
        return ok

    def load_state(self, network: NetworkSpec, train: TrainSpec, weights: tuple | None = None,
                   history: list[dict] | None = None, personal: tuple | None = None, data_path: str = "") -> bool:
        """Show a saved MNIST workspace: network, settings, weights (training goes on from them), the loss
        history and the personal set of drawings."""
        from ..core.lessons import Preset
        from ..core.spec import DataSpec

        if not self.load_preset(Preset("opened", "opened", DataSpec("mnist", size=60000, path=data_path),
                                       network, train)):
            return False
        self._opened = (network, weights, history, personal)
        self._apply_opened(network, weights, history, personal)
        return True

    def _apply_opened(self, network, weights, history, personal) -> None:
        self._restore = (weights, len(history or [])) if weights is not None else None
        if history:
            self.loss.clear()
            self.loss.add_rows([dict(row) for row in history])
        if weights is not None:
            self.reader.set_model(network, weights)
        if personal is not None and len(personal[1]):
            self.reader.set_personal_set(personal[0], personal[1])
        if weights is not None and self._full is not None:
            self._results_of_opened(network, weights)

    def _results_of_opened(self, network: NetworkSpec, weights: tuple) -> None:
        """Results of an opened trained model at once (the test digits read with its weights), not after Play."""
        try:
            predicted = NumpyForward(network, weights).predict(self._full.x_test).argmax(axis=1)
        except (SpecError, ValueError) as exc:
            self._fail(f"The results could not be computed: {exc}")
            return
        self._show_predictions(predicted, "the opened network, before any training here")

    # a model the builder cannot show: prediction only --------------------------------------------------
    def load_keras_reader(self, reader: "KerasReader", name: str) -> bool:
        """Read drawings, and the test digits once MNIST is loaded, with a Keras model the builder cannot show
        (a :class:`~annstudio.core.reader.KerasReader`). Training, the builder, the first layer's weights and
        the hidden layer are off until a network is loaded (a preset, a workspace, a model the builder can
        show), Reset, or “Build a network instead”."""
        if self.session.is_running():
            self.session.shutdown()
        self._stop_evaluation()
        self._keras = None
        self._forget_training()
        self._keras, self._keras_name = reader, name
        self._show_prediction_only(True)
        self._use_keras()
        self.show_tab("Draw")
        self.status.emit(f"Opened {name} for prediction only: {reader.why_prediction_only()}. Draw a digit for "
                         "it to read.")
        return True

    def prediction_only(self) -> bool:
        """True while an opened model the builder cannot show reads the digits (no training, no builder)."""
        return self._keras is not None

    def keras_reader(self) -> "KerasReader | None":
        return self._keras

    def keras_name(self) -> str:
        return self._keras_name if self._keras is not None else ""

    def _leave_prediction_only(self) -> None:
        if self._keras is None:
            return
        self._stop_evaluation()
        self._keras = None
        self._show_prediction_only(False)
        self.reader.clear_model()

    def _show_prediction_only(self, on: bool) -> None:
        self.prediction_banner.setVisible(on)
        self.builder.setVisible(not on)
        self.model_label.setVisible(on)
        self.training.setEnabled(not on)
        self.training.setVisible(not on)
        self.training_off.setVisible(on)
        training, weights = TABS.index("Training"), 2
        self.views.setTabEnabled(training, not on)
        self.views.setTabEnabled(TABS.index("Augment"), not on)
        self.results_tabs.setTabEnabled(weights, not on)
        if on:
            reader, name = self._keras, self._keras_name
            why = reader.why_prediction_only()
            off = f"Off: {name} is for prediction only ({why})."
            self.prediction_note.setText(
                f"<b>{name}: for prediction only.</b> {why[0].upper() + why[1:]}, so it can read digits but "
                "cannot be edited or trained here, and its weights and hidden layers are not shown. Draw a digit "
                "for it to read; with MNIST loaded, <i>Results</i> shows how it reads the 10 000 test digits.")
            self.model_label.setText(f"<b>{name}</b>, opened for prediction only:<br>{reader.describe()}")
            self.training_off.setText(f"Training is off: {name} is for prediction only. “Build a network "
                                      "instead” (top right) brings back the builder and training.")
            self.training.setToolTip(f"Training is off: {name} is for prediction only ({why}).")
            self.views.setTabToolTip(training, f"Training is off. {off}")
            self.results_tabs.setTabToolTip(weights, f"The first layer's weights are not shown. {off}")
            if self.results_tabs.currentIndex() == weights:
                self.results_tabs.setCurrentIndex(0)
        else:
            self.training.setToolTip("")
            self.views.setTabToolTip(training, self._view_tips[training])
            self.results_tabs.setTabToolTip(weights, WEIGHTS_TIP)
        self._show_state(self.run.state)
        self._summarise_drawings()

    def _use_keras(self) -> None:
        """Read with the opened model: the canvas now, the test digits as soon as MNIST is there."""
        self.reader.set_reader(self._keras, f"not shown, because {self._keras_name} is for prediction only "
                                            f"({self._keras.why_prediction_only()}).")
        self._summarise_drawings()
        if self._full is not None:
            self._start_evaluation()
        else:
            self.results_title.setText(f"<b>Test digits: true digit against the network's answer.</b><br>Load "
                                       f"MNIST (top right) to see how {self._keras_name} reads the 10 000 test "
                                       "digits.")

    def _start_evaluation(self) -> None:
        self._evaluated = self._keras
        self._evaluation.start(evaluate_reader, self._keras, self._full.x_test)
        self._on_evaluation_progress(0, len(self._full.x_test))

    @Slot(int, int)
    def _on_evaluation_progress(self, done: int, total: int) -> None:
        self.results_title.setText(f"<b>Test digits: true digit against the network's answer.</b><br>Reading the "
                                   f"{count(total)} test digits with {self._keras_name}… {count(done)} done.")

    @Slot(object)
    def _on_evaluated(self, predicted: np.ndarray) -> None:
        reader, self._evaluated = self._evaluated, None
        if reader is not self._keras or self._full is None:
            return
        right = self._show_predictions(predicted, f"read by {self._keras_name}")
        total = len(predicted)
        self.status.emit(f"{self._keras_name} (prediction only) reads {count(right)} of {count(total)} test digits "
                         f"right ({100 * right / total:.1f} %).")

    @Slot(object)
    def _on_evaluation_failed(self, exc: BaseException) -> None:
        self._evaluated = None
        log.error("reading the test digits failed", exc_info=exc)
        self._fail(f"The test digits could not be read with this model ({type(exc).__name__}: {exc}).")

    def _stop_evaluation(self) -> None:
        """Stop reading the test digits (at the end of the batch being read) and wait; no answers arrive."""
        self._evaluation.stop()
        self._evaluated = None

    def evaluating(self) -> bool:
        return self._evaluation.is_running()

    def show_tab(self, name: str) -> None:
        """Bring one of the inner tabs ("Data", "Training", "Results", "Draw") to the front."""
        self.views.setCurrentIndex(TABS.index(name))

    def personal_state(self) -> dict:
        """The personal set as plain data for a workspace file (pixels rounded to 1/255)."""
        x, y = self.reader.personal_set()
        return {"x": np.round(np.asarray(x) * 255).astype(int).tolist(), "y": np.asarray(y).astype(int).tolist()}

    @staticmethod
    def personal_from_state(state: dict) -> tuple | None:
        try:
            x = np.asarray(state["x"], dtype=np.float32) / 255.0
            y = np.asarray(state["y"], dtype=np.int64)
        except (KeyError, TypeError, ValueError):
            return None
        if x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) != len(y) or not len(y):
            return None
        return np.clip(x, 0, 1), y

    def network_spec(self) -> NetworkSpec:
        return self.builder.network_spec()

    def train_spec(self) -> TrainSpec:
        return self.augment.applied(self.training.train_spec(self.builder.loss()))

    def dataset(self) -> "Dataset | None":
        """The MNIST data the next run trains on (without your drawings); None before MNIST is loaded."""
        data = self._full
        if data is None:
            return None
        limit = min(n for n in (self.train_limit, self._size_limit, len(data.x_train)) if n)
        if limit >= len(data.x_train):
            return data
        return datasets.Dataset(data.name, data.x_train[:limit], data.y_train[:limit], data.x_test, data.y_test,
                                data.task, data.classes, data.bounds)

    def training_size(self) -> int:
        """How many images the latest (or, before any, the next) run trains on, your drawings included."""
        if self._train_size:
            return self._train_size
        data = self.dataset()
        return 0 if data is None else len(data.x_train)

    def _on_network_changed(self, _spec: NetworkSpec) -> None:
        self.training.set_loss(self.builder.loss())
        if not self._setting_up:
            self._forget_training()

    def _forget_training(self) -> None:
        """The network or the data changed: the old trainer, its curves and its results are gone."""
        self.run.forget()  # the next run is a new one in Compare runs
        self._restore = self._opened = None  # an opened workspace's weights no longer apply
        self._results_for = None
        self._trainer_key = None
        self._train_size = 0
        self.loss.clear()
        self.reader.clear_model()
        self._clear_results()
        if self.run.state is not RunState.IDLE:
            self.run.set_state(RunState.IDLE)
        self._summarise_drawings()

    # the data ---------------------------------------------------------------------------------------
    def data_loaded(self) -> bool:
        return self._full is not None

    def is_loading(self) -> bool:
        return self._loader.is_running()

    def data_path(self) -> str:
        return self._data_path

    def load_mnist(self) -> bool:
        """Read MNIST from the Keras cache; if it is not there, ask whether to download it."""
        if self.is_loading() or self.session.is_running():
            return False
        cached = datasets.mnist_cache_path()
        if cached.is_file():
            return self._start_loader(cached, download=False)
        self._ask_download()
        return False

    def _ask_download(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "Download MNIST",
                          f"MNIST is not on this computer yet.\n\nDownload it now? It is about {DOWNLOAD_MB} MB "
                          f"and is kept in the Keras cache ({datasets.mnist_cache_path()}), so this happens "
                          "only once.", parent=self)
        yes = box.addButton("Download", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(yes)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button) -> None:
            if button is yes:
                self.download()

        box.buttonClicked.connect(answered)
        self._download_question.set(box)  # forgotten however it closes: a button, its title bar, reject()
        box.open()

    @property
    def download_question(self) -> QMessageBox | None:
        """The open "Download MNIST?" question (None: not asked, answered, or closed)."""
        return self._download_question.get()

    @property
    def progress_dialog(self) -> QProgressDialog | None:
        """The download's progress dialog while it is there."""
        return self._progress_dialog.get()

    def download(self) -> bool:
        """Download MNIST into the Keras cache (a progress dialog with Cancel), then load it."""
        if self.is_loading() or self.session.is_running():
            return False
        if not self._start_loader(datasets.mnist_cache_path(), download=True):
            return False
        dialog = QProgressDialog(f"Downloading MNIST (about {DOWNLOAD_MB} MB) into the Keras cache…", "Cancel",
                                 0, 1000, self)
        dialog.setWindowTitle("Downloading MNIST")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(420)
        dialog.setValue(0)
        dialog.canceled.connect(self.cancel_download)
        self._progress_dialog.set(dialog)
        dialog.show()
        return True

    def cancel_download(self) -> None:
        if self._loader.is_running() and self._loading == "downloading":
            self._loader.cancel()
            if self.progress_dialog is not None:
                self.progress_dialog.setLabelText("Cancelling…")

    def open_file(self) -> bool:
        """Ask for a local mnist.npz and load it."""
        path = self._ask_path()
        return self.set_data_path(path) if path else False

    def _ask_path(self) -> str:
        start = str(Path(self._data_path).parent) if self._data_path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open a local MNIST file", start,
                                              "MNIST files (*.npz);;All files (*)")
        return path

    def set_data_path(self, path) -> bool:
        """Load a local mnist.npz in the background; False (and a sentence) when it cannot even start."""
        if self.is_loading():
            self._fail("MNIST is still loading; wait a moment and try again.")
            return False
        if self.session.is_running():
            self.shutdown()
        path = Path(path).expanduser()
        if not path.is_file():
            self._data_failed(f"{path} does not exist or is not a file. Pick an mnist.npz file.")
            return False
        return self._start_loader(path, download=False)

    def _start_loader(self, path: Path, download: bool) -> bool:
        self._loading = "downloading" if download else "loading"
        self._loading_path = str(path)
        self._data_message = ""
        self._highlight_open(False)
        self._loader.start(load_mnist_job, path, download)
        self._show_data_state()
        self._show_state(self.run.state)  # lock the data buttons
        self.status.emit("Downloading MNIST…" if download else f"Loading MNIST from {path}…")
        return True

    @Slot(int, int)
    def _on_download_progress(self, done: int, total: int) -> None:
        dialog = self.progress_dialog
        if dialog is None:
            return
        mb = done / 1e6
        if total:
            dialog.setMaximum(1000)
            dialog.setValue(min(1000, done * 1000 // total))
            dialog.setLabelText(f"Downloading MNIST into the Keras cache: {mb:.1f} of {total / 1e6:.1f} MB")
        else:
            dialog.setMaximum(0)
            dialog.setLabelText(f"Downloading MNIST into the Keras cache: {mb:.1f} MB")

    @Slot(object)
    def _on_loaded(self, data: "Dataset") -> None:
        self._end_loading()
        self._set_dataset(data, self._loading_path)
        self._show_state(self.run.state)
        self.data_changed.emit()

    @Slot(object)
    def _on_load_failed(self, exc: BaseException) -> None:
        self._end_loading()
        if not isinstance(exc, datasets.DataError):
            log.error("loading MNIST failed", exc_info=exc)
        self._data_failed(_sentence(exc))
        self._show_state(self.run.state)
        self.data_changed.emit()

    @Slot()
    def _on_load_cancelled(self) -> None:
        self._end_loading()
        self._data_message = ""
        self._show_data_state(note="Download cancelled: MNIST is not loaded.")
        self.status.emit("The MNIST download was cancelled; nothing was saved.")
        self._show_state(self.run.state)
        self.data_changed.emit()

    def _end_loading(self) -> None:
        """The loader's thread is done: no more "loading", the progress dialog goes."""
        self._loading = ""
        dialog = self._progress_dialog.take()
        if dialog is not None:
            dialog.canceled.disconnect(self.cancel_download)
            dialog.close()
            dialog.deleteLater()
        self._show_state(self.run.state)

    def _set_dataset(self, data: "Dataset", path: str) -> None:
        if self.session.is_running():
            self.session.shutdown()
        self._full = data
        self._data_path = path
        self._data_message = ""
        opened = self._opened
        self._forget_training()
        if opened is not None:  # data arrived for an opened workspace: keep what it brought
            self._apply_opened(*opened)
        self._show_data()
        if self._keras is not None:  # a model for prediction only: read the test digits with it
            self._use_keras()
        train = self.dataset()
        self.status.emit(f"MNIST loaded: {count(len(train.x_train))} training and {count(len(train.x_test))} "
                         "test digits.")

    def _show_data(self) -> None:
        train = self.dataset()
        self.gallery.set_data(train.x_train, train.y_train)
        self.augment.set_images(train.x_train, train.y_train)
        self.data_note.setText(f"The {count(len(train.x_train))} handwritten digits the network trains on "
                               "(28×28 pixels each, with the digit they show). The test digits are kept apart: "
                               "the network never learns from them.")
        self._show_data_state()
        self._summarise_drawings()

    def _data_failed(self, message: str) -> None:
        self._data_message = message
        offline = "offline" in message or "download" in message.lower()
        self._highlight_open(True)
        self._show_data_state()
        self._fail(message)
        if offline:
            self.open_button.setFocus()

    def _highlight_open(self, on: bool) -> None:
        self.open_button.setProperty("highlighted", on)
        self.open_button.setStyleSheet(HIGHLIGHT_STYLE if on else "")

    def _show_data_state(self, note: str = "") -> None:
        cached = datasets.mnist_cache_path()
        if self._loading == "downloading":
            text = "<b>MNIST:</b> downloading… (Cancel in the progress window stops it)"
        elif self._loading:
            text = "<b>MNIST:</b> loading…"
        elif self._full is not None:
            train = self.dataset()
            text = (f"<b>MNIST:</b> {count(len(self._full.x_train))} training and {count(len(self._full.x_test))} "
                    f"test digits from {self._data_path}")
            if len(train.x_train) < len(self._full.x_train):
                text += f" · training on the first {count(len(train.x_train))}"
        elif cached.is_file():
            text = f"<b>MNIST:</b> not loaded. <i>Load MNIST</i> reads it from the Keras cache ({cached})."
        else:
            text = (f"<b>MNIST:</b> not loaded. <i>Load MNIST</i> downloads it once (about {DOWNLOAD_MB} MB) into "
                    f"the Keras cache ({cached.parent}); or <i>Open file…</i> uses an mnist.npz on this computer.")
        if note:
            text += f"<br>{note}"
        if self._data_message:
            text += f"<br><span style='color:{ERROR_COLOUR}'>{self._data_message}</span>"
        self.data_label.setText(text)
        self.data_pages.setCurrentIndex(0 if self._full is None else 1)
        if self._loading:
            hint = "Loading MNIST…" if self._loading == "loading" else "Downloading MNIST…"
        else:
            hint = ("<p style='font-size:15pt'><b>No digits yet</b></p><p>Press <b>Load MNIST</b> (top right) to "
                    "get the 70 000 handwritten digits of MNIST, or <b>Open file…</b> to use an mnist.npz you "
                    "already have.</p><p>Then build a network on the left and press <b>Play</b>.</p>")
        self.placeholder.setText(hint)

    @qt_override
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._autoloaded and self._full is None and not self.is_loading():
            self._autoloaded = True
            if datasets.mnist_cache_path().is_file():  # Keras' way: what is in the cache is simply there
                self._start_loader(datasets.mnist_cache_path(), download=False)

    # training ---------------------------------------------------------------------------------------
    def _personal_key(self):
        """Which drawings the next run should add: None for none, else the personal set's version."""
        if not self.use_drawings.isChecked():
            return None
        return self._personal_version if len(self.reader.personal_set()[1]) else None

    def _make_trainer_factory(self, key, weights: tuple | None = None, epoch: int = 0, batches: int = 0):
        network, train, data = self.network_spec(), self.train_spec(), self.dataset()
        extra = self.reader.personal_set() if key is not None else None
        size = len(data.x_train) + (PERSONAL_REPEAT * len(extra[1]) if extra is not None else 0)

        def make():
            from ..core.engine import Trainer

            used = data
            if extra is not None:  # copying 60 000 images takes a moment: here, not on the GUI thread
                x = np.concatenate([data.x_train, np.repeat(extra[0], PERSONAL_REPEAT, axis=0)])
                y = np.concatenate([data.y_train, np.repeat(extra[1].astype(np.float32), PERSONAL_REPEAT)])
                used = datasets.Dataset("mnist + my drawings", x, y, data.x_test, data.y_test, data.task,
                                        data.classes, data.bounds)
            # fast start: the first batches train at once, while the compiled program is made; a running
            # loss every quarter second, as an epoch of 60 000 images takes a while
            trainer = Trainer(network, train, used, probe_interval=0, fast_start=True, live_interval=0.25)
            if weights is not None:  # go on from the network as it is: new data, same weights, same epoch count
                trainer.restore(weights)
                trainer.epoch, trainer.batches = epoch, batches
            return trainer

        self._trained_spec = network
        self._trainer_key = key
        self._train_size = size
        return make

    def _refusal(self) -> str:
        if self._keras is not None:
            return (f"{self._keras_name} is for prediction only ({self._keras.why_prediction_only()}): it cannot "
                    "be trained here. Press “Build a network instead” (or load a preset) to train a network.")
        if self._full is None:
            return "Load MNIST first: press “Load MNIST” or “Open file…” at the top."
        if self.is_loading():
            return "MNIST is still loading; Play works as soon as it is there."
        return ""

    def _new_trainer(self, trainer):
        """Go on training ``trainer`` (None), or a new trainer and its first epoch: after the drawings to add
        changed, one that goes on from the network as it is; else from an opened workspace's weights, or new."""
        key = self._personal_key()
        if (trainer is not None and key == self._trainer_key
                and trainer.train.validation_split == self.train_spec().validation_split):
            return None
        report = self.run.latest
        if trainer is not None and report is not None and report.weights is not None:
            return self._make_trainer_factory(key, report.weights, trainer.epoch, trainer.batches), trainer.epoch
        restore, self._restore, self._opened = self._restore, None, None
        if restore is not None:  # an opened workspace: go on from its weights and epoch count
            return self._make_trainer_factory(key, restore[0], restore[1], 0), restore[1]
        return self._make_trainer_factory(key), 0

    def _run_started(self, epochs: int, first_epoch: int) -> None:
        self._run_target = first_epoch + epochs
        if self.views.currentIndex() == TABS.index("Data"):
            self.views.setCurrentIndex(TABS.index("Training"))
        drawings = self._train_size - len(self.dataset().x_train)
        with_drawings = f" (with your drawings, {count(drawings)} images)" if drawings else ""
        text = (f"Training on {count(self._train_size)} images{with_drawings}: the numbers come after each "
                "epoch, one pass through all of them.")
        self.training.set_status(text)
        self.status.emit(text)

    def _reset_run(self, _keep_weights: bool) -> None:
        """Back to an untrained network (the training panel has picked the seed), or out of prediction only."""
        if self._keras is not None:
            name = self._keras_name
            self._leave_prediction_only()
            self._forget_training()
            self.status.emit(f"Closed {name}: back to the network in the builder, untrained.")
            return
        self._forget_training()
        self.training.set_status("")
        self.status.emit("Reset: the network is untrained again.")

    def shutdown(self) -> bool:
        """Stop training and any loading or download, and wait for their threads (closing, switching)."""
        self._stop_evaluation()
        self._download_question.close()
        self._loader.cancel()
        trained = self.run.shutdown()
        loaded = self._loader.join()
        if loaded and self._loading:  # joined without an outcome: nothing is loading any more
            self._end_loading()
        return trained and loaded

    # reports ----------------------------------------------------------------------------------------
    def _draw_report(self, report: "EpochReport") -> None:
        if report.weights is not None and self._trained_spec is not None:
            try:
                self.reader.set_model(self._trained_spec, report.weights)
            except SpecError as exc:  # a network the canvas cannot read with (not 10 outputs)
                self.reader.clear_model()
                self.status.emit(str(exc))
            kernel = self._first_kernel(report)
            if kernel is not None:
                self.first_layer.set_kernel(kernel)
            if not self.run.running:
                self._update_results()
        text = self._status_text(report)
        self.training.set_status(text)
        self.status.emit(text)
        self._show_progress()

    def _show_progress(self) -> None:
        """One line above the curves: where the run stands (an MNIST epoch takes seconds, not milliseconds)."""
        report, state = self.run.latest, self.run.state
        done = 0 if report is None else report.epoch - (1 if report.partial else 0)
        images = f"{count(self._train_size)} images" if self._train_size else "the training digits"
        if state is RunState.RUNNING:
            text = (f"Training epoch {done + 1} of {self._run_target} on {images}… each point on the curves is "
                    "one finished epoch.")
        elif state is RunState.PAUSED:
            text = f"Paused after {plural(done, 'epoch')}. Play goes on; Step trains one more epoch."
        elif state is RunState.FINISHED:
            text = (f"Trained {plural(done, 'epoch')}. Play trains {self.train_spec().epochs} more; "
                    "Reset starts over. See the Results and Draw tabs.")
        else:
            text = "" if self._full is None else "Press Play to train the network on the digits."
        self.progress_label.setText(text)

    @staticmethod
    def _first_kernel(report: "EpochReport") -> np.ndarray | None:
        for name, arrays in report.weights:
            if name.startswith("dense") and arrays and np.ndim(arrays[0]) == 2 and arrays[0].shape[0] == 784:
                return arrays[0]
        return None

    def _status_text(self, report: "EpochReport") -> str:
        metrics = {k: v for k, v in report.metrics.items() if k in ("loss", "accuracy", "test_accuracy")}
        return report_line(report.epoch, metrics, report.batches, report.partial)

    def _trained(self, outcome: RunOutcome) -> None:
        self._update_results()
        if outcome.history:
            self._announce_run(outcome)

    def _announce_run(self, outcome: RunOutcome) -> None:
        from ..core.runs import Run, run_name, run_settings

        name = run_name(self.network_spec().layers[1:-1], outcome.trainer.epoch, prefix="MNIST · ")
        label = f"MNIST · {self.training_size()} training images"
        self.run_finished.emit(Run(name=name, history=outcome.history, data_label=label,
                                   data_key=f"mnist {self._data_path} {self.training_size()}",
                                   run_id=f"mnist {self.run.serial}",
                                   settings=run_settings("MNIST", self.network_spec(), self.train_spec(), label)))

    def _fail(self, message: str) -> None:
        self.run.fail(message)

    def _show_state(self, state: RunState) -> None:
        self.builder.set_locked(state.locked)
        busy = state.locked or self.is_loading()
        self.load_button.setEnabled(not busy and self._full is None)
        self.open_button.setEnabled(not busy)
        self.use_drawings.setEnabled(not state.locked and self._keras is None)
        self._show_progress()

    def current_weights(self) -> "tuple[tuple | None, int]":
        """The network's weights as the canvas reads with them, and their epoch: the newest report's, or those
        of an opened model or workspace not trained here yet; ``(None, 0)`` before there are any."""
        latest = self.run.latest
        if latest is not None and latest.weights is not None:
            return latest.weights, latest.epoch
        return (self._restore[0], self._restore[1]) if self._restore else (None, 0)

    # results ----------------------------------------------------------------------------------------
    def _clear_results(self) -> None:
        self._predicted = None
        self.confusion.set_matrix(np.zeros((10, 10), np.int64))
        empty = np.zeros((0, 28, 28), np.float32)
        none = np.zeros(0, np.int64)
        self.cell_gallery.set_data(empty, none)
        self.cell_gallery.show_indices(none, "Click a cell of the matrix")
        self.misclassified.set_data(empty, none, none)
        self.results_title.setText("<b>Test digits: true digit against the network's answer.</b><br>"
                                   "Train the network (Play) to see how it reads the 10 000 test digits.")
        self.per_class_label.setText("")

    def _update_results(self) -> None:
        """Confusion matrix, misclassified digits and per-class accuracy on the test set, from the newest
        weights (numpy on this thread: 10 000 digits take a few hundredths of a second)."""
        report, data, spec = self.run.latest, self._full, self._trained_spec
        if report is None or report.weights is None or data is None or spec is None:
            return
        if report is self._results_for:
            return
        try:
            forward = NumpyForward(spec, report.weights)
            predicted = forward.predict(data.x_test).argmax(axis=1)
        except (SpecError, ValueError) as exc:
            self._fail(f"The results could not be computed: {exc}")
            return
        self._results_for = report
        self._show_predictions(predicted, f"after epoch {report.epoch}")

    def _show_predictions(self, predicted: np.ndarray, when: str) -> int:
        """Confusion matrix, the digits of its cells, the misread ones and per-class accuracy from the answers
        to the test digits; returns how many were right."""
        data = self._full
        true = data.y_test.astype(np.int64)
        self._predicted = predicted
        self.confusion.set_predictions(true, predicted)
        self.cell_gallery.set_data(data.x_test, true, predicted)
        self.cell_gallery.show_indices(np.zeros(0, np.int64), "Click a cell of the matrix")
        self.misclassified.set_data(data.x_test, true, predicted)
        right = int((predicted == true).sum())
        self.results_title.setText(
            f"<b>Test digits: true digit against the network's answer</b> ({when}).<br>"
            f"The network reads {count(right)} of {count(len(true))} test digits right "
            f"({100 * right / len(true):.1f} %). Click a cell to see its digits.")
        accuracy = self.confusion.per_class_accuracy()
        order = [int(d) for d in np.argsort(accuracy)]
        hardest = ", ".join(f"{d} ({100 * accuracy[d]:.1f} %)" for d in order[:3])
        self.per_class_label.setText(f"Hardest digits for this network: {hardest}. "
                                     f"Easiest: {order[-1]} ({100 * accuracy[order[-1]]:.1f} %).")
        return right

    def per_class_accuracy(self) -> np.ndarray:
        return self.confusion.per_class_accuracy()

    def show_cell(self, true: int, predicted: int) -> None:
        """Show the test digits of one cell of the confusion matrix."""
        if self._predicted is None or self._full is None:
            return
        labels = self._full.y_test.astype(np.int64)
        indices = np.flatnonzero((labels == true) & (self._predicted == predicted))
        title = (f"{true}s read right" if true == predicted else f"{true}s read as {predicted}")
        self.cell_gallery.filter.setCurrentIndex(0)
        self.cell_gallery.show_indices(indices, title)
        self.results_tabs.setCurrentIndex(0)

    # your drawings ----------------------------------------------------------------------------------
    def _on_personal_set_changed(self) -> None:
        self._personal_version += 1
        self._summarise_drawings()

    def _summarise_drawings(self, *_args) -> None:
        n = len(self.reader.personal_set()[1])
        data = self.dataset()
        if self._keras is not None:
            text = (f"Label your drawings with “This is a …” to measure how well {self._keras_name} reads your "
                    "handwriting. They cannot be added to training: this model is for prediction only.")
        elif n == 0:
            text = ("Draw digits above and label them with “This is a …”; then check this box and press Play "
                    "to teach the network your handwriting.")
        elif not self.use_drawings.isChecked():
            text = (f"You have {plural(n, 'labelled drawing')}. Check the box, then press Play, to train "
                    "on them too.")
        else:
            base = f"{count(len(data.x_train))} MNIST digits + " if data is not None else ""
            text = (f"The next Play trains on {base}your {plural(n, 'drawing')}, each "
                    f"{PERSONAL_REPEAT} times, going on from the network as it is now.")
        self.drawings_note.setText(text)

    # the workspace interface (gui/workspace_api.py: what the window and the File menu ask) -----------------
    key = "mnist"

    def model_weights(self) -> "tuple[tuple | None, int]":
        return self.current_weights()

    def history_rows(self) -> list[dict]:
        return self.loss.rows()

    def snapshot(self, lesson: str = "", hidden=()) -> "WorkspaceFile":
        from ..core.spec import DataSpec
        from ..core.workspace import workspace_from_training

        data = DataSpec("mnist", size=60000, path=self.data_path() or "")
        return workspace_from_training(self.network_spec(), self.train_spec(), data, None,
                                       report=self.latest_report(), history=self.history_rows(),
                                       views=["MNIST digits"], lesson=lesson, hidden_controls=list(hidden or ()),
                                       gui_state={"personal": self.personal_state()})

    def refusal(self, what: str) -> str:
        if self._keras is None:
            return ""
        name = self._keras_name
        return (f"{name} is open for prediction only ({self._keras.why_prediction_only()}), so it cannot be "
                f"{what}. File › Save model saves {name} as it is.")

    def model_as_is(self) -> "tuple[object, str] | None":
        return (self._keras.model, self._keras_name) if self._keras is not None else None

    def report_picture(self) -> None:
        return None  # a report draws the digits' pictures itself
