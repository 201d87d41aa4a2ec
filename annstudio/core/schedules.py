"""Learning-rate schedules: the rate for each epoch, from the rate set in the panel.

Qt-free and TensorFlow-free. Each schedule is one of Keras' own, evaluated at the epoch number (Keras'
``LearningRateScheduler`` callback asks for a rate at the start of every epoch, counting from 0), so an
exported script sets the same rate for every epoch (a test compares with Keras' classes):

* constant:     the rate, every epoch;
* step:         ``rate · factor^⌊e / every⌋``  (``ExponentialDecay(..., staircase=True)``);
* exponential:  ``rate · factor^(e / every)`` (``ExponentialDecay``);
* cosine:       from the rate down to ``floor · rate`` over ``length`` epochs along half a cosine, then
  ``floor · rate`` (``CosineDecay``); with a warm-up of ``warmup`` epochs it first climbs in a straight line
  from a tenth of the rate to the rate (``CosineDecay(..., warmup_target=rate, warmup_steps=warmup)``).

The rate set in the panel stays the schedule's starting rate: changing it while training scales the curve.
"""
from __future__ import annotations

import math

from .errors import UserError

SCHEDULES = ("constant", "step", "exponential", "cosine")
SCHEDULE_WORDS = {"constant": "constant", "step": "step decay", "exponential": "exponential decay",
                  "cosine": "cosine"}
WARMUP_START = 0.1  # a warm-up starts at this fraction of the rate


class ScheduleError(UserError):
    """A schedule that cannot be used (it would make the rate 0 or negative), in one sentence."""


def rate_at(spec, base: float, epoch: int) -> float:
    """The learning rate of epoch ``epoch`` (0: the first) for a TrainSpec's schedule starting at ``base``."""
    kind = spec.schedule
    if kind == "step":
        rate = base * spec.schedule_factor ** math.floor(epoch / spec.schedule_every)
    elif kind == "exponential":
        rate = base * spec.schedule_factor ** (epoch / spec.schedule_every)
    elif kind == "cosine":
        rate = _cosine(spec, base, epoch)
    else:
        rate = base
    if not rate > 0 or not math.isfinite(rate):
        raise ScheduleError(f"the {SCHEDULE_WORDS.get(kind, kind)} schedule has brought the learning rate down to "
                            f"{rate:g} by epoch {epoch + 1}, and a rate of 0 learns nothing: use a factor closer to "
                            "1 or fewer epochs")
    return rate


def _cosine(spec, base: float, epoch: int) -> float:
    warmup = spec.schedule_warmup
    if epoch < warmup:
        start = WARMUP_START * base
        return start + (base - start) * epoch / warmup
    done = min(epoch - warmup, spec.schedule_length) / spec.schedule_length
    return base * ((1 - spec.schedule_floor) * 0.5 * (1 + math.cos(math.pi * done)) + spec.schedule_floor)


def curve(spec, base: float, epochs: int) -> list[float]:
    """The rates of the first ``epochs`` epochs (drawn next to the loss)."""
    return [rate_at(spec, base, e) for e in range(max(0, epochs))]


def spec_problems(spec) -> list[str]:
    """What is wrong with a TrainSpec's schedule fields, in words (empty when nothing is)."""
    found = []
    kind = spec.schedule
    if not isinstance(kind, str) or kind not in SCHEDULES:  # a file may hold a list here
        return [f"the learning-rate schedule must be one of {', '.join(SCHEDULES)}, not {kind!r}"]
    every, length, warmup = spec.schedule_every, spec.schedule_length, spec.schedule_warmup
    if not _whole(every) or every < 1:
        found.append(f"a schedule's step must be a whole number of epochs ≥ 1, not {every!r}")
    if not _whole(length) or length < 1:
        found.append(f"the cosine schedule's length must be a whole number of epochs ≥ 1, not {length!r}")
    if not _whole(warmup) or warmup < 0:
        found.append(f"the warm-up must be a whole number of epochs ≥ 0, not {warmup!r}")
    factor, floor = spec.schedule_factor, spec.schedule_floor
    if not _number(factor) or factor <= 0:
        found.append(f"the schedule's factor must be above 0, not {factor!r}: it would make the learning rate 0 or "
                     "negative")
    elif factor > 1 and kind in ("step", "exponential"):
        found.append(f"the schedule's factor must be at most 1 (a decay), not {factor:g}")
    if not _number(floor) or not 0 < floor <= 1:
        found.append(f"the cosine schedule's lowest rate must be a fraction of the rate above 0 and at most 1, not "
                     f"{floor!r}: at 0 the rate would end at 0 and learn nothing")
    return found


def describe(spec) -> str:
    """The schedule in a few words (status line, tool tips, reports)."""
    kind = spec.schedule
    if kind == "step":
        return f"step decay ×{spec.schedule_factor:g} every {spec.schedule_every} epochs"
    if kind == "exponential":
        return f"exponential decay ×{spec.schedule_factor:g} per {spec.schedule_every} epochs"
    if kind == "cosine":
        warm = f", {spec.schedule_warmup} epochs warm-up" if spec.schedule_warmup else ""
        return f"cosine to {spec.schedule_floor:g}× over {spec.schedule_length} epochs{warm}"
    return "constant"


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


__all__ = ["SCHEDULES", "SCHEDULE_WORDS", "ScheduleError", "curve", "describe", "rate_at", "spec_problems"]
