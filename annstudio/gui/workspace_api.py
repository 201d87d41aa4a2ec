"""The declared interfaces between the window, its workspaces and the File menu.

:class:`Workspace` is what a workspace tab (the Playground, the MNIST digits) offers the window and the file
actions: what to save, its history, why it refuses something. :class:`FileHost` is what the file actions need
from the window: the current workspace, messages, and the one place opened files are shown. So
:mod:`.files` talks to these two, never to ``MainWindow`` or a workspace's widgets, and saving from the
Playground never builds the MNIST tab (it is built when first shown).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    from ..core.epoch_report import EpochReport
    from ..core.spec import NetworkSpec, TrainSpec
    from ..core.workspace import Workspace as WorkspaceFile


@runtime_checkable
class Workspace(Protocol):
    """A workspace tab, as the window and the file actions see it."""

    #: Its name in unsaved-work questions and settings: "playground" or "mnist".
    key: str

    def network_spec(self) -> "NetworkSpec": ...

    def train_spec(self) -> "TrainSpec": ...

    def latest_report(self) -> "EpochReport | None": ...

    def model_weights(self) -> "tuple[tuple | None, int]":
        """The weights Save model writes, and their epoch; ``(None, 0)`` before there are any."""

    def history_rows(self) -> list[dict]:
        """The loss history, one row per epoch (Export loss history)."""

    def snapshot(self, lesson: str = "", hidden: Sequence[str] = ()) -> "WorkspaceFile":
        """Everything a workspace file holds to continue later (a teacher's lesson text and hidden panels)."""

    def refusal(self, what: str) -> str:
        """Why the workspace's model cannot be ``what`` (e.g. "saved as a workspace"); empty when it can."""

    def model_as_is(self) -> "tuple[Any, str] | None":
        """A Keras model shown as it is (opened for prediction only) and its name; None for the builder's."""

    def report_picture(self) -> "EpochReport | None":
        """The report whose pictures a handed-in report shows (None: it draws its own)."""

    def shutdown(self) -> bool:
        """Stop and join every thread; True when they all ended."""


class FileHost(Protocol):
    """What the file actions ask of the window."""

    def workspace_on_screen(self) -> Workspace:
        """The workspace Save, Export and Save workspace take: the MNIST digits while their tab is shown, else
        the Playground."""

    def plot_to_export(self) -> Any:
        """The plot item File › Export plot draws (the Playground's data and decision surface)."""

    def show_error(self, message: str) -> None: ...

    def show_status(self, message: str) -> None: ...

    def show_model(self, model: Any, name: str) -> bool:
        """Put an opened Keras model where it belongs (:func:`annstudio.core.placement.place_model`)."""

    def show_workspace(self, workspace: "WorkspaceFile", path: str) -> bool: ...

    def mark_saved(self, workspace: Workspace, reasons: Sequence[str] | None = None) -> None:
        """Forget ``workspace``'s unsaved work (of these ``reasons`` only, when given)."""

    def teacher_lesson(self) -> str:
        """The text of the teacher's lesson the Lessons panel shows; empty for the lecture's lessons."""
