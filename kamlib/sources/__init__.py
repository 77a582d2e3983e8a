"""A company's own data, as it comes: a sources file maps its CSV and Excel exports and its SQL
databases to the data contract's tables (:mod:`kamlib.sources.model` the file,
:mod:`kamlib.sources.read` the raw rows, :mod:`kamlib.sources.formats` the strict number and date
formats, :mod:`kamlib.sources.sql` the databases, :mod:`kamlib.sources.load` the tables)."""

from kamlib.sources.model import SourcesError, SourcesFile, read_sources_file

__all__ = ["SourcesError", "SourcesFile", "is_sources_file", "load_sources", "read_sources_file"]


def is_sources_file(path) -> bool:
    """Whether ``path`` names a sources file (``.yaml`` / ``.yml``) rather than a dataset."""
    return str(path).lower().endswith((".yaml", ".yml"))


def load_sources(path):
    """Read and validate the dataset a sources file describes (see
    :func:`kamlib.sources.load.load_sources`)."""
    from kamlib.sources.load import load_sources as _load

    return _load(path)
