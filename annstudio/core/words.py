"""Small helpers for the sentences the app shows."""
from __future__ import annotations

import numbers


def plural(count: numbers.Integral | int, noun: str, many: str | None = None) -> str:
    """``"1 digit"``, ``"3 digits"``; ``many`` for an irregular plural. ``count`` may be a numpy integer."""
    n = int(count)
    return f"{n} {noun if n == 1 else (many or noun + 's')}"


def a_or_an(word: object) -> str:
    """``"a 7"``, ``"an 8"``, ``"an 11"``, ``"an orange point"``: the word with the article it is read with."""
    text = str(word)
    if text[:1].isdigit():
        digits = text.split(".")[0].lstrip("-")
        groups = len(digits) % 3 or 3  # "11 000" is read "eleven thousand", "8 000" "eight thousand"
        lead = digits[:groups]
        vowel = lead.startswith("8") or lead in ("11", "18")
    else:
        vowel = text[:1].lower() in "aeiou"
    return f"{'an' if vowel else 'a'} {text}"


#: The numbers a status line shows, in its order, with their names.
_STATUS_METRICS = (("loss", "loss"), ("test_loss", "test loss"), ("val_loss", "val loss"), ("accuracy", "accuracy"),
                   ("test_accuracy", "test accuracy"), ("r2", "R²"))
#: A perceptron's loss counts its misclassified points; its updates per epoch say whether it still learns.
_PERCEPTRON_METRICS = (("loss", "misclassified"), ("test_loss", "test misclassified"), ("accuracy", "accuracy"),
                       ("test_accuracy", "test accuracy"), ("updates", "updates"))


def report_line(epoch: int, metrics: dict, batches: int = 0, partial: bool = False,
                epochs_per_second: float = 0.0) -> str:
    """The status bar's line for a report, in the loss plot's own format (4 significant digits), so the
    two never seem to disagree; a report in the middle of an epoch says that its numbers are so far."""
    head = f"Epoch {epoch}, batch {batches}: this epoch so far" if partial else f"Epoch {epoch}"
    names = _PERCEPTRON_METRICS if "updates" in metrics else _STATUS_METRICS
    parts = [head] + [f"{name} {metrics[key]:.4g}" for key, name in names if key in metrics]
    if epochs_per_second:
        parts.append(f"{epochs_per_second:.0f} epochs/s")
    return " · ".join(parts)
