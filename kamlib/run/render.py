"""What a run writes for people: the report HTML, the audit notebook and the index page.

* :func:`for_readers` replaces each failed section by one short notice in the reader's
  language (never a traceback);
* :func:`audit_notebook` is the executed notebook with every traceback kept and each failing
  cell marked the way papermill marks one (a message at the top, an anchor before the cell);
* :func:`export_html` renders with nbconvert's ``kam`` template (no code, nothing loaded from
  the network, images inline);
* :func:`index_html` renders ``index.html`` from an autoescaping Jinja template.
"""

from __future__ import annotations

import copy
import importlib.resources
import itertools
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from kamlib import blocks
from kamlib.i18n import N_, jinja_env, translate_markdown, translation, translator
from kamlib.run.compose import heading, is_essential, section_of
from kamlib.run.kernels import Failure
from kamlib.summary import DIGEST_MIMETYPE

__all__ = [
    "DIGEST_MIMETYPE",
    "NOTICE",
    "TEMPLATES_DIR",
    "audit_notebook",
    "digest_of",
    "export_html",
    "for_readers",
    "index_html",
]

TEMPLATES_DIR = Path(str(importlib.resources.files("kamlib") / "templates"))
#: shown instead of a section that could not be produced (translated for the reader)
NOTICE = N_("This section could not be produced from the data; the analyst has been told.")
# papermill's marker, so that papermill.execute.remove_error_markers recognises ours
ERROR_MARKER_TAG = "papermill-error-cell-tag"


def _html_cell(html: str, text: str, cell_id: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("")
    cell["id"] = cell_id
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": text})
    ]
    return cell


def _notice_cell(language: str, cell_id: str) -> nbformat.NotebookNode:
    text = translator(language)[0](NOTICE)
    return _html_cell(str(blocks.paragraph(text, "failed")), text, cell_id)


def for_readers(
    nb: nbformat.NotebookNode, failures: Sequence[Failure], language: str = "en"
) -> nbformat.NotebookNode:
    """A copy of an executed notebook for its readers, in ``language``: every failed section is
    its heading plus a notice, and every section after the essential one starts a new page in
    print.

    The failed section's title cell (the markdown cell with its ``## `` heading) is kept,
    followed by the notice; everything else of the section is dropped, so no error output,
    half-drawn table or traceback reaches the reader. The notebooks' markdown is written in
    English; each paragraph is a message of the catalog (:func:`kamlib.i18n.translate_markdown`).
    """
    failed = {f.section for f in failures}
    out = copy.deepcopy(nb)
    cells = []
    # a section's cells are contiguous (see kamlib.run.compose)
    for section, group in itertools.groupby(out.cells, key=section_of):
        group = list(group)
        if cells and section is not None and not is_essential(group[0]):
            cells.append(_html_cell(str(blocks.section_break()), "", f"kam-break-{len(cells)}"))
        if section not in failed:
            cells.extend(group)
            continue
        cells.extend([c for c in group if heading(c)][:1])
        cells.append(_notice_cell(language, f"kam-notice-{len(cells)}"))
    for cell in cells:
        if cell.cell_type == "markdown":
            cell.source = translate_markdown(cell.source, language)
    out.cells = cells
    return out


def audit_notebook(
    nb: nbformat.NotebookNode, failures: Sequence[Failure], language: str = "en"
) -> nbformat.NotebookNode:
    """The executed notebook for the audit trail: tracebacks kept, failing cells marked (the
    marks in ``language``, the run's default language: the audit trail is the analyst's)."""
    out = copy.deepcopy(nb)
    if not failures:
        return out
    markers = _pages(language).get_template("audit.html.j2").module
    failing = {f.cell: f for f in failures if f.cell is not None}
    cells = []
    for index, cell in enumerate(out.cells):
        if index in failing:
            cells.append(_marker(str(markers.anchor(failing[index]))))
        cells.append(cell)
    out.cells = [_marker(str(markers.top(list(failures)))), *cells]
    return out


def _marker(source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["tags"] = [ERROR_MARKER_TAG]
    return cell


class _DropStderr(Preprocessor):
    """Drop stderr streams: warnings are for the log, not for the account manager."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")
            ]
        return cell, resources


_EXPORTERS = threading.local()


def _exporter(language: str) -> HTMLExporter:
    """The HTML exporter of ``language`` for this thread: building one (its template
    environment and preprocessors) costs more than most exports, so each thread of a run keeps
    its own (an exporter is not shared between threads)."""
    cache = getattr(_EXPORTERS, "by_language", None)
    if cache is None:
        cache = _EXPORTERS.by_language = {}
    if language not in cache:
        exporter = HTMLExporter(
            template_name="kam",
            language_code=language,
            extra_template_basedirs=[str(TEMPLATES_DIR)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        exporter.register_preprocessor(
            TagRemovePreprocessor(
                remove_cell_tags={
                    "parameters",
                    "injected-parameters",
                    "sections",
                    "setup",
                    "digest",
                    "remove-cell",
                    ERROR_MARKER_TAG,
                },
                enabled=True,
            ),
            enabled=True,
        )
        exporter.register_preprocessor(_DropStderr(), enabled=True)
        cache[language] = exporter
    return cache[language]


def export_html(nb: nbformat.NotebookNode, title: str, footer: str, language: str = "en") -> str:
    """Render an executed notebook to self-contained HTML without code or network resources,
    its ``lang`` attribute ``language``."""
    exporter = _exporter(language)
    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    gettext = translation(language).gettext
    resources = {
        "kam_footer": footer,
        "kam_chart": gettext("chart"),
        "kam_page_numbers": page_numbers(language),
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def page_numbers(language: str = "en") -> str:
    """The CSS ``content`` of a printed page's number, "Page 3 of 17" in ``language``."""
    text = translation(language).gettext("Page {page} of {pages}")
    parts = re.split(r"(\{page\}|\{pages\})", text)
    css = []
    for part in parts:
        if part == "{page}":
            css.append("counter(page)")
        elif part == "{pages}":
            css.append("counter(pages)")
        elif part:
            css.append('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(css)


def _pages(language: str = "en") -> jinja2.Environment:
    """The page templates (index, audit marks) with the translations of ``language``."""
    return jinja_env(str(TEMPLATES_DIR / "pages"), language)


def index_html(language: str = "en", **context) -> str:
    """``index.html``: every report of the run with its traffic light and status.

    Parameters
    ----------
    **context
        ``as_of`` (a date text), ``rows`` (dicts with ``name``, ``account_id``, ``report``,
        ``health``, ``score``, ``status``, ``detail``), ``portfolio`` (a row), ``counts``,
        ``css`` and ``version``; all text is escaped by the template.
    language : str
        The run's default language (the index is for the analyst and the team).
    """
    css = (TEMPLATES_DIR / "kam" / "static" / "kam.css").read_text(encoding="utf-8")
    return (
        _pages(language).get_template("index.html.j2").render(css=css, language=language, **context)
    )


def digest_of(nb: nbformat.NotebookNode) -> dict | None:
    """The executive summary as data (:func:`kamlib.summary.digest`) from an executed account
    notebook; None when it was not made."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if DIGEST_MIMETYPE in data:
                return dict(data[DIGEST_MIMETYPE])
    return None
