"""Running a report batch: compose the notebooks, execute them in warm kernels, write the files.

* :mod:`kamlib.run.flow`: the whole ``kam report`` flow, top to bottom (:func:`run`);
* :mod:`kamlib.run.compose`: where the notebooks are, how they are joined, their sections;
* :mod:`kamlib.run.kernels`: the warm kernel pool, executing one section at a time;
* :mod:`kamlib.run.render`: HTML for readers, the audit notebook, the index page;
* :mod:`kamlib.run.outcome`: each report's outcome, ``summary.json``, the index's rows;
* :mod:`kamlib.run.output`: the output folder: write check, lock, atomic writes.
"""

from kamlib.run.compose import compose_account_notebook, notebooks_dir, portfolio_notebook
from kamlib.run.flow import PORTFOLIO, Interrupted, run, write_kpis
from kamlib.run.kernels import CELL_TIMEOUT, Failure
from kamlib.run.outcome import AccountResult, RunResult
from kamlib.run.render import export_html

__all__ = [
    "CELL_TIMEOUT",
    "PORTFOLIO",
    "AccountResult",
    "Failure",
    "Interrupted",
    "RunResult",
    "compose_account_notebook",
    "export_html",
    "notebooks_dir",
    "portfolio_notebook",
    "run",
    "write_kpis",
]
