"""Colours and small look-and-feel constants shared by every view, so a class or a sign of a weight has
the same colour everywhere."""
from __future__ import annotations

#: Class colours (RGB). Binary data use the first two: orange for class 0, blue for class 1, as
#: TensorFlow Playground does; up to ten classes for softmax outputs.
CLASS_COLORS: tuple[tuple[int, int, int], ...] = (
    (245, 147, 34),   # 0 orange
    (8, 119, 189),    # 1 blue
    (44, 160, 44),    # 2 green
    (214, 39, 40),    # 3 red
    (148, 103, 189),  # 4 purple
    (140, 86, 75),    # 5 brown
    (227, 119, 194),  # 6 pink
    (127, 127, 127),  # 7 grey
    (188, 189, 34),   # 8 olive
    (23, 190, 207),   # 9 cyan
)

#: Weights: positive blue, negative orange (Playground's convention); zero is light grey.
POSITIVE = (8, 119, 189)
NEGATIVE = (245, 147, 34)
NEUTRAL = (232, 232, 232)

TRAIN_COLOR = (8, 119, 189)   # train curves
TEST_COLOR = (214, 39, 40)    # test curves
BACKGROUND = "w"
FOREGROUND = "k"


def class_color(index: int) -> tuple[int, int, int]:
    return CLASS_COLORS[int(index) % len(CLASS_COLORS)]


def configure_pyqtgraph() -> None:
    """White plots with dark text (easier to read and to print), row-major images."""
    import pyqtgraph as pg

    # antialiasing doubles the cost of every frame on a software-rendered screen; live plots need the frames
    pg.setConfigOptions(background=BACKGROUND, foreground=FOREGROUND, antialias=False, imageAxisOrder="row-major")
