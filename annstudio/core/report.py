"""A report to hand in: one self-contained HTML page about a workspace (pictures embedded as base64 PNG).

This module writes the text, the tables and the layout; the pictures come in as PNG bytes, made by the app's
own views (:mod:`annstudio.gui.report` renders them offscreen), so nothing here needs Qt. A picture that could
not be made is replaced by a sentence that says why. The page keeps to the HTML and CSS that Qt's rich text
understands too, so that the same page prints to PDF.
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .errors import UserError
from .spec import NetworkSpec, TrainSpec
from .workspace import Workspace

#: The pictures a report shows, in order: key -> heading.
PICTURES = {"data": "The data", "network": "The network", "loss": "Loss curves", "result": "The result"}

_OPTIMIZERS = {"adam": "Adam", "sgd": "SGD (stochastic gradient descent)", "rmsprop": "RMSprop",
               "perceptron": "the perceptron rule"}
_LOSSES = {"binary_crossentropy": "binary cross-entropy", "sparse_categorical_crossentropy": "cross-entropy",
           "mse": "mean squared error"}
_METRICS = (("loss", "loss (training data)"), ("accuracy", "accuracy (training data)"),
            ("test_loss", "loss (test data)"), ("test_accuracy", "accuracy (test data)"),
            ("rmse", "RMSE (training data)"), ("r2", "R² (training data)"),
            ("test_rmse", "RMSE (test data)"), ("test_r2", "R² (test data)"))


class ReportError(UserError):
    """A report that cannot be written, with the reason in words."""


@dataclass(frozen=True)
class Picture:
    """A picture for the report (PNG bytes), or why there is none; ``caption`` is said under it."""

    png: bytes | None = None
    caption: str = ""
    missing: str = ""


# ---------------------------------------------------------------------------------------------------
# The network's layers with their parameter counts (without Keras)

def layer_rows(network: NetworkSpec) -> list[tuple[str, str, int]]:
    """(layer, output shape, parameters) for every layer, counted as Keras counts them (a batch
    normalization's moving mean and variance included)."""
    shape = tuple(network.input_shape)
    rows = []
    for layer in network.layers:
        params = 0
        if layer.kind == "flatten":
            shape = (math.prod(shape),)
        elif layer.kind == "dense":
            params = shape[-1] * layer.units + layer.units
            shape = shape[:-1] + (layer.units,)
        elif layer.kind == "batchnorm":
            params = 4 * shape[-1]
        rows.append((layer.describe(), " × ".join(str(n) for n in shape), params))
    return rows


# ---------------------------------------------------------------------------------------------------
# A little Markdown (a lesson's text) as HTML

def markdown_html(text: str) -> str:
    """Headings, paragraphs, bullet and numbered lists, **bold**, *italic* and `code` — what lesson texts use."""
    out: list[str] = []
    paragraph: list[str] = []
    list_tag = ""

    def close_paragraph() -> None:
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph)).replace(chr(10) + ' ', '<br>').rstrip(chr(10))}</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_tag
        if list_tag:
            out.append(f"</{list_tag}>")
            list_tag = ""

    for raw in text.splitlines():
        line = raw.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        bullet = re.match(r"^[-*+]\s+(.*)$", line)
        numbered = re.match(r"^\d+[.)]\s+(.*)$", line)
        if not line:
            close_paragraph()
            close_list()
        elif heading:
            close_paragraph()
            close_list()
            level = min(len(heading.group(1)) + 2, 6)  # under the report's own headings
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            close_paragraph()
            tag = "ul" if bullet else "ol"
            if list_tag != tag:
                close_list()
                out.append(f"<{tag}>")
                list_tag = tag
            out.append(f"<li>{_inline((bullet or numbered).group(1))}</li>")
        else:
            if list_tag and raw.startswith((" ", "\t")) and out:  # a list item's continued line
                out[-1] = out[-1][:-5] + " " + _inline(line) + "</li>"
                continue
            close_list()
            if line.endswith("\\"):  # Markdown's hard line break
                line = line[:-1].rstrip() + "\n"
            paragraph.append(line)
    close_paragraph()
    close_list()
    return "\n".join(out)


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<i>\1</i>", text)
    return text


# ---------------------------------------------------------------------------------------------------
# The page

_STYLE = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 11pt; color: #222; margin: 24px; max-width: 900px; }
h1 { font-size: 20pt; margin-bottom: 2px; }
h2 { font-size: 15pt; margin-top: 22px; border-bottom: 1px solid #bbb; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid #bbb; padding: 3px 8px; text-align: left; }
th { background-color: #eee; }
td.number { text-align: right; }
.note { color: #555; }
.missing { color: #a33; font-style: italic; }
"""


def report_html(ws: Workspace, pictures: dict[str, Picture], *, title: str = "", data_text: str = "",
                source: str = "", when: _dt.datetime | None = None) -> str:
    """The report's page for ``ws``. ``pictures`` maps keys of :data:`PICTURES` to :class:`Picture`;
    ``data_text`` says what the data are (see :func:`data_description`); ``source`` names the workspace file."""
    when = when or _dt.datetime.now()
    title = title or "A neural network"
    e = html.escape
    parts = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'>", f"<title>{e(title)}</title>",
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>{e(title)}</h1>",
             f"<p class='note'>A report made by ANN Studio on {when:%Y-%m-%d at %H:%M}"
             + (f" from {e(source)}" if source else "") + ".</p>"]
    if ws.lesson.strip():
        parts += ["<h2>The lesson</h2>", f"<div>{markdown_html(ws.lesson)}</div>"]

    parts.append("<h2>1. The data</h2>")
    parts.append(f"<p>{e(data_text or _data_fallback(ws))}</p>")
    counts = _counts(ws)
    if counts:
        parts.append(f"<p>{e(counts)}</p>")
    parts.append(_picture(pictures.get("data")))

    parts.append("<h2>2. The network</h2>")
    parts.append(f"<p><code>{e(ws.network.describe())}</code></p>")
    if ws.input_features and tuple(ws.network.input_shape) == (len(ws.input_features),) \
            and tuple(ws.input_features) != ("x1", "x2") and ws.data.kind != "mnist":
        parts.append(f"<p>Inputs computed from each point: {e(', '.join(ws.input_features))}.</p>")
    parts.append(_picture(pictures.get("network")))
    parts.append(_layer_table(ws.network))

    parts.append("<h2>3. Training settings</h2>")
    parts.append(_settings_table(ws.train, ws))

    parts.append("<h2>4. Results</h2>")
    parts.append(_results(ws.history, ws.epoch))
    parts.append(_picture(pictures.get("loss"), PICTURES["loss"]))
    result = pictures.get("result")
    if result is not None:
        parts.append(_picture(result, _result_heading(ws)))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _result_heading(ws: Workspace) -> str:
    if ws.data.kind == "mnist":
        return "Confusion matrix on the test digits"
    if ws.train.loss == "mse":
        return "The fitted curve"
    return "The decision surface"


def _picture(picture: Picture | None, heading: str = "") -> str:
    """A picture with its heading and caption."""
    if picture is None:
        return ""
    head = f"<h3>{html.escape(heading)}</h3>" if heading else ""
    if picture.png is None:
        return head + f"<p class='missing'>(No picture: {html.escape(picture.missing or 'it could not be made')}.)</p>"
    data = base64.b64encode(picture.png).decode("ascii")
    caption = f"<br><span class='note'>{html.escape(picture.caption)}</span>" if picture.caption else ""
    return head + f"<p><img src='data:image/png;base64,{data}' alt='{html.escape(picture.caption)}'>{caption}</p>"


def _layer_table(network: NetworkSpec) -> str:
    rows = layer_rows(network)
    shape = " × ".join(str(n) for n in network.input_shape)
    body = [f"<tr><td>Input</td><td>{shape}</td><td class='number'>0</td></tr>"]
    body += [f"<tr><td>{html.escape(name)}</td><td>{out}</td><td class='number'>{params:,}</td></tr>"
             for name, out, params in rows]
    total = sum(params for _, _, params in rows)
    body.append(f"<tr><th>Total</th><th></th><th class='number'>{total:,}</th></tr>")
    return ("<table><tr><th>Layer</th><th>Output shape</th><th>Parameters</th></tr>" + "".join(body) + "</table>")


def _settings_table(train: TrainSpec, ws: Workspace) -> str:
    rows = [("Optimizer", _OPTIMIZERS.get(train.optimizer, train.optimizer)),
            ("Learning rate", f"{float(train.learning_rate):g}"),
            ("Loss", _LOSSES.get(train.loss, train.loss)),
            ("Batch size", str(train.batch_size)),
            ("Epochs set", str(train.epochs)),
            ("Epochs trained", str(ws.epoch or len(ws.history))),
            ("Shuffled every epoch", "yes" if train.shuffle else "no"),
            ("Seed of the initial weights", str(train.seed))]
    regular = [f"{layer.describe()}: L1 {layer.l1:g}, L2 {layer.l2:g}" for layer in ws.network.layers
               if layer.kind == "dense" and (layer.l1 or layer.l2)]
    if regular:
        rows.append(("Weight penalties", "; ".join(regular)))
    if train.augmentation.active:
        rows.append(("Data augmentation", train.augmentation.describe()))
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows) + \
        "</table>"


def _results(history: Sequence[dict], epoch: int) -> str:
    if not history:
        return "<p class='missing'>The network has not been trained yet: there are no numbers to report.</p>"
    last = history[-1]
    rows = [(label, last[key]) for key, label in _METRICS
            if isinstance(last.get(key), (int, float)) and math.isfinite(last[key])]
    table = "".join(f"<tr><th>{html.escape(label)}</th><td class='number'>{value:.4f}</td></tr>"
                    for label, value in rows)
    return (f"<p>After {len(history)} epoch{'s' if len(history) != 1 else ''} of training:</p>"
            f"<table>{table}</table>")


def _counts(ws: Workspace) -> str:
    if ws.points is None:
        return ""
    train, test = len(ws.points.x_train), len(ws.points.x_test)
    return f"{train} training points and {test} test points." if test else f"{train} training points, none held out."


def _data_fallback(ws: Workspace) -> str:
    d = ws.data
    if d.kind == "mnist":
        return "MNIST handwritten digits (28×28 grey images)."
    return f"The {d.kind} data set ({d.size} points, seed {d.seed})."


def data_description(ws: Workspace) -> str:
    """The data in words, as the exported script says it (the same generator, seed and split)."""
    from .codegen import CodegenError, plan_from_workspace

    try:
        text = plan_from_workspace(ws).described
    except (CodegenError, ValueError):
        return _data_fallback(ws)
    return text[0].upper() + text[1:] + "."


def lesson_of(ws: Workspace) -> str:
    """The lesson text a workspace came with, else that of the lecture's lesson its experiment belongs to."""
    if ws.lesson.strip():
        return ws.lesson
    if not ws.preset:
        return ""
    from . import lesson_texts
    from .spec import SpecError

    try:
        return lesson_texts.lesson_text(lesson_texts.lesson_for_preset(ws.preset).id)
    except (SpecError, OSError):
        return ""


def workspace_title(ws: Workspace) -> str:
    """The lesson's experiment's title, else the lesson text's first heading, else the network."""
    from .codegen import _preset_title

    title = _preset_title(ws.preset)
    if not title and ws.lesson.strip():
        title = ws.lesson.strip().splitlines()[0].lstrip("# ").strip()
    return title or f"A neural network: {ws.network.describe()}"


def write_html(path: str | os.PathLike, page: str) -> Path:
    """Write the page atomically (the previous file survives a failed write)."""
    from . import atomic

    try:
        return atomic.write_text(path, page)
    except atomic.StoreError as exc:
        raise ReportError(str(exc)) from None


__all__ = ["PICTURES", "Picture", "ReportError", "data_description", "layer_rows", "lesson_of", "markdown_html",
           "report_html", "workspace_title", "write_html"]
