"""PDF reports: the HTML report printed to A4 with WeasyPrint.

The print rules live in the report's own stylesheet (``templates/kam/static/kam.css``: A4, the
account's name and the reporting date at the top of every page, "Page x of y" at the bottom,
each section on a new page, no table row, chart or tile cut in two), so a browser's "Print"
gives the same pages. The PDF loads nothing from the network: only the ``data:`` images of the
report itself are read.
"""

from __future__ import annotations

import threading

__all__ = ["pdf_bytes"]

# WeasyPrint does not promise thread safety; the reports of a run are printed one at a time
_LOCK = threading.Lock()


def pdf_bytes(html: str) -> bytes:
    """The PDF of a self-contained HTML report.

    Raises
    ------
    KamError
        When WeasyPrint (or the Pango library it draws text with) is not installed.
    """
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: the system's Pango library is missing
        from kamlib.errors import KamError

        raise KamError(
            f"PDF reports need WeasyPrint and the Pango library it draws text with ({exc}); "
            "see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html"
        ) from None
    fetcher = URLFetcher(allowed_protocols={"data"})
    with _LOCK:
        return HTML(string=html, url_fetcher=fetcher).write_pdf()
