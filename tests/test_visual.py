"""The reports look as approved: screenshots of the demo's pages in Debian's Chromium, compared
with the approved images in ``tests/visual/``, so that a broken layout fails.

Each page (an English and a German account report, the portfolio report, the index) is shot
whole at a desktop and a phone width (and one report in print media), reduced to an eighth of
its size in 16 shades of grey, and compared pixel by pixel: a pixel differs when its shade
moved by more than :data:`THRESHOLD`; the page fails when more than :data:`MAX_SHARE` of its
pixels differ or its height changed by more than :data:`MAX_HEIGHT_CHANGE`. An eighth keeps
the approved images small (a few hundred KB in all) and blurs away what fonts' hinting and
antialiasing vary, while a chart, table or block that moves, grows or goes missing still
changes thousands of pixels. The footer (kam's version) is hidden before the shot.

On a mismatch the test writes the page as shot and a difference image (differing pixels in
red) to ``build/visual/`` and says how to approve the change: ``make approve-visual`` (or
``KAM_APPROVE=1 pytest tests/test_visual.py``) rewrites the approved images. Skipped where no
Chromium is installed; run in CI (``.ci/run`` installs it and fonts-dejavu-core).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from tests.conftest import ROOT, missing
from tests.test_browser import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.slow

APPROVED = ROOT / "tests" / "visual"
FAILED = ROOT / "build" / "visual"
#: the screenshot is reduced by this factor in each direction before it is compared or kept
SCALE = 8
#: a pixel differs when its shade (0-255) moved by more than this
THRESHOLD = 40
#: a page fails when more than this share of its pixels differ (the same page shot twice, or
#: with other font hinting, differs in none; a chart of the portfolio gone: 0.3 %) ...
MAX_SHARE = 0.002
#: ... or its height changed by more than this share
MAX_HEIGHT_CHANGE = 0.03
WIDTHS = {"desktop": 1000, "phone": 390, "print": 794}  # print: A4's width at 96 dpi
#: the pages and the widths they are shot at: English and German reports, portfolio, index
SHOTS = [
    ("KA-006", "desktop"),
    ("KA-006", "phone"),
    ("KA-006", "print"),
    ("KA-001", "desktop"),
    ("KA-001", "phone"),
    ("portfolio", "desktop"),
    ("portfolio", "phone"),
    ("index", "desktop"),
    ("index", "phone"),
]
#: kam's version in the footer changes with every release, not with the layout
MASK = ".kam-footer { visibility: hidden !important; }"
APPROVE_HOW = "make approve-visual (or KAM_APPROVE=1 pytest tests/test_visual.py)"


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        missing("Chromium")
    from playwright.sync_api import sync_playwright

    # no scrollbars and no hinting: what differs between machines, not between layouts
    args = [*CHROMIUM_ARGS, "--hide-scrollbars", "--font-render-hinting=none"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=args)
        yield browser
        browser.close()


def shoot(browser, page_file: Path, width: str, css: str = "") -> tuple[bytes, int]:
    """A whole-page screenshot (PNG) of ``page_file`` and how wide the page's content is."""
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900}, device_scale_factor=1)
    try:
        if width == "print":
            page.emulate_media(media="print")
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        page.add_style_tag(content=MASK + css)
        page.evaluate("() => document.fonts.ready")
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        return page.screenshot(full_page=True, animations="disabled"), scroll_width
    finally:
        page.close()


def reduce(png: bytes) -> tuple[Image.Image, tuple[int, int]]:
    """The screenshot an eighth of its size in 16 shades of grey, and its full size."""
    full = Image.open(io.BytesIO(png)).convert("L")
    small = full.resize(
        (max(1, full.width // SCALE), max(1, full.height // SCALE)), Image.Resampling.BOX
    )
    return small.point(lambda v: v // 16 * 17), full.size


@dataclass(frozen=True)
class Verdict:
    """How a page compares with its approved image."""

    share: float  # of the pixels, the share that differ (rows one image lacks: all differ)
    height_change: float  # relative change of the page's height
    diff: Image.Image  # the page, its differing pixels in red

    @property
    def ok(self) -> bool:
        return self.share <= MAX_SHARE and abs(self.height_change) <= MAX_HEIGHT_CHANGE


def compare(
    actual: Image.Image, height: int, approved: Image.Image, approved_height: int
) -> Verdict:
    a = np.asarray(actual, dtype=np.int16)
    b = np.asarray(approved, dtype=np.int16)
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    moved = np.abs(a[:h, :w] - b[:h, :w]) > THRESHOLD
    area = max(a.size, b.size)
    share = (int(moved.sum()) + area - h * w) / area
    diff = np.stack([a, a, a], axis=-1).astype(np.uint8)
    diff[:h, :w][moved] = (220, 0, 0)
    diff[h:, :] = (220, 0, 0)
    diff[:, w:] = (220, 0, 0)
    return Verdict(share, height / approved_height - 1, Image.fromarray(diff, "RGB"))


def approved_image(name: str) -> tuple[Image.Image, int] | None:
    path = APPROVED / f"{name}.png"
    if not path.is_file():
        return None
    image = Image.open(path)
    image.load()
    return image.convert("L"), int(image.text["kam-height"])


def approve(name: str, small: Image.Image, size: tuple[int, int]) -> None:
    APPROVED.mkdir(parents=True, exist_ok=True)
    info = PngImagePlugin.PngInfo()
    info.add_text("kam-width", str(size[0]))
    info.add_text("kam-height", str(size[1]))
    small.save(APPROVED / f"{name}.png", optimize=True, pnginfo=info)


def page_file(made: Path, page: str) -> Path:
    return made / "reports" / f"{page}.html"


@pytest.mark.parametrize(("page", "width"), SHOTS, ids=[f"{p}-{w}" for p, w in SHOTS])
def test_page_looks_as_approved(browser, made, page, width):
    name = f"{page}-{width}"
    png, scroll_width = shoot(browser, page_file(made, page), width)
    # nothing wider than the screen: a wide table or chart scrolls on its own
    assert scroll_width <= WIDTHS[width], f"{name}: the page is {scroll_width} px wide"
    small, size = reduce(png)
    if os.environ.get("KAM_APPROVE") == "1":
        approve(name, small, size)
        return
    approved = approved_image(name)
    if approved is None:
        pytest.fail(f"{name}: no approved image in {APPROVED}; approve the page: {APPROVE_HOW}")
    verdict = compare(small, size[1], *approved)
    if not verdict.ok:
        FAILED.mkdir(parents=True, exist_ok=True)
        (FAILED / f"{name}.actual.png").write_bytes(png)
        verdict.diff.save(FAILED / f"{name}.diff.png")
        pytest.fail(
            f"{name} does not look as approved: {verdict.share:.1%} of its pixels differ "
            f"(at most {MAX_SHARE:.1%}), its height changed by {verdict.height_change:+.1%} "
            f"(at most {MAX_HEIGHT_CHANGE:.0%}). The page as shot: {FAILED / name}.actual.png, "
            f"the differences in red: {FAILED / name}.diff.png. If the change is intended, "
            f"approve it: {APPROVE_HOW}."
        )


@pytest.mark.parametrize(
    "broken",
    [
        ".jp-RenderedSVG img { visibility: hidden; }",  # the charts do not load
        "main { padding-left: 140px; }",  # the layout shifts
        "table.kam-table { display: table; font-size: 1.2em; }",  # the tables' layout breaks
    ],
    ids=["charts-missing", "layout-shifted", "tables-broken"],
)
def test_a_broken_layout_fails_the_comparison(browser, made, broken):
    approved = approved_image("KA-006-desktop")
    if approved is None or os.environ.get("KAM_APPROVE") == "1":
        pytest.skip("no approved image to compare with yet")
    png, _ = shoot(browser, page_file(made, "KA-006"), "desktop", css=broken)
    small, size = reduce(png)
    assert not compare(small, size[1], *approved).ok


def test_the_comparison_tolerates_what_it_should():
    """Identical pages pass; a shade that moved a little passes; a block that went missing
    fails, and so does a page that grew."""
    rng = np.random.default_rng(0)
    page = rng.integers(0, 16, size=(400, 125)).astype(np.uint8) * 17
    image = Image.fromarray(page, "L")
    assert compare(image, 3200, image, 3200).ok
    noisy = Image.fromarray(np.clip(page.astype(int) + 17, 0, 255).astype(np.uint8), "L")
    assert compare(noisy, 3200, image, 3200).ok
    hidden = page.copy()
    hidden[100:160, 10:110] = 255
    assert not compare(Image.fromarray(hidden, "L"), 3200, image, 3200).ok
    taller = Image.fromarray(np.vstack([page, page[:20]]), "L")
    assert not compare(taller, 3360, image, 3200).ok
