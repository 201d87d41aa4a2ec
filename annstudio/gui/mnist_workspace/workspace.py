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

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QMessageBox, QProgressDialog, QWidget

from ...core import datasets, lessons
from ...core.control import RunState
from ...core.forward import NumpyForward
from ...core.spec import NetworkSpec, SpecError, TrainSpec
from ...core.words import plural, report_line
from ..augment_panel import AugmentPanel
from ..builder import BuilderPanel
from ..canvas import DigitReader
from ..dialog_ref import DialogRef
from ..jobs import JobRunner
from ..mnist_views import ConfusionMatrixView, DigitGallery, MisclassifiedGallery
from ..plots.loss import LossPlot
from ..run_controller import RunCommands, RunController, RunHooks
from ..training_panel import TrainingPanel
from ..worker import RunOutcome

if TYPE_CHECKING:
    from ...core.datasets import Dataset
    from ...core.engine import EpochReport
    from ...core.reader import KerasReader
    from ...core.workspace import Workspace as WorkspaceFile
from .common import LOSS_REDRAW_S, PERSONAL_REPEAT, PRESET, TABS, CellGallery, CompactWeights, count, log
from .data_bar import DataMixin
from .layout import LayoutMixin
from .prediction import PredictionOnlyMixin
from .results import ResultsMixin


class MnistWorkspace(LayoutMixin, DataMixin, PredictionOnlyMixin, ResultsMixin, RunCommands, QWidget):
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
        # while idle, the next run's model and first programs are made ready (see _prepare_programs)
        self._preparer = JobRunner("mnist-prepare", self)
        self._preparer.failed.connect(self._prepare_failed)
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.setInterval(500)
        self._prepare_timer.timeout.connect(self._prepare_programs)
        self._prepared_for: tuple | None = None  # (network, train) whose programs were made ready last
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
        from ...core.lessons import Preset
        from ...core.spec import DataSpec

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
        self._prepare_timer.start()

    def _prepare_programs(self) -> None:
        """MNIST is here, or on its way, and nothing runs: build the next run's model and trace its first programs
        now, in a thread, so that Play shows a running loss about a second sooner (see engine.prepare_programs).
        While MNIST loads (0.5-1 s) they are made on a stand-in of its layout: they do not depend on the data's
        size, and a student who presses Play the moment it is loaded finds them ready or nearly."""
        loading = self.is_loading()
        if ((self._full is None and not loading) or self._keras is not None or self.session.is_running()
                or self._preparer.is_running()):
            return
        try:
            network, train = self.network_spec(), self.train_spec()
        except SpecError:  # a network the builder refuses: Play will say so
            return
        if (network, train) == self._prepared_for:
            return
        data = datasets.mnist_stand_in(tuple(network.input_shape)) if loading else self.dataset()
        if data is not None:
            self._prepared_for = (network, train)
            self._preparer.start(_prepare, network, train, data)

    def _prepare_failed(self, exc: BaseException) -> None:
        log.warning("preparing the network's programs failed: %s", exc)
        self._prepared_for = None  # (Play traces them itself; the next idle moment may try again)

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
            from ...core.engine import Trainer

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
        self._prepare_timer.stop()
        self._preparer.cancel()
        self._preparer.join()
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
        from ...core.runs import Run, run_name, run_settings

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

    # the workspace interface (gui/workspace_api.py: what the window and the File menu ask) -----------------
    key = "mnist"

    def model_weights(self) -> "tuple[tuple | None, int]":
        return self.current_weights()

    def history_rows(self) -> list[dict]:
        return self.loss.rows()

    def snapshot(self, lesson: str = "", hidden=()) -> "WorkspaceFile":
        from ...core.spec import DataSpec
        from ...core.workspace import workspace_from_training

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


def _prepare(network: NetworkSpec, train: TrainSpec, data: "Dataset", state) -> None:
    """The job of :meth:`MnistWorkspace._prepare_programs` (TensorFlow loads in its thread, not the window's)."""
    from ...core.engine import prepare_programs

    prepare_programs(network, train, data, state)
