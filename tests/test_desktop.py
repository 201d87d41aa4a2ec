"""Desktop citizenship, headless: `annstudio --version`, `annstudio FILE` refusing what it cannot open in one line,
and `annstudio install-desktop [--uninstall]` under a temporary XDG_DATA_HOME."""
from __future__ import annotations

import configparser
import sys
import tomllib
from pathlib import Path

import pytest

from annstudio import cli
from annstudio.core import desktop

from test_bad_input_matrix import cli_fails

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_the_packages(capsys):
    assert cli.main(["--version"]) == 0
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert capsys.readouterr().out.strip() == f"annstudio {version}"


@pytest.mark.parametrize("name, words, code", [
    ("nothing.annws", "nothing.annws is neither a command nor a file that exists", 2),
    ("notes.txt", "notes.txt is not a file ANN Studio opens: a workspace (.annws) or a model (.keras, .h5, .hdf5)", 2),
])
def test_a_file_the_window_cannot_open_is_refused_before_it_opens(name, words, code, tmp_path, capsys):
    if name == "notes.txt":
        (tmp_path / name).write_text("hello")
    cli_fails(capsys, str(tmp_path / name), match=words, code=code)


@pytest.mark.parametrize("argv", [["trian"], ["trian", "--epochs", "3"]])
def test_a_mistyped_command_is_still_a_usage_error(argv, capsys):
    cli_fails(capsys, *argv, match="invalid choice: 'trian'", code=2)


def _entry(home: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(home / "applications" / "annstudio.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_install_desktop_writes_the_entry_icons_and_file_type_and_uninstall_removes_them(tmp_path, monkeypatch,
                                                                                         capsys):
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    (home / "applications").mkdir(parents=True)
    (home / "applications" / "other.desktop").write_text("[Desktop Entry]\nName=Other\n")  # not ours: kept
    assert cli.main(["install-desktop"]) == 0
    assert "annstudio.desktop" in capsys.readouterr().out
    entry = _entry(home)
    assert entry["Name"] == "ANN Studio" and entry["Type"] == "Application" and entry["Icon"] == "annstudio"
    assert entry["Exec"] == f"{sys.executable} -m annstudio %f" and entry["Terminal"] == "false"
    assert entry["MimeType"] == "application/x-annstudio-workspace;"
    for size in desktop.ICON_SIZES:
        png = home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "annstudio.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (home / "icons/hicolor/scalable/apps/annstudio.svg").read_text().lstrip().startswith("<?xml")
    assert "*.annws" in (home / "mime/packages/annstudio.xml").read_text()
    assert not [p for p in home.rglob(".*") if p.is_file()]  # no temporary file left behind

    assert cli.main(["install-desktop", "--uninstall"]) == 0
    assert "removed 10 files" in capsys.readouterr().out
    ours = [p for p in home.rglob("*annstudio*") if p.is_file()]
    assert not ours and (home / "applications" / "other.desktop").is_file()
    assert cli.main(["install-desktop", "--uninstall"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_the_entry_quotes_a_python_in_a_folder_with_spaces():
    text = desktop.desktop_entry(["/home/ana/my envs/$work/bin/python", "-m", "annstudio"])
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line == 'Exec="/home/ana/my envs/\\\\$work/bin/python" -m annstudio %f'


def test_xdg_data_home_must_be_absolute(monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")
    assert desktop.data_home() == Path.home() / ".local" / "share"


def test_a_folder_that_cannot_be_written_is_one_line(tmp_path, monkeypatch, capsys):
    home = tmp_path / "share"
    home.mkdir()
    (home / "applications").write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    cli_fails(capsys, "install-desktop", match=f"cannot write {home / 'applications' / 'annstudio.desktop'}")


def test_an_installed_wheel_carries_the_icons_and_lessons():
    """pyproject installs resources/ under <prefix>/share/annstudio/resources, where resources_dir() looks."""
    files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    shipped = {ROOT / name for patterns in files.values() for pattern in patterns for name in
               (str(p.relative_to(ROOT)) for p in ROOT.glob(pattern))}
    needed = set((ROOT / "resources" / "lessons").glob("*.md")) | set(desktop.icon_files().values())
    assert needed and needed <= shipped
    assert all(folder.startswith("share/annstudio/resources/") for folder in files)
