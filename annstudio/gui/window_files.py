"""The window's side of opening and saving (:class:`~annstudio.gui.workspace_api.FileHost`): where an opened
model or workspace is shown, and the question about unsaved work before anything replaces it.

A mixin of :class:`~annstudio.gui.app.MainWindow`: it uses the window's tabs, workspaces, lessons panel,
``unsaved`` record and ``files`` actions, and never imports the window (no import cycle).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from ..core import lessons
from ..core.control import RunState
from ..core.spec import SpecError
from .qapp import APP_NAME

if TYPE_CHECKING:
    from .workspace_api import Workspace


class WindowFiles:
    """The FileHost methods and the unsaved-work question of the main window."""

    def workspace_on_screen(self) -> "Workspace":
        """The MNIST digits while their tab is shown, else the Playground (never builds the MNIST tab)."""
        mnist = self._mnist
        return mnist if mnist is not None and self.tabs.currentWidget() is mnist else self.playground

    def plot_to_export(self):
        return self.playground.plot_item()

    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message)

    def mark_saved(self, workspace: "Workspace", reasons=None) -> None:
        self.unsaved.clear(workspace.key, reasons)

    def teacher_lesson(self) -> str:
        from ..core.lesson_texts import ids

        key = self.lessons.current_lesson()
        return self.lessons.text() if key and key not in ids() else ""  # a teacher's lesson: keyed by its path

    def show_model(self, model, name: str) -> bool:
        """An opened Keras model, where :func:`~annstudio.core.placement.place_model` says it goes."""
        from ..core import placement, store
        from ..core.reader import digit_input_shape

        try:
            network, weights = store.builder_view(model)
            builder_refusal = ""
        except SpecError as exc:
            network, weights, builder_refusal = None, None, str(exc)
        try:
            digit_input_shape(model, "it")
            digit_refusal = ""
        except SpecError as exc:
            digit_refusal = str(exc)
        where = placement.place_model(name, network, builder_refusal, digit_refusal)
        if where.where == placement.REFUSED:
            self.show_error(where.why)
            return False
        if where.where == placement.PREDICTION:
            return self._show_reader(model, name)
        if where.where == placement.MNIST:
            return self._show_mnist_model(network, weights, name)
        return self._show_playground_model(network, weights, name)

    def _show_reader(self, model, name: str) -> bool:
        """A model the builder cannot show that reads digits: the MNIST tab, for prediction only."""
        from ..core.reader import KerasReader

        reader = KerasReader(model, name)
        if not self.confirm_unsaved([self.mnist]):
            return False
        self.tabs.setCurrentWidget(self.mnist)
        ok = self.mnist.load_keras_reader(reader, name)
        if ok:
            self.unsaved.clear("mnist")
        return ok

    def _show_mnist_model(self, network, weights, name: str) -> bool:
        """An MNIST reader the builder can show: the MNIST tab and its canvas."""
        if not self.confirm_unsaved([self.mnist]):
            return False
        self.tabs.setCurrentWidget(self.mnist)
        train = lessons.get("mnist-mlp").train
        ok = self.mnist.load_state(network, train, weights)
        if ok:
            self.unsaved.clear("mnist")
            self.mnist.show_tab("Draw")
            self.statusBar().showMessage(f"Opened {name}: {network.describe()}. Draw a digit for it to read, "
                                         "or load MNIST and train it further.")
        return ok

    def _show_playground_model(self, network, weights, name: str) -> bool:
        """A network for 2-D points (or one number): the Playground, with data it fits."""
        from ..core.placement import playground_data

        p = self.playground
        data, loss = playground_data(network, p.data_panel.data_spec())
        train = replace(p.train_spec(), loss=loss)
        if not self.confirm_unsaved([p]):
            return False
        ok = p.load_state(network, train, data_spec=data, weights=weights)
        if ok:
            self.unsaved.clear("playground")
            self.tabs.setCurrentWidget(p)
            self.statusBar().showMessage(f"Opened {name}: {network.describe()}. Press Space to train it further.")
        return ok

    def show_workspace(self, ws, path: str) -> bool:
        if ws.data.kind == "mnist":
            from .mnist_workspace import MnistWorkspace

            personal = MnistWorkspace.personal_from_state(ws.gui_state.get("personal", {}))
            path_ok = ws.data.path and Path(ws.data.path).is_file()
            if not self.confirm_unsaved([self.mnist]):
                return False
            self.tabs.setCurrentWidget(self.mnist)
            ok = self.mnist.load_state(ws.network, ws.train, ws.weights, ws.history, personal,
                                       ws.data.path if path_ok else "")
            if ok:
                self.unsaved.clear("mnist")
                self.statusBar().showMessage(f"Opened {Path(path).name}" + (f", epoch {ws.epoch}" if ws.epoch else ""))
            return ok
        p = self.playground
        if not self.confirm_unsaved([p]):
            return False
        ok = p.load_state(ws.network, ws.train, data_spec=ws.data, points=ws.points, user_data=ws.user_data,
                          weights=ws.weights, history=ws.history)
        if not ok:
            self.show_error(p.data_panel.last_error() or "The workspace's data could not be shown.")
            return False
        self.unsaved.clear("playground")
        self.apply_hidden_controls(ws.hidden_controls)
        if ws.lesson:
            first = ws.lesson.strip().splitlines()[0].lstrip("# ").strip()
            self.lessons.add_custom_lesson(first or Path(path).stem, ws.lesson, str(path))
            self.lessons.select_lesson(str(path))
            self.lessons.mark_loaded(str(path))
            self.lessons_dock.show()
        else:  # the lecture's experiment it holds, if any: its lesson is the one to read
            preset = ws.preset or getattr(lessons.matching(ws.network, ws.data.kind), "id", "")
            if preset:
                self._select_lesson_of(preset)
        self.tabs.setCurrentWidget(p)
        self.statusBar().showMessage(f"Opened {Path(path).name}" + (f", epoch {ws.epoch}" if ws.epoch else ""))
        return True

    # unsaved work ----------------------------------------------------------------------------------------
    def _track_unsaved_playground(self) -> None:
        p = self.playground
        p.state_changed.connect(lambda state: self._trained("playground", state))
        p.neuron_editor.edit_requested.connect(lambda *_: self.unsaved.mark("playground", "edited"))
        p.data_panel.dataset_changed.connect(
            lambda _data: p.data_panel.is_own_data() and self.unsaved.mark("playground", "points"))

    def _trained(self, workspace: str, state: str) -> None:
        if RunState(state).locked:  # training or stepping: the weights are no longer what was loaded
            self.unsaved.mark(workspace, "trained")

    def ask_unsaved(self, text: str) -> str:
        """Ask what to do with unsaved work: "save", "discard" or "cancel" (tests replace this method)."""
        box = QMessageBox(QMessageBox.Icon.Question, APP_NAME, text + "\n\nSave it before going on?", parent=self)
        box.setObjectName("unsaved-question")
        box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                               | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        answer = box.exec()
        box.deleteLater()
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(answer), "cancel")

    def confirm_unsaved(self, workspaces: list[QWidget] | None = None) -> bool:
        """True when it is fine to go on: nothing unsaved in ``workspaces`` (default: both), or the user
        discarded it, or saved it. Cancel, or a save that is cancelled or fails: False, nothing changed."""
        pages = [self.playground, self._mnist] if workspaces is None else workspaces
        names = self.unsaved.workspaces([page.key for page in pages if page is not None])
        if not names:
            return True
        answer = self.ask_unsaved(self.unsaved.describe(names))
        if answer == "discard":
            for name in names:  # not wanted: not asked about again
                self.unsaved.clear(name)
            return True
        if answer != "save":
            return False
        current = self.tabs.currentWidget()
        for name in names:
            self.tabs.setCurrentWidget(self.mnist if name == "mnist" else self.playground)
            if not self.files.save_workspace():
                self.tabs.setCurrentWidget(current)
                return False
        self.tabs.setCurrentWidget(current)
        return True
