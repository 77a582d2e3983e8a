"""The satisfaction section: NPS and CSAT with their uncertainty, waves, drivers, comments.

Section contract: :func:`analyse` (frames, params) -> :class:`SatisfactionAnalysis`, once per
report; :func:`findings` and :func:`sentences` read only that analysis; the remaining public
functions are the blocks a notebook cell shows.

Key account surveys are small, so every score comes with a 95 % interval:

* NPS: the adjusted Wald interval of Rocks (2016, "Confidence intervals for Net Promoter
  Scores"): add 3/4 to promoters and to detractors and 3 to n, then
  ``nps' +- z * sqrt((p' + d' - nps'^2) / n')``; the score itself is the plain NPS, and the
  interval is widened to include it where the adjustment pulls it past (a few answers all at
  one extreme).
* CSAT: the mean with a t interval (``s / sqrt(n)``, n - 1 degrees of freedom).
* A change between two waves is "real" when the two-sided z-test of the difference of the
  two NPS is significant at 5 %, with the trinomial variances ``(p' + d' - nps'^2) / n'`` of
  the same adjustment (so that all-promoter or all-detractor waves still have a variance).
* Key drivers: the LMG / Shapley decomposition of R^2 (exact, over all subsets of drivers) and
  Johnson's (2000) relative weights, from the correlation matrix of the complete answers
  (answers with a missing target or driver rating are left out: listwise deletion).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from kamlib import blocks
from kamlib import format as fmt
from kamlib.components import Finding, component_findings
from kamlib.frames import AccountFrames
from kamlib.i18n import N_, translator
from kamlib.measures import nps_score, percentile
from kamlib.periods import half_year

__all__ = [
    "THEMES",
    "SatisfactionAnalysis",
    "Score",
    "analyse",
    "by_period",
    "change_test",
    "comments_table",
    "csat",
    "driver_shares",
    "drivers_note",
    "drivers_table",
    "findings",
    "key_drivers",
    "nps",
    "roles_table",
    "sentences",
    "summary",
    "themes",
    "themes_table",
]

Z95 = stats.norm.ppf(0.975)
SMALL_SAMPLE = 10  # answers below which a score is "indicative"
DRIVER_BOOTSTRAP = 500  # resamples for the intervals of the driver shares in the report

#: the comment themes kam knows, as the reader reads them (the keywords are in both languages)
THEME_NAMES = {
    "delivery": N_("delivery"),
    "price": N_("price"),
    "quality": N_("quality"),
    "service": N_("service"),
    "communication": N_("communication"),
    "invoice": N_("invoice"),
}
THEMES: dict[str, list[str]] = {
    "delivery": [
        "deliver",
        "delivery",
        "late",
        "delay",
        "lieferung",
        "liefer",
        "verspät",
        "teillieferung",
        "partial",
    ],
    "price": ["price", "prices", "expensive", "cost", "preis", "teuer", "kosten"],
    "quality": ["quality", "defect", "qualität", "fehler", "mangel"],
    "service": ["service", "support", "help", "reach", "erreichbar", "hilfe"],
    "communication": ["communication", "contact", "kommunikation", "kontakt", "informiert"],
    "invoice": ["invoice", "billing", "rechnung"],
}


@dataclass(frozen=True)
class Score:
    """A satisfaction score with its 95 % interval.

    Attributes
    ----------
    score : float
        NPS (-100..100) or mean CSAT; NaN with no answers.
    n : int
        Answers with a value.
    promoters, passives, detractors : int
        NPS groups (0 for CSAT).
    ci_low, ci_high : float
        95 % interval; NaN with no answers.
    """

    score: float
    n: int
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    ci_low: float = math.nan
    ci_high: float = math.nan

    @property
    def empty(self) -> bool:
        """True when there were no answers."""
        return self.n == 0

    def describe(self, digits: int = 0, language: str = "en") -> str:
        """``'25 (95 % interval -12 to 58; 8 answers, indicative)'`` or ``'no answers'``."""
        _, n_ = translator(language)
        if self.empty:
            return _("no answers")
        values = {
            "score": fmt.number(self.score, digits, language),
            "low": fmt.number(self.ci_low, digits, language),
            "high": fmt.number(self.ci_high, digits, language),
            "n": self.n,
        }
        if self.n < SMALL_SAMPLE:
            return n_(
                "{score} (95 % interval {low} to {high}; {n} answer, indicative)",
                "{score} (95 % interval {low} to {high}; {n} answers, indicative)",
                self.n,
            ).format(**values)
        return n_(
            "{score} (95 % interval {low} to {high}; {n} answer)",
            "{score} (95 % interval {low} to {high}; {n} answers)",
            self.n,
        ).format(**values)


def nps(scores: pd.Series | list) -> Score:
    """Net Promoter Score with the adjusted Wald interval of Rocks (2016).

    Parameters
    ----------
    scores : Series or list
        Likelihood to recommend, 0..10; missing values are ignored.
    """
    raw, n, pro, det = nps_score(pd.Series(scores, dtype=float))
    if n == 0:
        return Score(math.nan, 0)
    raw /= 100
    n_adj = n + 3
    p, d = (pro + 0.75) / n_adj, (det + 0.75) / n_adj
    centre = p - d
    half = Z95 * math.sqrt(max(p + d - centre**2, 0.0) / n_adj)
    # The interval is centred on the adjusted score, so a few answers all at one extreme give
    # an interval that misses the observed score (one answer of 0: NPS -100, interval -98 to
    # 48). A score outside its own interval reads as an error, so the interval is widened to
    # include it; this only ever makes it wider (more cautious).
    low, high = min(max(centre - half, -1.0), raw), max(min(centre + half, 1.0), raw)
    return Score(100 * raw, n, pro, n - pro - det, det, 100 * low, 100 * high)


def csat(values: pd.Series | list, scale: tuple[float, float] = (1, 5)) -> Score:
    """Mean satisfaction with a t interval; a single answer gets its value as the interval.

    The interval is cut to the answer ``scale`` (1..5 in the data contract): a mean of answers
    from 1 to 5 cannot lie above 5, however wide the t interval of a few answers is.
    """
    s = pd.Series(values, dtype=float).dropna()
    n = len(s)
    if n == 0:
        return Score(math.nan, 0)
    mean = float(s.mean())
    if n == 1:
        return Score(mean, 1, ci_low=mean, ci_high=mean)
    half = stats.t.ppf(0.975, n - 1) * float(s.std(ddof=1)) / math.sqrt(n)
    low, high = scale
    return Score(mean, n, ci_low=max(mean - half, low), ci_high=min(mean + half, high))


def by_period(surveys: pd.DataFrame, by: str = "half_year") -> pd.DataFrame:
    """NPS and CSAT with intervals per half-year (``by="half_year"``) or per respondent role.

    Returns
    -------
    pd.DataFrame
        One row per group: ``nps``, ``nps_low``, ``nps_high``, ``n``, ``csat``, ``csat_low``,
        ``csat_high``, ``csat_n``, ``indicative`` (fewer than 10 answers).
    """
    if surveys is None or surveys.empty:
        return pd.DataFrame()
    if by == "half_year":
        keys = half_year(surveys["date"])
    elif by == "role":
        if "respondent_role" not in surveys:
            return pd.DataFrame()
        keys = surveys["respondent_role"].fillna(fmt.NOT_STATED)
    else:
        raise ValueError(f"'by' must be 'half_year' or 'role', got {by!r}.")
    rows = {}
    for key, part in surveys.groupby(keys, sort=True):
        n_score = nps(part["nps"]) if "nps" in part else Score(math.nan, 0)
        c_score = csat(part["csat"]) if "csat" in part else Score(math.nan, 0)
        rows[key] = {
            "nps": n_score.score,
            "nps_low": n_score.ci_low,
            "nps_high": n_score.ci_high,
            "n": n_score.n,
            "csat": c_score.score,
            "csat_low": c_score.ci_low,
            "csat_high": c_score.ci_high,
            "csat_n": c_score.n,
            "indicative": max(n_score.n, c_score.n) < SMALL_SAMPLE,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(by)


def change_test(before: Score, after: Score, language: str = "en") -> tuple[float, str]:
    """z-test of the change between two NPS; returns (p value, a sentence)."""
    _, n_ = translator(language)
    if before.empty or after.empty:
        return math.nan, _("Not enough answers to compare the last two periods.")

    def var(s: Score) -> float:
        n = s.n + 3
        p, d = (s.promoters + 0.75) / n, (s.detractors + 0.75) / n
        return (p + d - (p - d) ** 2) / n

    diff = (after.score - before.score) / 100
    se = math.sqrt(var(before) + var(after))
    p_value = 1.0 if se == 0 else float(2 * (1 - stats.norm.cdf(abs(diff) / se)))
    values = {
        "before": fmt.number(before.score, 0, language),
        "after": fmt.number(after.score, 0, language),
    }
    if p_value < 0.05:
        text = (
            _("The NPS moved from {before} to {after}: a real rise (p = {p}).")
            if diff > 0
            else _("The NPS moved from {before} to {after}: a real drop (p = {p}).")
        ).format(p=fmt.number(p_value, 3, language), **values)
    else:
        text = _(
            "The NPS moved from {before} to {after}: within the noise of {n_before} and "
            "{n_after} answers (p = {p})."
        ).format(p=fmt.number(p_value, 2, language), n_before=before.n, n_after=after.n, **values)
    return p_value, text


@functools.lru_cache(maxsize=16)
def _lmg_design(p: int) -> tuple[tuple[tuple[int, ...], ...], np.ndarray]:
    """All subsets of ``p`` drivers and the matrix turning their R^2 into LMG values.

    LMG_j = sum over subsets S without j of |S|! (p - |S| - 1)! / p! * (R^2(S + j) - R^2(S)),
    so LMG = M @ r2 with M[j, S + j] += w and M[j, S] -= w.
    """
    subsets = tuple(s for k in range(p + 1) for s in itertools.combinations(range(p), k))
    position = {s: i for i, s in enumerate(subsets)}
    matrix = np.zeros((p, len(subsets)))
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            weight = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
            for s in itertools.combinations(others, k):
                matrix[j, position[tuple(sorted((*s, j)))]] += weight
                matrix[j, position[s]] -= weight
    return subsets, matrix


def _correlations(samples: np.ndarray) -> np.ndarray:
    """Correlation matrices of a stack of samples (B, n, q); NaN where a column is constant."""
    centred = samples - samples.mean(axis=1, keepdims=True)
    cov = np.einsum("bni,bnj->bij", centred, centred)
    sd = np.sqrt(np.einsum("bii->bi", cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / (sd[:, :, None] * sd[:, None, :])


def _importance(corr: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Importance per driver (B, p) and R^2 (B,) from correlation matrices (target first).

    Solved with the pseudo-inverse so that perfectly collinear drivers (possible in a
    bootstrap resample) give the R^2 of the space they span instead of an error.
    """
    p = corr.shape[-1] - 1
    if method == "lmg":
        subsets, matrix = _lmg_design(p)
        r2 = np.zeros((len(corr), len(subsets)))
        for i, subset in enumerate(subsets[1:], start=1):
            idx = [j + 1 for j in subset]
            rxx = corr[:, idx][:, :, idx]
            rxy = corr[:, idx, 0]
            r2[:, i] = np.einsum("bi,bij,bj->b", rxy, np.linalg.pinv(rxx), rxy)
        return r2 @ matrix.T, r2[:, -1]
    rxx, rxy = corr[:, 1:, 1:], corr[:, 1:, 0]
    eigenvalues, vectors = np.linalg.eigh(rxx)
    root = np.sqrt(np.clip(eigenvalues, 0, None))
    lam = np.einsum("bij,bj,bkj->bik", vectors, root, vectors)
    beta = np.einsum("bij,bj->bi", np.linalg.pinv(lam), rxy)
    importance = np.einsum("bij,bj->bi", lam**2, beta**2)
    return importance, importance.sum(axis=1)


def key_drivers(
    df: pd.DataFrame,
    target: str,
    drivers: list[str],
    method: str = "lmg",
    bootstrap: int = 0,
    level: float = 95,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Relative importance of ``drivers`` for ``target``.

    Parameters
    ----------
    df : pd.DataFrame
        One row per answer. Missing ratings: rows with a missing value in ``target`` or any
        driver are dropped (complete cases, as ``lm`` and relaimpo do by default); the number
        used is in ``.attrs["n"]``.
    target : str
    drivers : list of str
    method : {"lmg", "relative_weights"}
        ``lmg``: the average increase of R^2 when the driver is added, over all orders of the
        drivers (Lindeman, Merenda & Gold 1980; exact over all 2^p subsets; identical to the
        Shapley value and to general dominance, Groemping 2007).
        ``relative_weights``: Johnson (2000), from the eigen-decomposition of the drivers'
        correlation matrix.
    bootstrap : int, default 0
        Number of bootstrap resamples of the complete answers; 0 means no intervals. With
        ``B > 0`` the columns ``importance_low/high`` and ``share_low/high`` hold percentile
        intervals (the default interval of relaimpo's ``booteval.relimp``).
    level : float, default 95
        Interval level in percent.
    seed : int or None, default 0
        Seed of the resampling, so that a report shows the same interval every time.

    Returns
    -------
    pd.DataFrame
        Indexed by driver: ``importance`` (sums to R^2) and ``share`` (sums to 1), plus the
        interval columns when bootstrapped; ``.attrs`` holds ``r2``, ``n`` (complete answers
        used), ``method`` and ``bootstrap`` (usable resamples; resamples in which a column does
        not vary are skipped).
    """
    if method not in ("lmg", "relative_weights"):
        raise ValueError(f"'method' must be 'lmg' or 'relative_weights', got {method!r}.")
    if not drivers:
        raise ValueError("'drivers' must name at least one column.")
    if bootstrap < 0 or not 0 < level < 100:
        raise ValueError(
            f"'bootstrap' must be >= 0 and 'level' between 0 and 100, got {bootstrap!r} and "
            f"{level!r}."
        )
    missing = [c for c in [target, *drivers] if c not in df.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in the data.")
    data = df[[target, *drivers]].astype(float).dropna()
    p = len(drivers)
    if len(data) < p + 2:
        raise ValueError(
            f"key drivers need at least {p + 2} complete answers for {p} drivers, got {len(data)}."
        )
    values = data.to_numpy()
    corr = _correlations(values[None])
    if not np.isfinite(corr).all():
        raise ValueError("a driver or the target does not vary in the complete answers.")
    importance, r2 = (a[0] for a in _importance(corr, method))
    if not importance.sum() > 0:
        raise ValueError("the drivers explain none of the variance of the target.")
    out = pd.DataFrame(
        {"importance": importance, "share": importance / importance.sum()},
        index=pd.Index(drivers, name="driver"),
    )
    used = 0
    if bootstrap:
        rng = np.random.default_rng(seed)
        draws = rng.integers(0, len(values), size=(int(bootstrap), len(values)))
        # in chunks, so that a large pooled survey does not hold B copies of itself at once
        chunk = max(1, 2_000_000 // values.size)
        corrs = np.concatenate(
            [_correlations(values[draws[i : i + chunk]]) for i in range(0, len(draws), chunk)]
        )
        corrs = corrs[np.isfinite(corrs).all(axis=(1, 2))]
        kept = _importance(corrs, method)[0] if len(corrs) else np.empty((0, p))
        kept = kept[kept.sum(axis=1) > 0]  # a resample the ratings explain nothing of has no shares
        used = len(kept)
        tail = (100 - level) / 2
        shares = kept / kept.sum(axis=1, keepdims=True)
        for name, sample in (("importance", kept), ("share", shares)):
            low, high = (
                np.percentile(sample, [tail, 100 - tail], axis=0) if used else (np.nan, np.nan)
            )
            out[f"{name}_low"], out[f"{name}_high"] = low, high
    out.attrs.update(r2=float(r2), n=int(len(data)), method=method, bootstrap=used)
    return out


def themes(comments: pd.Series, extra: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """How many comments mention each theme (keywords in German and English, extendable).

    A comment mentions a theme when one of its keywords starts a word of the comment
    (case-insensitive), so ``liefer`` matches ``Lieferung``.
    """
    lists = {k: list(v) for k, v in THEMES.items()}
    for name, words in (extra or {}).items():
        lists.setdefault(name, []).extend(words)
    texts = pd.Series(comments, dtype=object).dropna().astype(str)
    rows = []
    for name, words in lists.items():
        pattern = re.compile(
            r"\b(" + "|".join(re.escape(w.lower()) for w in words) + ")", re.IGNORECASE
        )
        hits = texts.map(lambda t, pat=pattern: bool(pat.search(t)))
        rows.append({"theme": name, "comments": int(hits.sum())})
    out = pd.DataFrame(rows).set_index("theme")
    return out.loc[out["comments"] > 0].sort_values("comments", ascending=False)


@dataclass(frozen=True)
class SatisfactionAnalysis:
    """Everything the satisfaction section shows, for one account (empty without answers)."""

    kpi: pd.Series
    answers: int
    window_nps: Score
    window_csat: Score
    periods: pd.DataFrame
    roles: pd.DataFrame
    change: str
    real_drop: bool
    drivers: pd.DataFrame | None
    drivers_pooled: bool
    performance: pd.Series
    comments: pd.DataFrame
    themes: pd.DataFrame
    nps_percentile: float
    csat_percentile: float


MIN_DRIVER_ANSWERS = 30


def analyse(frames: AccountFrames, params) -> SatisfactionAnalysis:
    """Scores in the window, per half-year and role, drivers, comments and the portfolio rank.

    Drivers use the account's own answers with at least ``MIN_DRIVER_ANSWERS`` complete ones,
    else every account's answers pooled (``drivers_pooled``). Percentiles compare the account's
    NPS and CSAT with the key accounts' (no other account is named).
    """
    surveys = frames.table("surveys")
    if surveys is None:
        surveys = pd.DataFrame(columns=["date"]).astype({"date": "datetime64[ns]"})
    window = frames.window
    in_window = surveys.loc[window.contains(surveys["date"])]
    w_nps = nps(in_window["nps"]) if "nps" in in_window else Score(math.nan, 0)
    w_csat = csat(in_window["csat"]) if "csat" in in_window else Score(math.nan, 0)
    periods = by_period(surveys)
    _, n_ = translator(params.language)
    change, drop = _("Only one survey period so far."), False
    if len(periods) >= 2 and "nps" in surveys:
        keys = list(periods.index)
        halves = half_year(surveys["date"])
        before = nps(surveys.loc[halves == keys[-2], "nps"])
        after = nps(surveys.loc[halves == keys[-1], "nps"])
        p_value, change = change_test(before, after, params.language)
        drop = bool(p_value < 0.05 and after.score < before.score)
    ratings = [c for c in surveys.columns if c.startswith("rating_")]
    drivers, pooled = None, False
    target = "nps" if "nps" in surveys else ("csat" if "csat" in surveys else None)
    everyone = frames.all_table("surveys")
    if ratings and target and len(surveys):
        own = in_window[[target, *ratings]].dropna()
        source = in_window
        if len(own) < MIN_DRIVER_ANSWERS and everyone is not None:
            source, pooled = everyone.loc[window.contains(everyone["date"])], True
        drivers = _report_drivers(source[[target, *ratings]], target, ratings)
    performance = in_window[ratings].mean() if ratings else pd.Series(dtype=float)
    comments = pd.DataFrame()
    if "comment" in surveys and "nps" in surveys:
        detractors = surveys.loc[surveys["comment"].notna() & (surveys["nps"] <= 6)]
        cols = [c for c in ("date", "respondent_role", "nps", "comment") if c in detractors]
        comments = detractors.sort_values("date", ascending=False)[cols].head(5)
    theme_table = (
        themes(in_window["comment"], params.comment_themes)
        if "comment" in in_window
        else pd.DataFrame()
    )
    kpis = frames.kpis
    peers = kpis.loc[kpis.index.isin(frames.portfolio.key_ids())].drop(
        frames.account_id, errors="ignore"
    )
    return SatisfactionAnalysis(
        kpi=frames.kpi,
        answers=len(surveys),
        window_nps=w_nps,
        window_csat=w_csat,
        periods=periods,
        roles=by_period(in_window, "role"),
        change=change,
        real_drop=drop,
        drivers=drivers,
        drivers_pooled=pooled,
        performance=performance,
        comments=comments,
        themes=theme_table,
        nps_percentile=percentile(w_nps.score, peers["nps"]),
        csat_percentile=percentile(w_csat.score, peers["csat"]),
    )


def findings(a: SatisfactionAnalysis, params) -> list[Finding]:
    """NPS and CSAT against their targets (health components), and a real drop of the NPS
    between the last two half-years."""
    out = component_findings(a.kpi, params, "satisfaction")
    if a.real_drop:
        out.append(Finding("red", "satisfaction", a.change, fact="nps_real_drop"))
    return out


def sentences(a: SatisfactionAnalysis, params) -> list[str]:
    """The satisfaction section's statements in words (none without answers)."""
    if not a.answers:
        return []
    language = params.language
    _, n_ = translator(language)
    lines = [
        _("Net Promoter Score over the last 12 months: {score}; target {target}.").format(
            score=a.window_nps.describe(0, language),
            target=fmt.number(params.targets.nps, 0, language),
        )
    ]
    if not a.window_csat.empty:
        lines.append(
            _("Customer satisfaction (1-5): {score}; target {target}.").format(
                score=a.window_csat.describe(2, language),
                target=fmt.number(params.targets.csat, 1, language),
            )
        )
    if not math.isnan(a.nps_percentile):
        lines.append(
            _(
                "Among the key accounts, this NPS ranks at the {percentile} percentile "
                "(100 = the most satisfied)."
            ).format(percentile=fmt.ordinal(round(a.nps_percentile), language))
        )
    lines.append(a.change)
    return lines


def summary(a: SatisfactionAnalysis, params) -> blocks.Html:
    """The section's statements, or why there are none."""
    _, n_ = translator(params.language)
    return blocks.paragraphs(sentences(a, params), _("No survey answers from this account."))


def roles_table(a: SatisfactionAnalysis, params) -> blocks.Html:
    """NPS and CSAT with their intervals per respondent role."""
    _, n_ = translator(params.language)
    roles = a.roles
    return blocks.table(
        roles.reset_index() if len(roles) else None,
        {
            "nps": "int",
            "nps_low": "int",
            "nps_high": "int",
            "n": "int",
            "csat": "num2",
            "csat_low": "num2",
            "csat_high": "num2",
            "csat_n": "int",
            "indicative": "yesno",
        },
        caption=_("Scores by respondent role, last 12 months"),
        language=params.language,
        empty=_("No answers by role in the last 12 months."),
    )


def comments_table(a: SatisfactionAnalysis, params) -> blocks.Html:
    """The latest comments of detractors (as written)."""
    _, n_ = translator(params.language)
    comments = a.comments
    return blocks.table(
        comments,
        {"date": "date", "nps": "int"},
        caption=_("Latest comments of detractors"),
        language=params.language,
        empty=_("No comments from detractors."),
    )


def themes_table(a: SatisfactionAnalysis, params) -> blocks.Html:
    """How many comments of the window touch each theme."""
    _, n_ = translator(params.language)
    themes_shown = a.themes.rename(index=lambda t: _(THEME_NAMES[t]) if t in THEME_NAMES else t)
    return blocks.table(
        themes_shown.reset_index() if len(themes_shown) else None,
        {"comments": "int"},
        caption=_("Comment themes, last 12 months"),
        language=params.language,
        empty=_("No comments in the last 12 months."),
    )


_DRIVERS: dict[tuple, pd.DataFrame | None] = {}  # per kernel: see _report_drivers


def _report_drivers(data: pd.DataFrame, target: str, ratings: list[str]) -> pd.DataFrame | None:
    """:func:`key_drivers` with the bootstrap intervals the report shows; None when it cannot
    be computed. Every account with too few answers of its own gets the same pooled analysis,
    so results are kept per kernel, keyed by the answers' content (row order included, as the
    resampling depends on it)."""
    rows = pd.util.hash_pandas_object(data, index=False).to_numpy()
    key = (target, tuple(ratings), hashlib.sha1(rows.tobytes()).hexdigest())
    if key not in _DRIVERS:
        if len(_DRIVERS) >= 8:
            _DRIVERS.clear()
        try:
            _DRIVERS[key] = key_drivers(data, target, ratings, "lmg", bootstrap=DRIVER_BOOTSTRAP)
        except ValueError:
            _DRIVERS[key] = None
    hit = _DRIVERS[key]
    if hit is None:
        return None
    out = hit.copy()
    # A percentile interval of a few answers need not contain the estimate; the report never
    # shows an estimate outside its own interval, so the interval is widened to include it.
    for name in ("importance", "share"):
        if f"{name}_low" in out:
            out[f"{name}_low"] = np.fmin(out[f"{name}_low"], out[name])
            out[f"{name}_high"] = np.fmax(out[f"{name}_high"], out[name])
    return out


#: the attribute ratings kam names in the reader's language; others are shown as the data name them
ATTRIBUTES = {
    "rating_communication": N_("communication"),
    "rating_delivery": N_("delivery"),
    "rating_documentation": N_("documentation"),
    "rating_price": N_("price"),
    "rating_quality": N_("quality"),
    "rating_service": N_("service"),
    "rating_support": N_("support"),
}


def attribute_name(column: object, language: str = "en") -> str:
    """A rating column as the reader reads it: ``rating_delivery`` -> ``delivery`` (``Lieferung``
    in German); a column kam does not know loses its ``rating_`` prefix."""
    name = str(column)
    if name in ATTRIBUTES:
        return translator(language)[0](ATTRIBUTES[name])
    return name.removeprefix("rating_").replace("_", " ")


def driver_shares(a: SatisfactionAnalysis, language: str = "en") -> pd.DataFrame:
    """The driver analysis for readers: attribute, share with its interval, average rating.

    Sorted by share, largest first; empty when there is no driver analysis.
    """
    if a.drivers is None:
        return pd.DataFrame()
    d = a.drivers.sort_values("share", ascending=False)
    out = pd.DataFrame(
        {
            "attribute": [attribute_name(i, language) for i in d.index],
            "share of explained variance": d["share"].to_numpy(),
        }
    )
    if "share_low" in d:
        out["interval low"] = d["share_low"].to_numpy()
        out["interval high"] = d["share_high"].to_numpy()
    out["average rating"] = a.performance.reindex(d.index).to_numpy()
    return out


def drivers_table(a: SatisfactionAnalysis, params) -> blocks.Html:
    """What drives the NPS: each attribute's share of the explained variance, with its interval."""
    _, n_ = translator(params.language)
    return blocks.table(
        driver_shares(a, params.language),
        {
            "share of explained variance": "pct",
            "interval low": "pct",
            "interval high": "pct",
            "average rating": "num1",
        },
        caption=_("What drives the NPS: share of the explained variance, with its 95 % interval"),
        language=params.language,
        empty=_("No driver analysis."),
    )


def drivers_note(a: SatisfactionAnalysis, params) -> blocks.Html:
    """One sentence on where the driver analysis comes from (small print)."""
    return blocks.paragraph(_drivers_source(a, params.language), "note")


def _drivers_source(a: SatisfactionAnalysis, language: str = "en") -> str:
    _, n_ = translator(language)
    if a.drivers is None:
        return _("Not enough rated answers for a driver analysis.")
    values = {
        "n": a.drivers.attrs["n"],
        "r2": fmt.pct(a.drivers.attrs["r2"], 0, language),
        "resamples": a.drivers.attrs.get("bootstrap", 0),
    }
    text = (
        _(
            "Based on {n} complete answers (all key accounts' answers pooled, as this account "
            "has too few); the ratings explain {r2} of the variance of the NPS."
        )
        if a.drivers_pooled
        else _(
            "Based on {n} complete answers (this account's own answers); the ratings explain "
            "{r2} of the variance of the NPS."
        )
    ).format(**values)
    if a.drivers.attrs.get("bootstrap"):
        text += " " + _(
            "Intervals: 95 % percentile bootstrap over {resamples} resamples of the answers; "
            "overlapping intervals mean the order of two attributes is not certain."
        ).format(**values)
    return text
