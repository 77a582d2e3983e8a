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

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import Formatter, FuncFormatter

from kamlib import format as fmt
from kamlib.i18n import translator

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
    "NumberFormatter",
    "figure",
    "month_axis",
    "month_labels",
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
    language: str = "en",
) -> tuple[Figure, plt.Axes]:
    """A new figure with one axes, a title and axis labels (include units in the labels); the
    y axis numbers are written in the reader's number format."""
    fig, ax = plt.subplots(figsize=size, dpi=DPI)
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    if ylabel:
        ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.yaxis.set_major_formatter(NumberFormatter(language))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return fig, ax


class NumberFormatter(Formatter):
    """Axis labels in the reader's number format (``2.5``; ``2,5`` in German).

    The decimals follow the step between ticks, so neighbouring labels never read the same
    (``0 0 1``), and a tick that rounds to zero is ``0``, never ``-0``.
    """

    _ticks: tuple[float, ...] = ()

    def __init__(self, language: str = "en") -> None:
        self.language = language

    def set_locs(self, locs) -> None:
        self._ticks = tuple(float(v) for v in locs)

    def _unit(self, largest: float) -> tuple[float, str]:
        """The scale of the labels and how a scaled number is written."""
        return 1.0, "{value}"

    def __call__(self, value: float, pos: int | None = None) -> str:
        ticks = self._ticks or (float(value),)
        scale, unit = self._unit(max(abs(v) for v in ticks))
        steps = [abs(b - a) for a, b in zip(ticks, ticks[1:], strict=False) if b != a]
        step = min(steps) / scale if steps else 1.0
        digits = 0 if step >= 1 else min(3, int(-np.floor(np.log10(step))))
        scaled = round(value / scale, digits)
        if scaled == 0:
            return "0"
        return unit.format(value=fmt.number(scaled, digits, self.language))


class AmountFormatter(NumberFormatter):
    """Axis labels for amounts: ``250``, ``25k``, ``2.5m`` (``25 Tsd.``, ``2,5 Mio.`` in
    German), scaled to the largest tick."""

    def _unit(self, largest: float) -> tuple[float, str]:
        _, n_ = translator(self.language)
        if largest >= 1e6:
            # TRANSLATORS: an amount in millions on a chart's axis, e.g. "2.5m"
            return 1e6, _("{value}m")
        if largest >= 1e4:
            # TRANSLATORS: an amount in thousands on a chart's axis, e.g. "25k"
            return 1e3, _("{value}k")
        return 1.0, "{value}"


def month_axis(ax: plt.Axes, language: str) -> None:
    """Dates on the x axis named in the reader's language (``Okt. 2026``)."""
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, pos: fmt.month(mdates.num2date(x).replace(tzinfo=None), language))
    )


def month_labels(months, language: str) -> list[str]:
    """Short month names for the bars of a monthly chart (``Okt. 26``)."""
    return [fmt.month_short(m, language) for m in months]


def _render(fig: Figure, kind: str, close: bool = True) -> bytes:
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
                meta = {"Date": None} if kind == "svg" else {"Software": None}
                fig.savefig(buf, format=kind, dpi=DPI, metadata=meta)
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
    alt = next((t for t in titles if t), "")
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
