"""The app on a Linux desktop: its icon, and a menu entry under the user's data folder (freedesktop.org).

``annstudio install-desktop`` writes, under ``$XDG_DATA_HOME`` (else ``~/.local/share``):

* ``applications/annstudio.desktop``: the menu entry; it starts this very Python with ``-m annstudio``, so it
  works from a virtual environment that is not on ``PATH``, and passes a double-clicked file on (``%f``);
* ``icons/hicolor/<size>x<size>/apps/annstudio.png`` and ``icons/hicolor/scalable/apps/annstudio.svg``;
* ``mime/packages/annstudio.xml``: ``*.annws`` files are ANN Studio workspaces, opened with the app.

Every file is written atomically; ``--uninstall`` removes exactly these files. Plain Python, no Qt.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .atomic import StoreError, atomic_path
from .errors import UserError

APP_ID = "annstudio"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
WORKSPACE_MIME = "application/x-annstudio-workspace"


class DesktopError(UserError):
    """The desktop entry could not be written or removed, with the reason in words."""


def icons_dir() -> Path:
    """Where the app's icons are (``resources/icons``, found as the lessons are)."""
    from .lesson_texts import resources_dir

    return resources_dir() / "icons"


def icon_files() -> dict[str, Path]:
    """The icon in every size there is: ``{"16": …png, …, "scalable": …svg}``."""
    folder = icons_dir()
    found = {str(size): folder / f"{APP_ID}-{size}.png" for size in ICON_SIZES}
    found["scalable"] = folder / f"{APP_ID}.svg"
    return {size: path for size, path in found.items() if path.is_file()}


def data_home() -> Path:
    """``$XDG_DATA_HOME`` when it is an absolute path (the specification ignores others), else ``~/.local/share``."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    return [sys.executable, "-m", APP_ID]


def _exec_argument(text: str) -> str:
    """One argument of a desktop entry's ``Exec`` key: quoted, with the specification's escapes."""
    if not any(c in text for c in ' \t\n"\'\\><~|&;$*?#()`%'):
        return text
    quoted = "".join("\\" + c if c in '"`$\\' else c for c in text).replace("%", "%%")
    return '"' + quoted.replace("\\", "\\\\") + '"'  # the value is a string too: its backslashes doubled


def desktop_entry(command: list[str] | None = None) -> str:
    command = command or launch_command()
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.5",
        "Name=ANN Studio",
        "GenericName=Neural network workbench",
        "Comment=Build, train and look inside neural networks by point and click",
        "Exec=" + " ".join(_exec_argument(part) for part in command) + " %f",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Education;Science;ArtificialIntelligence;",
        "Keywords=neural network;machine learning;Keras;deep learning;MNIST;",
        f"MimeType={WORKSPACE_MIME};",
        "",
    ])


def mime_xml() -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{WORKSPACE_MIME}">
    <comment>ANN Studio workspace</comment>
    <sub-class-of type="application/zip"/>
    <glob pattern="*.annws"/>
    <icon name="{APP_ID}"/>
  </mime-type>
</mime-info>
"""


def _targets(home: Path) -> dict[str, Path]:
    """Every file install writes, by what it is: "entry", "mime", "icon-16" … "icon-scalable"."""
    targets = {"entry": home / "applications" / f"{APP_ID}.desktop",
               "mime": home / "mime" / "packages" / f"{APP_ID}.xml"}
    for size in ICON_SIZES:
        targets[f"icon-{size}"] = home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    targets["icon-scalable"] = home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    return targets


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as out:
                out.write(data)
        os.chmod(path, 0o644)
    except (OSError, StoreError) as exc:
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DesktopError(f"cannot write {path}: {text}") from None


def _check_platform() -> None:
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        raise DesktopError("install-desktop writes a freedesktop.org menu entry, for Linux desktops; on this "
                           f"system ({sys.platform}) start ANN Studio with the command 'annstudio'")


def install(home: Path | None = None, command: list[str] | None = None) -> list[Path]:
    """Write the menu entry, the icons and the workspace file type; the files written."""
    _check_platform()
    home = home or data_home()
    icons = icon_files()
    if "scalable" not in icons and "256" not in icons:
        raise DesktopError(f"the app's icon is missing from {icons_dir()} (a damaged installation?)")
    targets = _targets(home)
    written = []
    for key, path in targets.items():
        if key == "entry":
            data = desktop_entry(command).encode()
        elif key == "mime":
            data = mime_xml().encode()
        elif key.removeprefix("icon-") in icons:
            data = icons[key.removeprefix("icon-")].read_bytes()
        else:
            continue
        _write(path, data)
        written.append(path)
    _refresh_caches(home)
    return written


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove what :func:`install` wrote (nothing else); the files removed."""
    _check_platform()
    home = home or data_home()
    removed = []
    for path in _targets(home).values():
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise DesktopError(f"cannot remove {path}: {exc.strerror or exc}") from None
        removed.append(path)
    if removed:
        _refresh_caches(home)
    return removed


def _refresh_caches(home: Path) -> None:
    """Tell the desktop: its menu and file-type caches (best effort: the tools may not be installed)."""
    for tool, folder in (("update-desktop-database", home / "applications"), ("update-mime-database", home / "mime")):
        program = shutil.which(tool)
        if program and folder.is_dir():
            try:
                subprocess.run([program, str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=30, check=False)
            except (OSError, subprocess.SubprocessError):
                pass


__all__ = ["APP_ID", "ICON_SIZES", "WORKSPACE_MIME", "DesktopError", "data_home", "desktop_entry", "icon_files",
           "icons_dir", "install", "launch_command", "mime_xml", "uninstall"]
