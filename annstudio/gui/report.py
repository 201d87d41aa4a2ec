"""The report's pictures, made by the app's own views offscreen, and the report written as HTML or PDF.

The same code serves File › Export › Report… and ``annstudio report`` (which makes an offscreen
QApplication, as ``annstudio shot`` does). The page itself is :mod:`annstudio.core.report`'s; a PDF is Qt's
printing of that same page. A picture that cannot be made (an MNIST workspace whose file is gone, say) is left
out with a sentence in its place; the report is still written.
"""
from __future__ import annotations

import base64
import os
import re
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QSizeF, Qt, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QWidget

from ..core.report import Picture, ReportError, data_description, report_html, workspace_title, write_html
from ..core.workspace import Workspace

SUFFIXES = (".html", ".htm", ".pdf")
WIDTH, HEIGHT = 620, 420


def _png(widget: QWidget, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The widget drawn at this size, never on the screen, as PNG bytes; its switches (check boxes, choices),
    which mean nothing on paper, are left out."""
    for switch in widget.findChildren(QCheckBox) + widget.findChildren(QComboBox):
        switch.setVisible(False)
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    widget.resize(width, height)
    widget.show()
    for _ in range(3):  # layouts, then the plots' own deferred updates
        QApplication.processEvents()
    picture = widget.grab()
    widget.close()
    widget.deleteLater()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    picture.save(buffer, "PNG")
    return bytes(buffer.data())


def _dataset(ws: Workspace):
    """(data set, None) or (None, why it cannot be had) — never a download."""
    from ..core import datasets
    from ..core.spec import SpecError

    if ws.data.kind == "mnist":
        path = Path(ws.data.path) if ws.data.path else datasets.mnist_cache_path()
        if not path.is_file():
            where = (f"its MNIST file {ws.data.path} no longer exists" if ws.data.path
                     else f"MNIST is not on this computer (not in the Keras cache, {path})")
            return None, where
        spec = replace(ws.data, path=str(path))
    else:
        spec = ws.data
    try:
        return (ws.points if ws.points is not None and spec.kind != "mnist" else datasets.load(spec)), None
    except (datasets.DataError, SpecError, OSError, ValueError) as exc:
        return None, f"its data could not be made ({' '.join(str(exc).split())})"


def render_pictures(ws: Workspace, shown=None) -> dict[str, Picture]:
    """The report's pictures (see :data:`annstudio.core.report.PICTURES`) from the app's views. ``shown`` is
    the window's latest :class:`~annstudio.core.engine.EpochReport` for these weights, if it has one (its
    decision surface is then taken as it is, not computed again)."""
    data, why = _dataset(ws)
    untrained = "" if ws.weights is not None else " (not trained yet: its initial weights)"
    pictures = {"network": _network_picture(ws, untrained), "loss": _loss_picture(ws, data)}
    if data is None:
        pictures["data"] = Picture(missing=why)
        pictures["result"] = Picture(missing=why)
    elif ws.data.kind == "mnist":
        pictures.update(_mnist_pictures(ws, data, untrained))
    else:
        pictures.update(_plane_pictures(ws, data, untrained, shown))
    return pictures


def _network_picture(ws: Workspace, untrained: str) -> Picture:
    from .plots.network_view import NetworkView

    view = NetworkView()
    view.set_network(ws.network)
    if ws.weights is not None:
        try:
            view.update_weights(ws.weights)
        except (KeyError, ValueError, IndexError, TypeError):
            pass
    caption = "" if ws.weights is not None else "The network" + untrained
    return Picture(_png(view, WIDTH, 300), caption)


def _loss_picture(ws: Workspace, data) -> Picture:
    from .plots.loss import LossPlot

    if not ws.history:
        return Picture(missing="the network has not been trained yet")
    plot = LossPlot()
    task = data.task if data is not None else ("multiclass" if ws.data.kind == "mnist" else
                                               "regression" if ws.train.loss == "mse" else "binary")
    plot.set_task(task)
    plot.add_rows([dict(row) for row in ws.history])
    plot.flush()
    return Picture(_png(plot, WIDTH, 360), f"{len(ws.history)} epochs")


def _plane_pictures(ws: Workspace, data, untrained: str, shown=None) -> dict[str, Picture]:
    """The points alone, then under the network's decision surface (or with its fitted curve)."""
    from ..core.epoch_report import Probes
    from ..core.trainers import make_trainer
    from .plots.surface import SurfacePlot

    plain = SurfacePlot()
    plain.set_dataset(data)
    out = {"data": Picture(_png(plain), "Training points (circles) and test points (squares)"
                           if data.has_test else "The training points")}
    two_d = data.x_train.shape[1] == 2
    report = shown if shown is not None and shown.surface is not None and shown.weights is not None else None
    try:
        if report is None:
            trainer = make_trainer(ws.network, ws.train, data, Probes(surface=True, resolution=200 if two_d else 300))
            try:
                if ws.weights is not None:
                    trainer.restore(ws.weights)
                report = trainer.probe_report()
            finally:
                trainer.release()
    except Exception as exc:  # noqa: BLE001 - the picture is left out with the reason; the report goes on
        out["result"] = Picture(missing=f"the network could not be evaluated ({' '.join(str(exc).split())[:200]})")
        return out
    plot = SurfacePlot()
    plot.set_dataset(data)
    plot.set_surface(report.surface, report.surface_axes)
    first = next((w for name, w in report.weights if name.startswith("dense")), None)
    if first is not None and tuple(ws.input_features) == ("x1", "x2") and two_d:
        plot.set_hidden_lines(first[0], first[1])
    what = "The network's answer over the plane" if two_d else "The network's curve through the points"
    out["result"] = Picture(_png(plot), what + untrained)
    return out


def _mnist_pictures(ws: Workspace, data, untrained: str) -> dict[str, Picture]:
    from ..core.forward import NumpyForward
    from ..core.spec import SpecError
    from .mnist_views import ConfusionMatrixView, DigitGallery

    gallery = DigitGallery(columns=10)
    gallery.set_data(data.x_train[:30], data.y_train[:30])
    out = {"data": Picture(_png(gallery, 680, 340), f"The first 30 training digits (of {len(data.x_train)}; "
                                                    f"{len(data.x_test)} more are test digits)")}
    if ws.weights is None:
        out["result"] = Picture(missing="the network has not been trained yet")
        return out
    try:
        predicted = NumpyForward(ws.network, ws.weights).predict(data.x_test).argmax(axis=1)
    except (SpecError, ValueError) as exc:
        out["result"] = Picture(missing=f"the test digits could not be read ({exc})")
        return out
    view = ConfusionMatrixView()
    view.set_predictions(data.y_test, predicted)
    out["result"] = Picture(_png(view, 560, 460), "Rows: the true digit; columns: what the network said; the "
                                                  "diagonal holds the digits read correctly" + untrained)
    return out


# ---------------------------------------------------------------------------------------------------
# Writing

def write_report(ws: Workspace, path: str | os.PathLike, source: str = "", shown=None) -> str:
    """Write the report of ``ws`` to ``path`` (.html, or .pdf), atomically. Returns a sentence about the
    pictures left out ("" when all are there). ``shown``: see :func:`render_pictures`."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise ReportError(f"a report is an .html or .pdf file, not {path.name!r}")
    if not path.parent.is_dir():
        raise ReportError(f"cannot save to {path}: the folder {path.parent} does not exist")
    from ..core.report import lesson_of

    ws = replace(ws, lesson=lesson_of(ws))
    pictures = render_pictures(ws, shown)
    page = report_html(ws, pictures, title=workspace_title(ws), data_text=data_description(ws), source=source)
    if path.suffix.lower() == ".pdf":
        write_pdf(page, path)
    else:
        write_html(path, page)
    missing = sorted({p.missing for p in pictures.values() if p.png is None and p.missing})
    return ("some pictures are left out: " + "; ".join(missing)) if missing else ""


def document(page: str, width: float | None = None) -> QTextDocument:
    """The page as Qt rich text, its embedded pictures given to the document as resources. With ``width``
    the text is laid out that wide and no picture is wider."""
    doc = QTextDocument()
    for number, encoded in enumerate(re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)):
        name = f"picture{number}.png"
        image = QImage.fromData(base64.b64decode(encoded), "PNG")
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        shown = f"src='{name}'"
        if width and image.width() > width - 60:
            shown += f" width='{int(width - 60)}'"
        page = page.replace(f"src='data:image/png;base64,{encoded}'", shown, 1)
    doc.setHtml(page)
    if width:
        doc.setTextWidth(width)
    return doc


def write_pdf(page: str, path: Path) -> Path:
    """Print the page to a PDF (A4) through Qt, atomically."""
    from ..core.atomic import StoreError, atomic_path

    try:
        with atomic_path(path) as tmp:
            writer = QPdfWriter(tmp)
            writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
            writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
            writer.setResolution(96)
            area = writer.pageLayout().paintRectPixels(96)
            doc = _keep_headings_with_pictures(page, area.width(), area.height())
            doc.print_(writer)
            del writer  # the file is finished when the writer goes
    except StoreError as exc:
        raise ReportError(str(exc)) from None
    return path


def _keep_headings_with_pictures(page: str, width: float, height: float) -> QTextDocument:
    """The page laid out on pages of this size, where a heading whose picture would start a new page goes to that
    page too (with the text between them): such headings get a page break before them, one at a time."""
    for _ in range(30):
        doc = document(page, width)
        doc.setPageSize(QSizeF(width, height))
        layout = doc.documentLayout()
        headings, heading, move = 0, None, None
        block = doc.begin()
        while block.isValid() and move is None:
            if block.blockFormat().headingLevel():
                heading, headings = (block, headings), headings + 1
            elif "\ufffc" in block.text() and heading is not None:  # a picture
                top = layout.blockBoundingRect(heading[0]).top()
                bottom = layout.blockBoundingRect(block).bottom()
                if int(top // height) != int(bottom // height) and bottom - top < height:
                    move = heading[1]
                heading = None
            block = block.next()
        if move is None:
            return doc
        found = list(re.finditer(r"<h[1-6]", page))[move]
        page = page[:found.end()] + " style='page-break-before: always'" + page[found.end():]
    return doc


def report_from_file(source: str | os.PathLike, output: str | os.PathLike) -> tuple[Path, str]:
    """``annstudio report``: the report of a workspace file, made headless. Returns (path, note)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..core.workspace import load_workspace
    from .qapp import make_app

    output = Path(output)
    if output.suffix.lower() not in SUFFIXES:
        raise ReportError(f"a report is an .html or .pdf file, not {output.name!r}")
    ws = load_workspace(source)
    make_app([])
    note = write_report(ws, output, source=Path(source).name)
    return output, note


__all__ = ["SUFFIXES", "document", "render_pictures", "report_from_file", "write_pdf", "write_report"]
