"""The Lessons panel and the teacher's "Save as lesson" dialog, driven with the mouse and keyboard."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton

from annstudio.core import lessons as presets
from annstudio.core.lesson_texts import LESSONS, VIEWS, get, lesson_text
from annstudio.core.spec import SpecError
from annstudio.gui.lessons_panel import LessonDialog, LessonsPanel, compact_markdown

CONTROLS = [("data", "Data panel"), ("network", "Network builder"), ("training", "Training settings")]


@pytest.fixture
def panel(qtbot):
    widget = LessonsPanel()
    qtbot.addWidget(widget)
    widget.resize(420, 820)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click_item(qtbot, panel: LessonsPanel, key: str, double: bool = False) -> None:
    tree = panel.tree()
    item = panel.item_for(key)
    tree.scrollToItem(item)
    pos = tree.visualItemRect(item).center()
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    if double:  # a real double-click: press, release, then the double-click event
        qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def body_line(lesson_id: str) -> str:
    """A plain sentence from the lesson's Markdown (no markup), to look for in the rendered text."""
    for line in lesson_text(lesson_id).splitlines():
        plain = line.split("*")[0].split("`")[0].split(".")[0].strip()
        if line[:1].isalpha() and len(plain) >= 15:
            return plain
    raise AssertionError(f"lesson {lesson_id} has no plain line")


def test_lists_the_lectures_lessons_in_order(panel):
    tree = panel.tree()
    lecture = tree.topLevelItem(0)
    assert lecture.text(0) == "The lecture"
    shown = [lecture.child(i).text(0) for i in range(lecture.childCount())]
    assert shown == [f"{i}  {lesson.title}" for i, lesson in enumerate(LESSONS, start=1)]
    assert tree.topLevelItem(1).isHidden()  # "Your lessons" waits for a teacher's lesson
    assert panel.current_lesson() == LESSONS[0].id


def test_choosing_a_lesson_shows_its_text_experiments_and_views(panel, qtbot):
    with qtbot.waitSignal(panel.lesson_selected) as selected:
        click_item(qtbot, panel, "overfitting")
    assert selected.args == ["overfitting"]
    assert panel.current_lesson() == "overfitting"
    lesson = get("overfitting")
    assert body_line("overfitting") in panel.text()
    assert not panel.text().startswith(lesson.title)  # the heading shows the title once, above the text
    buttons = panel.load_buttons()
    assert [b.full_text() for b in buttons] == [f"Load: {presets.get(p).title}" for p in lesson.presets]
    assert buttons[0].isDefault() and buttons[0].styleSheet()
    assert not any(b.isDefault() or b.styleSheet() for b in buttons[1:])
    for view in lesson.views:
        assert VIEWS[view] in panel.views_text()


def test_every_lesson_shows_text(panel):
    for lesson in LESSONS:
        panel.select_lesson(lesson.id)
        assert body_line(lesson.id) in panel.text()
        assert len(panel.load_buttons()) == len(lesson.presets)


def test_load_button_emits_the_preset(panel, qtbot):
    panel.select_lesson("overfitting")
    second = panel.load_buttons()[1]
    qtbot.waitUntil(second.isVisible)
    with qtbot.waitSignal(panel.preset_requested) as loaded:
        qtbot.mouseClick(second, Qt.MouseButton.LeftButton)
    assert loaded.args == ["overfit-batchnorm"]


def test_long_titles_wrap_on_a_narrow_panel(panel, qtbot):
    panel.resize(300, 820)
    panel.select_lesson("overfitting")
    first = panel.load_buttons()[0]
    qtbot.waitUntil(lambda: "\n" in first.text())
    assert first.fontMetrics().horizontalAdvance(max(first.text().splitlines(), key=len)) <= first.width()
    assert first.toolTip().startswith(first.full_text())


def test_double_click_loads_the_first_preset(panel, qtbot):
    with qtbot.waitSignal(panel.preset_requested) as loaded:
        click_item(qtbot, panel, "vanishing-gradient", double=True)
    assert loaded.args == ["vanishing-gradient"]


def test_teachers_lessons_are_listed_and_open_their_workspace(panel, qtbot, tmp_path):
    path = str(tmp_path / "line.annws")
    panel.add_custom_lesson("Where does the line go?", "# Where does the line go?\nMove **w1** and watch.", path)
    yours = panel.tree().topLevelItem(1)
    assert not yours.isHidden() and yours.text(0) == "Your lessons"
    assert [yours.child(i).text(0) for i in range(yours.childCount())] == ["Where does the line go?"]
    assert panel.custom_lessons() == [("Where does the line go?", path)]

    click_item(qtbot, panel, path)
    assert panel.current_lesson() == path
    assert panel.text().startswith("Move w1 and watch.")
    assert panel.views_text() == ""
    (button,) = panel.load_buttons()
    assert button.full_text() == "Open: Where does the line go?"
    qtbot.waitUntil(button.isVisible)
    with qtbot.waitSignal(panel.workspace_requested) as opened:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert opened.args == [path]
    with qtbot.waitSignal(panel.workspace_requested) as opened:
        click_item(qtbot, panel, path, double=True)
    assert opened.args == [path]

    panel.add_custom_lesson("Renamed", "", path)  # the same workspace again: replaced, not doubled
    assert yours.childCount() == 1 and yours.child(0).text(0) == "Renamed"
    assert "no text" in panel.text()


def test_headings_are_passed_by_and_unknown_lessons_are_refused(panel, qtbot, tmp_path):
    tree = panel.tree()
    panel.select_lesson("mnist")
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=tree.visualItemRect(tree.topLevelItem(0)).center())
    assert panel.current_lesson() == LESSONS[0].id  # a heading click chooses its first lesson
    assert not tree.topLevelItem(0).isSelected()

    path = str(tmp_path / "mine.annws")
    panel.add_custom_lesson("Mine", "text", path)
    panel.select_lesson(LESSONS[-1].id)
    qtbot.keyClick(tree, Qt.Key.Key_Down)  # over the "Your lessons" heading
    assert panel.current_lesson() == path
    qtbot.keyClick(tree, Qt.Key.Key_Up)  # and back over it
    assert panel.current_lesson() == LESSONS[-1].id
    panel.select_lesson(LESSONS[0].id)
    qtbot.keyClick(tree, Qt.Key.Key_Up)  # nothing above the first lesson but its heading
    assert panel.current_lesson() == LESSONS[0].id
    with pytest.raises(SpecError, match="unknown lesson"):
        panel.select_lesson("no-such-lesson")


def test_compact_markdown_drops_a_repeated_title_and_shrinks_headings():
    text = "# Perceptron and XOR\n\nBody.\n\n## What to look at\n\n```\n# a comment\n```\n#hashtag"
    out = compact_markdown(text, "Perceptron and XOR")
    assert out.splitlines()[0] == ""
    assert "### What to look at" in out
    assert "\n# a comment\n" in out and out.endswith("#hashtag")
    assert compact_markdown("# Other title\ntext", "Perceptron").startswith("## Other title")


@pytest.fixture
def dialog(qtbot):
    widget = LessonDialog(CONTROLS)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_dialog_refuses_an_empty_title(dialog, qtbot):
    qtbot.keyClicks(dialog.title_edit(), "   ")
    qtbot.mouseClick(dialog.save_button(), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != LessonDialog.DialogCode.Accepted
    assert "title" in dialog.error()
    assert "c62828" in dialog.title_edit().styleSheet()
    qtbot.keyClicks(dialog.title_edit(), "XOR")
    assert dialog.error() == "" and dialog.title_edit().styleSheet() == ""


def test_dialog_previews_the_text_and_returns_its_values(dialog, qtbot):
    qtbot.keyClicks(dialog.title_edit(), "Why one neuron fails")
    dialog.text_edit().setFocus()
    qtbot.keyClicks(dialog.text_edit(), "## Task")
    qtbot.keyClick(dialog.text_edit(), Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.text_edit(), "Make the **loss** small.")
    assert "Make the loss small." in dialog.preview_text()
    assert "**" not in dialog.preview_text()
    box = dialog.checkbox("network")
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on the tick box
    assert box.isChecked()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.save_button(), Qt.MouseButton.LeftButton)
    assert dialog.values() == ("Why one neuron fails", "## Task\nMake the **loss** small.", ["network"])


def test_dialog_starts_from_given_values(qtbot):
    dialog = LessonDialog(CONTROLS, title="T", text="x", hidden=["data", "training"])
    qtbot.addWidget(dialog)
    assert dialog.values() == ("T", "x", ["data", "training"])
    assert isinstance(dialog.save_button(), QPushButton) and dialog.save_button().text() == "Save lesson"
