"""Output folders (``comparisons.writing``): checked writable before any work, written all at once or not
at all, and one run at a time (a run's files replace the previous run's; a person's own files stay)."""

import argparse
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from comparisons import BadInput
from comparisons import writing
from comparisons.writing import MANIFEST, check_out_dir, out_folder, write_files

HANDGRAD = [sys.executable, "-m", "comparisons.cli"]


def everything(folder):
    """Every path under ``folder``, relative, sorted: what a run left behind."""
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*"))


def no_leftovers(folder):
    """No temporary, set-aside or probe file anywhere under ``folder``."""
    return not [p for p in everything(folder) if p.endswith((".partial", ".previous")) or "probe" in p]


def contents(folder):
    """{name: text} of the files of ``folder`` but the manifest."""
    return {p.name: p.read_text() for p in sorted(Path(folder).iterdir()) if p.is_file() and p.name != MANIFEST}


# --- all at once, or not at all ---------------------------------------------------------------------------


def test_writes_every_file_and_lists_them(tmp_path):
    paths = write_files(tmp_path / "new" / "dir", {"a.md": "# A\n", "a.csv": "x\n1\n", "a.png": b"\x89PNG"},
                        run="report")
    assert [p.read_bytes() for p in paths] == [b"# A\n", b"x\n1\n", b"\x89PNG"]
    runs = json.loads((tmp_path / "new" / "dir" / MANIFEST).read_text())["runs"]
    assert set(runs["report"]["files"]) == {"a.md", "a.csv", "a.png"} and paths.notes == []


def test_files_are_made_as_open_would_make_them(tmp_path):
    """Not 0600 as a temporary file would be: the umask decides, as for any file the person writes."""
    umask = os.umask(0o022)
    try:
        [path] = write_files(tmp_path, {"a.md": "x"})
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("folder", ["existing", "new/sub"])
def test_a_failure_leaves_no_file_behind(tmp_path, folder):
    if folder == "existing":
        (tmp_path / folder).mkdir()
    with pytest.raises(TypeError):
        write_files(tmp_path / folder, {"a.md": "fine", "b.md": None})
    assert everything(tmp_path) == (["existing"] if folder == "existing" else [])


@pytest.fixture
def existing(tmp_path):
    """``tmp_path / "out"`` holding a previous run's a.md and b.md, and the person's notes.txt."""
    out = tmp_path / "out"
    write_files(out, {"a.md": "old a", "b.md": "old b"}, run="report")
    (out / "notes.txt").write_text("mine")
    return out


def fail_on(nth, real):
    """``os.fdopen`` whose ``nth`` file (0-based) fills the disk half-way through its write."""
    opened = []

    class Full:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fdopen(fd, *args, **kwargs):
        f = real(fd, *args, **kwargs)
        opened.append(fd)
        return Full(f) if len(opened) == nth + 1 else f

    return fdopen


@pytest.mark.parametrize("nth, name", [(0, "a.md"), (1, "b.md"), (2, "c.md"), (3, MANIFEST)])
def test_a_full_disk_part_way_names_the_file_and_keeps_the_folder_as_it_was(existing, monkeypatch, nth, name):
    before = {p.name: p.read_bytes() for p in existing.iterdir()}
    monkeypatch.setattr(writing.os, "fdopen", fail_on(nth, os.fdopen))
    with pytest.raises(BadInput) as caught:
        write_files(existing, {"a.md": "new a", "b.md": "new b", "c.md": "new c"}, run="report")
    message = str(caught.value)
    assert message.startswith(f"could not write {existing / name}: No space left on device") and "\n" not in message
    assert {p.name: p.read_bytes() for p in existing.iterdir()} == before and no_leftovers(existing)


@pytest.mark.parametrize("failing", ["a.md", "b.md", "c.md", MANIFEST])
def test_a_rename_that_fails_puts_back_every_file_it_replaced(existing, monkeypatch, failing):
    before = {p.name: p.read_bytes() for p in existing.iterdir()}
    real = os.replace

    def replace(src, dst):
        if Path(dst).name == failing and str(src).endswith(".partial"):     # not the putting back
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(src), None, str(dst))
        return real(src, dst)

    monkeypatch.setattr(writing.os, "replace", replace)
    with pytest.raises(BadInput, match=rf"could not write {existing / failing}: Permission denied; nothing of "):
        write_files(existing, {"a.md": "new a", "b.md": "new b", "c.md": "new c"}, run="report")
    assert {p.name: p.read_bytes() for p in existing.iterdir()} == before and no_leftovers(existing)


def test_a_folder_in_the_way_of_a_file_is_named_before_anything_is_written(existing):
    (existing / "c.md").mkdir()
    with pytest.raises(BadInput, match=r"cannot write .*out/c\.md: a folder of that name is in the way"):
        write_files(existing, {"a.md": "new a", "c.md": "new c"}, run="report")
    assert contents(existing) == {"a.md": "old a", "b.md": "old b", "notes.txt": "mine"} and no_leftovers(existing)


# --- one run at a time --------------------------------------------------------------------------------------


def test_a_second_run_replaces_the_first_and_keeps_the_persons_files(tmp_path):
    out = tmp_path / "reports"
    write_files(out, {"a.md": "A's a", "b.csv": "A's b", "c.png": b"A's c"}, run="report")
    (out / "notes.txt").write_text("the person's own")
    written = write_files(out, {"a.md": "B's a", "b.csv": "B's b"}, run="report")
    assert contents(out) == {"a.md": "B's a", "b.csv": "B's b", "notes.txt": "the person's own"}
    assert written.removed == ["c.png"] and written.notes == [
        f"removed 1 file that the previous report run wrote into {out} and this one did not: c.png"]


def test_another_commands_files_in_the_same_folder_stay(tmp_path):
    """report and mistakes both default to reports/: one does not remove the other's files."""
    write_files(tmp_path, {"report.md": "r", "agreement.csv": "r"}, run="report")
    write_files(tmp_path, {"mistakes.md": "m"}, run="mistakes")
    again = write_files(tmp_path, {"report.md": "r2"}, run="report")
    assert contents(tmp_path) == {"mistakes.md": "m", "report.md": "r2"} and again.removed == ["agreement.csv"]
    assert set(json.loads((tmp_path / MANIFEST).read_text())["runs"]) == {"report", "mistakes"}


def test_a_file_the_person_changed_since_is_kept_and_said(tmp_path):
    write_files(tmp_path, {"a.md": "a", "c.md": "handgrad's"}, run="check")
    (tmp_path / "c.md").write_text("the person's notes, added to handgrad's")
    again = write_files(tmp_path, {"a.md": "a2"}, run="check")
    assert (tmp_path / "c.md").exists() and again.removed == [] and again.kept == ["c.md"]
    assert "kept 1 file of the previous check run" in again.notes[0]


@pytest.mark.parametrize("manifest", ["not json", '{"runs": {"report": {"files": {"../outside.md": [1, 1], '
                                                  '"/etc/hostname": [1, 1], "sub/x.md": [1, 1]}}}}',
                                      '{"runs": []}', '[1, 2]'])
def test_a_manifest_handgrad_did_not_write_removes_nothing(tmp_path, manifest):
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text(manifest)
    (tmp_path / "outside.md").write_text("x")
    (out / "sub").mkdir()
    (out / "sub" / "x.md").write_text("x")
    written = write_files(out, {"a.md": "a"}, run="report")
    assert written.removed == [] and (tmp_path / "outside.md").exists() and (out / "sub" / "x.md").exists()
    assert list(json.loads((out / MANIFEST).read_text())["runs"]["report"]["files"]) == ["a.md"]


# --- checked before any work --------------------------------------------------------------------------------


def test_the_probe_leaves_nothing_behind(tmp_path):
    assert check_out_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    (tmp_path / "c").mkdir()
    check_out_dir(tmp_path / "c")
    assert everything(tmp_path) == ["c"] and check_out_dir(None) is None


def test_an_unwritable_folder_is_found_by_trying(tmp_path, monkeypatch):
    """A folder the OS refuses (permissions, read-only mount; root included): named, and what the probe
    made removed. The refusal is simulated here; the real ones run below as another user."""
    real = os.open

    def refuse(path, *args, **kwargs):
        if ".handgrad-probe-" in str(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(writing.os, "open", refuse)
    with pytest.raises(BadInput, match=r"^--out .*/new/sub: cannot write into this folder \(Read-only file system\); "
                                       r"expected a folder you can write to"):
        check_out_dir(tmp_path / "new" / "sub")
    assert everything(tmp_path) == []


@pytest.mark.parametrize("text", ["", "   ", "\t", "a\0b"])
def test_a_blank_out_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected a folder path, e.g. --out reports"):
        out_folder(text)
    with pytest.raises(BadInput, match="^--out: .*; expected a folder path"):
        check_out_dir(text)


def bad_folders(tmp):
    """{case: (the --out value, what the one line says)}: folders no run could write into, made in ``tmp``."""
    (tmp / "file").write_text("keep me")
    return {"empty": ("", "argument --out: '' names no folder; expected a folder path"),
            "spaces": ("   ", "argument --out: '   ' names no folder; expected a folder path"),
            "a file": (str(tmp / "file"), f"--out {tmp / 'file'} is a file; expected a folder"),
            "under a file": (str(tmp / "file" / "sub"), f"--out {tmp / 'file' / 'sub'}: cannot make this folder: "
                                                       f"{tmp / 'file'} is a file; expected a folder you can write to"),
            "no such device": ("/sys/handgrad-out/x", "--out /sys/handgrad-out/x: cannot make this folder ("),
            "name too long": (str(tmp / ("x" * 300)), "(File name too long); expected a folder you can write to")}


COMMANDS = {"reproduce": ["reproduce"], "check": ["check", "--model", "linear_regression"],
            "report": ["report", "--model", "linear_regression", "--no-speed"], "mistakes": ["mistakes"],
            "bench": ["bench", "--model", "linear_regression"], "verify": ["verify", "mine.py"]}


@pytest.mark.parametrize("case", ["empty", "spaces", "a file", "under a file", "no such device", "name too long"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_refuses_a_bad_folder_before_its_work(handgrad, tmp_path, command, case):
    if case == "no such device" and not os.path.isdir("/sys/kernel"):
        pytest.skip("no sysfs here")
    value, message = bad_folders(tmp_path)[case]
    status, out, err = handgrad(*COMMANDS[command], "--out", value)
    assert status == 2 and out == ""            # nothing printed: refused before the work
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert everything(tmp_path) == ["file"] and (tmp_path / "file").read_text() == "keep me"


@pytest.fixture
def as_someone_else(tmp_path_factory):
    """(a folder anyone can enter, a prefix that runs a command as a user chmod binds): the person
    themselves when not root; as root, where permissions do not bite, 'nobody' through setpriv."""
    if os.geteuid() != 0:
        yield tmp_path_factory.mktemp("shared"), []
        return
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: chmod does not bite")
    shared = Path(tempfile.mkdtemp(prefix="handgrad-writing-"))
    shared.chmod(0o755)
    try:
        yield shared, ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    finally:
        shutil.rmtree(shared)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["read-only folder", "under a read-only folder", "deep under one"])
@pytest.mark.parametrize("command", ["reproduce", "check"])
def test_a_read_only_folder_is_refused_before_the_work(as_someone_else, command, where):
    shared, prefix = as_someone_else
    locked = shared / "locked"
    locked.mkdir()
    (locked / "old.md").write_text("keep me")
    locked.chmod(0o555)
    out = {"read-only folder": locked, "under a read-only folder": locked / "new",
           "deep under one": locked / "a" / "b"}[where]
    try:
        done = subprocess.run([*prefix, *HANDGRAD, *COMMANDS[command], "--out", str(out)], capture_output=True,
                              text=True, timeout=120, cwd=shared, env={**os.environ, "MPLCONFIGDIR": str(shared)})
    finally:
        locked.chmod(0o755)
    verb = "write into" if where == "read-only folder" else "make"
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert done.stderr == f"handgrad: error: --out {out}: cannot {verb} this folder (Permission denied); expected " \
                          f"a folder you can write to (made if missing)\n"
    assert everything(locked) == ["old.md"]


@pytest.mark.slow
def test_a_full_disk_through_the_command_line_is_one_line(handgrad, tmp_path, monkeypatch):
    monkeypatch.setattr(writing.os, "fdopen", fail_on(1, os.fdopen))
    status, out, err = handgrad("reproduce", "--out", str(tmp_path / "out"))
    assert status == 2 and "VERDICT" in out      # the work was done; only its files could not be written
    assert err == f"handgrad: error: could not write {tmp_path / 'out' / 'reproduce.csv'}: No space left on " \
                  f"device; nothing of this run was kept, and {tmp_path / 'out'} holds what it held before\n"
    assert everything(tmp_path) == []           # not even the folder made for it


@pytest.mark.slow
def test_a_second_check_replaces_the_first_in_the_folder(handgrad, tmp_path):
    args = ("check", "--model", "linear_regression", "--out", str(tmp_path))
    assert handgrad(*args, "--recipe", "ng")[0] == 0 and (tmp_path / "recipe-ng.md").exists()
    (tmp_path / "notes.txt").write_text("mine")
    status, out, _ = handgrad(*args)
    assert status == 0 and not (tmp_path / "recipe-ng.md").exists() and (tmp_path / "notes.txt").exists()
    assert f"removed 1 file that the previous check run wrote into {tmp_path} and this one did not: recipe-ng.md" \
        in " ".join(out.split())          # the line is wrapped to the terminal's width
