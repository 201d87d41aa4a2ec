"""The File menu: models (.keras, and legacy .h5 / .hdf5), workspaces (.annws), Keras code, exports, recent
files, drag and drop.

Every action answers a bad file with a sentence (never a traceback) and never damages what was there:
writes are atomic, and nothing the user had is replaced until the new file has loaded.

The actions talk to the window through :class:`~.workspace_api.FileHost` and to the workspace on screen
through :class:`~.workspace_api.Workspace`: nothing here knows the window's widgets, and where an opened
model goes is decided once, by :func:`annstudio.core.placement.place_model`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from ..core.errors import capitalised, sentence
from ..core.unsaved import NETWORK_REASONS
from ..core.workspace import SUFFIX as WORKSPACE_SUFFIX

from .workspace_api import FileHost

MODEL_FILTER = "Keras models (*.keras *.h5 *.hdf5)"
SAVE_MODEL_FILTER = "Keras models (*.keras)"
#: What Open model, drag and drop and recent files take as a model (legacy HDF5 models included).
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
WORKSPACE_FILTER = f"ANN Studio workspaces (*{WORKSPACE_SUFFIX})"
MAX_RECENT = 8


def _sentence(exc: BaseException) -> str:
    return capitalised(sentence(exc, "Unexpected problem ({name}: {text})"))


class FileActions(QObject):
    """Owns the File menu's actions (``menu``, shortcuts on ``window``) for a :class:`FileHost`; dialogs can be
    bypassed in tests."""

    def __init__(self, host: FileHost, menu: QMenu, window: QWidget, settings: QSettings):
        super().__init__(window)
        self.host = host
        self.window = window  # the parent of dialogs and menus, and where the shortcuts live
        self.settings = settings
        self.ask_open: Callable[[str, str], str] = self._ask_open
        self.ask_save: Callable[[str, str, str], str] = self._ask_save
        first = menu.actions()[0] if menu.actions() else None

        def add(text: str, slot, shortcut: str | None = None, tip: str = "") -> QAction:
            action = QAction(text, window)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.setStatusTip(tip)
            action.setToolTip(tip)
            action.triggered.connect(slot)
            menu.insertAction(first, action)
            window.addAction(action)
            return action

        add("&Open model…", self.open_model, "Ctrl+O",
            "Open a Keras model (.keras, or a legacy .h5) to look at, use or train further.")
        add("&Save model…", self.save_model, "Ctrl+S", "Save the network and its weights as a Keras model (.keras).")
        menu.insertSeparator(first)
        add("Open &workspace…", self.open_workspace, "Ctrl+Shift+O",
            "Open a workspace: data, network, settings, weights and history, as you left them.")
        add("Save w&orkspace…", self.save_workspace, "Ctrl+Shift+S",
            "Save everything needed to continue later: data, network, settings, weights and history.")
        self.recent_menu = QMenu("Open &recent", window)
        menu.insertMenu(first, self.recent_menu)
        menu.insertSeparator(first)
        add("Export as &Keras code…", self.export_code, "Ctrl+E",
            "Write a standalone Python script that builds and trains the same network with Keras.")
        add("Export loss &history (CSV)…", self.export_history, None, "The loss and metrics of every epoch, as CSV.")
        add("Export &plot (PNG/SVG)…", self.export_plot, None, "Save the data plot with its decision surface.")
        self._add_export_menu(menu, first)
        menu.insertSeparator(first)
        self._refresh_recent()

    def _add_export_menu(self, menu: QMenu, before) -> None:
        """File › Export: a Jupyter notebook to run the lesson again, a report to hand in."""
        self.export_menu = QMenu("E&xport", self.window)
        for text, slot, tip in (
                ("&Notebook…", self.export_notebook,
                 "Write a Jupyter notebook that makes the same data, builds, trains and plots the same network."),
                ("&Report…", self.export_report,
                 "Write one HTML (or PDF) file to hand in: data, network, settings, numbers and pictures.")):
            action = self.export_menu.addAction(text)
            action.setStatusTip(tip)
            action.setToolTip(tip)
            action.triggered.connect(lambda checked=False, do=slot: do())
        menu.insertMenu(before, self.export_menu)

    # dialogs ----------------------------------------------------------------------------------------
    def _ask_open(self, caption: str, filters: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self.window, caption, self._folder(), filters)
        return path

    def _ask_save(self, caption: str, filters: str, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self.window, caption, os.path.join(self._folder(), suggested), filters)
        return path

    def _folder(self) -> str:
        folder = str(self.settings.value("files/folder", "") or "")
        return folder if folder and os.path.isdir(folder) else os.path.expanduser("~")

    def _remember(self, path: str) -> None:
        self.settings.setValue("files/folder", str(Path(path).parent))
        recent = [p for p in self.recent() if p != str(path)]
        self.settings.setValue("files/recent", [str(path)] + recent[: MAX_RECENT - 1])
        self._refresh_recent()

    def recent(self) -> list[str]:
        value = self.settings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        paths = self.recent()
        for path in paths:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_path(p))
        self.recent_menu.setEnabled(bool(paths))

    def _fail(self, what: str, exc: BaseException) -> None:
        self.host.show_error(f"{what}: {_sentence(exc)}")

    # opening ----------------------------------------------------------------------------------------
    def open_path(self, path: str) -> bool:
        """Open a model (.keras, .h5, .hdf5) or a workspace, by its suffix (drag and drop, recent files)."""
        if str(path).lower().endswith(MODEL_SUFFIXES):
            return self.open_model(path)
        if str(path).lower().endswith(WORKSPACE_SUFFIX):
            return self.open_workspace(path)
        self.host.show_error(f"{Path(path).name} is neither a Keras model (.keras, .h5) nor a workspace "
                               f"({WORKSPACE_SUFFIX}).")
        return False

    def open_model(self, path: str | None = None) -> bool:
        path = path or self.ask_open("Open a Keras model", MODEL_FILTER)
        if not path:
            return False
        try:
            from ..core import store

            model = store.load_model(path)
            ok = self.host.show_model(model, Path(path).name)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a sentence
            self._fail(f"Could not open {Path(path).name}", exc)
            return False
        if ok:
            self._remember(path)
        return ok

    def _refused(self, what: str) -> bool:
        """True (and the sentence) when the workspace on screen cannot be ``what`` (e.g. a model opened for
        prediction only cannot be saved as a workspace)."""
        why = self.host.workspace_on_screen().refusal(what)
        if why:
            self.host.show_error(why)
        return bool(why)

    def open_workspace(self, path: str | None = None) -> bool:
        path = path or self.ask_open("Open a workspace", WORKSPACE_FILTER)
        if not path:
            return False
        try:
            from ..core.workspace import load_workspace

            ws = load_workspace(path)
            ok = self.host.show_workspace(ws, path)
        except Exception as exc:  # noqa: BLE001
            self._fail(f"Could not open {Path(path).name}", exc)
            return False
        if ok:
            self._remember(path)
        return ok

    # saving -----------------------------------------------------------------------------------------
    def save_model(self, path: str | None = None) -> bool:
        from ..core import store

        workspace = self.host.workspace_on_screen()
        as_is = workspace.model_as_is()
        if as_is is not None:  # a model the builder cannot show: as it is
            model, name = as_is
            return self._write_model(path, str(Path(name).with_suffix(".keras")),  # an .h5 opened is saved as .keras
                                     lambda target: store.save_model(model, target),
                                     f"Saved {name} as it is")
        weights, epoch = workspace.model_weights()
        if weights is None:
            self.host.show_error("There is no network to save yet: wait for it to appear, or train it.")
            return False
        network, train = workspace.network_spec(), workspace.train_spec()
        saved = self._write_model(path, "model.keras",
                                  lambda target: store.save_weights_as_model(network, weights, target, train),
                                  f"Saved the model (epoch {epoch})")
        if saved:
            self.host.mark_saved(workspace, NETWORK_REASONS)
        return saved

    def _write_model(self, path: str | None, suggested: str, write, done: str) -> bool:
        """Ask where (unless ``path``), add .keras, ``write(path)``; a sentence either way."""
        path = path or self.ask_save("Save the model", SAVE_MODEL_FILTER, suggested)
        if not path:
            return False
        if not path.endswith(".keras"):
            path += ".keras"
        try:
            write(path)
        except Exception as exc:  # noqa: BLE001
            self._fail("The model was not saved", exc)
            return False
        self._remember(path)
        self.host.show_status(f"{done} to {path}")
        return True

    def current_workspace(self, lesson: str = "", hidden: list[str] | None = None):
        """What Save workspace writes for the workspace on screen (a core :class:`~annstudio.core.workspace.Workspace`)."""
        return self.host.workspace_on_screen().snapshot(lesson, hidden or ())

    def save_workspace(self, path: str | None = None, lesson: str = "", hidden: list[str] | None = None) -> bool:
        if self._refused("saved as a workspace, which holds networks the builder can show"):
            return False
        path = path or self.ask_save("Save the workspace", WORKSPACE_FILTER, f"workspace{WORKSPACE_SUFFIX}")
        if not path:
            return False
        if not path.endswith(WORKSPACE_SUFFIX):
            path += WORKSPACE_SUFFIX
        try:
            from ..core.workspace import save_workspace

            workspace = self.host.workspace_on_screen()
            save_workspace(workspace.snapshot(lesson, hidden or ()), path)
        except Exception as exc:  # noqa: BLE001
            self._fail("The workspace was not saved", exc)
            return False
        self.host.mark_saved(workspace)
        self._remember(path)
        self.host.show_status(f"Saved the workspace to {path}")
        return True

    # exporting --------------------------------------------------------------------------------------
    def export_code(self, path: str | None = None) -> bool:
        if self._refused("exported as code for the builder's layers"):
            return False
        path = path or self.ask_save("Export as Keras code", "Python scripts (*.py)", "train_network.py")
        if not path:
            return False
        if not path.endswith(".py"):
            path += ".py"
        try:
            from ..core import codegen

            ws = self.current_workspace()
            text = codegen.keras_script(ws.network, ws.train, ws.data, ws.features,
                                        points=ws.points if ws.user_data else None)
            codegen.write_text(path, text)
        except Exception as exc:  # noqa: BLE001
            self._fail("The code was not exported", exc)
            return False
        self.host.show_status(f"Wrote {path}: run it with  python {Path(path).name}")
        return True

    def export_notebook(self, path: str | None = None) -> bool:
        if self._refused("exported as a notebook for the builder's layers"):
            return False
        path = path or self.ask_save("Export as a Jupyter notebook", "Jupyter notebooks (*.ipynb)", "network.ipynb")
        if not path:
            return False
        if not path.endswith(".ipynb"):
            path += ".ipynb"
        try:
            from ..core import codegen

            ws = self.current_workspace()
            self._from_lesson(ws)
            written = codegen.write_workspace_code(ws, path)
        except Exception as exc:  # noqa: BLE001
            self._fail("The notebook was not exported", exc)
            return False
        extra = f" and its data {written[1].name}" if len(written) > 1 else ""
        self.host.show_status(f"Wrote {path}{extra}: open it in Jupyter")
        return True

    def export_report(self, path: str | None = None) -> bool:
        if self._refused("described in a report, which shows networks the builder can show"):
            return False
        path = path or self.ask_save("Export a report", "HTML pages (*.html);;PDF documents (*.pdf)", "report.html")
        if not path:
            return False
        if not path.lower().endswith((".html", ".htm", ".pdf")):
            path += ".html"
        try:
            from .report import write_report

            workspace = self.host.workspace_on_screen()
            ws = workspace.snapshot()
            self._from_lesson(ws)
            notes = write_report(ws, path, shown=workspace.report_picture())
        except Exception as exc:  # noqa: BLE001
            self._fail("The report was not exported", exc)
            return False
        self.host.show_status(f"Wrote {path}" + (f" ({notes})" if notes else ""))
        return True

    def _from_lesson(self, ws) -> None:
        """Tell the report (and the notebook) which lesson ``ws`` belongs to: the lecture's experiment whose network
        and kind of data it still has (its text and title), or the teacher's lesson the Lessons panel shows."""
        from ..core import lessons

        preset = lessons.matching(ws.network, ws.data.kind)
        if preset is not None:
            ws.preset = preset.id
            return
        text = self.host.teacher_lesson()
        if text:
            ws.lesson = text

    def export_history(self, path: str | None = None) -> bool:
        rows = self.host.workspace_on_screen().history_rows()
        if not rows:
            self.host.show_error("There is no loss history yet: train first.")
            return False
        path = path or self.ask_save("Export the loss history", "CSV files (*.csv)", "history.csv")
        if not path:
            return False
        try:
            from .export import export_history_csv

            export_history_csv(rows, path)
        except Exception as exc:  # noqa: BLE001
            self._fail("The history was not exported", exc)
            return False
        self.host.show_status(f"Wrote {len(rows)} epochs to {path}")
        return True

    def export_plot(self, path: str | None = None, widget: QWidget | None = None) -> bool:
        path = path or self.ask_save("Export the plot", "PNG images (*.png);;SVG drawings (*.svg)", "plot.png")
        if not path:
            return False
        try:
            from .export import export_plot

            export_plot(widget or self.host.plot_to_export(), path)
        except Exception as exc:  # noqa: BLE001
            self._fail("The plot was not exported", exc)
            return False
        self.host.show_status(f"Wrote {path}")
        return True

