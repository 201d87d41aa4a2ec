"""What the GUI fuzzer's careless student can do: one function per kind of action, and how dialogs go away.

Every action takes the seeded ``random.Random`` and the :class:`Scope` it may touch (the main window and
its non-modal dialogs, or only the modal dialog that is up: a real user cannot click past a modal
dialog), does one thing through Qt's real event path, and returns a short description for the action
list printed on failure. Nothing here knows the app's internals beyond what a user sees on the screen.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QHelpEvent, QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QTabBar,
    QTextEdit,
    QWidget,
)

#: What a careless student types into a field.
BAD_TEXT = ["", " ", "-1", "0", "1", "2", "-0", "0.0", "1e9", "-1e9", "1e-12", "abc", "nan", "inf", "-inf",
            "3.5", "99999999", ",", "1,5", "０", "٣", "1/0", "None", "'; DROP", "\t", "10 10", "0x10", "½",
            "relu", "softmax", "é", "💥"]
#: Keys a student presses (Ctrl+Q is left out: quitting is the last action, done on purpose).
KEYS = [(Qt.Key.Key_Space, 0), (Qt.Key.Key_Right, 0), (Qt.Key.Key_Left, 0), (Qt.Key.Key_Up, 0),
        (Qt.Key.Key_Down, 0), (Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier),
        (Qt.Key.Key_BracketLeft, 0), (Qt.Key.Key_BracketRight, 0), (Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_F1, 0), (Qt.Key.Key_F2, 0), (Qt.Key.Key_Escape, 0), (Qt.Key.Key_Return, 0), (Qt.Key.Key_Tab, 0),
        (Qt.Key.Key_Delete, 0), (Qt.Key.Key_Backspace, 0), (Qt.Key.Key_PageDown, 0), (Qt.Key.Key_Home, 0),
        (Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier), (Qt.Key.Key_A, 0), (Qt.Key.Key_7, 0)] + [
        (getattr(Qt.Key, f"Key_{n}"), Qt.KeyboardModifier.ControlModifier) for n in range(1, 8)] + [
        (getattr(Qt.Key, f"Key_{n}"), Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        for n in range(1, 4)]
NO = Qt.KeyboardModifier.NoModifier


class Scope:
    """The widgets the student can reach now: a modal dialog's, else the window's and its open dialogs'."""

    def __init__(self, window: QMainWindow, files: "FileChooser"):
        self.window = window
        self.files = files

    def modal(self) -> QWidget | None:
        widget = QApplication.activeModalWidget()
        return widget if widget is not None and widget.isVisible() else None

    def dialogs(self) -> list[QWidget]:
        """Open top-level dialogs (modal or not), the crash dialog included."""
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QDialog) and w.isVisible() and w is not self.window]

    def roots(self) -> list[QWidget]:
        modal = self.modal()
        if modal is not None:
            return [modal]
        return [self.window] + self.dialogs()

    def widgets(self, kind: type | tuple[type, ...]) -> list[QWidget]:
        """Visible, enabled widgets of ``kind`` in reach, in a fixed (creation) order."""
        found: list[QWidget] = []
        for root in self.roots():
            candidates = [root] + root.findChildren(QWidget)
            found += [w for w in candidates if isinstance(w, kind) and w.isVisible() and w.isEnabled()]
        return found


def name_of(widget: QWidget | QAction) -> str:
    """A short, readable name for the action list."""
    text = ""
    for attr in ("text", "windowTitle", "objectName"):
        getter = getattr(widget, attr, None)
        if callable(getter):
            try:
                text = str(getter())
            except RuntimeError:
                text = ""
            if text:
                break
    text = " ".join(text.replace("&", "").split())[:40]
    return f"{type(widget).__name__}({text!r})" if text else type(widget).__name__


def _target(widget: QWidget) -> QWidget:
    """Where mouse events for ``widget`` go: a scroll area's (or a graphics view's) viewport."""
    return widget.viewport() if isinstance(widget, QAbstractScrollArea) else widget


def _point(rng: random.Random, widget: QWidget) -> QPoint:
    rect = widget.rect()
    return QPoint(rng.randrange(max(1, rect.width())), rng.randrange(max(1, rect.height())))


def _mouse(widget: QWidget, kind: QEvent.Type, pos: QPoint, button: Qt.MouseButton,
           buttons: Qt.MouseButton) -> None:
    local = QPointF(pos)
    event = QMouseEvent(kind, local, QPointF(widget.mapToGlobal(pos)), button, buttons, NO)
    QApplication.sendEvent(widget, event)


def type_into(widget: QWidget, text: str) -> None:
    """Key presses carrying ``text``, one character at a time (QTest's keyClicks only knows ASCII)."""
    for char in text:
        key = ord(char.upper()) if char.isascii() and char.isprintable() else 0
        if char == "\t":
            key = Qt.Key.Key_Tab
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, NO, char))


# the vocabulary ------------------------------------------------------------------------------------------
def click_button(rng: random.Random, scope: Scope) -> str:
    buttons = scope.widgets(QAbstractButton)
    if not buttons:
        return "click: no button"
    button = rng.choice(buttons)
    name = name_of(button)
    if rng.random() < 0.7:
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    else:
        button.click()
    return f"click {name}"


def _menu_actions(menu: QMenu) -> list[QAction]:
    found = []
    for action in menu.actions():
        if action.menu() is not None:
            found += _menu_actions(action.menu())
        elif action.isEnabled() and action.isVisible() and not action.isSeparator() and action.text() \
                and "quit" not in action.text().lower():
            found.append(action)
    return found


def trigger_action(rng: random.Random, scope: Scope) -> str:
    """An entry of the menu bar (presets, files, train, view, help, recent files), never Quit."""
    if scope.modal() is not None:
        return click_button(rng, scope)
    actions = []
    for top in scope.window.menuBar().actions():
        if top.menu() is not None:
            actions += _menu_actions(top.menu())
    if not actions:
        return "menu: no action"
    action = rng.choice(actions)
    name = name_of(action)
    action.trigger()
    return f"menu {name}"


def popup_menu(rng: random.Random, scope: Scope) -> str:
    """A context menu is open (a right click on a plot): pick one of its entries, or close it; any other
    popup (a combo box's list) is closed with Esc."""
    popup = QApplication.activePopupWidget()
    if popup is None:
        return "popup: none"
    actions = _menu_actions(popup) if isinstance(popup, QMenu) else []
    if not actions or rng.random() < 0.25:
        QTest.keyClick(popup, Qt.Key.Key_Escape)
        return "popup: Esc"
    action = rng.choice(actions)
    name = name_of(action)
    popup.close()
    action.trigger()
    return f"popup {name}"


def type_text(rng: random.Random, scope: Scope) -> str:
    """Bad or random text into a spin box or text field, then Enter, Tab or nothing."""
    fields = scope.widgets((QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTextEdit))
    fields = [f for f in fields if not (isinstance(f, QLineEdit) and isinstance(f.parentWidget(), QAbstractSpinBox))]
    if not fields:
        return "type: no field"
    field = rng.choice(fields)
    name = name_of(field)
    text = rng.choice(BAD_TEXT) if rng.random() < 0.7 else str(rng.choice([rng.randint(-5, 500),
                                                                            round(rng.uniform(-2, 2), 4)]))
    field.setFocus()
    if isinstance(field, (QAbstractSpinBox, QLineEdit)):
        QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_into(field, text)
    ending = rng.choice(["enter", "tab", "none", "up", "down"])
    key = {"enter": Qt.Key.Key_Return, "tab": Qt.Key.Key_Tab, "up": Qt.Key.Key_Up, "down": Qt.Key.Key_Down}
    if ending in key:
        QTest.keyClick(field, key[ending])
    if isinstance(field, QAbstractSpinBox) and rng.random() < 0.3:
        field.clearFocus()  # editingFinished, as clicking elsewhere
    return f"type {text!r} into {name} + {ending}"


def pick_combo(rng: random.Random, scope: Scope) -> str:
    """Any entry, separators included (as ``setCurrentIndex`` or the keyboard can reach them)."""
    combos = scope.widgets(QComboBox)
    if not combos:
        return "combo: no combo"
    combo = rng.choice(combos)
    name = name_of(combo)
    if combo.count() and rng.random() < 0.75:
        index = rng.randrange(combo.count())
        combo.setCurrentIndex(index)
        return f"combo {name} -> #{index} {combo.itemText(index)!r}"
    key = rng.choice([Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_End, Qt.Key.Key_Home])
    QTest.keyClick(combo, key)
    return f"combo {name} key {key.name}"


def wheel(rng: random.Random, scope: Scope) -> str:
    widgets = scope.widgets(QWidget)
    if not widgets:
        return "wheel: nothing"
    widget = rng.choice(widgets)
    target = _target(widget)
    pos = _point(rng, target)
    delta = rng.choice([120, -120, 360, -360, 15, -960])
    modifiers = rng.choice([NO, Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier])
    event = QWheelEvent(QPointF(pos), QPointF(target.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, delta),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(target, event)
    return f"wheel {delta} over {name_of(widget)}"


def _views(scope: Scope) -> list[QWidget]:
    """What is worth hovering and dragging on: the app's own views and every plot (a graphics view)."""
    from PySide6.QtWidgets import QGraphicsView

    found = []
    for widget in scope.widgets(QWidget):
        module = type(widget).__module__
        if isinstance(widget, QGraphicsView) or module.startswith(("annstudio", "pyqtgraph")):
            found.append(widget)
    return found


def hover(rng: random.Random, scope: Scope) -> str:
    """Move the mouse over a view without pressing: read-outs and tool tips run there."""
    views = _views(scope)
    if not views:
        return "hover: no view"
    widget = rng.choice(views)
    target = _target(widget)
    QApplication.sendEvent(target, QEvent(QEvent.Type.Enter))
    for _ in range(rng.randint(1, 6)):
        pos = _point(rng, target)
        _mouse(target, QEvent.Type.MouseMove, pos, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)
    if rng.random() < 0.5:
        pos = _point(rng, target)
        QApplication.sendEvent(target, QHelpEvent(QEvent.Type.ToolTip, pos, target.mapToGlobal(pos)))
    if rng.random() < 0.5:
        QApplication.sendEvent(target, QEvent(QEvent.Type.Leave))
    return f"hover {name_of(widget)}"


def drag(rng: random.Random, scope: Scope) -> str:
    """Press, move, release on a view (a plot, the drawing canvas, the network): left, right or middle."""
    views = _views(scope)
    if not views:
        return "drag: no view"
    widget = rng.choice(views)
    target = _target(widget)
    button = rng.choice([Qt.MouseButton.LeftButton] * 4 + [Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton])
    start = _point(rng, target)
    _mouse(target, QEvent.Type.MouseButtonPress, start, button, button)
    for _ in range(rng.randint(0, 8)):
        _mouse(target, QEvent.Type.MouseMove, _point(rng, target), Qt.MouseButton.NoButton, button)
    end = _point(rng, target)
    if rng.random() < 0.15:  # released outside the widget
        end = QPoint(-5, target.height() + 20)
    _mouse(target, QEvent.Type.MouseButtonRelease, end, button, Qt.MouseButton.NoButton)
    if rng.random() < 0.1:
        _mouse(target, QEvent.Type.MouseButtonDblClick, end, button, button)
    return f"drag {button.name} on {name_of(widget)}"


def press_key(rng: random.Random, scope: Scope) -> str:
    key, modifiers = rng.choice(KEYS)
    modifiers = Qt.KeyboardModifier(modifiers) if modifiers else NO
    focus = QApplication.focusWidget()
    modal = scope.modal()
    if focus is None or (modal is not None and not modal.isAncestorOf(focus) and focus is not modal):
        focus = modal or scope.window
    QTest.keyClick(focus, key, modifiers)
    return f"key {key.name}{'+' + str(modifiers.value) if modifiers != NO else ''} to {name_of(focus)}"


def switch_tab(rng: random.Random, scope: Scope) -> str:
    """A click on a tab of any tab bar (the workspaces, the views, the MNIST tabs)."""
    bars = [bar for bar in scope.widgets(QTabBar) if bar.count()]
    if not bars:
        return "tab: no tab bar"
    bar = rng.choice(bars)
    index = rng.randrange(bar.count())
    rect = bar.tabRect(index)
    if rect.isValid() and rng.random() < 0.7:
        QTest.mouseClick(bar, Qt.MouseButton.LeftButton, NO, rect.center())
    else:
        bar.setCurrentIndex(index)
    return f"tab {bar.tabText(index)!r}"


def focus_widget(rng: random.Random, scope: Scope) -> str:
    """Give a random widget the keyboard (so that keys go there next)."""
    widgets = [w for w in scope.widgets(QWidget) if w.focusPolicy() != Qt.FocusPolicy.NoFocus]
    if not widgets:
        return "focus: nothing"
    widget = rng.choice(widgets)
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    return f"focus {name_of(widget)}"


def wait(rng: random.Random, scope: Scope) -> str:
    """Let time pass (training runs, timers fire)."""
    ms = rng.choice([50, 150, 400, 800])
    QTest.qWait(ms)
    return f"wait {ms} ms"


def resize(rng: random.Random, scope: Scope) -> str:
    window = scope.window
    size = rng.choice([(400, 300), (900, 600), (1500, 900), (1920, 1080), (200, 150)])
    window.resize(*size)
    return f"resize window {size}"


def dismiss(rng: random.Random, scope: Scope) -> str:
    """Make an open dialog go away, one of the ways a user can."""
    dialogs = scope.dialogs()
    modal = scope.modal()
    if modal is not None and modal not in dialogs:
        dialogs.append(modal)
    if not dialogs:
        return "dismiss: no dialog"
    return dismiss_dialog(rng, rng.choice(dialogs), scope.files)


class FileChooser:
    """What a file dialog gets: a name in the fuzzer's own folder, or one of the files there (some bad)."""

    def __init__(self, folder: Path, extra: list[Path] | None = None):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in [("bad.annws", b"not a workspace"), ("bad.keras", b"PK\x03\x04broken"),
                              ("bad.csv", b"x1,x2,label\n1,2,3\nfoo,bar,\n"), ("empty.npz", b""),
                              ("points.csv", b"x1,x2,label\n0.1,0.2,0\n0.5,-0.3,1\n-0.7,0.4,1\n")]:
            (folder / name).write_bytes(content)
        self.extra = list(extra or [])
        self.count = 0

    def existing(self, rng: random.Random) -> str:
        files = sorted(p for p in self.folder.iterdir() if p.is_file()) + self.extra
        return str(rng.choice(files)) if files else str(self.folder / "none")

    def new(self, rng: random.Random, suffixes: list[str]) -> str:
        self.count += 1
        suffix = rng.choice(suffixes + [""])
        return str(self.folder / f"saved-{self.count}{suffix}")


def _file_dialog(rng: random.Random, dialog: QFileDialog, files: FileChooser) -> str:
    if rng.random() < 0.4:
        return _generic(rng, dialog)
    if dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave:
        path = files.new(rng, [".annws", ".keras", ".csv", ".py", ".png", ".svg", ".txt"])
    else:
        path = files.existing(rng)
    dialog.selectFile(path)
    dialog.accept()
    return f"file dialog {dialog.windowTitle()!r}: chose {Path(path).name}"


def _generic(rng: random.Random, dialog: QWidget) -> str:
    way = rng.choice(["button", "esc", "reject", "close"])
    if way == "button":
        buttons = [b for b in dialog.findChildren(QAbstractButton) if b.isVisible() and b.isEnabled()]
        if isinstance(dialog, QMessageBox):
            buttons = [b for b in dialog.buttons() if b.isVisible() and b.isEnabled()] or buttons
        if buttons:
            button = rng.choice(buttons)
            name = name_of(button)
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)
            return f"dialog {name_of(dialog)}: {name}"
        way = "esc"
    if way == "esc":
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
    elif way == "reject" and isinstance(dialog, QDialog):
        dialog.reject()
    else:
        dialog.close()  # the title bar's close button
    return f"dialog {name_of(dialog)}: {way}"


def dismiss_dialog(rng: random.Random, dialog: QWidget, files: FileChooser) -> str:
    if isinstance(dialog, QFileDialog):
        return _file_dialog(rng, dialog, files)
    if isinstance(dialog, QProgressDialog) and rng.random() < 0.3:
        dialog.cancel()
        return f"dialog {name_of(dialog)}: cancel()"
    return _generic(rng, dialog)


Action = Callable[[random.Random, Scope], str]

#: The vocabulary with how often each is chosen.
ACTIONS: list[tuple[Action, int]] = [
    (click_button, 22), (trigger_action, 8), (type_text, 14), (pick_combo, 10), (wheel, 5), (hover, 12),
    (drag, 9), (press_key, 9), (switch_tab, 9), (focus_widget, 2), (wait, 3), (resize, 1), (dismiss, 6),
]


def choose(rng: random.Random, scope: Scope) -> Action:
    """The next action: mostly dealing with a modal dialog when one is up, as a user must."""
    if QApplication.activePopupWidget() is not None and rng.random() < 0.7:
        return popup_menu
    if scope.modal() is not None and rng.random() < 0.5:
        return dismiss
    actions, weights = zip(*ACTIONS)
    return rng.choices(actions, weights)[0]
