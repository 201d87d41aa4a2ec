"""annstudio.core is plain Python + numpy + Keras: importing all of it loads no Qt."""
import pkgutil
import subprocess
import sys
from pathlib import Path

import annstudio.core

CORE = Path(annstudio.core.__file__).parent


def test_core_modules_import_no_qt():
    modules = [f"annstudio.core.{m.name}" for m in pkgutil.iter_modules([str(CORE)])]
    assert "annstudio.core.engine" in modules and "annstudio.core.spec" in modules
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in modules)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'shiboken6'))\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "", f"annstudio.core pulled in Qt: {out.stdout}"


def test_core_sources_name_no_qt():
    for path in CORE.glob("*.py"):
        text = path.read_text()
        for name in ("PySide6", "pyqtgraph", "PyQt"):
            assert f"import {name}" not in text and f"from {name}" not in text, f"{path.name} imports {name}"


def test_only_build_knows_keras_layer_classes():
    for path in CORE.glob("*.py"):
        if path.name == "build.py":
            continue
        text = path.read_text()
        for layer in ("layers.Dense(", "layers.Dropout(", "layers.BatchNormalization(", "layers.Flatten("):
            assert layer not in text, f"{path.name} builds Keras layers itself ({layer})"


def test_loading_keras_does_not_load_matplotlib_and_pyplot_still_works():
    """Keras imports matplotlib (pyplot, patches) when it can (0.7-1 s of every launch, for helpers the app never
    calls); the engine holds that off, and a later import of pyplot (an exported notebook's plots) gets the real
    one."""
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        import pytest
        pytest.skip("matplotlib is not installed: nothing to hold off")
    code = ("import sys\nimport annstudio.core.engine\n"
            "print('matplotlib loaded' if 'matplotlib' in sys.modules else 'no matplotlib')\n"
            "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nprint(callable(plt.plot))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["no", "matplotlib", "True"], out.stdout
