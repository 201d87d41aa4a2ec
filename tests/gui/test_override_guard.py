"""No exception leaves a Qt virtual override: every one we implement is guarded by ``crash.qt_override``,
and an error in each kind reaches the crash dialog and the log while the process lives on (issue 12)."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from annstudio.gui import crash

ROOT = Path(__file__).resolve().parents[2]
GUI = ROOT / "annstudio" / "gui"
KINDS = {"closeEvent", "dragEnterEvent", "dropEvent", "event", "eventFilter", "hideEvent", "keyPressEvent",
         "mouseMoveEvent", "mousePressEvent", "mouseReleaseEvent", "paint", "paintEvent", "resizeEvent",
         "showEvent", "viewportEvent"}


def _is_override(name: str) -> bool:
    return name.endswith("Event") or name in ("event", "eventFilter", "paint")


def test_every_qt_override_in_the_gui_is_guarded():
    unguarded, kinds = [], set()
    for path in GUI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and _is_override(item.name):
                        kinds.add(item.name)
                        names = {ast.unparse(d).split("(")[0] for d in item.decorator_list}
                        if "qt_override" not in names:
                            unguarded.append(f"{path.relative_to(ROOT)}: {node.name}.{item.name}")
    assert not unguarded, "unguarded Qt overrides:\n" + "\n".join(unguarded)
    assert kinds <= KINDS, f"a new kind of override: teach override_faults.py to trigger {kinds - KINDS}"


def test_the_guard_reports_and_returns_the_default(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda *info: seen.append(info[1]))

    class Thing:
        @crash.qt_override(default=False)
        def eventFilter(self, watched, event):  # noqa: N802
            raise ValueError("inside")

    assert Thing().eventFilter(None, None) is False
    assert [str(e) for e in seen] == ["inside"]
    assert crash.run_all(lambda: 1 / 0, lambda: seen.append("second ran")) is False
    assert seen[-1] == "second ran" and isinstance(seen[-2], ZeroDivisionError)


def test_an_error_in_each_kind_of_override_reaches_the_dialog_and_the_log_and_the_app_lives(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), KERAS_HOME=str(tmp_path / ".keras"), QT_QPA_PLATFORM="offscreen",
               ANNSTUDIO_SETTINGS=str(tmp_path / "settings.ini"), ANNSTUDIO_DATA_DIR=str(tmp_path / "app-data"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])))
    result = subprocess.run([sys.executable, str(Path(__file__).with_name("override_faults.py"))], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr[-3000:]
    assert result.returncode == 0, output
    hit = {line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("hit: ")}
    assert hit == KINDS, output
    assert "dialog: yes" in result.stdout and "window closed: True" in result.stdout, output
    assert "settings saved: True" in result.stdout, output  # closeEvent's later duties ran after one failed
    log = (tmp_path / "app-data" / "annstudio.log").read_text()
    for kind in KINDS:
        assert f"injected fault in {kind}" in log or kind == "closeEvent", kind
    assert "injected fault in closeEvent's duties" in log
