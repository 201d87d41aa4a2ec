"""What the window and the File menu ask of the Playground (:class:`~annstudio.gui.workspace_api.Workspace`):
its weights and history, a snapshot to save, why it refuses something, the plot to export.

A mixin of :class:`~annstudio.gui.playground.Playground`; it never imports the Playground (no import cycle).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core.engine import EpochReport
    from ..core.workspace import Workspace as WorkspaceFile


class PlaygroundFiles:
    """The Playground as a :class:`~annstudio.gui.workspace_api.Workspace`."""

    key = "playground"

    def model_weights(self) -> "tuple[tuple | None, int]":
        report = self.latest_report()
        return (report.weights, report.epoch) if report is not None else (None, 0)

    def history_rows(self) -> list[dict]:
        return self.loss.rows()

    def snapshot(self, lesson: str = "", hidden=()) -> "WorkspaceFile":
        from ..core.workspace import workspace_from_training

        panel = self.data_panel
        spec = panel.data_spec()
        views = [self.views.tabText(self.views.currentIndex()).replace("&&", "&")]
        return workspace_from_training(self.network_spec(), self.train_spec(),
                                       spec if spec is not None else panel.own_data_spec(), self.dataset(),
                                       report=self.latest_report(), history=self.history_rows(),
                                       user_data=panel.is_own_data(), features=panel.features(), views=views,
                                       lesson=lesson, hidden_controls=list(hidden or ()))

    def refusal(self, what: str) -> str:
        return ""  # the playground always shows the builder's network

    def model_as_is(self) -> None:
        return None

    def report_picture(self) -> "EpochReport | None":
        return self.latest_report()

    def plot_item(self):
        """What File › Export plot draws: the data with the decision surface (or the fitted curve)."""
        return self.surface.plot_item()
