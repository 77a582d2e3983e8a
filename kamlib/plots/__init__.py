"""Charts for the reports: one palette, one figure factory, every figure closed after rendering.

Area charts live in submodules named like the analysis modules (``plots.revenue`` ...). Each
returns a :class:`matplotlib.figure.Figure`; :func:`show` renders it as a PNG into the notebook
and closes it, so reports stay small and kernels do not accumulate figures.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["PALETTE", "STATUS_COLORS", "figure", "show", "png_bytes"]

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


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes; the figure is closed afterwards."""
    buf = io.BytesIO()
    try:
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=DPI)
    finally:
        plt.close(fig)
    return buf.getvalue()


def show(fig: Figure | None) -> None:
    """Display the figure as a PNG in the notebook and close it (None: nothing to show)."""
    from IPython.display import Image, display

    if fig is None:
        return
    # the chart's title doubles as the image's alternative text
    titles = [ax.get_title(loc="left") or ax.get_title() for ax in fig.axes]
    alt = next((t for t in titles if t), "chart")
    display(Image(data=png_bytes(fig), format="png"), metadata={"image/png": {"alt": alt}})
