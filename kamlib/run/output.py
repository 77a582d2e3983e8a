"""The output folder of a run: checked before any work, locked against a second run, and
written atomically, so that a report appears only complete.

* :func:`check_writable` fails fast (before the data are read) for a folder that cannot be
  created or written, and leaves nothing behind;
* :class:`OutputFolder` takes an exclusive lock on ``<out>/.kam.lock`` for the run, so a second
  ``kam report`` into the same folder refuses to start instead of interleaving its files;
* :meth:`OutputFolder.write` writes to a hidden temporary name and renames, and
  :meth:`OutputFolder.sweep` removes temporary files an interrupted run left behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path

from kamlib.errors import KamError

__all__ = ["LOCK_NAME", "OutputFolder", "check_writable"]

LOCK_NAME = ".kam.lock"
_TMP_SUFFIX = ".kamtmp"


def check_writable(out: Path) -> None:
    """Fail unless ``out`` is, or can be created as, a folder that can be written.

    Nothing is created: the nearest existing folder on the way is probed with a temporary file
    that is removed again.

    Raises
    ------
    KamError
        Naming the folder and the reason.
    """
    out = Path(out)
    probe = out
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        what = "is a file" if probe == out else f"lies under the file {probe}"
        raise KamError(f"cannot write to the output folder {out}: it {what}, not a folder.")
    try:
        with tempfile.NamedTemporaryFile(dir=probe, prefix=".kam-probe-"):
            pass
    except OSError as exc:
        raise KamError(
            f"cannot write to the output folder {out}: {exc.strerror or exc} ({probe})."
        ) from None


class OutputFolder:
    """The folder a run writes into; use as a context manager to hold its lock."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock_file = None

    def __enter__(self) -> OutputFolder:
        try:
            (self.path / "notebooks").mkdir(parents=True, exist_ok=True)
            handle = open(self.path / LOCK_NAME, "a+b")  # held (and locked) for the whole run
        except OSError as exc:
            raise KamError(
                f"cannot write to the output folder {self.path}: {exc.strerror or exc}."
            ) from None
        if not _try_lock(handle):
            handle.close()
            raise KamError(
                f"another kam report is writing into {self.path} right now; wait for it to "
                "finish, or write into another folder with --out."
            )
        self._lock_file = handle
        return self

    def __exit__(self, *exc_info) -> None:
        if self._lock_file is not None:
            _unlock(self._lock_file)
            self._lock_file.close()
            self._lock_file = None

    def write(self, name: str, content: str | bytes) -> Path:
        """Write ``content`` (text as UTF-8) to ``name`` (relative to the folder) atomically."""
        target = self.path / name
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}{_TMP_SUFFIX}")
        try:
            if isinstance(content, bytes):
                tmp.write_bytes(content)
            else:
                tmp.write_text(content, encoding="utf-8")
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return target

    def remove(self, name: str) -> None:
        """Remove ``name`` if it exists (a stale report of an earlier run)."""
        with contextlib.suppress(FileNotFoundError):
            (self.path / name).unlink()

    def sweep(self) -> None:
        """Remove temporary files left by an interrupted write."""
        for folder in (self.path, self.path / "notebooks"):
            for tmp in folder.glob(f".*{_TMP_SUFFIX}"):
                with contextlib.suppress(OSError):
                    tmp.unlink()


try:  # POSIX
    import fcntl

    def _try_lock(handle) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

except ImportError:  # Windows
    import msvcrt

    def _try_lock(handle) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle) -> None:
        handle.seek(0)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
