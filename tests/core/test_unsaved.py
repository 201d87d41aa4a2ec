"""The one rule for unsaved work: reasons per workspace, cleared on save or load."""
from __future__ import annotations

import pytest

from annstudio.core.unsaved import NETWORK_REASONS, UnsavedWork


def test_nothing_marked_is_clean():
    work = UnsavedWork()
    assert not work.is_dirty() and work.describe() == "" and work.workspaces() == []


def test_reasons_are_kept_per_workspace_and_said_in_words():
    work = UnsavedWork()
    work.mark("playground", "points")
    work.mark("playground", "trained")
    work.mark("mnist", "drawings")
    assert work.is_dirty() and work.is_dirty(["mnist"]) and work.workspaces() == ["mnist", "playground"]
    assert work.describe(["playground"]) == ("The Playground has a trained network that is not saved and your "
                                             "own points.")
    assert work.describe() == ("The MNIST tab has your labelled drawings; the Playground has a trained network "
                               "that is not saved and your own points.")
    work.clear("playground", NETWORK_REASONS)   # a saved model: the points are still not saved
    assert work.reasons("playground") == ["points"]
    work.clear("playground")                     # a saved (or replaced) workspace
    assert not work.is_dirty(["playground"]) and work.is_dirty()
    with pytest.raises(ValueError):
        work.mark("playground", "whatever")
