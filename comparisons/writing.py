"""Output folders: checked before the work, written all at once or not at all, one run at a time.

Three promises to whoever gives ``--out``:

- **checked first.** ``check_out_dir`` refuses a blank name and a path it cannot write into before any
  long work, by trying: it makes the folder if needed, writes and removes a probe file, and removes
  what it made, so the verdict holds for permissions, read-only mounts and root alike, and a run that
  fails later leaves no empty folder behind.
- **all or nothing.** ``write_files`` writes every file under a temporary name beside its target, and
  only when all are written renames them into place, putting back the files they replace if a rename
  fails; a full disk or a folder gone read-only leaves the folder as it was, and names the path.
- **one run at a time.** A folder never mixes two runs of a command: the files a run wrote are listed
  in ``MANIFEST``, and the next run of the same command removes those it did not write again. Only
  files in that list, unchanged since (same size and time), are ever removed: a file handgrad did not
  write, or one the person has edited since, stays. Each command has its own list, so ``report`` and
  ``mistakes`` share ``reports/`` (both default to it) without one removing the other's files.
"""

import argparse
import datetime
import json
import os
import secrets
import stat
from pathlib import Path

from comparisons import BadInput

MANIFEST = ".handgrad-files.json"
EXPECTED = "expected a folder you can write to (made if missing)"


def blank(text):
    """Why ``text`` names no folder ('' or spaces only, a NUL), or ''."""
    if not str(text).strip():
        return f"{str(text)!r} names no folder"
    return "a NUL character cannot be in a path" if "\0" in str(text) else ""


def out_folder(text):
    """argparse type of ``--out``: ``text`` unchanged, or a usage error before any work ('' would write
    into the current folder, unseen)."""
    if blank(text):
        raise argparse.ArgumentTypeError(f"{blank(text)}; expected a folder path, e.g. --out reports")
    return text


def check_out_dir(out_dir):
    """``Path(out_dir)``, checked writable before the long work; None stays None (no --out given).

    Raises ``BadInput`` naming ``--out`` for a blank name, a file, a path under a file, and a folder
    that cannot be written into (permissions, a read-only mount, no space for one byte).
    """
    if out_dir is None:
        return None
    out = as_folder(out_dir)
    made = make_folder(out)
    try:
        probe = out / f".handgrad-probe-{secrets.token_hex(4)}"
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
    except OSError as e:
        raise BadInput(f"--out {out}: cannot write into this folder ({reason(e)}); {EXPECTED}") from e
    finally:
        remove_folders(made)
    return out


def as_folder(out_dir):
    """``Path(out_dir)``, or ``BadInput`` for a blank name or a path that is a file."""
    if blank(out_dir):
        raise BadInput(f"--out: {blank(out_dir)}; expected a folder path, e.g. --out reports")
    out = Path(out_dir)
    if is_file(out):
        raise BadInput(f"--out {out} is a file; expected a folder (or a path to create)")
    return out


def is_file(path):
    """True when ``path`` exists and is not a folder; ``BadInput`` when it cannot even be looked at (a
    parent folder that may not be read)."""
    try:
        return path.exists() and not path.is_dir()
    except OSError as e:
        raise BadInput(f"--out {path}: cannot look at this path ({reason(e)}); {EXPECTED}") from e


def make_folder(out):
    """Make ``out`` and its missing parents; returns the folders made, deepest first (to remove them)."""
    missing, at = [], out
    try:
        while not at.exists() and at != at.parent:
            missing.append(at)
            at = at.parent
    except OSError as e:
        raise BadInput(f"--out {out}: cannot look at {at} ({reason(e)}); {EXPECTED}") from e
    if is_file(at):
        raise BadInput(f"--out {out}: cannot make this folder: {at} is a file; {EXPECTED}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        remove_folders(missing)
        raise BadInput(f"--out {out}: cannot make this folder ({reason(e)}); {EXPECTED}") from e
    return missing


def remove_folders(folders):
    """Remove ``folders`` (deepest first) where still empty: the ones made for a probe or a failed write."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return      # not empty (something else wrote there) or gone: its parents stay too


def reason(e):
    """The OS's words for ``e`` (e.g. 'No space left on device'), without the path said beside them."""
    return e.strerror or str(e) or type(e).__name__


class Written(list):
    """The paths a run wrote; ``removed``: the previous run's files it removed, ``kept``: those it left
    because they changed since handgrad wrote them."""

    def __init__(self, paths, folder, run, removed=(), kept=()):
        super().__init__(paths)
        self.folder, self.run, self.removed, self.kept = folder, run, list(removed), list(kept)

    @property
    def notes(self):
        """Lines for the person: what happened to the previous run's files (none when nothing did)."""
        lines = []
        if self.removed:
            lines.append(f"removed {count(self.removed)} that the previous {self.run} run wrote into {self.folder} "
                         f"and this one did not: {', '.join(self.removed)}")
        if self.kept:
            lines.append(f"kept {count(self.kept)} of the previous {self.run} run in {self.folder}, changed "
                         f"since it was written: {', '.join(self.kept)}")
        return lines


def count(names):
    return f"{len(names)} file{'s' if len(names) != 1 else ''}"


def write_files(out_dir, files, run="handgrad"):
    """Write ``{file name: text}`` into ``out_dir`` (made if needed; bytes, e.g. a PNG, as they are), all
    at once or none, then remove the files of the previous ``run`` there that this one did not write.

    ``run`` names the command (``report``, ``check``, ...): each has its own list in ``MANIFEST``. Returns
    the paths written, a ``Written`` whose ``notes`` say what was removed. A write that fails (full disk,
    permissions) raises ``BadInput`` naming the path; no temporary file stays and the folder keeps the
    files it had. A name that is not a plain file name is our bug: ``ValueError``.
    """
    for name in files:
        if not plain(name) or name == MANIFEST:
            raise ValueError(f"not a plain file name for a report: {name!r}")
    out = as_folder(out_dir)
    in_the_way = [out / name for name in files if os.path.isdir(out / name)]
    if in_the_way:
        raise BadInput(f"cannot write {in_the_way[0]}: a folder of that name is in the way; expected it free "
                       f"for handgrad's file (remove or rename that folder)")
    made = make_folder(out)
    previous = read_manifest(out)
    staged, at, done = {}, out, False
    try:
        for name, content in files.items():
            at = out / name
            data = content if isinstance(content, bytes) else str.encode(content, "utf-8")   # else TypeError
            staged[name] = stage(out, name, data)
        runs = {**previous, run: {"when": datetime.datetime.now().isoformat(timespec="seconds"),
                                  "files": {name: signature(os.stat(tmp)) for name, tmp in staged.items()}}}
        at = out / MANIFEST
        staged[MANIFEST] = stage(out, MANIFEST, manifest_text(runs).encode("utf-8"))
        swap(out, staged)
        done = True
    except OSError as e:
        at = getattr(e, "target", at)
        raise BadInput(f"could not write {at}: {reason(e)}; nothing of this run was kept, and {out} holds what "
                       f"it held before") from e
    finally:
        for tmp in staged.values():
            try:
                tmp.unlink(missing_ok=True)     # renamed into place already, or a leftover of a failure
            except OSError:
                pass        # the error being raised says more than this one would
        if not done:
            remove_folders(made)
    removed, kept = remove_previous(out, previous.get(run, {}).get("files", {}), set(files))
    return Written([out / name for name in files], out, run, removed, kept)


def plain(name):
    """True for a file name with no folder in it (nothing a manifest could use to reach outside)."""
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name \
        and "\0" not in name


def stage(out, name, data):
    """Write ``data`` under a fresh temporary name beside ``out / name``; returns that path."""
    tmp = out / f".{name}.{secrets.token_hex(4)}.partial"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)     # 0o666: the umask decides, as for open()
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def swap(out, staged):
    """Rename every staged file onto its target, in order; if one rename fails, undo the others (the
    files they replaced are put back) and raise, with the failing target as the error's ``target``. The
    replaced files are moved aside first, not overwritten, so that they can be put back."""
    done = []       # (target, the file it replaced moved aside, or None)
    target = out
    try:
        for name, tmp in staged.items():
            target = out / name
            aside = None
            if os.path.lexists(target):
                aside = out / f".{name}.{secrets.token_hex(4)}.previous"
                os.replace(target, aside)
            done.append((target, aside))
            os.replace(tmp, target)
    except BaseException as e:
        for put, aside in reversed(done):
            try:
                if aside is not None:
                    os.replace(aside, put)
                else:
                    put.unlink(missing_ok=True)
            except OSError:
                pass    # nothing better to do: the error raised names the path that failed
        if isinstance(e, OSError):
            e.target = target       # the OS names the temporary file; the person knows the target's name
        raise
    for _, aside in done:
        try:
            if aside is not None:
                aside.unlink(missing_ok=True)
        except OSError:
            pass        # a folder was in the manifest's place: left aside under its hidden name


def signature(st):
    """[size, modification time in ns]: how a later run tells a file still as handgrad wrote it."""
    return [st.st_size, st.st_mtime_ns]


def manifest_text(runs):
    note = ("handgrad: the files each command's last run wrote into this folder. The next run of a command "
            "removes its files that it does not write again, if unchanged; files not listed here are never "
            "touched.")
    entries = ",\n".join(f"  {json.dumps(run)}: {json.dumps(entry)}" for run, entry in runs.items())
    return f'{{\n "note": {json.dumps(note)},\n "runs": {{\n{entries}\n }}\n}}\n'     # a run a line


def read_manifest(out):
    """{command: {"when", "files": {name: signature}}} of ``out``'s manifest; {} when there is none or it
    cannot be read (then nothing is removed: a file is removed only on the manifest's word)."""
    try:
        runs = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["runs"]
        return {run: {"when": str(entry.get("when", "")),
                      "files": {name: list(sig) for name, sig in entry["files"].items()
                                if plain(name) and isinstance(sig, list) and len(sig) == 2}}
                for run, entry in runs.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def remove_previous(out, previous, now):
    """Remove the previous run's files (``{name: signature}``) not in ``now`` and unchanged since they
    were written; returns (removed names, names kept because they changed or could not be removed)."""
    removed, kept = [], []
    for name, sig in sorted(previous.items()):
        if name in now:
            continue
        path = out / name
        try:
            st = os.lstat(path)
        except OSError:
            continue        # gone already
        if not stat.S_ISREG(st.st_mode) or signature(st) != sig:
            kept.append(name)
            continue
        try:
            path.unlink()
            removed.append(name)
        except OSError:
            kept.append(name)
    return removed, kept
