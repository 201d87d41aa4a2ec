"""The one rule for "is there work the user would lose?".

Each workspace ("playground", "mnist") collects reasons: training happened, a neuron was edited, own
points or labelled drawings were made. Saving or loading a workspace clears its reasons. Quitting, loading
a preset, lesson or file over a workspace with reasons asks Save / Discard / Cancel first (the window does
the asking; this module only keeps the state and says it in words).
"""
from __future__ import annotations

from collections.abc import Iterable

#: What each reason means to the user.
REASONS = {
    "trained": "a trained network that is not saved",
    "edited": "neuron values you changed by hand",
    "points": "your own points",
    "drawings": "your labelled drawings",
}
#: How each workspace is called in a sentence.
PLACES = {"playground": "the Playground", "mnist": "the MNIST tab"}
#: The reasons a saved model (rather than a whole workspace) takes care of.
NETWORK_REASONS = ("trained", "edited")


class UnsavedWork:
    """Which workspace holds unsaved work, and why."""

    def __init__(self) -> None:
        self._reasons: dict[str, set[str]] = {}

    def mark(self, workspace: str, reason: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}; one of {', '.join(REASONS)}")
        self._reasons.setdefault(workspace, set()).add(reason)

    def clear(self, workspace: str, reasons: Iterable[str] | None = None) -> None:
        """Forget ``workspace``'s reasons (all of them, or only ``reasons``): it was saved or replaced."""
        held = self._reasons.get(workspace, set())
        held.difference_update(REASONS if reasons is None else reasons)
        if not held:
            self._reasons.pop(workspace, None)

    def workspaces(self, among: Iterable[str] | None = None) -> list[str]:
        """The workspaces with unsaved work (only those ``among``, when given), in a fixed order."""
        names = sorted(self._reasons) if among is None else [w for w in among if w in self._reasons]
        return [w for w in names if self._reasons.get(w)]

    def is_dirty(self, among: Iterable[str] | None = None) -> bool:
        return bool(self.workspaces(among))

    def reasons(self, workspace: str) -> list[str]:
        return [reason for reason in REASONS if reason in self._reasons.get(workspace, set())]

    def describe(self, among: Iterable[str] | None = None) -> str:
        """One sentence, e.g. "The Playground has a trained network that is not saved and your own points."."""
        parts = []
        for workspace in self.workspaces(among):
            words = [REASONS[r] for r in self.reasons(workspace)]
            listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
            parts.append(f"{PLACES.get(workspace, workspace)} has {listed}")
        if not parts:
            return ""
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."
