"""Writing a report's files all at once, or not at all."""

import os
from pathlib import Path

from comparisons import BadInput


def check_out_dir(out_dir):
    """``Path(out_dir)``, or ``BadInput`` when it exists and is not a folder (checked before long work)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BadInput(f"output folder {out} is a file; expected a folder (or a path to create)")
    return out


def write_files(out_dir, files):
    """Write ``{file name: text}`` into ``out_dir``, which is made if needed (bytes, e.g. a PNG, as they are).

    Every file is first written beside its target under a temporary name; only when all are
    written are they renamed into place, so a failure never leaves a partly written report.
    Raises ``BadInput`` when ``out_dir`` exists and is not a folder, or cannot be written (the
    folder is the user's: a read-only folder or a full disk is named, not shown as a traceback).
    """
    out = check_out_dir(out_dir)
    staged = {}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            tmp = out / f".{name}.partial"
            staged[name] = tmp
            if isinstance(text, bytes):
                tmp.write_bytes(text)
            else:
                tmp.write_text(text, encoding="utf-8")
        for name, tmp in staged.items():
            os.replace(tmp, out / name)
    except OSError as e:
        raise BadInput(f"could not write into output folder {out}: {e.strerror or e}") from e
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
    return [out / name for name in files]
