"""Charts for the reports: one palette, one figure factory, one fixed frame.

Area charts live in submodules named like the report sections (``plots.revenue`` ...); each
takes the section's analysis and the parameters and returns a
:class:`matplotlib.figure.Figure`. :func:`show` renders it as SVG into the notebook (sharp on
any screen and in print, and smaller than a PNG). A chart the e-mail summary uses is also
rendered as a small PNG, as mail clients show no SVG (:data:`MAIL_CHARTS`).

Implementation details
----------------------
* Every chart has the same frame, fixed in inches: the title, the unit of the y axis and the
  legend stacked above the plot, left-aligned with the page's text; the plot area starts
  :data:`LEFT` inches from the left and ends :data:`RIGHT` inches from the right, so that the
  plot areas line up down the page. No layout engine runs: ``tight_layout`` doubled a
  chart's cost (11 charts: 0.65 s with it, 0.34 s without), constrained layout is slower still.
  The few texts that decide the frame (title, unit, legend, category names) are measured
  from the font's advance widths (:func:`text_width`), which costs microseconds.
* Figures are made with :class:`matplotlib.figure.Figure`, not pyplot: nothing is registered,
  so nothing accumulates in a kernel and nothing has to be closed.
* Legends never sit on the data: they are a row between the title and the plot
  (:func:`legend`).
* Colour is never the only code: the traffic lights also differ by shape (:data:`STATUS_MARKERS`,
  the same shapes as in the report's tables), lines by style.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from functools import lru_cache

import matplotlib
import numpy as np
import seaborn as sns

matplotlib.use("Agg")

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.ticker import Formatter, MaxNLocator

from kamlib import format as fmt
from kamlib.i18n import translator

# Names, segments, products and categories come from the data: "$$ Segment $$" or "$x_1^2$" must
# reach a chart exactly as written. matplotlib reads text between two dollar signs as
# mathematics (and fails on some), so kam's charts never parse text as mathematics. SVG ids
# come from a fixed salt, so the same chart is the same file in every run; SVG text stays text
# (not glyph outlines): 2.5 times smaller, 4.7 times faster to print, and it can be searched.
# The font is DejaVu Sans (matplotlib's own, and Debian's fonts-dejavu-core): the report's
# stylesheet names it too, so charts and page share one face where the system has no font of
# its own before it; the SVG names Verdana-like fallbacks of the same width after it.
_PLAIN_TEXT = {"text.parse_math": False, "svg.hashsalt": "kam", "svg.fonttype": "none"}
matplotlib.rcParams.update(_PLAIN_TEXT)

__all__ = [
    "MAIL_CHARTS",
    "PALETTE",
    "STATUS_COLORS",
    "STATUS_MARKERS",
    "AmountFormatter",
    "NumberFormatter",
    "category_axis",
    "integer_axis",
    "label_points",
    "figure",
    "legend",
    "month_axis",
    "month_bars",
    "month_labels",
    "png_bytes",
    "show",
    "svg_text",
    "text_width",
]

#: the charts the e-mail summary shows, by the name :func:`show` gives them
MAIL_CHARTS = ("health", "revenue")
#: metadata key under which a chart's name is kept in the executed notebook
CHART_KEY = "kam"

#: seaborn's colour-blind palette (after Okabe and Ito): its colours stay apart for readers with
#: any of the common colour-vision deficiencies
_COLOUR_BLIND = sns.color_palette("colorblind").as_hex()

#: One palette for every chart: account, market/peers, forecast, neutral, warning. The same
#: colour means the same thing everywhere (the account is always kam's dark blue, as its
#: headings, a target always a dashed bluish green line, a warning always vermilion); besides
#: the account, every colour is one of seaborn's colour-blind palette.
PALETTE = {
    "account": "#1f4e79",
    "peer": _COLOUR_BLIND[7],
    "forecast": _COLOUR_BLIND[9],
    "band": sns.light_palette(_COLOUR_BLIND[9], 4).as_hex()[1],
    "target": _COLOUR_BLIND[2],
    "warn": _COLOUR_BLIND[3],
    "neutral": "#bfbfbf",
    "accent": _COLOUR_BLIND[1],
}
#: the traffic lights (the report's stylesheet and the e-mail use the same colours)
STATUS_COLORS = {"green": "#1e8449", "yellow": "#d4ac0d", "red": "#c0392b", "grey": "#8c8c8c"}
#: ... and their shapes, as the report's tables draw them: green and red are of about the same
#: lightness, so to a reader with red-green colour blindness only the shape tells them apart
STATUS_MARKERS = {"green": "o", "yellow": "D", "red": "s", "grey": "o"}
#: the colour of secondary text (units, notes), as the report's stylesheet
MUTED = "#5d6d7e"

DPI = 96
#: the frame of every chart, in inches (8 inches are 768 pixels at 96 dpi)
WIDTH = 8.0
LEFT = 0.85  # the y axis' numbers ("10,25 Mio.")
RIGHT = 0.3  # half of a centred label at the last tick
PAD = 0.01  # title, unit and legend start here: in line with the page's text
HEIGHT = 2.3  # the plot area
#: the title and the unit are wrapped at this width: a line the eye takes in at once, and on a
#: phone (where a chart keeps a readable 600 pixels and scrolls sideways) still on the screen
MEASURE = 4.6
TITLE_SIZE, TEXT_SIZE, NOTE_SIZE = 11.0, 9.0, 8.0
#: line heights in inches, and the room a line of tick labels takes under the plot
_TITLE_LINE, _TEXT_LINE, _LEGEND_ROW, _TICK_LINE = 0.2, 0.165, 0.21, 0.16


@lru_cache(maxsize=8192)
def _advance(char: str, weight: str) -> float:
    """A character's advance in points at a size of 1 point (DejaVu Sans)."""
    font = get_font(findfont(FontProperties(weight=weight)))
    font.set_size(100, 72)
    return font.load_char(ord(char), flags=LoadFlags.NO_HINTING).linearHoriAdvance / 6553600


def text_width(text: str, size: float = TEXT_SIZE, weight: str = "normal") -> float:
    """The width of a text's longest line in inches, as a chart draws it.

    From the font's advance widths, plus 6 % for hinting and kerning: within a few per cent
    of the drawn width, at a thousandth of the cost of drawing it.
    """
    lines = str(text).split("\n") or [""]
    return max(sum(_advance(c, weight) for c in line) for line in lines) * size * 1.06 / 72


def _wrap(text: str, width: float, size: float, weight: str = "normal") -> str:
    """``text`` broken at spaces into lines no wider than ``width`` inches, as even as the
    same number of lines allows (no last line of one word); a word longer than a line keeps a
    line of its own."""
    if text_width(text, size, weight) <= width:
        return text

    def greedy(limit: float) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for word in _words(paragraph):
                trial = f"{line} {word}" if line else word
                if line and text_width(trial, size, weight) > limit:
                    lines.append(line)
                    line = word
                else:
                    line = trial
            lines.append(line)
        return lines

    lines = greedy(width)
    limit = width
    while limit > width / 3:
        shorter = greedy(limit * 0.95)
        if len(shorter) > len(lines):
            break
        limit, lines = limit * 0.95, shorter
    return "\n".join(lines)


#: a word that stays on the line of the word before it: a year after its month, a currency or
#: unit after its amount ("Oct 2026", "5,000 EUR", "1,2 Mio.", "+6 %")
_GLUED = re.compile(r"(\d{4}|[A-Z]{3}|%|Mio\.|Mrd\.|Tsd\.|pp)[),.:;]*")


def _words(paragraph: str) -> list[str]:
    """The places a line may break: at spaces, but not before a year, a currency or a unit."""
    words: list[str] = []
    for word in paragraph.split(" "):
        if words and _GLUED.fullmatch(word):
            words[-1] = f"{words[-1]} {word}"
        else:
            words.append(word)
    return words


class _Frame:
    """Where a chart's parts go, in inches: the header (title, unit, note, legend rows) above
    the plot, fixed margins around it. :meth:`apply` sets the figure's size and the parts'
    positions; it runs again whenever a part is added."""

    def __init__(self, fig: Figure, ax: Axes, left: float, height: float, xlabel: bool):
        self.fig, self.ax = fig, ax
        self.left, self.height = left, height
        self.tick_lines = 1
        self.xlabel = xlabel
        self.title: Text | None = None
        self.subtitle: Text | None = None
        self.legend: Legend | None = None
        self.legend_rows = 0

    @staticmethod
    def _lines(text: Text | None) -> int:
        return 0 if text is None or not text.get_text() else text.get_text().count("\n") + 1

    def bottom(self) -> float:
        room = 0.14 + _TICK_LINE * self.tick_lines
        return room + (0.22 if self.xlabel else 0.0)

    def apply(self) -> None:
        title_h = self._lines(self.title) * _TITLE_LINE
        sub_h = self._lines(self.subtitle) * _TEXT_LINE
        legend_h = self.legend_rows * _LEGEND_ROW
        top = 0.08 + title_h + (0.05 + sub_h if sub_h else 0) + (0.06 + legend_h if legend_h else 0)
        top += 0.16  # above the plot: room for half of the top tick's label
        bottom = self.bottom()
        total = top + self.height + bottom
        self.fig.set_size_inches(WIDTH, total, forward=False)
        self.fig.subplots_adjust(
            left=self.left / WIDTH,
            right=1 - RIGHT / WIDTH,
            bottom=bottom / total,
            top=1 - top / total,
        )
        inches = self.fig.dpi_scale_trans
        y = total - 0.08
        if self.title is not None:
            self.title.set_transform(inches)
            self.title.set_position((PAD, y))
            y -= title_h + 0.05
        if self.subtitle is not None and sub_h:
            self.ax.yaxis.set_label_coords(PAD, y, transform=inches)
        if self.legend is not None:
            self.legend.set_bbox_to_anchor((PAD, total - top + 0.16), transform=inches)


def _frame(ax: Axes) -> _Frame:
    frame = getattr(ax.figure, "_kam_frame", None)
    if frame is None:
        raise ValueError("'ax' must be the axes of a chart made by kamlib.plots.figure().")
    return frame


def figure(
    title: str,
    ylabel: str | None = None,
    xlabel: str | None = None,
    language: str = "en",
    *,
    height: float = HEIGHT,
    left: float = LEFT,
    note: str | None = None,
) -> tuple[Figure, Axes]:
    """A new chart with one axes in kam's fixed frame.

    Parameters
    ----------
    title : str
        What the chart shows, best the point it makes; wrapped to the chart's width.
    ylabel : str, optional
        The y axis' quantity with its unit, e.g. ``revenue per month (EUR)``: written
        horizontally under the title, where it is read before the numbers.
    xlabel : str, optional
        The x axis' quantity with its unit, under the axis.
    language : str
        The reader's language: the y axis' numbers are written in its number format.
    height : float
        The plot area's height in inches (the header and the labels come on top).
    left : float
        The left margin in inches: more than :data:`LEFT` for category names beside the plot.
    note : str, optional
        A muted line under the unit: how to read the chart.
    """
    fig = Figure(figsize=(WIDTH, height + 1), dpi=DPI)
    ax = fig.add_subplot()
    frame = _Frame(fig, ax, left, height, bool(xlabel))
    fig._kam_frame = frame
    frame.title = ax.set_title(
        _wrap(title, MEASURE, TITLE_SIZE, "bold"),
        loc="left",
        y=1.0,  # placed by the frame, not moved by matplotlib
        fontsize=TITLE_SIZE,
        fontweight="bold",
        ha="left",
        va="top",
        color="#1c2833",
    )
    lines = [line for line in (ylabel, note) if line]
    if lines:
        text = "\n".join(_wrap(line, MEASURE, TEXT_SIZE) for line in lines)
        frame.subtitle = ax.set_ylabel(
            text, rotation=0, ha="left", va="top", fontsize=TEXT_SIZE, color=MUTED
        )
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=TEXT_SIZE, color=MUTED)
    ax.yaxis.set_major_formatter(NumberFormatter(language))
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.spines["bottom"].set_color("#5d6d7e")
    ax.tick_params(labelsize=TEXT_SIZE, colors="#1c2833", length=3)
    ax.tick_params(axis="y", length=0, pad=4)
    ax.grid(axis="y", color="#d5d8dc", lw=0.8)
    ax.set_axisbelow(True)
    frame.apply()
    return fig, ax


def legend(ax: Axes, handles=None, labels=None) -> Legend | None:
    """The chart's legend as a row (or rows) between the title and the plot, never on the data;
    as many entries side by side as fit the chart's width."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    frame = _frame(ax)
    em = TEXT_SIZE / 72
    entries = [(1.6 + 0.5) * em + text_width(label) for label in labels]
    columns = len(entries)
    while columns > 1:
        rows = math.ceil(len(entries) / columns)
        # matplotlib fills a legend's columns top to bottom
        widths = [max(entries[c * rows : (c + 1) * rows], default=0) for c in range(columns)]
        if sum(widths) + (columns - 1) * 1.5 * em <= WIDTH - 2 * PAD:
            break
        columns -= 1
    frame.legend = ax.legend(
        handles,
        labels,
        loc="lower left",
        ncols=columns,
        frameon=False,
        fontsize=TEXT_SIZE,
        borderaxespad=0,
        borderpad=0,
        handlelength=1.6,
        handletextpad=0.5,
        columnspacing=1.5,
        labelspacing=0.35,
    )
    frame.legend_rows = math.ceil(len(entries) / columns)
    frame.apply()
    return frame.legend


def category_axis(ax: Axes, labels: list[str], notes: list[str] | None = None) -> None:
    """Category names under bars (or points) at 0, 1, ...: a name wider than its slot is broken
    at its last space; ``notes`` (e.g. the number of answers) go on a line of their own under
    the names; the room under the plot follows the number of lines."""
    frame = _frame(ax)
    labels = [str(label) for label in labels]
    if labels:
        pos = ax.get_position()
        slot = (pos.x1 - pos.x0) * WIDTH / len(labels) * 0.92
        if max(text_width(label) for label in labels) > slot:
            labels = [
                "\n".join(label.rsplit(" ", 1)) if "\n" not in label else label for label in labels
            ]
    if notes is not None:
        labels = [f"{label}\n{note}" for label, note in zip(labels, notes, strict=True)]
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    frame.tick_lines = max([1, *(label.count("\n") + 1 for label in labels)])
    frame.apply()


def label_points(ax: Axes, xs, ys, labels, size: float = NOTE_SIZE) -> None:
    """A label beside each point, on the side where it overlaps no other label, point or the
    plot's edge (right, left, above, below, in that order of preference).

    The axes' limits must be set before: the positions are worked out in inches, once.
    """
    to_inches = ax.transData + ax.figure.dpi_scale_trans.inverted()
    pos = ax.get_position()
    box = (pos.x0 * WIDTH, pos.y0, pos.x1 * WIDTH, pos.y1)  # x in inches, y as a fraction
    height = ax.figure.get_figheight()
    bounds = (box[0], box[1] * height, box[2], box[3] * height)
    points = [to_inches.transform((x, y)) for x, y in zip(xs, ys, strict=True)]
    dot = 0.05  # half a marker, in inches
    taken = [(px - dot, py - dot, px + dot, py + dot) for px, py in points]
    gap, line = 0.07, size * 1.25 / 72

    def overlap(a, b) -> float:
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        return max(w, 0) * max(h, 0)

    for (px, py), x, y, label in zip(points, xs, ys, labels, strict=True):
        w = text_width(label, size)
        sides = (  # left edge, bottom edge, alignment, offset from the point
            (px + gap, py - line / 2, "left", "center", (gap, 0)),
            (px - gap - w, py - line / 2, "right", "center", (-gap, 0)),
            (px - dot, py + gap, "left", "bottom", (-dot, gap)),
            (px - dot, py - gap - line, "left", "top", (-dot, -gap)),
            (px + dot - w, py + gap, "right", "bottom", (dot, gap)),
            (px + dot - w, py - gap - line, "right", "top", (dot, -gap)),
        )
        best, cost = None, None
        for x0, y0, ha, va, offset in sides:
            rect = (x0, y0, x0 + w, y0 + line)
            inside = overlap(rect, bounds)
            c = sum(overlap(rect, t) for t in taken) + 10 * (w * line - inside)
            if cost is None or c < cost - 1e-9:
                best, cost = (rect, ha, va, offset), c
            if c <= 1e-9:
                break
        rect, ha, va, offset = best
        taken.append(rect)
        ax.annotate(
            label,
            (x, y),
            xytext=(offset[0] * 72, offset[1] * 72),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=size,
            color="#1c2833",
        )


def integer_axis(ax: Axes) -> None:
    """Whole numbers on the y axis (counts: no 0.5 complaints)."""
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


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


class _MonthFormatter(Formatter):
    """Dates on an axis in the reader's language: years alone (``2026``) when every tick is
    a January, else months (``Okt. 2026``)."""

    _years = False

    def __init__(self, language: str) -> None:
        self.language = language

    def set_locs(self, locs) -> None:
        self._years = all(mdates.num2date(v).month == 1 for v in locs)

    def __call__(self, x: float, pos: int | None = None) -> str:
        date = mdates.num2date(x).replace(tzinfo=None)
        return str(date.year) if self._years else fmt.month(date, self.language)


def month_axis(ax: Axes, language: str) -> None:
    """Dates on the x axis: at most six ticks, each January, half-year or quarter, named in
    the reader's language (``2026``, ``Okt. 2026``)."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    locator.intervald[mdates.YEARLY] = [1, 2, 5, 10]
    locator.intervald[mdates.MONTHLY] = [3, 6]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_MonthFormatter(language))


def month_labels(months, language: str) -> list[str]:
    """Month names for the bars of a monthly chart, with the year under the first month and
    under every January (``Nov\n2025``, ``Dez.``, ``Jan.\n2026``)."""
    months = list(months)
    labels = []
    for i, m in enumerate(months):
        name = fmt.month_name(m.month, language)
        labels.append(f"{name}\n{m.year}" if i == 0 or m.month == 1 else name)
    return labels


def month_bars(ax: Axes, months, language: str) -> list[int]:
    """The x axis of a chart with a bar per month; returns the bars' positions."""
    labels = month_labels(months, language)
    category_axis(ax, labels)
    return list(range(len(labels)))


def _render(fig: Figure, kind: str) -> bytes:
    buf = io.BytesIO()
    with matplotlib.rc_context(_PLAIN_TEXT):
        for text in fig.findobj(Text):  # texts made before, or outside, kam's setting
            text.set_parse_math(False)
        with warnings.catch_warnings():
            # a name with a character the font lacks (an emoji) is drawn as a box: that is
            # for the log, not a reason to lose the chart
            warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
            # no creation date in the file: the same chart is the same file
            meta = {"Date": None} if kind == "svg" else {"Software": None}
            fig.savefig(buf, format=kind, dpi=DPI, metadata=meta)
    return buf.getvalue()


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    return _render(fig, "png")


def svg_text(fig: Figure) -> str:
    """The figure as an SVG document (text as text)."""
    return _render(fig, "svg").decode("utf-8")


def show(fig: Figure | None, mail: str | None = None) -> None:
    """Display the figure as SVG in the notebook (None: nothing to show).

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
    # the chart's title (on one line) doubles as the image's alternative text
    titles = [ax.get_title(loc="left") or ax.get_title() for ax in fig.axes]
    alt = next((t for t in titles if t), "").replace("\n", " ")
    data = {"text/plain": alt}
    metadata = {"image/svg+xml": {"alt": alt}}
    if mail is not None:
        if mail not in MAIL_CHARTS:
            raise ValueError(f"'mail' must be one of {MAIL_CHARTS}, got {mail!r}.")
        data["image/png"] = base64.b64encode(_render(fig, "png")).decode("ascii")
        metadata["image/png"] = {"alt": alt}
        metadata[CHART_KEY] = {"chart": mail}
    data["image/svg+xml"] = svg_text(fig)
    display(data, raw=True, metadata=metadata)
