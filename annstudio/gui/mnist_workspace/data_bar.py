"""Getting MNIST: the data bar's Load / Download / Open, the job that loads, its progress and its failures."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from ...core import datasets
from ...core.jobs import load_mnist_job
from ..crash import qt_override

if TYPE_CHECKING:
    from ...core.datasets import Dataset
from .common import DOWNLOAD_MB, ERROR_COLOUR, HIGHLIGHT_STYLE, _sentence, count, log


class DataMixin:
    """The data part of :class:`MnistWorkspace`: loading and downloading MNIST in a job thread."""

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
        self._prepare_programs()  # meanwhile, on a stand-in of MNIST's layout
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
        self._prepare_timer.start()

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
