"""A drawing (or a picture of a digit) -> the 28x28 input the MNIST network expects.

MNIST's digits were made like this: the ink's bounding box was scaled to fit a 20x20 box keeping its
aspect ratio, with anti-aliasing, then placed in a 28x28 field so that its centre of mass sits at the
centre. :func:`prepare_digit` follows that recipe; a network trained on MNIST reads drawings prepared
this way far better than a plain resize of the whole canvas (:func:`plain_resize`), which leaves the
digit small, thin and off-centre whenever it was drawn small or away from the middle.

Pure numpy; reading image files (:func:`image_to_canvas`) uses Pillow, imported only when needed.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from .errors import UserError

FIELD = 28            #: side of the network's input image
BOX = 20              #: the ink's longer side after scaling
CENTRE = 14.0         #: where the centre of mass lands, as (row, column) index, like MNIST's digits
INK_LEVEL = 0.1       #: a pixel counts as ink for the bounding box above this fraction of the brightest one
MIN_INK = 8           #: a canvas whose brightest pixel is below this (0-255) is empty
WORK = 4              #: strokes are measured and adjusted at this many times the final resolution
THIN, BOLD = 1.6, 3.9 #: 5th and 95th percentiles of MNIST's stroke widths (pixels of the 28x28 field)
MAX_PIXELS = 40_000_000  #: larger pictures are refused
READ_SIDE = 1000        #: larger pictures are shrunk (area averaging) to about this side when read


class DigitError(UserError, ValueError):
    """An image that cannot be read as a digit, with the reason in words."""


def _as_canvas(canvas: np.ndarray) -> np.ndarray:
    canvas = np.asarray(canvas)
    if canvas.ndim != 2 or canvas.size == 0:
        raise DigitError(f"a canvas must be a non-empty 2-D image, not an array of shape {canvas.shape}")
    return canvas


def is_empty(canvas: np.ndarray) -> bool:
    """True when nothing is drawn: no pixel reaches :data:`MIN_INK`."""
    return bool(_as_canvas(canvas).max() < MIN_INK)


def ink_box(canvas: np.ndarray) -> tuple[int, int, int, int] | None:
    """The ink's bounding box as ``(top, bottom, left, right)``, end-exclusive; None on an empty canvas."""
    canvas = _as_canvas(canvas)
    peak = canvas.max()
    if peak < MIN_INK:
        return None
    ink = canvas > peak * INK_LEVEL
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _resample(image: np.ndarray, scale: float, offset: float, n_out: int) -> np.ndarray:
    """Area-averaging resampling of the rows of ``image`` (along axis 0).

    Input row ``i`` covers ``[offset + i*scale, offset + (i+1)*scale]`` of the output axis; output row
    ``j`` is the average of the input over ``[j, j+1]``. Shrinking averages (anti-aliasing); enlarging
    blends neighbours at the edges. Computed from running sums, not a matrix product, so that it never
    waits for BLAS threads that a training running at the same time keeps busy.
    """
    n = image.shape[0]
    running = np.empty((n + 1, image.shape[1]), np.float32)
    running[0] = 0
    np.cumsum(image, axis=0, dtype=np.float32, out=running[1:])
    bounds = np.clip((np.arange(n_out + 1, dtype=np.float32) - np.float32(offset)) / np.float32(scale), 0, n)
    whole = np.minimum(bounds.astype(np.intp), n - 1)
    integral = running[whole] + (bounds - whole)[:, None] * image[whole]
    return np.float32(scale) * (integral[1:] - integral[:-1])


def _resize(image: np.ndarray, scale: float, row_offset: float, col_offset: float,
            shape: tuple[int, int] = (FIELD, FIELD), col_scale: float | None = None) -> np.ndarray:
    """Both axes of :func:`_resample`: ``image`` scaled by ``scale`` into an array of ``shape``."""
    rows = _resample(np.asarray(image, np.float32), scale, row_offset, shape[0])
    cols = _resample(np.ascontiguousarray(rows.T), col_scale or scale, col_offset, shape[1])
    return np.ascontiguousarray(cols.T)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """``(row, column)`` of the intensity-weighted mean pixel index (pixel centres at whole numbers)."""
    image = np.asarray(image, dtype=np.float64)
    mass = image.sum()
    if mass <= 0:
        return (image.shape[0] - 1) / 2, (image.shape[1] - 1) / 2
    rows = image.sum(axis=1) @ np.arange(image.shape[0]) / mass
    cols = image.sum(axis=0) @ np.arange(image.shape[1]) / mass
    return float(rows), float(cols)


def prepare_digit(canvas: np.ndarray) -> np.ndarray:
    """The MNIST recipe: a 2-D image with bright ink on a dark background (values 0-255, any size)
    -> a ``(28, 28)`` float32 image in [0, 1]. An empty canvas gives all zeros.

    Crop to the ink; scale so the longer side is 20 pixels, aspect ratio kept, by area averaging; place
    it so its centre of mass is at (14, 14). One step MNIST did not need, because its writers all used
    similar pens: strokes thinner or bolder than nearly all of MNIST's (see :func:`stroke_width`) are
    grown or thinned into MNIST's range first — a very bold digit otherwise reads as an 8.
    """
    box = ink_box(canvas)
    if box is None:
        return np.zeros((FIELD, FIELD), np.float32)
    top, bottom, left, right = box
    crop = np.asarray(canvas[top:bottom, left:right], dtype=np.float32)
    scale = WORK * BOX / max(crop.shape)
    crop, scale = _shrink_blocks(crop, scale)
    margin = WORK * 4  # room for strokes to grow
    shape = (int(np.ceil(crop.shape[0] * scale)) + 2 * margin, int(np.ceil(crop.shape[1] * scale)) + 2 * margin)
    work = _resize(crop, scale, margin, margin, shape)
    work = _normalise_strokes(work * (255.0 / work.max()))
    return _centre(work)


def _shrink_blocks(crop: np.ndarray, scale: float) -> tuple[np.ndarray, float]:
    """Average whole blocks of pixels first when the crop is to shrink: the same picture within a pixel
    of the working resolution (a quarter of a pixel of the 28x28 field), at a fraction of the cost."""
    factor = int(1 / scale)
    if factor < 2:
        return crop, scale
    height, width = (-(-n // factor) * factor for n in crop.shape)
    if (height, width) != crop.shape:
        padded = np.zeros((height, width), np.float32)
        padded[:crop.shape[0], :crop.shape[1]] = crop
        crop = padded
    columns = sum(crop[:, k::factor] for k in range(factor))  # strided sums: faster than reshape-sum
    blocks = sum(columns[k::factor] for k in range(factor))
    return blocks * np.float32(1 / factor**2), scale * factor


def _centre(image: np.ndarray) -> np.ndarray:
    """Crop to the ink, scale the longer side to 20, and put the centre of mass at (14, 14)."""
    top, bottom, left, right = ink_box(image)
    crop = image[top:bottom, left:right]
    scale = BOX / max(crop.shape)
    # Centre of mass in continuous coordinates (pixel i spans [i, i+1]), mapped into the field.
    row, col = centre_of_mass(crop)
    row_offset = CENTRE + 0.5 - (row + 0.5) * scale
    col_offset = CENTRE + 0.5 - (col + 0.5) * scale
    field = _resize(crop, scale, row_offset, col_offset)  # area averaging keeps the centre of mass
    return (field / field.max()).astype(np.float32)


def stroke_width(image: np.ndarray) -> float:
    """Average stroke width in pixels: twice the ink's area over its outline's length.

    For a stroke of width w and length L the area is about w*L and the outline about 2*L. The outline
    is counted along rows and columns, which overstates a curve's length by 4/pi on average.
    """
    peak = float(image.max())
    if peak <= 0:
        return 0.0
    ink = np.zeros((image.shape[0] + 2, image.shape[1] + 2), bool)
    ink[1:-1, 1:-1] = image > 0.5 * peak
    edges = np.count_nonzero(ink[1:] != ink[:-1]) + np.count_nonzero(ink[:, 1:] != ink[:, :-1])
    return 2.0 * float(image.sum()) / peak / (edges * np.pi / 4) if edges else 0.0


def _normalise_strokes(work: np.ndarray) -> np.ndarray:
    """Grow or thin the strokes of a :data:`WORK`-times enlarged digit into MNIST's range of widths."""
    width = stroke_width(work) / WORK
    if THIN <= width <= BOLD:
        return work
    grow = width < THIN
    steps = min(int(round(abs(width - (THIN if grow else BOLD)) * WORK / 2)), 4 * WORK)
    for step in range(steps):  # 1-pixel steps, square and cross in turn: close to a disc
        changed = _morph(work, grow, cross=bool(step % 2))
        if changed.max() < 0.5 * work.max():  # thinning would erase the digit
            break
        work = changed
    return work


def _morph(image: np.ndarray, grow: bool, cross: bool) -> np.ndarray:
    """Greyscale dilation (``grow``) or erosion by one pixel, with a 3x3 square or a cross."""
    height, width = image.shape
    padded = np.zeros((height + 2, width + 2), image.dtype)
    padded[1:-1, 1:-1] = image
    views = [padded[1 + dr:1 + dr + height, 1 + dc:1 + dc + width]
             for dr in (-1, 0, 1) for dc in (-1, 0, 1) if not (cross and dr and dc)]
    return np.maximum.reduce(views) if grow else np.minimum.reduce(views)


def plain_resize(canvas: np.ndarray) -> np.ndarray:
    """The naive way, for comparison: the whole canvas area-averaged to 28x28, scaled to [0, 1]."""
    canvas = np.asarray(_as_canvas(canvas), dtype=np.float32)
    field = _resize(canvas, FIELD / canvas.shape[0], 0.0, 0.0, col_scale=FIELD / canvas.shape[1])
    return np.clip(field / 255.0, 0.0, 1.0)


# ---------------------------------------------------------------------------------------------------
# Pictures of digits: PNG, JPEG, ... of any size, dark ink on light paper or the other way round

def image_to_canvas(path: str | os.PathLike) -> np.ndarray:
    """Read a picture of a digit as a canvas: 2-D uint8, bright ink on a dark background.

    Colour becomes grey; transparent parts count as paper; dark ink on light paper (detected by the
    picture's median brightness, which is the paper's) is inverted; the paper becomes 0, also where a
    photo is lit unevenly, and the ink 255. :class:`DigitError` with a sentence for anything that is not
    a readable picture.
    """
    grey, alpha = _read_grey(Path(path))
    if alpha is not None and alpha.min() < 0.5:
        grey = _onto_paper(grey, alpha)
    if np.median(grey) > 127:  # most of a picture is paper: light paper, so dark ink
        paper = 255.0 - _paper_level(255.0 - grey)
        ink = 255.0 * (1.0 - grey / np.maximum(paper, 1.0))  # the light falling on it divides out
    else:
        ink = grey - _paper_level(grey)
    peak = float(np.percentile(ink, 99.9))
    if peak < 24:  # no contrast: a blank page
        return np.zeros(grey.shape, np.uint8)
    low, high = 0.15 * peak, 0.85 * peak
    return np.round(np.clip((ink - low) / (high - low), 0.0, 1.0) * 255).astype(np.uint8)


def _paper_level(grey: np.ndarray) -> np.ndarray:
    """The paper's brightness at every pixel (ink is bright here), allowing for a photo's uneven light:
    a smooth quadratic surface fitted to the paper, found as the darker half, then as what lies close to
    the first fit."""
    height, width = grey.shape
    step = max(1, int(np.sqrt(height * width / 20000)))
    rows = (np.arange(0, height, step) + 0.5) / height - 0.5
    cols = (np.arange(0, width, step) + 0.5) / width - 0.5
    y, x = np.meshgrid(rows, cols, indexing="ij")
    terms = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1).reshape(-1, 6)
    values = grey[::step, ::step].reshape(-1).astype(np.float64)
    paper = values <= np.median(values)
    for _ in range(2):
        coef = np.linalg.lstsq(terms[paper], values[paper], rcond=None)[0]
        residual = values - terms @ coef
        paper = residual < max(8.0, 0.3 * float(np.percentile(residual, 99.9)))
    y = ((np.arange(height) + 0.5) / height - 0.5)[:, None]
    x = ((np.arange(width) + 0.5) / width - 0.5)[None, :]
    c = coef
    return (c[0] + c[1] * x + c[2] * y + c[3] * x * x + c[4] * x * y + c[5] * y * y).astype(np.float32)


def _onto_paper(grey: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Lay a picture with transparent parts onto paper that contrasts with its ink."""
    weight = alpha.sum()
    ink_level = float((grey * alpha).sum() / weight) if weight > 0 else 0.0
    paper = 255.0 if ink_level < 128 else 0.0
    return grey * alpha + paper * (1.0 - alpha)


def _png_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from a PNG file's header, or None when it is no PNG."""
    try:
        with open(path, "rb") as file:
            head = file.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _read_grey(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Grey levels 0-255 as float32, and alpha in [0, 1] when the picture has transparency."""
    if not path.exists():
        raise DigitError(f"{path} does not exist")
    if not path.is_file():
        raise DigitError(f"{path} is not a file")
    if path.stat().st_size == 0:
        raise DigitError(f"{path.name} is empty (0 bytes), not a picture")
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # pragma: no cover - Pillow is a dependency
        raise DigitError("reading pictures needs the Pillow package, which is not installed") from None
    too_large = f"{path.name} is too large: at most {MAX_PIXELS // 1_000_000} million pixels are read"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture = Image.open(path)
        with picture:
            width, height = picture.size
            if width == 0 or height == 0:
                raise DigitError(f"{path.name} is a picture of size {width}x{height}, which has no pixels")
            if width * height > MAX_PIXELS:
                raise DigitError(f"{too_large}, and it has {width}x{height} = {width * height / 1e6:.0f} million")
            has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
            picture = picture.convert("LA" if has_alpha else "L")
            factor = -(-max(width, height) // READ_SIDE)
            if factor > 1:  # a photo: area-average it down first, the digit keeps plenty of pixels
                picture = picture.reduce(factor)
            data = np.asarray(picture, dtype=np.float32)
    except DigitError:
        raise
    except Image.DecompressionBombError:
        raise DigitError(too_large) from None
    except UnidentifiedImageError:
        size = _png_size(path)
        if size is not None and 0 in size:  # Pillow refuses an empty PNG before its size can be asked
            raise DigitError(f"{path.name} is a picture of size {size[0]}x{size[1]}, which has no pixels") from None
        raise DigitError(f"{path.name} is not a picture that can be read (use a PNG or JPEG file)") from None
    except PermissionError:
        raise DigitError(f"{path.name} cannot be read: permission denied") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise DigitError(f"{path.name} is damaged or not a complete picture ({exc})") from None
    if has_alpha:
        return data[..., 0], data[..., 1] / 255.0
    return data, None
