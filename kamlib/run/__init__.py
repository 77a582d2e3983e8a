"""Running a report batch: compose the notebooks, execute them in warm kernels, write the files.

* :mod:`kamlib.run.flow`: the whole ``kam report`` flow, top to bottom (:func:`run`);
* :mod:`kamlib.run.compose`: where the notebooks are, how they are joined, their sections;
* :mod:`kamlib.run.kernels`: the warm kernel pool, executing one section at a time;
* :mod:`kamlib.run.render`: HTML for readers, the audit notebook, the index page;
* :mod:`kamlib.run.outcome`: each report's outcome, ``summary.json``, the index's rows;
* :mod:`kamlib.run.output`: the output folder: write check, lock, atomic writes.
"""

import importlib

#: where each name lives: a submodule is imported on first use, so that ``kam report`` can
#: start its kernels (:mod:`kamlib.run.kernels`) before it imports the analysis code
_HOMES = {
    "CELL_TIMEOUT": "kernels",
    "Failure": "kernels",
    "PORTFOLIO": "flow",
    "Interrupted": "flow",
    "run": "flow",
    "write_kpis": "flow",
    "AccountResult": "outcome",
    "RunResult": "outcome",
    "compose_account_notebook": "compose",
    "notebooks_dir": "compose",
    "portfolio_notebook": "compose",
    "export_html": "render",
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'kamlib.run' has no attribute {name!r}")
    return getattr(importlib.import_module(f"kamlib.run.{_HOMES[name]}"), name)


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
