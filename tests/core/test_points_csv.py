import os

import numpy as np
import pytest

from annstudio.core import points_csv
from annstudio.core.datasets import DataError
from annstudio.core.points_csv import read_points, write_points


def write(tmp_path, text: str, name: str = "points.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_classification_round_trip(tmp_path):
    x = np.array([[0.1, -2.5], [3.0, 4.0], [1e-7, 12345.678]])
    y = np.array([0, 2, 9])
    path = tmp_path / "c.csv"
    write_points(path, x, y)
    assert path.read_text().splitlines()[0] == "x1,x2,label"
    x2, y2, task = read_points(path)
    assert task == "classification"
    assert x2.shape == (3, 2) and y2.shape == (3,)
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


def test_regression_round_trip(tmp_path):
    x = np.linspace(-4.5, 4.5, 10).reshape(-1, 1)
    y = np.sin(x[:, 0]) / 3
    path = tmp_path / "r.csv"
    write_points(path, x, y)
    assert path.read_text().splitlines()[0] == "x,target"
    x2, y2, task = read_points(path)
    assert task == "regression" and x2.shape == (10, 1)
    np.testing.assert_array_equal(x2, x)  # repr() floats read back exactly
    np.testing.assert_array_equal(y2, y)


def test_files_without_header_are_read_by_their_column_count(tmp_path):
    x, y, task = read_points(write(tmp_path, "1,2,1\n3,4,0\n"))
    assert task == "classification" and x.tolist() == [[1, 2], [3, 4]] and y.tolist() == [1, 0]
    x, y, task = read_points(write(tmp_path, "1.5, 2\n\n-3,4e-1\n"))
    assert task == "regression" and x.tolist() == [[1.5], [-3]] and y.tolist() == [2, 0.4]


def test_spreadsheet_semicolons_and_a_byte_order_mark_are_accepted(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffx1;x2;label\r\n1;2;3\r\n".encode("utf-8"))
    x, y, task = read_points(path)
    assert task == "classification" and x.tolist() == [[1, 2]] and y.tolist() == [3]


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("\n  \n", "empty"),
    ("x1,x2,label\n", "no points"),
    ("x1,x2,label\n1,abc,0\n", "line 2"),
    ("x1,x2,label\n1,2,0\n3,4\n", "line 3"),
    ("1,2,3,4\n", "4 columns"),
    ("a,b,c,d\n1,2,3,4\n", "4 columns"),
    ("x1,x2,label\n1,2,1.5\n", "1.5"),
    ("x1,x2,label\n1,2,10\n", "0 to 9"),
    ("x1,x2,label\n1,2,-1\n", "0 to 9"),
    ("x,target\n1,nan\n", "finite"),
    ("x,target\n1,2\ninf,2\n", "line 3"),
    ("1,1_0\n", "not a number"),
    ("1,x\n", "line 1"),
])
def test_bad_files_are_refused_with_a_sentence(tmp_path, text, words):
    with pytest.raises(DataError) as info:
        read_points(write(tmp_path, text))
    assert words in str(info.value)


def test_a_missing_file_or_a_binary_file_is_refused(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_points(tmp_path / "nope.csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81\x82")
    with pytest.raises(DataError, match="not a text"):
        read_points(binary)
    with pytest.raises(DataError, match="folder"):
        read_points(tmp_path)


def test_more_than_the_row_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(points_csv, "MAX_ROWS", 5)
    read_points(write(tmp_path, "x,target\n" + "1,2\n" * 5))
    with pytest.raises(DataError, match="more than 5 rows"):
        read_points(write(tmp_path, "x,target\n" + "1,2\n" * 6))
    with pytest.raises(DataError, match="more than 5 rows"):
        read_points(write(tmp_path, "1,2\n" * 6))


def test_the_real_row_limit(tmp_path):
    assert points_csv.MAX_ROWS == 100_000
    with pytest.raises(DataError, match="more than 100000 rows"):
        read_points(write(tmp_path, "1,2\n" * 100_001))


def test_write_refuses_bad_points(tmp_path):
    with pytest.raises(DataError, match="whole numbers"):
        write_points(tmp_path / "a.csv", np.zeros((2, 2)), np.array([0, 1.5]))
    with pytest.raises(DataError, match="finite"):
        write_points(tmp_path / "a.csv", np.array([[np.nan]]), np.array([1.0]))
    with pytest.raises(DataError):
        write_points(tmp_path / "a.csv", np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(DataError, match="cannot write"):
        write_points(tmp_path / "missing-folder" / "a.csv", np.zeros((1, 1)), np.zeros(1))
    assert not (tmp_path / "a.csv").exists()


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.csv"
    write_points(path, np.array([[1.0]]), np.array([2.0]))
    before = path.read_text()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(DataError, match="No space left"):
        write_points(path, np.array([[5.0]]), np.array([6.0]))
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]
