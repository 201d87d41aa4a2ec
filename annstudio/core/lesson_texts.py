"""The lecture's sections as lessons: which presets each one loads, which views explain it, and its text.

A lesson groups one or more presets of :mod:`annstudio.core.lessons` (the first is loaded when the lesson
is chosen) with a short explanation in Markdown, kept in ``resources/lessons/<lesson id>.md`` so a teacher
can edit it without touching code. The texts are meant for ``QTextBrowser.setMarkdown``.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from . import lessons as _presets
from .errors import UserError
from .spec import SpecError

#: Every view a lesson or a preset may ask for, with the name a student sees.
VIEWS: dict[str, str] = {
    "loss": "the loss curves",
    "surface": "the decision surface",
    "network": "the network diagram",
    "hidden-lines": "the hidden lines",
    "hidden-space": "the hidden space (z1, z2)",
    "gradients": "gradient norm per layer",
    "confusion": "the confusion matrix",
    "first-layer": "the first-layer weights",
    "canvas": "the drawing canvas",
    "curve": "the fitted curve",
    "compare": "the runs compared (curves overlaid)",
    "backprop": "the Backprop tab (one point forward and back)",
    "landscape": "the loss landscape",
    "neurons": "the neuron maps",
    "weights": "the weight histograms",
}


class LessonTextMissing(UserError, FileNotFoundError):
    """A lesson's text file cannot be found or read, with where it was looked for."""


@dataclass(frozen=True)
class Lesson:
    """One section of the lecture as a lesson.

    ``presets`` are preset ids; the first is the one loaded when the lesson is chosen, the others are the
    runs to compare it with. ``views`` are keys of :data:`VIEWS`. ``section`` is the lecture's section
    number(s), e.g. ``"8.2–8.3"``; ``text_file`` is relative to ``resources/lessons``.
    """

    id: str
    title: str
    presets: tuple[str, ...]
    text_file: str
    views: tuple[str, ...] = ("loss",)
    section: str = ""

    @property
    def number(self) -> int:
        """Its position in the lecture's order, from 1."""
        return LESSONS.index(self) + 1

    @property
    def first_preset(self) -> str:
        return self.presets[0]


LESSONS: list[Lesson] = [
    Lesson("perceptron-rule", "The perceptron and its learning rule", ("perceptron-rule", "perceptron-rule-xor"),
           "perceptron-rule.md", ("surface", "hidden-lines", "loss", "compare"), "1–2.1"),
    Lesson("perceptron-xor", "Perceptron and XOR", ("perceptron-xor", "xor-feature", "xor-hidden"),
           "perceptron-xor.md", ("surface", "hidden-lines", "network", "loss", "compare"), "2.2–2.3"),
    Lesson("logistic-regression", "Logistic regression as one neuron", ("logistic-regression",),
           "logistic-regression.md", ("surface", "hidden-lines", "loss", "landscape"), "3"),
    Lesson("looking-at-parameters", "Looking at parameters", ("looking-at-parameters",),
           "looking-at-parameters.md", ("hidden-lines", "hidden-space", "surface", "network", "loss"), "4–5"),
    Lesson("backpropagation", "Backpropagation", ("backpropagation",),
           "backpropagation.md", ("gradients", "network", "loss", "surface"), "6"),
    Lesson("how-a-network-learns", "How a network learns", ("how-a-network-learns",),
           "how-a-network-learns.md", ("backprop", "landscape", "network", "loss"), "6.3"),
    Lesson("mnist", "Handwritten digits (MNIST)", ("mnist-mlp",),
           "mnist.md", ("loss", "confusion", "first-layer", "canvas"), "7"),
    Lesson("init-zeros", "Initialisation and the symmetry problem", ("init-zeros", "init-normal"),
           "init-zeros.md", ("neurons", "surface", "loss", "compare"), "7.2.4"),
    Lesson("vanishing-gradient", "The vanishing gradient", ("vanishing-gradient", "vanishing-gradient-relu"),
           "vanishing-gradient.md", ("gradients", "loss", "surface", "compare"), "8.1"),
    Lesson("overfitting", "Overfitting, batch normalization and dropout",
           ("overfit-plain", "overfit-batchnorm", "overfit-dropout"),
           "overfitting.md", ("compare", "curve", "loss"), "8.2–8.3"),
    Lesson("regularization", "Regularization: the L2 penalty", ("regularization-none", "regularization-l2"),
           "regularization.md", ("weights", "surface", "loss", "compare"), "8.3.1"),
    Lesson("early-stopping", "Early stopping", ("early-stopping",), "early-stopping.md", ("loss", "surface"), "8.3.2"),
    Lesson("augmentation", "More data without collecting it", ("augment-off", "augment-on"),
           "augmentation.md", ("loss", "compare", "canvas"), "8.3.2"),
]

_BY_ID = {lesson.id: lesson for lesson in LESSONS}


def ids() -> list[str]:
    return [lesson.id for lesson in LESSONS]


def get(lesson_id: str) -> Lesson:
    try:
        return _BY_ID[lesson_id]
    except KeyError:
        raise SpecError(f"unknown lesson {lesson_id!r}; choose one of {', '.join(ids())}") from None


def lesson_for_preset(preset_id: str) -> Lesson:
    """The lesson that uses ``preset_id`` (a preset belongs to exactly one lesson)."""
    _presets.get(preset_id)  # an unknown preset is a SpecError in words
    for lesson in LESSONS:
        if preset_id in lesson.presets:
            return lesson
    raise SpecError(f"preset {preset_id!r} belongs to no lesson")


def resources_dir() -> Path:
    """The ``resources`` folder: ``$ANNSTUDIO_RESOURCES``, else next to the package (a checkout or an
    editable install), else inside it or under the installation prefix (a packaged install)."""
    package = Path(__file__).resolve().parents[1]
    candidates = []
    if os.environ.get("ANNSTUDIO_RESOURCES"):
        candidates.append(Path(os.environ["ANNSTUDIO_RESOURCES"]))
    candidates += [package.parent / "resources", package / "resources",
                   Path(sys.prefix) / "share" / "annstudio" / "resources"]
    for folder in candidates:
        if (folder / "lessons").is_dir():
            return folder
    return candidates[0] if os.environ.get("ANNSTUDIO_RESOURCES") else package.parent / "resources"


def lesson_path(lesson_id: str) -> Path:
    return resources_dir() / "lessons" / get(lesson_id).text_file


def lesson_text(lesson_id: str) -> str:
    """The lesson's explanation as Markdown (UTF-8), ready for ``QTextBrowser.setMarkdown``."""
    path = lesson_path(lesson_id)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LessonTextMissing(f"the text of lesson {lesson_id!r} cannot be read from {path} "
                                f"({exc.strerror or type(exc).__name__})") from None


__all__ = ["LESSONS", "VIEWS", "Lesson", "LessonTextMissing", "get", "ids", "lesson_for_preset", "lesson_path",
           "lesson_text", "resources_dir"]
