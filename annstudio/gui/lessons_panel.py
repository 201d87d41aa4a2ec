"""The Lessons panel: the lecture's sections in order, each with its text, the experiments it loads and the
views that explain it, and below them the lessons a teacher saved. Also the teacher's "Save as lesson…"
dialog. The panel only says what the user wants (a preset id, a workspace path); the window loads it.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core import lessons as presets
from ..core.lesson_texts import LESSONS, VIEWS, LessonTextMissing, get, lesson_text
from .crash import qt_override

_ROLE = Qt.ItemDataRole.UserRole
_LECTURE, _CUSTOM = "lecture", "custom"
_HIGHLIGHT = ("QPushButton { background: #0877bd; color: white; font-weight: bold; padding: 5px 8px; "
              "border-radius: 3px; } QPushButton:hover { background: #0a8ad8; }")
_ERROR_STYLE = "color: #c62828; font-weight: bold;"
MAX_BUTTON_LINES = 3


def _wrap(text: str, metrics: QFontMetrics, width: int, max_lines: int) -> str:
    """``text`` broken into at most ``max_lines`` lines of ``width`` pixels, the last one elided."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines - 1:
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words:
        lines.append(metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width))
    return "\n".join(lines)


def compact_markdown(markdown: str, title: str = "") -> str:
    """A lesson text ready for a narrow panel: a first ``# heading`` equal to ``title`` is dropped (the
    panel shows the title already) and every heading is one level smaller."""
    lines = markdown.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and title and lines[first].lstrip("# ").strip().lower() == title.strip().lower() \
            and lines[first].startswith("# "):
        del lines[first]
    fenced = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and line.startswith("#") and line.lstrip("#").startswith(" ") and len(line) - len(
                line.lstrip("#")) < 6:
            lines[i] = "#" + line
    return "\n".join(lines)


class WrappedButton(QPushButton):
    """A button whose text wraps onto a second line when the panel is narrow, then ends in "…"; the full
    text is in its tooltip."""

    def __init__(self, text: str, tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._full = text
        self.setToolTip(tooltip or text)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(60)

    def full_text(self) -> str:
        return self._full

    @qt_override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        text = _wrap(self._full, self.fontMetrics(), max(self.width() - 24, 10), MAX_BUTTON_LINES)
        if text != self.text():
            self.setText(text)
            self.updateGeometry()  # two lines are taller than one


class LessonsPanel(QWidget):
    """Choose a lesson, read it, load its experiments.

    Signals: ``preset_requested(preset id)`` when the user loads an experiment (a Load button, or a
    click on a lecture lesson for its first one); ``workspace_requested(path)`` when the user opens
    a teacher's lesson; ``lesson_selected(id)`` when the chosen lesson changes (a lecture lesson's id, or a
    teacher's lesson's workspace path).
    """

    preset_requested = Signal(str)
    workspace_requested = Signal(str)
    lesson_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._custom: dict[str, tuple[str, str]] = {}  # workspace path -> (title, text)
        self._buttons: list[WrappedButton] = []

        self._tree = QTreeWidget()
        self._tree.setHeaderHidden(True)
        self._tree.setRootIsDecorated(False)
        self._tree.setIndentation(8)
        self._tree.setToolTip("Click a lesson to read it and load its first experiment.")
        self._lecture = self._group("The lecture")
        for lesson in LESSONS:
            item = QTreeWidgetItem([f"{lesson.number}  {lesson.title}"])
            item.setData(0, _ROLE, (_LECTURE, lesson.id))
            item.setToolTip(0, f"Lecture section {lesson.section}. A click loads "
                               f"“{presets.get(lesson.first_preset).title}”.")
            self._lecture.addChild(item)
        self._yours = self._group("Your lessons")
        self._yours.setHidden(True)
        self._tree.currentItemChanged.connect(self._on_current)
        self._tree.itemClicked.connect(self._on_clicked)
        self._tree.itemDoubleClicked.connect(lambda item, _col: self._activate(item))
        self._loaded: str | None = None  # the lesson whose experiment (or workspace) is loaded

        self._heading = QLabel()
        self._heading.setWordWrap(True)
        self._heading.setTextFormat(Qt.TextFormat.RichText)
        self._text = QTextBrowser()
        self._text.setOpenExternalLinks(True)
        self._text.setToolTip("What this lesson is about, and what to try.")
        self._actions = QGroupBox()
        self._actions_layout = QVBoxLayout(self._actions)
        self._actions_layout.setContentsMargins(6, 6, 6, 6)
        self._views = QLabel()
        self._views.setWordWrap(True)
        self._views.setToolTip("The views worth watching in this lesson; they open when you load it.")

        details = QWidget()
        column = QVBoxLayout(details)
        column.setContentsMargins(4, 2, 4, 4)
        column.addWidget(self._heading)
        column.addWidget(self._text, 1)
        column.addWidget(self._actions)
        column.addWidget(self._views)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self._tree)
        splitter.addWidget(details)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([190, 560])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._tree.setCurrentItem(self._lecture.child(0))

    def _group(self, title: str) -> QTreeWidgetItem:
        group = QTreeWidgetItem([title])
        font = QFont(self.font())
        font.setBold(True)
        group.setFont(0, font)
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading: not selectable (see _on_current)
        self._tree.addTopLevelItem(group)
        group.setExpanded(True)
        return group

    # public API -----------------------------------------------------------------------------------
    def select_lesson(self, lesson_id: str) -> None:
        """Show a lecture lesson (by id) or a teacher's lesson (by its workspace path)."""
        item = self._find(lesson_id)
        if item is None:
            get(lesson_id)  # an unknown id raises SpecError, in words
            return
        self._tree.setCurrentItem(item)

    def current_lesson(self) -> str | None:
        """The chosen lecture lesson's id, or the chosen teacher's lesson's workspace path."""
        item = self._tree.currentItem()
        data = item.data(0, _ROLE) if item is not None else None
        return data[1] if data else None

    def add_custom_lesson(self, title: str, text: str, workspace_path: str) -> None:
        """List a teacher's lesson under "Your lessons"; the same path again replaces it."""
        self._custom[workspace_path] = (title, text)
        item = self._find(workspace_path)
        if item is None:
            item = QTreeWidgetItem()
            item.setData(0, _ROLE, (_CUSTOM, workspace_path))
            self._yours.addChild(item)
        item.setText(0, title)
        item.setToolTip(0, f"A lesson saved by a teacher ({workspace_path}). A click opens it.")
        self._yours.setHidden(False)
        self._yours.setExpanded(True)
        if self._tree.currentItem() is item:
            self._show(item)

    def custom_lessons(self) -> list[tuple[str, str]]:
        """(title, workspace path) of every teacher's lesson, in the order they were added."""
        return [(title, path) for path, (title, _) in self._custom.items()]

    def load_buttons(self) -> list[QPushButton]:
        """The buttons shown for the chosen lesson (Load … for the lecture's, Open … for a teacher's)."""
        return list(self._buttons)

    def text(self) -> str:
        """The chosen lesson's text as plain text, as shown."""
        return self._text.toPlainText()

    def views_text(self) -> str:
        return self._views.text() if not self._views.isHidden() else ""

    def tree(self) -> QTreeWidget:
        return self._tree

    def item_for(self, lesson_id: str) -> QTreeWidgetItem | None:
        return self._find(lesson_id)

    # showing --------------------------------------------------------------------------------------
    def _find(self, key: str) -> QTreeWidgetItem | None:
        for group in (self._lecture, self._yours):
            for i in range(group.childCount()):
                data = group.child(i).data(0, _ROLE)
                if data and data[1] == key:
                    return group.child(i)
        return None

    def _on_current(self, item: QTreeWidgetItem | None, old: QTreeWidgetItem | None) -> None:
        """A heading cannot be the chosen lesson: landing on one moves to its first lesson, or (going up
        from that lesson) to the lesson above it."""
        if item is None or item.data(0, _ROLE):
            self._show(item)
            return
        target = item.child(0)
        if target is None or target is old:
            target = self._tree.itemAbove(item) or old
        if target is not None and target is not item:
            self._tree.setCurrentItem(target)

    def _show(self, item: QTreeWidgetItem | None) -> None:
        data = item.data(0, _ROLE) if item is not None else None
        if not data:
            return
        kind, key = data
        if kind == _LECTURE:
            self._show_lecture(key)
        else:
            self._show_custom(key)
        self.lesson_selected.emit(key)

    def _show_lecture(self, lesson_id: str) -> None:
        lesson = get(lesson_id)
        self._heading.setText(f"<h3 style='margin:2px 0'>Lesson {lesson.number} · {lesson.title}</h3>"
                              f"<span style='color:#666'>lecture section {lesson.section}</span>")
        try:
            self._text.setMarkdown(compact_markdown(lesson_text(lesson_id), lesson.title))
        except LessonTextMissing as exc:
            self._text.setPlainText(f"This lesson's text is missing: {exc}")
        self._set_buttons([(f"Load: {presets.get(p).title}", p) for p in lesson.presets], "Experiments",
                          "Load this experiment: its data, network and training settings, untrained. "
                          "Then press Play.", self.preset_requested)
        views = [VIEWS[v] for v in lesson.views if v in VIEWS]
        self._views.setText("<b>Watch:</b> " + ", ".join(views))
        self._views.setHidden(False)

    def _show_custom(self, path: str) -> None:
        title, text = self._custom[path]
        self._heading.setText(f"<h3 style='margin:2px 0'>{_escape(title)}</h3>"
                              "<span style='color:#666'>a lesson from your teacher</span>")
        self._text.setMarkdown(compact_markdown(text, title) or "*(This lesson has no text.)*")
        self._set_buttons([(f"Open: {title}", path)], "Workspace",
                          "Open the workspace your teacher saved with this lesson.", self.workspace_requested)
        self._views.setHidden(True)

    def _set_buttons(self, actions: list[tuple[str, str]], title: str, tip: str, signal: Signal) -> None:
        for button in self._buttons:
            self._actions_layout.removeWidget(button)
            button.hide()
            button.deleteLater()
        self._buttons = []
        self._actions.setTitle(title)
        for i, (text, key) in enumerate(actions):
            button = WrappedButton(text, f"{text}\n\n{tip}")
            if i == 0:
                button.setStyleSheet(_HIGHLIGHT)
                button.setDefault(True)
            button.clicked.connect(lambda _=False, k=key: signal.emit(k))
            self._actions_layout.addWidget(button)
            self._buttons.append(button)

    def mark_loaded(self, key: str | None) -> None:
        """The lesson (id or workspace path) whose experiment is in the window now: a click on it again only
        shows it; a click on another one loads that one."""
        self._loaded = key

    def loaded_lesson(self) -> str | None:
        return self._loaded

    def _on_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        data = item.data(0, _ROLE)
        if data and data[1] != self._loaded:
            self._activate(item)

    def _activate(self, item: QTreeWidgetItem) -> None:
        data = item.data(0, _ROLE)
        if not data:
            return
        kind, key = data
        if kind == _LECTURE:
            self.preset_requested.emit(get(key).first_preset)
        else:
            self.workspace_requested.emit(key)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class LessonDialog(QDialog):
    """"Save as lesson…": a title, a text for the students (Markdown, previewed as they will see it) and the
    controls to hide from them. ``values()`` gives ``(title, text, hidden control keys)``."""

    def __init__(self, controls: list[tuple[str, str]], parent: QWidget | None = None, title: str = "",
                 text: str = "", hidden: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save as lesson")
        self._title = QLineEdit(title)
        self._title.setPlaceholderText("e.g. Why one neuron cannot solve XOR")
        self._title.setToolTip("The name students see in their Lessons list.")
        self._title.textChanged.connect(lambda _: self._set_error(""))
        self._error = QLabel()
        self._error.setStyleSheet(_ERROR_STYLE)
        self._error.setVisible(False)
        self._text = QPlainTextEdit(text)
        self._text.setPlaceholderText("What should students do and look at? You can use Markdown: **bold**, "
                                      "- lists, ## headings.")
        self._text.setToolTip("The explanation students read next to the workspace. Markdown works: **bold**, "
                              "*italic*, - lists, ## headings.")
        self._preview = QTextBrowser()
        self._preview.setToolTip("How students will see the text.")
        self._text.textChanged.connect(self._update_preview)

        self._boxes: dict[str, QCheckBox] = {}
        hide = QGroupBox("Hide from students")
        hide.setToolTip("Controls ticked here are not shown to students who open this lesson, so they can "
                        "focus on what matters.")
        hide_layout = QVBoxLayout(hide)
        for key, label in controls:
            box = QCheckBox(label)
            box.setChecked(key in hidden)
            box.setToolTip(f"Students will not see the {label[:1].lower() + label[1:]}.")
            hide_layout.addWidget(box)
            self._boxes[key] = box

        editors = QSplitter(Qt.Orientation.Horizontal)
        for caption, widget in (("Text for students", self._text), ("Preview", self._preview)):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(QLabel(f"<b>{caption}</b>"))
            box_layout.addWidget(widget, 1)
            editors.addWidget(box)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self._save = buttons.button(QDialogButtonBox.StandardButton.Save)
        self._save.setText("Save lesson")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Title</b>"))
        layout.addWidget(self._title)
        layout.addWidget(self._error)
        layout.addWidget(editors, 1)
        layout.addWidget(hide)
        layout.addWidget(buttons)
        self._update_preview()
        self.resize(760, 520)

    def values(self) -> tuple[str, str, list[str]]:
        hidden = [key for key, box in self._boxes.items() if box.isChecked()]
        return self._title.text().strip(), self._text.toPlainText(), hidden

    def accept(self) -> None:
        if not self._title.text().strip():
            self._set_error("Give the lesson a title: students choose lessons by it.")
            self._title.setFocus()
            return
        super().accept()

    def error(self) -> str:
        return self._error.text() if not self._error.isHidden() else ""

    def title_edit(self) -> QLineEdit:
        return self._title

    def text_edit(self) -> QPlainTextEdit:
        return self._text

    def preview_text(self) -> str:
        return self._preview.toPlainText()

    def checkbox(self, key: str) -> QCheckBox:
        return self._boxes[key]

    def save_button(self) -> QPushButton:
        return self._save

    def _set_error(self, message: str) -> None:
        self._error.setText(message)
        self._error.setVisible(bool(message))
        self._title.setStyleSheet("QLineEdit { border: 2px solid #c62828; }" if message else "")

    def _update_preview(self) -> None:
        self._preview.setMarkdown(compact_markdown(self._text.toPlainText()))
