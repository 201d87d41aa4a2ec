"""When a training run ends by itself: the validation split, early stopping and a target loss.

Qt-free and TensorFlow-free: the engine asks :class:`StopRules` after every epoch, the window draws
:func:`validation_start`'s split, and exported code names the same settings for Keras. The rules are
Keras' own (``fit(validation_split=…)`` and ``keras.callbacks.EarlyStopping``), so that a run here and
the exported script stop at the same epoch:

* the validation points are the *last* fraction of the training points, taken before any shuffling
  (Keras does the same; a data set sorted by class or by x then validates on one class or one end);
* early stopping waits ``patience`` epochs without an improvement of the monitored number, then stops;
  with ``restore_best`` the weights of the best epoch are put back when the run ends.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from .errors import UserError
from .words import plural

#: What early stopping can watch: (name in a report's metrics, words, True when bigger is better).
MONITORS = {"val_loss": ("validation loss", False), "loss": ("training loss", False),
            "val_accuracy": ("validation accuracy", True)}


def mode(monitor: str) -> str:
    """Keras' ``mode`` for a monitored name: "max" where bigger is better (said, not guessed, in exports)."""
    return "max" if MONITORS[monitor][1] else "min"


class StoppingError(UserError):
    """Stopping settings that cannot work, in one sentence."""


def validation_start(n: int, fraction: float) -> int:
    """Where the validation points begin among ``n`` training points: the first index held out (``n``
    when nothing is). As Keras: ``floor(n · (1 − fraction))``."""
    if not fraction:
        return n
    return int(math.floor(n * (1.0 - fraction)))


def check_split(n: int, fraction: float) -> None:
    """Refuse a split that leaves no point to train on, or none to validate on."""
    if not fraction:
        return
    start = validation_start(n, fraction)
    if start <= 0:
        raise StoppingError(f"a validation split of {fraction:g} leaves none of the {plural(n, 'training point')} to "
                            "train on: choose a smaller fraction or more points")
    if start >= n:
        raise StoppingError(f"a validation split of {fraction:g} of {plural(n, 'training point')} holds out no "
                            "point at all: choose a larger fraction or more points")


def spec_problems(spec) -> list[str]:
    """What is wrong with a TrainSpec's stopping fields, in words (empty when nothing is)."""
    found = []
    split = spec.validation_split
    if not _number(split) or not 0 <= split < 1:
        found.append(f"the validation split must be a fraction from 0 up to (not including) 1, not {split!r}; "
                     "at 1 no point would be left to train on")
    if not isinstance(spec.early_stopping, bool):
        found.append(f"early stopping must be true or false, not {spec.early_stopping!r}")
    if not isinstance(spec.monitor, str) or spec.monitor not in MONITORS:  # a file may hold a list here
        found.append(f"early stopping watches one of {', '.join(MONITORS)}, not {spec.monitor!r}")
    elif spec.early_stopping and spec.monitor.startswith("val_") and not split:
        found.append(f"early stopping on the {MONITORS[spec.monitor][0]} needs a validation split above 0")
    patience = spec.patience
    if not (isinstance(patience, int) and not isinstance(patience, bool)) or patience < 1:
        found.append(f"patience must be a whole number of epochs ≥ 1, not {patience!r}: with 0 the first epoch "
                     "that does not improve would stop the run at once")
    if not isinstance(spec.restore_best, bool):
        found.append(f"restore best weights must be true or false, not {spec.restore_best!r}")
    target = spec.target_loss
    if target is not None and (not _number(target) or target <= 0):
        found.append(f"the target loss must be a number above 0, not {target!r}: a loss is never negative, and "
                     "0 is never reached")
    return found


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class StopRules:
    """The per-run state of the stopping rules (a new one each run, as Keras' callbacks start each ``fit``).

    ``epoch`` numbers are the app's: 1 is the first epoch ever trained (Keras counts from 0)."""

    early_stopping: bool = False
    monitor: str = "val_loss"
    patience: int = 10
    restore_best: bool = True
    target_loss: float | None = None
    best: float | None = None
    best_epoch: int | None = None
    best_weights: object = field(default=None, repr=False)
    wait: int = 0
    started: bool = False
    stopped_epoch: int | None = None
    reason: str = ""

    @classmethod
    def from_spec(cls, spec, loss_now: float | None = None) -> "StopRules":
        """The rules of a TrainSpec. ``loss_now``: the training loss the run starts from; a target already
        reached (a run resumed after it stopped there) is not taken again, or Play could never go on."""
        target = spec.target_loss
        if target is not None and loss_now is not None and loss_now <= target:
            target = None
        return cls(early_stopping=spec.early_stopping, monitor=spec.monitor, patience=spec.patience,
                   restore_best=spec.restore_best, target_loss=target)

    def update(self, spec) -> None:
        """Take changed settings while a run is under way (edited while paused); the count goes on."""
        self.early_stopping, self.monitor = spec.early_stopping, spec.monitor
        self.patience, self.restore_best = spec.patience, spec.restore_best
        self.target_loss = spec.target_loss

    @property
    def per_epoch(self) -> bool:
        """Whether a decision is due after every epoch (the engine then trains one epoch per call)."""
        return self.early_stopping or self.target_loss is not None

    def after_epoch(self, epoch: int, metrics: dict, weights: Callable[[], object]) -> bool:
        """Take epoch ``epoch``'s metrics; True when the run must stop now. ``weights()`` copies the weights
        as they are (called only when they may have to be restored later)."""
        if self.early_stopping and self._early(epoch, metrics, weights):
            self.stopped_epoch = epoch
            words = MONITORS[self.monitor][0]
            self.reason = (f"early stopping: the {words} did not improve for {self.patience} "
                           f"epoch{'s' if self.patience != 1 else ''}; the best was epoch {self.best_epoch}")
            return True
        loss = metrics.get("loss")
        if self.target_loss is not None and loss is not None and loss <= self.target_loss:
            self.stopped_epoch = epoch
            self.reason = f"reached the target loss {self.target_loss:g} in epoch {epoch}"
            return True
        return False

    def _early(self, epoch: int, metrics: dict, weights: Callable[[], object]) -> bool:
        """Keras' ``EarlyStopping.on_epoch_end``, step for step (min_delta 0, no baseline)."""
        current = metrics.get(self.monitor)
        if current is None:
            return False
        if self.restore_best and self.best_weights is None:
            self.best_weights, self.best_epoch = weights(), epoch
        self.wait += 1
        bigger_is_better = MONITORS[self.monitor][1]
        if self.best is None or (current > self.best if bigger_is_better else current < self.best):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best:
                self.best_weights = weights()
            return False
        # Keras also demands ``epoch > 0`` (its first epoch is 0): patience ≥ 1 makes that always true here
        return self.wait >= self.patience

    @property
    def keeps_best(self) -> bool:
        """Whether the run's end puts the best epoch's weights back (Keras: at ``on_train_end``)."""
        return self.early_stopping and self.restore_best and self.best_weights is not None


__all__ = ["MONITORS", "StopRules", "mode", "StoppingError", "check_split", "spec_problems", "validation_start"]
