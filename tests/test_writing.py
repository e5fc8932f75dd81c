"""Report files are written all at once or not at all."""

import pytest

from comparisons import BadInput
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


def test_an_unwritable_out_path_is_named_not_a_traceback(tmp_path):
    (tmp_path / "file").write_text("a file, so nothing can be made under it")
    with pytest.raises(BadInput, match=r"could not write into output folder .*file/sub"):
        write_files(tmp_path / "file" / "sub", {"a.md": "x"})
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
