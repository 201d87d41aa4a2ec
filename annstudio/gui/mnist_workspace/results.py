"""What a trained reader gets right and wrong (confusion matrix, galleries) and the student's own drawings."""
from __future__ import annotations

import numpy as np

from ...core.forward import NumpyForward
from ...core.spec import SpecError
from ...core.words import plural
from .common import PERSONAL_REPEAT, count


class ResultsMixin:
    """The results and drawings part of :class:`MnistWorkspace`."""

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
