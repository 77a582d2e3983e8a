"""Work a run does not repeat: the shared context cached on disk, and a manifest of the reports
in the output folder.

Both are keyed by content hashes of everything they depend on, never by file times (a nightly
re-export touches every file without changing one value):

* the **context** (the validated dataset and the KPI tables now, a month ago and a year ago) by
  kam's own files, the data's bytes and the reporting date, stored with the fingerprint of the
  parameter files it was scored with: the parameters decide only the health scores and the
  key accounts, so a run with other parameters takes the cached KPIs and forecasts and makes
  those two again (:func:`kamlib.context.with_params`); it lives in the user's cache folder
  (``KAM_CACHE_DIR``, else ``$XDG_CACHE_HOME/kam`` or ``~/.cache/kam``).
  Data read from a database through a sources file can change without a byte on disk changing,
  so such a run is never cached.
* each **report** by kam's own files, the notebooks, the data's fingerprint, the reporting date,
  its parameters (the portfolio report: every parameter file), the key accounts (and the rule,
  where it chose them: every report shows key-account figures) and whether a PDF is made;
  ``<out>/manifest.json`` records them, and a re-run writes only the reports whose key changed.
  Any change of the data rebuilds every report: an account's report shows figures of the whole
  portfolio (percentiles, pooled survey drivers, its segment's market), so only the whole
  dataset's fingerprint is a key that can never leave a report stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from kamlib import __version__
from kamlib.run.kernels import Failure
from kamlib.run.outcome import AccountResult

__all__ = [
    "MANIFEST",
    "Manifest",
    "cache_dir",
    "code_fingerprint",
    "context_key",
    "load_context",
    "store_context",
]

MANIFEST = "manifest.json"
#: contexts kept in the cache folder (the newest)
_KEEP = 8


def cache_dir() -> Path:
    """The folder of cached contexts."""
    if os.environ.get("KAM_CACHE_DIR"):
        return Path(os.environ["KAM_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kam"


def _digest_files(digest, files) -> None:
    for f in files:
        digest.update(str(f.name).encode())
        digest.update(f.read_bytes())


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of kam's own files (code, notebooks, templates, catalogs) and its version: a
    changed kam never reuses a context or a report of another."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(__version__.encode())
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc",)
    )
    for f in files:
        digest.update(str(f.relative_to(root)).encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def _data_fingerprint(data: str) -> str | None:
    """A hash of the data's bytes; None when the data cannot be fingerprinted from files (a
    sources file that reads a database)."""
    digest = hashlib.sha256()
    if not data:
        return "demo"
    path = Path(data)
    if path.is_dir():
        _digest_files(digest, sorted(f for f in path.iterdir() if f.is_file()))
    elif path.suffix.lower() in (".yaml", ".yml"):
        text = path.read_text(encoding="utf-8")
        if "connection" in text:
            return None
        _digest_files(digest, sorted(f for f in path.parent.rglob("*") if f.is_file()))
    elif path.is_file():
        _digest_files(digest, [path])
    else:
        return None
    return digest.hexdigest()[:16]


def params_fingerprint(params_dir: str) -> str:
    """A hash of every parameter file."""
    digest = hashlib.sha256()
    if params_dir and Path(params_dir).is_dir():
        _digest_files(digest, sorted(Path(params_dir).glob("*.y*ml")))
    return digest.hexdigest()[:16]


def context_key(data: str, as_of: str) -> str | None:
    """The cache key of a run's context, or None when it must not be cached."""
    fingerprint = _data_fingerprint(data)
    if fingerprint is None:
        return None
    parts = [code_fingerprint(), fingerprint, as_of]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def load_context(key: str) -> tuple[str, object] | None:
    """The cached context of ``key`` and the :func:`params_fingerprint` it was scored with,
    or None (missing, or unreadable: then computed again)."""
    path = cache_dir() / f"context-{key}.pkl"
    try:
        with open(path, "rb") as fh:
            stored_key, scored_with, context = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None
    if stored_key != key:
        return None
    os.utime(path)  # the newest are kept
    return scored_with, context


def store_context(key: str, context, scored_with: str) -> None:
    """Keep ``context`` under ``key`` with the fingerprint of its parameters (written
    atomically; the oldest entries are removed). A cache that cannot be written costs only
    the next run's time."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".context-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((key, scored_with, context), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"context-{key}.pkl")
        entries = sorted(folder.glob("context-*.pkl"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-_KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def report_key(*parts: str) -> str:
    """The key of one report from the texts it depends on."""
    return hashlib.sha256("\0".join([code_fingerprint(), *parts]).encode()).hexdigest()[:24]


class Manifest:
    """``<out>/manifest.json``: per report, its key and its outcome when it was written."""

    def __init__(self, out: Path):
        self.path = Path(out) / MANIFEST
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries: dict = raw.get("reports", {}) if isinstance(raw, dict) else {}
        except (OSError, ValueError):
            self.entries = {}

    def reusable(self, report: str, key: str, out: Path, pdf: bool) -> AccountResult | None:
        """The earlier outcome of ``report`` when its key is unchanged and its files are all
        there (a failed report is always made again)."""
        entry = self.entries.get(report)
        if not entry or entry.get("key") != key:
            return None
        result = entry.get("result", {})
        if result.get("status") not in ("ok", "partial"):
            return None
        files = [result.get("report"), result.get("notebook")]
        if pdf:
            files.append(result.get("pdf"))
        if not all(f and (Path(out) / f).is_file() for f in files):
            return None
        failures = [Failure(**f) for f in result.get("failures", [])]
        return AccountResult(**{**result, "failures": failures, "seconds": 0.0, "reused": True})

    def record(self, report: str, key: str, result: AccountResult) -> None:
        """Remember a report just written (a failed one is forgotten)."""
        if result.status in ("ok", "partial"):
            self.entries[report] = {"key": key, "result": asdict(result)}
        else:
            self.entries.pop(report, None)

    def text(self) -> str:
        """The manifest's content."""
        return json.dumps({"kam_version": __version__, "reports": self.entries}, indent=1)
