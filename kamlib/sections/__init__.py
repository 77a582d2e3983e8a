"""The sections of a report, each behind one contract.

Every section module has

* ``analyse(frames, params) -> <Area>Analysis``: a frozen dataclass made once per report from
  the account's frames (:class:`kamlib.frames.AccountFrames`) and parameters; pure, no I/O;
* ``findings(analysis, params) -> list[Finding]``: the section's findings, the health
  components it owns among them (:mod:`kamlib.components`), read from that analysis only;
* ``sentences(analysis, params) -> list[str]`` and the blocks its notebook cells show
  (``summary``, ``..._table``), again from that analysis only.

:data:`AREAS` lists the account report's sections in report order; the executive summary
collects their findings. The portfolio report (:mod:`kamlib.sections.portfolio`) has the same
contract on :class:`kamlib.frames.PortfolioFrames`.
"""

from kamlib.sections import (
    communication,
    complaints,
    contract_terms,
    market,
    revenue,
    satisfaction,
)

__all__ = ["AREAS"]

#: the analyses of an account report, in report order
AREAS = {
    "revenue": revenue,
    "satisfaction": satisfaction,
    "contract_terms": contract_terms,
    "communication": communication,
    "complaints": complaints,
    "market": market,
}
