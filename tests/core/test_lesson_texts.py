"""The lessons: every preset in one, texts that exist, read well, are our own words and follow the lecture."""
from __future__ import annotations

import importlib.util
import io
import json
import re
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from annstudio.core import lesson_texts, lessons
from annstudio.core.lesson_texts import LESSONS, VIEWS, LessonTextMissing
from annstudio.core.spec import SpecError

ROOT = Path(__file__).resolve().parents[2]
LECTURE = Path(__file__).parents[2].parent / "shared/lecture/ann-lecture.txt"

#: How a text names each view (case-insensitive, bold markers ignored).
VIEW_WORDS = {
    "surface": "decision surface", "network": "network diagram", "hidden-lines": "hidden lines",
    "hidden-space": "hidden space (z1, z2)", "gradients": "gradient norm per layer",
    "confusion": "confusion matrix", "first-layer": "first-layer weights", "canvas": "canvas",
    "curve": "fitted curve", "loss": "loss curve", "backprop": "backprop tab", "landscape": "loss landscape",
    "neurons": "neuron maps", "weights": "weight histograms",
}
COMPARE_WORDS = ("compared", "side by side", "overlaid", "in one plot")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _plain(text: str) -> str:
    return text.replace("**", "").lower()


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {heading}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no '## {heading}' part"
    return match.group(1)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {lesson.id: lesson_texts.lesson_text(lesson.id) for lesson in LESSONS}


# ---------------------------------------------------------------------------------------------------
# Lessons and presets

def test_every_preset_belongs_to_exactly_one_lesson():
    named = [pid for lesson in LESSONS for pid in lesson.presets]
    assert len(named) == len(set(named)), "a preset is named by two lessons"
    assert set(named) == set(lessons.ids())
    for pid in lessons.ids():
        assert pid in lesson_texts.lesson_for_preset(pid).presets


def test_lessons_have_unique_ids_a_title_presets_and_known_views():
    assert len(set(lesson_texts.ids())) == len(LESSONS) == 13
    for lesson in LESSONS:
        assert lesson.text_file == f"{lesson.id}.md"
        assert lesson.title and lesson.presets and lesson.first_preset == lesson.presets[0]
        assert set(lesson.views) <= set(VIEWS), lesson.id
        assert lesson_texts.get(lesson.id) is lesson
    for preset in lessons.PRESETS:
        assert set(preset.views) <= set(VIEWS), f"preset {preset.id} asks for an unknown view"


def test_the_issue_lessons_load_their_presets_first():
    first = {lesson.id: lesson.first_preset for lesson in LESSONS}
    assert first["perceptron-xor"] == "perceptron-xor"
    assert first["mnist"] == "mnist-mlp"
    assert lesson_texts.get("perceptron-xor").presets == ("perceptron-xor", "xor-feature", "xor-hidden")
    assert lesson_texts.get("vanishing-gradient").presets == ("vanishing-gradient", "vanishing-gradient-relu")
    assert lesson_texts.get("overfitting").presets == ("overfit-plain", "overfit-batchnorm", "overfit-dropout")
    assert "hidden-space" in lesson_texts.get("looking-at-parameters").views
    assert "gradients" in lesson_texts.get("backpropagation").views
    assert "canvas" in lesson_texts.get("mnist").views
    assert lesson_texts.get("init-zeros").presets == ("init-zeros", "init-normal")
    assert lesson_texts.get("regularization").presets == ("regularization-none", "regularization-l2")
    assert lesson_texts.get("augmentation").presets == ("augment-off", "augment-on")


def test_unknown_ids_are_errors_in_words():
    with pytest.raises(SpecError, match="unknown lesson"):
        lesson_texts.get("nope")
    with pytest.raises(SpecError, match="unknown preset"):
        lesson_texts.lesson_for_preset("nope")
    with pytest.raises(SpecError, match="unknown lesson"):
        lesson_texts.lesson_text("nope")


def test_lesson_order_follows_the_lecture():
    assert [lesson.number for lesson in LESSONS] == list(range(1, 14))
    starts = [tuple(int(n) for n in lesson.section.split("–")[0].split(".")) for lesson in LESSONS]
    assert starts == sorted(starts)  # two lessons may share a section (8.3.2: early stopping, augmentation)
    if not LECTURE.is_file():
        pytest.skip(f"the lecture is not at {LECTURE}")
    lecture = LECTURE.read_text(encoding="utf-8")
    positions = []
    for lesson in LESSONS:
        first = lesson.section.split("–")[0]
        match = re.search(rf"^{re.escape(first)}\. \S", lecture, re.M)
        assert match, f"lecture section {first} (lesson {lesson.id}) not found"
        positions.append(match.start())
    assert positions == sorted(positions)


# ---------------------------------------------------------------------------------------------------
# The texts

def test_every_lesson_text_exists_and_has_its_title(texts):
    for lesson in LESSONS:
        assert lesson_texts.lesson_path(lesson.id).is_file()
        assert texts[lesson.id].splitlines()[0] == f"# {lesson.title}"


def test_texts_are_a_screen_long(texts):
    for lesson_id, text in texts.items():
        count = len(re.findall(r"[A-Za-z][A-Za-z'-]*", text))
        assert 120 <= count <= 300, f"{lesson_id}: {count} words"


def test_texts_have_what_to_look_at_and_try_next(texts):
    for lesson_id, text in texts.items():
        look = _section(text, "What to look at")
        tries = re.findall(r"^- ", _section(text, "Try next"), re.M)
        assert re.findall(r"^- ", look, re.M), f"{lesson_id}: nothing to look at"
        assert 2 <= len(tries) <= 3, f"{lesson_id}: {len(tries)} suggestions"


def test_texts_name_the_views_of_their_lesson(texts):
    for lesson in LESSONS:
        text = _plain(texts[lesson.id])
        for view in lesson.views:
            if view == "compare":
                assert any(w in text for w in COMPARE_WORDS), f"{lesson.id}: no comparison of runs"
            else:
                assert VIEW_WORDS[view] in text, f"{lesson.id} does not name {VIEWS[view]!r}"


def test_texts_name_the_presets_they_compare(texts):
    for lesson in LESSONS:
        if len(lesson.presets) > 1:
            for pid in lesson.presets:
                assert pid in texts[lesson.id], f"{lesson.id} does not name preset {pid}"


def test_texts_are_markdown_a_text_browser_renders(texts):
    for lesson_id, text in texts.items():
        assert "$" not in text and "\\frac" not in text, f"{lesson_id}: LaTeX does not render"
        assert "```" not in text and not re.search(r"^\|", text, re.M), f"{lesson_id}: no code blocks or tables"
        assert not re.search(r"<[a-z]+[ >]", text), f"{lesson_id}: no raw HTML"
        assert text.endswith("\n") and "\t" not in text


def test_texts_are_our_own_words_not_the_lecture(texts):
    if not LECTURE.is_file():
        pytest.skip(f"the lecture is not at {LECTURE}")
    lecture = _words(LECTURE.read_text(encoding="utf-8"))
    n = 12
    grams = {tuple(lecture[i:i + n]) for i in range(len(lecture) - n + 1)}
    for lesson_id, text in texts.items():
        words = _words(text)
        copied = [" ".join(words[i:i + n]) for i in range(len(words) - n + 1) if tuple(words[i:i + n]) in grams]
        assert not copied, f"{lesson_id} copies the lecture: {copied[0]!r}"


# ---------------------------------------------------------------------------------------------------
# Where the texts are found

def test_texts_are_found_relative_to_the_package_from_any_folder(tmp_path):
    code = "from annstudio.core import lesson_texts as L; print(len(L.lesson_text('mnist')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout) > 500
    assert lesson_texts.resources_dir() == ROOT / "resources"


def test_resources_folder_can_be_overridden_and_a_missing_text_says_where(tmp_path, monkeypatch):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "mnist.md").write_text("# Handwritten digits (MNIST)\n\nmine\n", encoding="utf-8")
    monkeypatch.setenv("ANNSTUDIO_RESOURCES", str(tmp_path))
    assert lesson_texts.lesson_text("mnist").endswith("mine\n")
    with pytest.raises(LessonTextMissing, match="overfitting"):
        lesson_texts.lesson_text("overfitting")


# ---------------------------------------------------------------------------------------------------
# The benchmark

def _bench():
    spec = importlib.util.spec_from_file_location("bench_lessons", ROOT / "bench" / "lessons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_knows_the_lecture_figure_of_every_preset():
    bench = _bench()
    assert set(bench.LECTURE) == set(lessons.ids())
    assert bench.LECTURE["logistic-regression"] == 0.0919
    assert bench.LECTURE["looking-at-parameters"] == 0.1684
    assert bench.LECTURE["mnist-mlp"] == 0.9749
    assert all(bench.LECTURE[p] == "curve" for p in ("overfit-plain", "overfit-batchnorm", "overfit-dropout"))
    assert bench.quick_version(lessons.get("overfit-plain")).train.epochs == bench.QUICK_EPOCHS


def test_bench_ends_with_one_json_line_of_figures():
    out = io.StringIO()
    with redirect_stdout(out):
        _bench().main(["--quick", "--only", "logistic-regression"])
    lines = out.getvalue().strip().splitlines()
    figures = json.loads(lines[-1])
    row = figures["logistic-regression"]
    assert row["lecture"] == 0.0919 and row["epochs"] == 10 and row["seconds"] > 0
    assert abs(row["app"] - 0.0919) < 0.03
    assert any("logistic-regression" in line and "0.0919" in line for line in lines[:-1]), "no table row"
