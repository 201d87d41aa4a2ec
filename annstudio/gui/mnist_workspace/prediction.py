"""A model the builder cannot show (a convnet): opened for prediction only, its test digits read in a job."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Slot

from ...core.jobs import evaluate_reader

if TYPE_CHECKING:
    from ...core.reader import KerasReader
from .common import TABS, WEIGHTS_TIP, count, log


class PredictionOnlyMixin:
    """Prediction-only mode of :class:`MnistWorkspace`: a KerasReader reads the drawings and the test set."""

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
