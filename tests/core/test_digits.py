"""The MNIST recipe for drawings (annstudio.core.digits), and a synthesiser of hand-drawn digits.

The synthesiser draws each digit from polylines, in several ways people write it, with random size,
position, slant, rotation, width and pen width, into 280x280 canvases as the app's canvas would. The GUI
tests and bench/canvas_latency.py load it from this file.
"""
from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from annstudio.core import digits
from annstudio.core.digits import DigitError, image_to_canvas, is_empty, plain_resize, prepare_digit

SIDE = 280


# ---------------------------------------------------------------------------------------------------
# The synthesiser

def arc(cx, cy, rx, ry, start, end, n=24):
    """Points on an ellipse; angles in degrees, counter-clockwise as seen on screen (y grows downward)."""
    t = np.radians(np.linspace(start, end, n))
    return np.column_stack([cx + rx * np.cos(t), cy - ry * np.sin(t)])


def line(*points):
    return np.array(points, dtype=float)


def join(*parts):
    return np.vstack(parts)


def _figure_eight(n=60):
    t = np.linspace(0, 2 * np.pi, n)
    return np.column_stack([0.5 + 0.24 * np.sin(2 * t), 0.5 - 0.46 * np.cos(t)])


#: Ways people write each digit: a list of strokes, a stroke being (x, y) points in a unit box
#: (x to the right, y downward).
TEMPLATES = {
    0: [[arc(.5, .5, .32, .46, 95, 460)],
        [arc(.5, .5, .28, .46, 80, 430)]],
    1: [[line((.5, .04), (.5, .96))],
        [line((.5, .04), (.52, .96))],
        [line((.38, .17), (.52, .04), (.52, .96))]],
    2: [[join(arc(.5, .3, .3, .26, 160, -35, 20), line((.2, .95), (.82, .95)))],
        [join(arc(.48, .28, .28, .24, 170, -20, 20), line((.22, .92)), arc(.25, .92, .04, .04, 270, 360, 4),
              line((.5, .9), (.82, .96)))]],
    3: [[join(arc(.47, .27, .27, .23, 150, -90, 20), arc(.47, .73, .31, .23, 90, -150, 20))],
        [join(line((.2, .05), (.78, .05), (.42, .42)), arc(.47, .7, .3, .25, 80, -150, 20))]],
    4: [[line((.62, .04), (.18, .66), (.86, .66)), line((.66, .3), (.66, .96))],
        [line((.25, .04), (.2, .6), (.82, .6)), line((.7, .04), (.7, .96))]],
    5: [[line((.78, .05), (.3, .05), (.27, .45)), arc(.5, .68, .29, .27, 135, -150, 22)],
        [join(line((.3, .05), (.27, .45)), arc(.5, .68, .29, .27, 135, -150, 22)), line((.3, .05), (.78, .05))]],
    6: [[join(line((.72, .04), (.5, .18), (.34, .4)), arc(.52, .7, .26, .26, 165, 530, 28))],
        [join(arc(.85, .55, .62, .51, 105, 180, 10), arc(.52, .7, .25, .24, 180, 540, 28))]],
    7: [[line((.18, .06), (.82, .06), (.4, .96))],
        [line((.18, .06), (.82, .06), (.4, .96)), line((.32, .52), (.74, .52))],
        [line((.18, .2), (.22, .06), (.82, .06), (.5, .5), (.42, .96))]],
    8: [[arc(.5, .27, .23, .22, 0, 360, 26), arc(.5, .72, .28, .24, 90, 450, 28)],
        [_figure_eight()]],
    9: [[join(arc(.48, .3, .27, .25, 5, 365, 26), line((.75, .3), (.72, .96)))],
        [join(arc(.5, .28, .26, .24, 0, 360, 26), arc(.1, .3, .64, .64, 0, -75, 10))]],
}


def digit_strokes(digit: int, rng: np.random.Generator, height: float | None = None,
                  side: int = SIDE) -> list[np.ndarray]:
    """One way of writing ``digit``, distorted as a hand would, placed at random on the canvas (pixels)."""
    ways = TEMPLATES[digit]
    strokes = ways[rng.integers(len(ways))]
    height = height or rng.uniform(0.32, 0.9) * side
    aspect = rng.uniform(0.75, 1.45)
    slant = rng.uniform(-0.35, 0.35)
    turn = np.radians(rng.uniform(-10, 10))
    wobble = rng.uniform(0, 0.04, size=4)
    phase = rng.uniform(0, 2 * np.pi, size=4)
    out = []
    for points in strokes:
        x, y = points[:, 0] - 0.5, points[:, 1] - 0.5
        x = x + wobble[0] * np.sin(3 * np.pi * y + phase[0]) + wobble[1] * np.sin(5 * np.pi * x + phase[1])
        y = y + wobble[2] * np.sin(3 * np.pi * x + phase[2]) + wobble[3] * np.sin(5 * np.pi * y + phase[3])
        x = x * aspect - slant * y
        x, y = x * np.cos(turn) - y * np.sin(turn), x * np.sin(turn) + y * np.cos(turn)
        out.append(np.column_stack([x, y]) * height)
    room = side - 34  # keep the digit and a fat pen on the canvas
    extent = np.ptp(np.vstack(out), axis=0).max()
    if extent > room:
        out = [s * room / extent for s in out]
    low, high = np.vstack(out).min(axis=0), np.vstack(out).max(axis=0)
    shift = [rng.uniform(16 - low[k], side - 16 - high[k]) for k in (0, 1)]
    return [s + shift for s in out]


def render(strokes: list[np.ndarray], pen: float, side: int = SIDE) -> np.ndarray:
    """Anti-aliased, round-capped strokes of diameter ``pen``: bright ink on a dark canvas (uint8)."""
    canvas = np.zeros((side, side), np.float32)
    r = pen / 2
    for stroke in strokes:
        stroke = np.vstack([stroke, stroke]) if len(stroke) == 1 else stroke
        for (x0, y0), (x1, y1) in zip(stroke[:-1], stroke[1:]):
            c0, c1 = int(max(0, min(x0, x1) - r - 2)), int(min(side, max(x0, x1) + r + 2))
            r0, r1 = int(max(0, min(y0, y1) - r - 2)), int(min(side, max(y0, y1) + r + 2))
            if c1 <= c0 or r1 <= r0:
                continue
            px = np.arange(c0, c1) + 0.5
            py = (np.arange(r0, r1) + 0.5)[:, None]
            dx, dy = x1 - x0, y1 - y0
            length2 = dx * dx + dy * dy
            t = np.clip(((px - x0) * dx + (py - y0) * dy) / length2, 0, 1) if length2 > 0 else 0.0
            distance = np.hypot(px - (x0 + t * dx), py - (y0 + t * dy))
            np.maximum(canvas[r0:r1, c0:c1], np.clip(r + 0.5 - distance, 0, 1), out=canvas[r0:r1, c0:c1])
    return np.round(canvas * 255).astype(np.uint8)


def synthetic_drawings(n: int, seed: int = 0, pens: tuple[float, float] = (8, 40)):
    """``n`` drawings of 0-9 in turn: (canvases (n, 280, 280) uint8, labels, strokes of each, pen widths)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    strokes = [digit_strokes(int(d), rng) for d in labels]
    widths = rng.uniform(*pens, size=n)
    canvases = np.stack([render(s, w) for s, w in zip(strokes, widths)])
    return canvases, labels, strokes, widths


def train_lecture_network(path, epochs: int, size: int | None = None):
    """The lecture's 784-100-10 network trained with the app's engine on MNIST (its first ``size`` training
    images): (spec, weights, test accuracy)."""
    from annstudio.core import datasets, lessons
    from annstudio.core.engine import Trainer

    preset = lessons.get("mnist-mlp").with_epochs(epochs)
    trainer = Trainer(preset.network, preset.train, datasets.mnist_dataset(path, size=size))
    report = list(trainer.run())[-1]
    return preset.network, report.weights, report.metrics["test_accuracy"]


@pytest.fixture(scope="module")
def lecture_network(mnist_path):
    from annstudio.core.forward import NumpyForward

    spec, weights, _ = train_lecture_network(mnist_path, epochs=2, size=20000)  # a few seconds
    return NumpyForward(spec, weights)


# ---------------------------------------------------------------------------------------------------
# The recipe

def _box(image, level=0.1):
    rows = np.flatnonzero((image > level).any(axis=1))
    cols = np.flatnonzero((image > level).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_empty_canvas_gives_zeros_and_is_empty():
    blank = np.zeros((280, 280), np.uint8)
    assert is_empty(blank)
    out = prepare_digit(blank)
    assert out.shape == (28, 28) and out.dtype == np.float32 and not out.any()
    dot = blank.copy()
    dot[100, 40] = 255
    assert not is_empty(dot)
    assert prepare_digit(dot).max() == pytest.approx(1.0)


def test_output_is_28x28_float32_in_0_1_with_full_contrast():
    canvases, *_ = synthetic_drawings(10, seed=1)
    for canvas in canvases:
        out = prepare_digit(canvas)
        assert out.shape == (28, 28) and out.dtype == np.float32
        assert out.min() >= 0 and out.max() == pytest.approx(1.0)


def test_centre_of_mass_lands_at_14_14_with_rows_and_columns_not_swapped():
    """An 'L' drawn small in the top-right corner: heavy foot at the bottom, so the centre of mass is far
    from the box's centre, and differently so along rows and columns."""
    canvas = render([line((200, 20), (200, 90), (260, 90))], pen=14)
    out = prepare_digit(canvas)
    row, col = digits.centre_of_mass(out)
    assert abs(row - 14) < 0.25 and abs(col - 14) < 0.25
    assert out[:14].sum() < out[14:].sum()      # the foot stays at the bottom
    assert out[:, :14].sum() > out[:, 14:].sum()  # the upright stays on the left
    transposed = prepare_digit(canvas.T)
    np.testing.assert_allclose(transposed, out.T, atol=1e-5)
    r, c = digits.centre_of_mass(transposed)
    assert abs(r - 14) < 0.25 and abs(c - 14) < 0.25


@pytest.mark.parametrize("height,width", [(200, 100), (60, 240), (150, 150), (250, 40)])
def test_longer_side_is_20_and_aspect_ratio_is_kept(height, width):
    top, left, pen = 30, 20, 16
    corners = [(left, top), (left + width, top), (left + width, top + height), (left, top + height), (left, top)]
    out = prepare_digit(render([line(*corners)], pen=pen))
    h, w = _box(out)  # soft edges add up to a pixel on each side
    longer = max(height, width) + pen
    assert 20 <= max(h, w) <= 21
    assert abs(h - 20 * (height + pen) / longer) <= 1.5
    assert abs(w - 20 * (width + pen) / longer) <= 1.5


def test_shrinking_anti_aliases():
    out = prepare_digit(render([line((30, 30), (230, 250))], pen=12))
    grey = ((out > 0.05) & (out < 0.95)).sum()
    assert grey >= 20  # area averaging leaves soft edges, not a staircase of 0 and 1


def test_position_and_size_do_not_matter():
    rng = np.random.default_rng(4)
    strokes = digit_strokes(3, rng)
    small = render([s * 0.4 + 5 for s in strokes], pen=8)
    big = render(strokes, pen=20)
    assert np.abs(prepare_digit(small) - prepare_digit(big)).mean() < 0.06


def _width(image):
    return digits.stroke_width(np.kron(image, np.ones((4, 4)))) / 4


def test_very_thin_and_very_bold_strokes_come_out_in_mnists_range(monkeypatch):
    strokes = [line((60, 20), (200, 20), (110, 260))]
    thin, bold = prepare_digit(render(strokes, 3)), prepare_digit(render(strokes, 80))
    assert 1.4 < _width(thin) < 2.5 and 3.0 < _width(bold) < 4.5
    monkeypatch.setattr(digits, "THIN", 0.0)  # what the strokes would be without adjusting them
    monkeypatch.setattr(digits, "BOLD", 99.0)
    raw_thin, raw_bold = prepare_digit(render(strokes, 3)), prepare_digit(render(strokes, 80))
    assert _width(raw_bold) > 5.0
    assert thin.sum() > 1.8 * raw_thin.sum() and bold.sum() < 0.9 * raw_bold.sum()  # ink, in pixels


def test_mnist_digits_come_back_nearly_unchanged(mnist_path):
    _, _, x_test, _ = digits_test_set(mnist_path)
    for image in x_test[:50]:
        again = prepare_digit(np.kron(image, np.ones((10, 10), np.uint8)))
        assert np.abs(again - image / 255.0).mean() < 0.06


def digits_test_set(path):
    from annstudio.core.datasets import load_mnist

    return load_mnist(path)


def test_drawn_digits_are_read_and_a_plain_resize_is_not(lecture_network):
    canvases, labels, _, _ = synthetic_drawings(100, seed=123)
    recipe = lecture_network.predict(np.stack([prepare_digit(c) for c in canvases])).argmax(axis=1)
    plain = lecture_network.predict(np.stack([plain_resize(c) for c in canvases])).argmax(axis=1)
    assert (recipe == labels).mean() >= 0.9
    assert (plain == labels).mean() <= 0.5


# ---------------------------------------------------------------------------------------------------
# Pictures

def _save(array, path, mode=None):
    from PIL import Image

    Image.fromarray(np.asarray(array, np.uint8), mode).save(path)
    return path


def _ink_on(canvas, paper, ink):
    return (paper + (ink - paper) * (canvas / 255.0)).round()


def test_dark_ink_on_light_paper_is_inverted(tmp_path):
    canvas = render([line((100, 60), (100, 220))], pen=20)
    picture = _ink_on(canvas, paper=235, ink=20)
    out = image_to_canvas(_save(picture, tmp_path / "pencil.png"))
    assert out.dtype == np.uint8 and out.shape == canvas.shape
    assert out[140, 100] == 255 and out[140, 30] == 0
    np.testing.assert_allclose(prepare_digit(out), prepare_digit(canvas), atol=0.15)


def test_light_ink_on_dark_paper_is_kept_and_colour_becomes_grey(tmp_path):
    canvas = render([line((100, 60), (100, 220))], pen=20)
    grey = _ink_on(canvas, paper=30, ink=200)
    rgb = np.stack([grey, grey * 0.9, grey], axis=-1)
    out = image_to_canvas(_save(rgb, tmp_path / "chalk.png"))
    assert out.ndim == 2 and out[140, 100] == 255 and out[140, 30] == 0


def test_transparent_background_counts_as_paper(tmp_path):
    canvas = render([line((100, 60), (100, 220))], pen=20)
    for colour in (0, 255):  # black ink and white ink on a transparent sheet
        rgba = np.zeros((280, 280, 4))
        rgba[..., :3] = colour
        rgba[..., 3] = canvas
        out = image_to_canvas(_save(rgba, tmp_path / f"sticker{colour}.png"))
        assert out[140, 100] == 255 and out[140, 30] == 0, colour


def test_a_large_jpeg_photo_is_read_smaller(tmp_path):
    canvas = render([line((100, 60), (100, 220))], pen=20)
    big = np.kron(_ink_on(canvas, paper=220, ink=40), np.ones((10, 10)))  # 2800 x 2800
    noisy = np.clip(big + np.random.default_rng(0).normal(0, 6, big.shape), 0, 255)
    out = image_to_canvas(_save(noisy, tmp_path / "photo.jpg"))
    assert max(out.shape) <= digits.READ_SIDE
    assert np.abs(prepare_digit(out) - prepare_digit(canvas)).mean() < 0.05


def test_a_photo_lit_unevenly_is_read_like_an_even_scan(tmp_path):
    canvas = render(digit_strokes(5, np.random.default_rng(3)), pen=22)
    light = np.linspace(1.0, 0.45, 280)[None, :] * np.linspace(1.0, 0.8, 280)[:, None]  # from the top left
    photo = 250 * light * (1 - 0.88 * canvas / 255.0)  # paper reflects most light, ink little
    out = image_to_canvas(_save(np.clip(photo, 0, 255), tmp_path / "photo.png"))
    assert out[canvas == 0].max() < 40  # the shadowed paper is not taken for ink
    assert np.abs(prepare_digit(out) - prepare_digit(canvas)).mean() < 0.04


def test_a_blank_page_has_no_digit(tmp_path):
    out = image_to_canvas(_save(np.full((50, 80), 240), tmp_path / "blank.png"))
    assert is_empty(out)


def _noise():
    return np.random.default_rng(0).integers(0, 256, (300, 300))


def _png_claiming_size(path: Path, width: int, height: int) -> Path:
    _save(np.zeros((4, 4)), path)
    data = bytearray(path.read_bytes())
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("make,message", [
    (lambda p: p.write_text("not a picture at all"), "not a picture that can be read"),
    (lambda p: p.write_bytes(b""), "is empty"),
    (lambda p: _png_claiming_size(p, 8000, 6000), "too large"),
    (lambda p: p.write_bytes(_save(_noise(), p).read_bytes()[:2000]), "damaged"),
    (lambda p: p.mkdir(), "is not a file"),
    (lambda p: None, "does not exist"),
])
def test_unusable_files_are_refused_in_a_sentence(tmp_path, make, message):
    path = tmp_path / "digit.png"
    make(path)
    with pytest.raises(DigitError, match=message):
        image_to_canvas(path)


def test_refusals_are_value_errors():
    assert issubclass(DigitError, ValueError)
    with pytest.raises(DigitError, match="2-D"):
        prepare_digit(np.zeros((3, 3, 3), np.uint8))
