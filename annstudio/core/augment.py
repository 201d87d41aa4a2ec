"""Data augmentation for digit images: more training data without collecting any (lecture 8.3).

Every batch of 28×28 digits is moved a little before the network sees it — shifted, turned, made larger or
smaller, its strokes thickened or thinned — each by a random amount up to a *strength* (0: that change is
off). A network that never sees the same picture twice cannot learn the pictures by heart, and one that has
seen digits off-centre or tilted reads a student's drawing better.

The maths is one TensorFlow function, :func:`augment_graph`, that the engine calls inside its compiled
training (XLA compiles it: a bilinear sampler of our own made of gathers, since TensorFlow's
``ImageProjectiveTransformV3`` has no XLA kernel; thickness is a 3×3 max-pool dilation or min-pool erosion,
blended by the strength). Its random numbers come from a stateless generator seeded by the run's seed and
the optimizer's step count, so a seed always gives the same run. :func:`preview` does the same maths in
numpy (:func:`apply_numpy`, tested equal) for the window's grid of examples, so that showing it needs no
TensorFlow. Nothing here imports Qt; TensorFlow loads only when a function that needs it is called.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import UserError

SIDE = 28  # a digit image is SIDE × SIDE pixels (784 numbers)

#: The largest strength of each kind, and its unit: shifts in pixels, rotations in degrees, scaling as a
#: fraction of the size (0.2: from 80 % to 120 %), stroke thickness from 0 to 1 (1: a whole 3×3 dilation or
#: erosion).
LIMITS = {"shift": 8.0, "rotation": 45.0, "scale": 0.5, "thickness": 1.0}
UNITS = {"shift": "pixels", "rotation": "degrees", "scale": "× size", "thickness": ""}
#: The TrainSpec field of each kind (flat fields, so workspaces round-trip them as plain numbers).
FIELDS = {"shift": "augment_shift", "rotation": "augment_rotation", "scale": "augment_scale",
          "thickness": "augment_thickness"}

NOT_FOR_POINTS = ("augmentation (shifts, rotations, scaling, stroke thickness) moves the pixels of 28×28 digit "
                  "images, and this data set's inputs are points, not images: set every augmentation strength to 0")


class AugmentError(UserError, ValueError):
    """Augmentation that cannot be used, with the reason in a sentence."""


@dataclass(frozen=True)
class Augmentation:
    """How strongly each random change is applied; all 0: no augmentation (the training is as without it)."""

    shift: float = 0.0      # up to this many pixels left/right and up/down
    rotation: float = 0.0   # up to this many degrees either way
    scale: float = 0.0      # size times a factor from 1 − scale to 1 + scale
    thickness: float = 0.0  # strokes thickened or thinned, up to this fraction of one pixel's dilation

    @property
    def active(self) -> bool:
        return any(getattr(self, name) > 0 for name in LIMITS)

    @property
    def moves(self) -> bool:
        """Whether the image is moved (shift, rotation or scale): the affine part of the function."""
        return self.shift > 0 or self.rotation > 0 or self.scale > 0

    def problems(self) -> list[str]:
        found = []
        for name, limit in LIMITS.items():
            value = getattr(self, name)
            if not _is_number(value) or not 0 <= value <= limit:
                unit = f" {UNITS[name]}" if UNITS[name] and name != "scale" else ""
                found.append(f"the augmentation's {name} must be a number from 0 to {limit:g}{unit}, not {value!r}")
        return found

    def describe(self) -> str:
        """In a few words, e.g. ``shift 2 px, rotation 10°`` (empty when off)."""
        parts = []
        if self.shift > 0:
            parts.append(f"shift {self.shift:g} px")
        if self.rotation > 0:
            parts.append(f"rotation {self.rotation:g}°")
        if self.scale > 0:
            parts.append(f"scale ±{self.scale * 100:g} %")
        if self.thickness > 0:
            parts.append(f"thickness {self.thickness:g}")
        return ", ".join(parts)


#: A good start (the augmentation tab's "Typical", the lesson's run, bench/augment.py's default).
TYPICAL = Augmentation(shift=2.0, rotation=10.0, scale=0.1, thickness=0.3)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def of(train: Any) -> Augmentation:
    """The augmentation a :class:`~annstudio.core.spec.TrainSpec` asks for."""
    return Augmentation(**{name: getattr(train, field, 0.0) for name, field in FIELDS.items()})


def fields_of(augmentation: Augmentation) -> dict[str, float]:
    """The TrainSpec fields for ``augmentation`` (for ``dataclasses.replace(train, **fields_of(a))``)."""
    return {field: float(getattr(augmentation, name)) for name, field in FIELDS.items()}


def parse(text: str) -> Augmentation:
    """``shift=2,rotation=10,scale=0.1,thickness=0.5`` (any of them, any order) → :class:`Augmentation`;
    the command line's ``--augment``."""
    values: dict[str, float] = {}
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        name, sep, number = part.partition("=")
        if not sep or name not in LIMITS:
            raise AugmentError(f"--augment takes name=number pairs with the names {', '.join(LIMITS)}, "
                               f"e.g. shift=2,rotation=10; not {part!r}")
        try:
            values[name] = float(number)
        except ValueError:
            raise AugmentError(f"--augment: {name} must be a number, not {number!r}") from None
    augmentation = Augmentation(**values)
    found = augmentation.problems()
    if found:
        raise AugmentError("; ".join(found))
    return augmentation


def fits(input_shape: tuple[int, ...], features: tuple[str, ...] = ()) -> bool:
    """Whether inputs of this shape are digit images augmentation can move (28×28, or 784 numbers)."""
    return not features and int(np.prod(input_shape)) == SIDE * SIDE


def check_fits(augmentation: Augmentation, input_shape: tuple[int, ...], features: tuple[str, ...] = ()) -> None:
    """Raise :class:`AugmentError` when augmentation is on for inputs that are not digit images."""
    if augmentation.active and not fits(tuple(input_shape), tuple(features)):
        raise AugmentError(NOT_FOR_POINTS)


# ---------------------------------------------------------------------------------------------------
# The maths (TensorFlow graph code, XLA-compilable)

def _random(shape, seed, tf):
    """Uniform numbers in [-1, 1) from the stateless generator (the same ``seed`` gives the same numbers; Philox
    named, as otherwise XLA picks another algorithm than eager code and the preview would not be the training)."""
    return tf.random.stateless_uniform(shape, seed=seed, minval=-1.0, maxval=1.0, alg="philox")


def _thickness(images, amount, tf):
    """Each image's strokes thickened (``amount`` > 0: towards its 3×3 dilation) or thinned (< 0: towards its
    erosion) by ``|amount|`` of the way; ``images`` is [batch, 28, 28, 1], ``amount`` [batch]."""
    dilated = tf.nn.max_pool2d(images, 3, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-images, 3, 1, "SAME")
    a = tf.reshape(amount, [-1, 1, 1, 1])
    return images + tf.nn.relu(a) * (dilated - images) + tf.nn.relu(-a) * (eroded - images)


def _affine(flat, angle, zoom, dx, dy, tf):
    """Each image of ``flat`` ([batch, 784]) turned by ``angle`` (radians), grown by ``zoom`` and moved by
    (``dx``, ``dy``) pixels about its centre, sampled bilinearly; outside the picture is paper (0).

    For every output pixel we ask where it comes from (the inverse transform) and blend the four pixels
    around that point: gathers only, which XLA compiles (TensorFlow's projective transform op it cannot)."""
    centre = (SIDE - 1) / 2.0
    rows, cols = tf.meshgrid(tf.range(SIDE, dtype=tf.float32), tf.range(SIDE, dtype=tf.float32), indexing="ij")
    u = tf.reshape(cols, [1, -1]) - centre - dx[:, None]   # output position relative to the moved centre
    v = tf.reshape(rows, [1, -1]) - centre - dy[:, None]
    cos, sin = tf.cos(angle)[:, None] / zoom[:, None], tf.sin(angle)[:, None] / zoom[:, None]
    x = cos * u + sin * v + centre                          # rotated back by −angle, shrunk back by 1/zoom
    y = -sin * u + cos * v + centre
    x0, y0 = tf.floor(x), tf.floor(y)
    fx, fy = x - x0, y - y0
    out = tf.zeros_like(x)
    for oy, ox, weight in ((0.0, 0.0, (1 - fx) * (1 - fy)), (0.0, 1.0, fx * (1 - fy)),
                           (1.0, 0.0, (1 - fx) * fy), (1.0, 1.0, fx * fy)):
        xi, yi = x0 + ox, y0 + oy
        inside = (xi >= 0) & (xi <= SIDE - 1) & (yi >= 0) & (yi <= SIDE - 1)
        index = tf.cast(tf.clip_by_value(yi, 0, SIDE - 1) * SIDE + tf.clip_by_value(xi, 0, SIDE - 1), tf.int32)
        value = tf.gather(flat, index, batch_dims=1)
        out += tf.where(inside, weight * value, 0.0)
    return out


def augment_graph(images, augmentation: Augmentation, seed):
    """``images`` (a batch of 28×28 digits, as [batch, 28, 28] or [batch, 784] floats) each randomly
    changed as ``augmentation`` says; ``seed`` is a shape-[2] integer tensor (stateless: the same seed gives
    the same changes). With the augmentation off the images come back untouched, and a change whose strength
    is 0 is not even part of the graph. Graph code for the engine's compiled training."""
    import tensorflow as tf

    if not augmentation.active:
        return images
    return apply_graph(images, _random([tf.shape(images)[0], 5], seed, tf), augmentation)


def apply_graph(images, r, augmentation: Augmentation):
    """The changes for the random numbers ``r`` ([batch, 5], each in [-1, 1]: rotation, scale, shift x,
    shift y, thickness, as fractions of their strengths), in TensorFlow."""
    import tensorflow as tf

    shape = tf.shape(images)
    batch = shape[0]
    out = tf.reshape(images, [batch, SIDE, SIDE, 1])
    if augmentation.thickness > 0:
        out = _thickness(out, r[:, 4] * augmentation.thickness, tf)
    out = tf.reshape(out, [batch, SIDE * SIDE])
    if augmentation.moves:
        angle = r[:, 0] * (augmentation.rotation * math.pi / 180.0)
        zoom = 1.0 + r[:, 1] * augmentation.scale
        out = _affine(out, angle, zoom, r[:, 2] * augmentation.shift, r[:, 3] * augmentation.shift, tf)
    return tf.reshape(out, shape)


def step_seed(seed, step):
    """The generator's seed for one training step: the run's ``seed`` and the optimizer's step count."""
    import tensorflow as tf

    return tf.stack([tf.cast(seed, tf.int64), tf.cast(step, tf.int64)])


# ---------------------------------------------------------------------------------------------------
# The same maths in numpy, for the window's preview (TensorFlow need not load to show it)

def apply_numpy(images: np.ndarray, r: np.ndarray, augmentation: Augmentation) -> np.ndarray:
    """:func:`apply_graph` in numpy (the same numbers, to float precision)."""
    images = np.asarray(images, np.float32)
    shape = images.shape
    n = shape[0]
    out = images.reshape(n, SIDE, SIDE)
    r = np.asarray(r, np.float32)
    if augmentation.thickness > 0:
        padded = np.pad(out, ((0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
        windows = np.stack([padded[:, dy:dy + SIDE, dx:dx + SIDE] for dy in range(3) for dx in range(3)])
        dilated = windows.max(axis=0)
        eroded = np.where(np.isinf(windows), np.inf, windows).min(axis=0)
        a = (r[:, 4] * augmentation.thickness)[:, None, None]
        out = out + np.maximum(a, 0) * (dilated - out) + np.maximum(-a, 0) * (eroded - out)
    out = out.reshape(n, SIDE * SIDE)
    if augmentation.moves:
        angle = r[:, 0] * (augmentation.rotation * math.pi / 180.0)
        zoom = 1.0 + r[:, 1] * augmentation.scale
        dx, dy = r[:, 2] * augmentation.shift, r[:, 3] * augmentation.shift
        centre = (SIDE - 1) / 2.0
        rows, cols = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
        u = cols.reshape(1, -1) - centre - dx[:, None]
        v = rows.reshape(1, -1) - centre - dy[:, None]
        cos, sin = (np.cos(angle) / zoom)[:, None], (np.sin(angle) / zoom)[:, None]
        x, y = cos * u + sin * v + centre, -sin * u + cos * v + centre
        x0, y0 = np.floor(x), np.floor(y)
        fx, fy = x - x0, y - y0
        moved = np.zeros_like(x)
        for oy, ox, weight in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)), (1, 0, (1 - fx) * fy),
                               (1, 1, fx * fy)):
            xi, yi = x0 + ox, y0 + oy
            inside = (xi >= 0) & (xi <= SIDE - 1) & (yi >= 0) & (yi <= SIDE - 1)
            index = (np.clip(yi, 0, SIDE - 1) * SIDE + np.clip(xi, 0, SIDE - 1)).astype(np.int64)
            moved += np.where(inside, weight * np.take_along_axis(out, index, axis=1), 0.0)
        out = moved
    return out.reshape(shape).astype(np.float32)


def preview(images: np.ndarray, augmentation: Augmentation, seed: int = 0) -> np.ndarray:
    """``images`` ([n, 28, 28] or [n, 784], 0…1) changed at random as a training batch is with
    ``augmentation`` (numpy, quick, and without loading TensorFlow: for the window's grid of examples; its
    random numbers are numpy's, the training's TensorFlow's)."""
    images = np.asarray(images, np.float32)
    if not augmentation.active or len(images) == 0:
        return images.copy()
    r = np.random.default_rng(seed).uniform(-1.0, 1.0, (len(images), 5)).astype(np.float32)
    return apply_numpy(images, r, augmentation)


__all__ = ["FIELDS", "LIMITS", "NOT_FOR_POINTS", "TYPICAL", "UNITS", "AugmentError", "Augmentation", "apply_graph",
           "apply_numpy", "augment_graph", "check_fits", "fields_of", "fits", "of", "parse", "preview", "step_seed"]
