"""Saved files are written atomically and get the usual permissions (issue 12: everything was 0600)."""
from __future__ import annotations

import os
import stat
import sys

import numpy as np
import pytest

from annstudio.core import datasets
from annstudio.core.atomic import atomic_path, current_umask
from annstudio.core.points_csv import write_points

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture
def umask():
    """Set the umask for one test, and put the old one back."""
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_umask_s_permissions(tmp_path, umask, mask, expected):
    umask(mask)
    assert current_umask() == mask
    target = tmp_path / "points.csv"
    write_points(target, np.zeros((3, 2)), np.array([0, 1, 0]))
    assert _mode(target) == expected
    assert [p.name for p in tmp_path.iterdir()] == ["points.csv"]  # no temporary file left


def test_a_replaced_file_keeps_its_permissions_and_a_failed_save_keeps_the_file(tmp_path, umask):
    target = tmp_path / "notes.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    with atomic_path(target) as tmp:
        with open(tmp, "w") as out:
            out.write("new")
    assert target.read_text() == "new" and _mode(target) == 0o640
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        with open(tmp, "w") as out:
            out.write("half")
        raise RuntimeError("the save broke off")
    assert target.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_the_mnist_download_gets_the_usual_permissions(tmp_path, umask, mnist_path):
    target = tmp_path / "keras" / "mnist.npz"
    datasets.download_mnist(target, url=mnist_path.as_uri(), sha256=None)  # the shared copy's checksum differs
    assert _mode(target) == 0o644
