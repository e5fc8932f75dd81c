"""Report files are written all at once or not at all."""

import pytest

from comparisons.writing import write_files


def test_writes_every_file(tmp_path):
    paths = write_files(tmp_path / "new" / "dir", {"a.md": "# A\n", "a.csv": "x\n1\n"})
    assert [p.read_text() for p in paths] == ["# A\n", "x\n1\n"]


def test_a_failure_leaves_no_file_behind(tmp_path):
    with pytest.raises(TypeError):
        write_files(tmp_path, {"a.md": "fine", "b.md": None})
    assert list(tmp_path.iterdir()) == []


def test_an_out_path_that_is_a_file(tmp_path):
    target = tmp_path / "report"
    target.write_text("not a folder")
    with pytest.raises(ValueError, match="is a file; expected a folder"):
        write_files(target, {"a.md": "x"})
