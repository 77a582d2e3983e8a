"""The composite health score: 0..100 from the KPIs, with traffic lights.

Formula (stated in every report):

* each component KPI ``k`` scores ``s_k = clip((value - red_at) / (target - red_at), 0, 1) * 100``:
  100 at or better than its target, 0 at or worse than its red mark, linear in between (this one
  formula covers "higher is better" and "lower is better", as the sign of ``target - red_at``
  tells the direction);
* a component whose KPI is empty (no data) is left out and the weights of the others are
  rescaled to sum to 1, so missing data neither rewards nor punishes an account;
* ``health_score = sum_k w_k * s_k / sum_k w_k`` over the available components; the contribution
  of a component is ``w_k * s_k / sum_k w_k`` points, so contributions add up to the score;
* status: ``weighted`` method: green from ``green_from``, yellow from ``yellow_from``, else red;
  ``rules`` method: the worst component status (each component judged by the same thresholds
  on its own 0..100 score), so any red component makes the account red;
* escalation (``health.escalation``, weighted method only): a mean dilutes a collapse (six red
  components can still average 51, yellow), so, as customer-success tools add rules beside
  their weighted scores, the account is red when at least ``red_components`` components are
  red or when a ``critical`` component is red, and at least yellow when at least
  ``yellow_components`` are red. A component counts as red when it is in the score (weight
  > 0), has data and is red by its own score; missing data never counts. Escalation only makes
  the light worse; the score itself is unchanged;
* no component available at all: score empty, status yellow ("cannot be judged");
* ``health_rule`` names what decided the light: ``score``, ``rules`` (the worst component),
  ``no_data``, ``red_components``, ``critical:<component>`` or ``yellow_components``. Where
  several escalation rules hold, the first of that order is named (a red score needs none).

OTIF and payment targets agreed in a contract replace the parameter targets for that account.

Components: revenue growth, NPS, CSAT, OTIF rate, average days paid late, days since the last
contact and open complaints (KPIs of ``kpis.csv``), and six terms of the relationship computed
in :func:`kamlib.kpis.health_inputs`: contacts per month over the window (cadence), the share of
the contact roles reached in the last 180 days, the median days to resolve the complaints closed
in the window, the most complaints about one category in the window, price realisation (realised
revenue over the revenue the same quantities would have made at the agreed prices) and the days
left to the nearest notice deadline of a running contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from kamlib.components import COMPONENTS, HEALTH_KPIS, LOWER_IS_BETTER, SEVERITIES, target_of
from kamlib.params import Params

__all__ = [
    "RULES",
    "breakdown",
    "change_explained",
    "component_scores",
    "health_scores",
    "score",
    "status_of",
    "weight_sensitivity",
    "with_weights",
]

# the traffic lights by urgency (red first), as everywhere in kam
_URGENCY = {s: SEVERITIES.index(s) for s in ("red", "yellow", "green")}
_LIGHT_OF = {v: k for k, v in _URGENCY.items()}
#: what can decide an account's traffic light (``health_rule``; ``critical`` is followed by
#: ``:`` and the component), in the order the escalation rules are tried
RULES = ("score", "rules", "no_data", "red_components", "critical", "yellow_components")
_RULE = {r: i for i, r in enumerate(RULES)}


def status_of(values: pd.Series, green_from: float, yellow_from: float) -> pd.Series:
    """Traffic light of 0..100 scores: green / yellow / red; empty scores give NaN."""
    out = np.where(values >= green_from, "green", np.where(values >= yellow_from, "yellow", "red"))
    return pd.Series(out, index=values.index, dtype=object).where(values.notna())


def component_scores(
    kpis: pd.DataFrame, targets: pd.DataFrame, red_at: pd.DataFrame
) -> pd.DataFrame:
    """Component scores 0..100 for every KPI in :data:`kamlib.components.HEALTH_KPIS`.

    Parameters
    ----------
    kpis, targets, red_at : pd.DataFrame
        Aligned frames (same index) with one column per health KPI.
    """
    out = pd.DataFrame(index=kpis.index)
    for k in HEALTH_KPIS:
        value = kpis[k].astype(float)
        span = (targets[k] - red_at[k]).astype(float)
        raw = ((value - red_at[k]) / span.where(span != 0)).clip(0, 1) * 100
        # target == red mark leaves no slope: a step at the target, in the KPI's direction
        good = value <= targets[k] if k in LOWER_IS_BETTER else value >= targets[k]
        step = pd.Series(np.where(good, 100.0, 0.0), index=kpis.index)
        out[k] = raw.where(span != 0, step).where(value.notna())
    return out


class _ScoreInputs(NamedTuple):
    """What the health score is computed from, one row per account (columns: the KPIs)."""

    comps: pd.DataFrame  # component scores 0..100, NaN without data
    weights: pd.DataFrame  # the weights as given, before rescaling
    # green, yellow, rules (1.0 for the rules method), red_components and yellow_components
    # (inf without the rule)
    thresholds: pd.DataFrame
    targets: pd.DataFrame
    critical: pd.DataFrame  # True where a component is critical (escalation)


def _score_inputs(
    kpis: pd.DataFrame,
    params: Params | Mapping[str, Params],
    agreed_targets: pd.DataFrame | None,
) -> _ScoreInputs:
    """Component scores, weights, thresholds and targets of every account of ``kpis``."""
    # a component whose column is absent has no data, like an empty KPI: it is left out (only
    # the components are taken: a KPI table has many more columns, not worth copying)
    kpis = kpis.reindex(columns=list(HEALTH_KPIS))
    ids = kpis.index
    by_acc = params if isinstance(params, Mapping) else dict.fromkeys(ids, params)
    absent = [a for a in ids if a not in by_acc]
    if absent:
        raise ValueError(f"no parameters for accounts {absent[:5]}.")
    # Parameter sets are shared by most accounts: build the per-account frames from unique sets.
    unique = {id(p): p for p in by_acc.values()}
    key = pd.Series([id(by_acc[a]) for a in ids], index=ids)

    def frame(get) -> pd.DataFrame:
        table = pd.DataFrame({pid: get(p) for pid, p in unique.items()}).T
        return table.loc[key.values].set_axis(ids)

    targets = frame(lambda p: {k: float(getattr(p.targets, k)) for k in HEALTH_KPIS})
    red_at = frame(lambda p: {k: float(getattr(p.red_at, k)) for k in HEALTH_KPIS})
    weights = frame(lambda p: {k: float(p.health.weights.get(k, 0.0)) for k in HEALTH_KPIS})
    thresholds = frame(
        lambda p: {
            "green": p.health.green_from,
            "yellow": p.health.yellow_from,
            "rules": float(p.health.method == "rules"),
            "red_components": _count(p.health.escalation.red_components),
            "yellow_components": _count(p.health.escalation.yellow_components),
        }
    )
    critical = frame(lambda p: {k: k in p.health.escalation.critical for k in HEALTH_KPIS})
    if agreed_targets is not None and "otif_rate" in agreed_targets:
        agreed = agreed_targets["otif_rate"].reindex(ids)
        targets["otif_rate"] = agreed.fillna(targets["otif_rate"])
    comps = component_scores(kpis, targets, red_at)
    return _ScoreInputs(comps, weights, thresholds, targets, critical.astype(bool))


def _count(value: int | None) -> float:
    """An escalation count as a threshold: no rule is a count never reached."""
    return np.inf if value is None else float(value)


def score(
    kpis: pd.DataFrame,
    params: Params | Mapping[str, Params],
    agreed_targets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Health score, status and per-component score, contribution and status.

    Parameters
    ----------
    kpis : pd.DataFrame
        Indexed by account_id, with the health KPIs as columns.
    params : Params or mapping of account_id -> Params
        Targets, red marks, weights, method and thresholds.
    agreed_targets : pd.DataFrame, optional
        Per-account targets from contracts (column ``otif_rate``) that replace the parameter.

    Returns
    -------
    pd.DataFrame
        Indexed like ``kpis``: ``health_score``, ``health_status``, ``health_rule`` (what
        decided the traffic light, one of :data:`RULES`, ``critical:<component>`` for a
        critical component) and, per KPI ``k``, ``score_k``, ``contribution_k``, ``status_k``,
        ``weight_k`` (the rescaled weight).
    """
    comps, weights, thresholds, targets, critical = _score_inputs(kpis, params, agreed_targets)
    ids = comps.index
    avail = weights.where(comps.notna(), 0.0)
    total = avail.sum(axis=1)
    w = avail.div(total.where(total > 0), axis=0)
    contrib = comps.fillna(0.0) * w
    health_score = contrib.sum(axis=1).where(total > 0)

    out = pd.DataFrame(index=ids)
    out["health_score"] = health_score
    comp_status = pd.DataFrame(
        {k: status_of(comps[k], thresholds["green"], thresholds["yellow"]) for k in HEALTH_KPIS}
    ).where(weights > 0)
    # the light and its rule by the one numpy function the weight sensitivity uses too
    lights = _Lights(comps[list(HEALTH_KPIS)].to_numpy(dtype=float), thresholds, critical)
    columns = list(weights[list(HEALTH_KPIS)].to_numpy(dtype=float).T)
    codes, rule, first = lights.decide(health_score.to_numpy(dtype=float), columns)
    out["health_status"] = pd.Series(codes, index=ids).map(_LIGHT_OF).astype(object)
    out["health_rule"] = _rule_names(rule, first, ids)
    for k in HEALTH_KPIS:
        out[f"score_{k}"] = comps[k]
        out[f"weight_{k}"] = w[k]
        out[f"contribution_{k}"] = contrib[k].where(comps[k].notna())
        out[f"status_{k}"] = comp_status[k]
    out["target_otif_rate"] = targets["otif_rate"]
    return out


def with_weights(params: Params, weights: dict[str, float]) -> Params:
    """A copy of ``params`` with other health weights."""
    return params.model_copy(
        update={"health": params.health.model_copy(update={"weights": weights})}
    )


def health_scores(comps: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Health scores of many accounts at once, from their component scores and weights.

    The same arithmetic as :func:`score`, in numpy: the available weights are rescaled to sum
    to 1 and the component scores weighted with them.

    Parameters
    ----------
    comps : np.ndarray
        Component scores 0..100, shape (accounts, components), NaN where a KPI has no data;
        the components in the order of :data:`kamlib.components.HEALTH_KPIS` for scores equal
        to those of :func:`score` to the last bit.
    weights : np.ndarray
        The weights as given (not rescaled), same shape.

    Returns
    -------
    np.ndarray
        One score per account; NaN for an account without any weighted component.
    """
    return _Scorer(comps).scores(list(np.asarray(weights, dtype=float).T))


class _Scorer:
    """Health scores of fixed component scores under changing weights.

    Held column by column: a weight change replaces one column of weights, and the vectors of
    one component are contiguous.
    """

    def __init__(self, comps: np.ndarray) -> None:
        self.has = [~np.isnan(col) for col in comps.T]
        self.values = [np.where(has, col, 0.0) for has, col in zip(self.has, comps.T, strict=True)]

    def available(self, weights: list[np.ndarray]) -> list[np.ndarray]:
        """Each component's weight where it has data, else 0."""
        return [np.where(has, w, 0.0) for has, w in zip(self.has, weights, strict=True)]

    def scores(self, weights: list[np.ndarray]) -> np.ndarray:
        """The health scores under ``weights`` (one vector per component, as given)."""
        avail = self.available(weights)
        total = _added(avail)
        scored = total > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            denominator = np.where(scored, total, np.nan)
            contrib = [v * (a / denominator) for v, a in zip(self.values, avail, strict=True)]
        # The additions run in the order pandas uses in score(): component by component, but
        # pairwise (numpy's sum of each row) once an account without any weighted component
        # leaves empty contributions to skip. The same order gives the same scores to the last
        # bit, so that a weight change is compared with exactly the scores the report shows
        # (no tie and no threshold is moved by rounding).
        sums = _added(contrib) if scored.all() else np.column_stack(contrib).sum(axis=1)
        return np.where(scored, sums, np.nan)


def _added(columns: list[np.ndarray]) -> np.ndarray:
    """The vectors of ``columns`` added one after the other."""
    out = np.zeros_like(columns[0])
    for col in columns:
        out += col
    return out


class _Lights:
    """The traffic lights of :func:`score` in numpy, for fixed component scores and thresholds
    under changing weights (the weight sensitivity moves one weight at a time; a component
    counts only while its weight is > 0).

    Parameters
    ----------
    comps : np.ndarray
        Component scores, shape (accounts, components), in the order of
        :data:`kamlib.components.HEALTH_KPIS`.
    thresholds : pd.DataFrame
        ``green``, ``yellow``, ``rules``, ``red_components`` and ``yellow_components`` per
        account, as :func:`_score_inputs` makes them.
    critical : pd.DataFrame
        True where a component is critical for the account.
    """

    _NONE = _URGENCY["green"] + 1  # no light: no data, or no weight

    def __init__(self, comps: np.ndarray, thresholds: pd.DataFrame, critical: pd.DataFrame):
        self.green = thresholds["green"].to_numpy(dtype=float)
        self.yellow = thresholds["yellow"].to_numpy(dtype=float)
        self.rules = thresholds["rules"].to_numpy(dtype=float) != 0
        self.red_n = thresholds["red_components"].to_numpy(dtype=float)
        self.yellow_n = thresholds["yellow_components"].to_numpy(dtype=float)
        crit = critical[list(HEALTH_KPIS)].to_numpy(dtype=bool)
        self.critical = list(crit.T)
        # each component's own light, held column by column (a weight change replaces one)
        self.own = [
            np.where(np.isnan(col), self._NONE, self._light(col, self.green, self.yellow))
            for col in comps.T
        ]
        self.escalating = ~self.rules & (
            np.isfinite(self.red_n) | np.isfinite(self.yellow_n) | crit.any(axis=1)
        )

    @staticmethod
    def _light(values: np.ndarray, g: np.ndarray, y: np.ndarray) -> np.ndarray:
        red, amber, ok = _URGENCY["red"], _URGENCY["yellow"], _URGENCY["green"]
        return np.where(values >= g, ok, np.where(values >= y, amber, red))

    def decide(
        self, health: np.ndarray, weights: list[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The traffic lights under ``weights`` (one vector per component, as given).

        Returns
        -------
        tuple of np.ndarray
            Urgency codes (:data:`_URGENCY`), the index of the deciding rule in :data:`RULES`,
            and the first red critical component's position (-1 if none).
        """
        red, amber, ok = _URGENCY["red"], _URGENCY["yellow"], _URGENCY["green"]
        empty = np.isnan(health)
        codes = np.where(empty, amber, self._light(health, self.green, self.yellow))
        rule = np.where(empty, _RULE["no_data"], _RULE["score"])
        first = np.full(len(health), -1)
        if not (self.rules.any() or self.escalating.any()):
            return codes, rule, first
        lights = [
            np.where(w > 0, own, self._NONE) for own, w in zip(self.own, weights, strict=True)
        ]
        if self.rules.any():
            # the worst light of the weighted components with data; none at all is yellow
            worst = np.minimum.reduce(lights)
            codes = np.where(self.rules, np.where(worst > ok, amber, worst), codes)
            rule = np.where(self.rules & ~empty, _RULE["rules"], rule)
        if self.escalating.any():
            n_red = np.zeros(len(health))
            for j, light in enumerate(lights):
                is_red = light == red
                n_red += is_red
                first = np.where((first < 0) & self.critical[j] & is_red, j, first)
            may_turn_red = self.escalating & (codes != red)
            by_count = may_turn_red & (n_red >= self.red_n)
            by_critical = may_turn_red & ~by_count & (first >= 0)
            by_yellow = self.escalating & (codes == ok) & (n_red >= self.yellow_n)
            by_yellow &= ~(by_count | by_critical)
            codes = np.where(by_count | by_critical, red, np.where(by_yellow, amber, codes))
            rule = np.select(
                [by_count, by_critical, by_yellow],
                [_RULE["red_components"], _RULE["critical"], _RULE["yellow_components"]],
                rule,
            )
        return codes, rule, np.where(rule == _RULE["critical"], first, -1)


def _rule_names(rule: np.ndarray, first: np.ndarray, index: pd.Index) -> pd.Series:
    """``health_rule``: the names of :data:`RULES`, ``critical:<component>`` for a critical one."""
    names = np.array(RULES, dtype=object)[rule]
    crit = first >= 0
    if crit.any():
        kpis = np.array(HEALTH_KPIS, dtype=object)[first[crit]]
        names[crit] = "critical:" + kpis
    return pd.Series(names, index=index, dtype=object)


def weight_sensitivity(
    kpis: pd.DataFrame,
    params: Params | Mapping[str, Params],
    change: float = 0.2,
    agreed_targets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Does the ranking of accounts change when one weight moves by ``change`` (20 %)?

    Every weight is multiplied in turn by ``1 - change`` and ``1 + change`` (the others kept,
    so the rescaled weights shift too), and the new scores are compared with the base scores.
    The component scores do not depend on the weights: they are computed once, and each weight
    change is a few vector operations on the component scores of all accounts.

    Returns
    -------
    pd.DataFrame
        One row per (component, factor): ``spearman`` rank correlation of the scores,
        ``status_changes`` (accounts whose traffic light changes) and ``max_rank_shift``.
    """
    if agreed_targets is None and "target_otif_rate" in kpis:
        # a KPI table from kamlib.kpis carries the agreed OTIF target it was scored with
        agreed_targets = kpis[["target_otif_rate"]].rename(
            columns={"target_otif_rate": "otif_rate"}
        )
    inputs = _score_inputs(kpis, params, agreed_targets)
    comps = inputs.comps[list(HEALTH_KPIS)].to_numpy(dtype=float)
    weights = inputs.weights[list(HEALTH_KPIS)].to_numpy(dtype=float)
    scorer = _Scorer(comps)
    lights = _Lights(comps, inputs.thresholds, inputs.critical)
    columns = list(weights.T)

    base = _Ranked(scorer.scores(columns))
    base_status = lights.decide(base.scores, columns)[0]
    rows = []
    for j, k in enumerate(HEALTH_KPIS):
        for factor in (1 - change, 1 + change):
            moved = columns.copy()
            moved[j] = np.where(columns[j] > 0, columns[j] * factor, columns[j])
            alt = _Ranked(scorer.scores(moved))
            status = lights.decide(alt.scores, moved)[0]
            rows.append(
                {
                    "component": k,
                    "factor": factor,
                    "spearman": base.correlation(alt),
                    "status_changes": int((status != base_status).sum()),
                    "max_rank_shift": base.max_shift(alt),
                }
            )
    return pd.DataFrame(rows)


class _Ranked:
    """Health scores with their ranks, each sorted once.

    The figures are those of pandas on the score columns (``Series.rank(ascending=False)``,
    ``Series.corr(method="spearman")``), computed from one ranking per score column instead
    of three.
    """

    def __init__(self, scores: np.ndarray) -> None:
        self.scores = scores
        self.valid = ~np.isnan(scores)
        # ascending ranks of the scored accounts, ties averaged (as scipy's spearmanr ranks)
        from scipy.stats import rankdata  # here: scipy.stats takes 0.4 s to import

        self.ranks = rankdata(scores[self.valid])
        self.distinct = len(self.ranks) >= 2 and bool(np.ptp(scores[self.valid]) > 0)

    def correlation(self, other: _Ranked) -> float:
        """Spearman correlation with ``other``; NaN unless both rank two or more accounts
        apart (a single account, or scores all equal, has no ranking to compare)."""
        if not np.array_equal(self.valid, other.valid):
            return _rank_correlation(pd.Series(self.scores), pd.Series(other.scores))
        if not (self.distinct and other.distinct):
            return float("nan")
        # exactly what pandas' Series.corr(method="spearman") does (scipy's spearmanr)
        return float(np.corrcoef(np.column_stack((self.ranks, other.ranks)), rowvar=False)[1, 0])

    def max_shift(self, other: _Ranked) -> float:
        """The largest move in rank of an account scored in both (ranks: best first)."""
        if not np.array_equal(self.valid, other.valid):
            mine = pd.Series(self.scores).rank(ascending=False)
            theirs = pd.Series(other.scores).rank(ascending=False)
            return float((theirs - mine).abs().max())
        if not self.valid.any():
            return float("nan")
        # best-first ranks are n + 1 minus the ascending ranks, so their differences are equal
        return float(np.abs(other.ranks - self.ranks).max())


def _rank_correlation(a: pd.Series, b: pd.Series) -> float:
    """Spearman correlation of two score columns; NaN unless both rank two or more accounts
    apart (a single account, or scores all equal, has no ranking to compare)."""
    both = pd.DataFrame({"a": a, "b": b}).dropna()
    if len(both) < 2 or both["a"].nunique() < 2 or both["b"].nunique() < 2:
        return float("nan")
    return float(both["a"].corr(both["b"], method="spearman"))


def change_explained(now: pd.Series, before: pd.Series) -> pd.DataFrame:
    """The change of one account's score between two reporting dates, component by component.

    Returns
    -------
    pd.DataFrame
        Indexed by KPI: ``before`` and ``now`` (contributions in points) and ``change``; the
        changes add up to the change of the health score (components without data count 0).
    """
    rows = {}
    for k in HEALTH_KPIS:
        b = before.get(f"contribution_{k}")
        n = now.get(f"contribution_{k}")
        b = 0.0 if pd.isna(b) else float(b)
        n = 0.0 if pd.isna(n) else float(n)
        rows[k] = {"before": b, "now": n, "change": n - b}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("component")


def breakdown(now: pd.Series, params: Params) -> pd.DataFrame:
    """Per component: value, target, red mark, score, weight and contribution in points.

    The contributions add up to the health score.
    """
    rows = []
    for k in HEALTH_KPIS:
        rows.append(
            {
                "component": COMPONENTS[k].label_for(params.language),
                "kpi": k,
                "value": now.get(k),
                "target": target_of(k, now, params),
                "red_at": getattr(params.red_at, k),
                "score": now.get(f"score_{k}"),
                "weight": now.get(f"weight_{k}"),
                "contribution": now.get(f"contribution_{k}"),
                "status": now.get(f"status_{k}"),
            }
        )
    out = pd.DataFrame(rows).set_index("kpi")
    for col in ("value", "target", "red_at", "score", "weight", "contribution"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out
