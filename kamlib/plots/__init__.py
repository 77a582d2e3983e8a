"""Charts for the reports: one palette, one figure factory, every figure closed after rendering.

Area charts live in submodules named like the report sections (``plots.revenue`` ...); each
takes the section's analysis and the parameters and returns a
:class:`matplotlib.figure.Figure`. :func:`show` renders it as SVG into the notebook (sharp on
any screen and in print, and smaller than a PNG) and closes it, so kernels do not accumulate
figures. A chart the e-mail summary uses is also rendered as a small PNG, as mail clients show
no SVG (:data:`MAIL_CHARTS`).
"""

from __future__ import annotations

import io
import warnings

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import Formatter

# Names, segments, products and categories come from the data: "$$ Segment $$" or "$x_1^2$" must
# reach a chart exactly as written. matplotlib reads text between two dollar signs as
# mathematics (and fails on some), so kam's charts never parse text as mathematics. SVG ids
# come from a fixed salt, so the same chart is the same file in every run; SVG text stays text
# (not glyph outlines): 2.5 times smaller, 4.7 times faster to print, and it can be searched.
_PLAIN_TEXT = {"text.parse_math": False, "svg.hashsalt": "kam", "svg.fonttype": "none"}
matplotlib.rcParams.update(_PLAIN_TEXT)

__all__ = [
    "MAIL_CHARTS",
    "PALETTE",
    "STATUS_COLORS",
    "AmountFormatter",
    "figure",
    "png_bytes",
    "show",
    "svg_text",
]

#: the charts the e-mail summary shows, by the name :func:`show` gives them
MAIL_CHARTS = ("health", "revenue")
#: metadata key under which a chart's name is kept in the executed notebook
CHART_KEY = "kam"

#: One palette for every chart: account, market/peers, forecast, neutral, warning.
PALETTE = {
    "account": "#1f4e79",
    "peer": "#8c8c8c",
    "forecast": "#2e86c1",
    "band": "#aed6f1",
    "target": "#117a65",
    "warn": "#c0392b",
    "neutral": "#bfbfbf",
    "accent": "#d68910",
}
STATUS_COLORS = {"green": "#1e8449", "yellow": "#d4ac0d", "red": "#c0392b", "grey": "#8c8c8c"}

DPI = 96


def figure(
    title: str,
    ylabel: str | None = None,
    xlabel: str | None = None,
    size: tuple[float, float] = (8.0, 3.4),
) -> tuple[Figure, plt.Axes]:
    """A new figure with one axes, a title and axis labels (include units in the labels)."""
    fig, ax = plt.subplots(figsize=size, dpi=DPI)
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    if ylabel:
        ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return fig, ax


class AmountFormatter(Formatter):
    """Axis labels for amounts: ``250``, ``25k``, ``2.5m``, scaled to the largest tick.

    The decimals follow the step between ticks, so neighbouring labels never read the same
    (``0k 0k 1k``), and a tick that rounds to zero is ``0``, never ``-0``.
    """

    _ticks: tuple[float, ...] = ()

    def set_locs(self, locs) -> None:
        self._ticks = tuple(float(v) for v in locs)

    def __call__(self, value: float, pos: int | None = None) -> str:
        ticks = self._ticks or (float(value),)
        largest = max(abs(v) for v in ticks)
        scale, suffix = (1e6, "m") if largest >= 1e6 else (1e3, "k") if largest >= 1e4 else (1, "")
        steps = [abs(b - a) for a, b in zip(ticks, ticks[1:], strict=False) if b != a]
        step = min(steps) / scale if steps else 1.0
        digits = 0 if step >= 1 else min(3, int(-np.floor(np.log10(step))))
        scaled = round(value / scale, digits)
        if scaled == 0:
            return "0"
        return f"{scaled:,.{digits}f}{suffix}"


def _render(fig: Figure, fmt: str, close: bool = True) -> bytes:
    buf = io.BytesIO()
    try:
        with matplotlib.rc_context(_PLAIN_TEXT):
            for text in fig.findobj(Text):  # texts made before, or outside, kam's setting
                text.set_parse_math(False)
            with warnings.catch_warnings():
                # a name with a character the font lacks (an emoji) is drawn as a box: that
                # is for the log, not a reason to lose the chart
                warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
                fig.tight_layout()
                # no creation date in the file: the same chart is the same file
                meta = {"Date": None} if fmt == "svg" else {"Software": None}
                fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta)
    finally:
        if close:
            plt.close(fig)
    return buf.getvalue()


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes; the figure is closed afterwards."""
    return _render(fig, "png")


def svg_text(fig: Figure) -> str:
    """The figure as an SVG document (text as text); the figure is closed afterwards."""
    return _render(fig, "svg").decode("utf-8")


def show(fig: Figure | None, mail: str | None = None) -> None:
    """Display the figure as SVG in the notebook and close it (None: nothing to show).

    Parameters
    ----------
    fig : Figure or None
    mail : str, optional
        The chart's name among :data:`MAIL_CHARTS`: it is also kept as a PNG, for the e-mail.
    """
    import base64

    from IPython.display import display

    if fig is None:
        return
    # the chart's title doubles as the image's alternative text
    titles = [ax.get_title(loc="left") or ax.get_title() for ax in fig.axes]
    alt = next((t for t in titles if t), "chart")
    data = {"text/plain": alt}
    metadata = {"image/svg+xml": {"alt": alt}}
    if mail is not None:
        if mail not in MAIL_CHARTS:
            raise ValueError(f"'mail' must be one of {MAIL_CHARTS}, got {mail!r}.")
        data["image/png"] = base64.b64encode(_render(fig, "png", close=False)).decode("ascii")
        metadata["image/png"] = {"alt": alt}
        metadata[CHART_KEY] = {"chart": mail}
    data["image/svg+xml"] = svg_text(fig)
    display(data, raw=True, metadata=metadata)
