"""``kam report``: from a dataset to one self-contained HTML report per key account.

The flow reads top to bottom in :func:`run`:

1. load and validate the dataset, resolve ``as_of``, load every account's parameters
   (any problem here: nothing is written, exit code 2);
2. compute the KPI table and write ``kpis.csv``;
3. compose the account notebook (``account_report.ipynb`` followed by the area notebooks it
   lists) and parameterize it per account with papermill;
4. execute it in a pool of warm kernels (one per job; the kernel's namespace is reset between
   accounts) and export each to HTML with the offline ``kam`` template; every file is written
   to a temporary name and renamed, so a report appears only complete;
5. the portfolio report, ``index.html`` and ``summary.json``.
"""

from __future__ import annotations

import copy
import html
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from papermill.parameterize import parameterize_notebook

from kamlib import __version__, portfolio
from kamlib.context import (
    SHARED_CONTEXT_ENV,
    ParamsStore,
    load,
    portfolio_context,
    resolve_as_of,
    share,
)
from kamlib.data import Dataset
from kamlib.errors import KamError
from kamlib.kpis import KPI_COLUMNS
from kamlib.schema import is_valid_account_id

__all__ = [
    "NOTEBOOKS_DIR",
    "TEMPLATES_DIR",
    "AccountResult",
    "RunResult",
    "compose_account_notebook",
    "export_html",
    "run",
    "write_kpis",
]

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
ACCOUNT_NOTEBOOK = "account_report.ipynb"
PORTFOLIO_NOTEBOOK = "portfolio.ipynb"
CELL_TIMEOUT = 600
_RESERVED = frozenset({"index", "portfolio"})
_RESET = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt"


@dataclass
class AccountResult:
    """Outcome of one report."""

    account_id: str
    status: str  # "ok" or "failed"
    seconds: float
    error: str | None = None
    report: str | None = None


@dataclass
class RunResult:
    """Outcome of a whole run."""

    out: Path
    as_of: pd.Timestamp
    results: list[AccountResult] = field(default_factory=list)
    portfolio: AccountResult | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[AccountResult]:
        """Failed account reports, and the portfolio report if it failed."""
        every = [*self.results, *([self.portfolio] if self.portfolio else [])]
        return [r for r in every if r.status != "ok"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


# --- notebooks -----------------------------------------------------------------------------


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def compose_account_notebook(notebooks_dir: Path = NOTEBOOKS_DIR) -> nbformat.NotebookNode:
    """The account report: ``account_report.ipynb`` followed by the area notebooks it lists.

    The area notebooks are listed in the account notebook's metadata (``kam.sections``); their
    ``parameters`` cells are dropped (the account notebook's parameters are used), their setup
    cells kept (they re-use the cached context), so each area notebook also runs on its own.
    """
    nb = _read(notebooks_dir / ACCOUNT_NOTEBOOK)
    for section in nb.metadata.get("kam", {}).get("sections", []):
        area = _read(notebooks_dir / section)
        nb.cells.extend(c for c in area.cells if "parameters" not in _tags(c))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"  # unique again after joining several notebooks
    return nb


def _read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook the way papermill's loader does: every cell gets a ``tags`` list."""
    if not path.is_file():
        raise KamError(f"a report notebook is missing: expected {path}.")
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
    nb.metadata.setdefault("papermill", {})  # where papermill records the injected parameters
    return nb


class _DropStderr(Preprocessor):
    """Drop stderr streams: warnings are for the log, not for the account manager."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")
            ]
        return cell, resources


def export_html(nb: nbformat.NotebookNode, title: str, footer: str) -> str:
    """Render an executed notebook to self-contained HTML without code or network resources."""
    exporter = HTMLExporter(
        template_name="kam",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags={"parameters", "injected-parameters", "setup", "remove-cell"},
            enabled=True,
        ),
        enabled=True,
    )
    exporter.register_preprocessor(_DropStderr(), enabled=True)
    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb, resources={"kam_footer": footer})
    return body


# --- execution -----------------------------------------------------------------------------


class _KernelPool:
    """One warm kernel per worker thread, reset between notebooks, shut down at the end."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self._local = threading.local()
        self._clients: list[NotebookClient] = []
        self._lock = threading.Lock()

    def execute(self, nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
        reset = nbformat.v4.new_code_cell(_RESET)
        nb.cells.insert(0, reset)
        client = getattr(self._local, "client", None)
        try:
            if client is None:
                client = NotebookClient(
                    nb,
                    timeout=CELL_TIMEOUT,
                    kernel_name="python3",
                    resources={"metadata": {"path": str(self.cwd)}},
                    # the kernel listens on 127.0.0.1 only; its start-up warning about
                    # unencrypted TCP would otherwise reach every scheduler log
                    extra_arguments=["--IPKernelApp.log_level=ERROR"],
                )
                self._local.client = client
                with self._lock:
                    self._clients.append(client)
            else:
                client.nb = nb
            client.execute(cleanup_kc=False)
        except DeadKernelError:
            self._discard(client)
            raise
        finally:
            nb.cells.pop(0)
        return nb

    def _discard(self, client: NotebookClient | None) -> None:
        self._local.client = None
        if client is not None:
            _shutdown(client)
            with self._lock:
                self._clients.remove(client)

    def close(self) -> None:
        with self._lock:
            for client in self._clients:
                _shutdown(client)
            self._clients.clear()


def _shutdown(client: NotebookClient) -> None:
    try:
        client._cleanup_kernel()  # nbclient's own teardown of a kernel it started
    except Exception:  # noqa: BLE001 - a kernel that is already gone needs no shutdown
        pass


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, CellExecutionError):
        return f"{exc.ename}: {exc.evalue}".strip()
    return f"{type(exc).__name__}: {exc}".strip()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- outputs -------------------------------------------------------------------------------


def write_kpis(kpis: pd.DataFrame, path: Path) -> None:
    """Write ``kpis.csv`` with the contract's columns (empty cell = empty KPI)."""
    table = kpis.reset_index()[KPI_COLUMNS]
    _write_atomic(path, table.to_csv(index=False, lineterminator="\n"))


def _index_html(dataset: Dataset, kpis: pd.DataFrame, result: RunResult) -> str:
    portfolio_status = result.portfolio
    accounts = dataset.get("accounts").set_index("account_id")
    rows = []
    for r in result.results:
        name = html.escape(str(accounts.at[r.account_id, "name"]))
        status = kpis.at[r.account_id, "health_status"]
        score = kpis.at[r.account_id, "health_score"]
        score_text = "–" if pd.isna(score) else f"{score:.0f}"
        link = f'<a href="{html.escape(r.report)}">{name}</a>' if r.report else name
        outcome = "report written" if r.status == "ok" else f"failed: {html.escape(r.error or '')}"
        rows.append(
            f"<tr><td>{link}</td><td>{html.escape(r.account_id)}</td>"
            f'<td><span class="kam-light kam-{status}"></span>{status}</td>'
            f'<td class="num">{score_text}</td><td>{outcome}</td></tr>'
        )
    css = (TEMPLATES_DIR / "kam" / "static" / "kam.css").read_text(encoding="utf-8")
    port = (
        '<a href="portfolio.html">Portfolio report</a>'
        if portfolio_status.status == "ok"
        else f"Portfolio report failed: {html.escape(portfolio_status.error or '')}"
    )
    n_failed = len(result.failed)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Key account reports, {result.as_of:%d %b %Y}</title>
<style>{css}</style></head>
<body class="kam-report"><main>
<h1>Key account reports</h1>
<p class="kam-meta">Reporting date {result.as_of:%d %b %Y}; {len(result.results)} account reports,
{n_failed} failed. {port}. KPI table: <a href="kpis.csv">kpis.csv</a>.</p>
<table class="kam-table"><thead><tr><th>Account</th><th>ID</th><th>Health</th><th>Score</th>
<th>Report</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
<footer class="kam-footer">kam {__version__}</footer>
</main></body></html>
"""


# --- the run -------------------------------------------------------------------------------


def _select_accounts(dataset: Dataset, account_ids: Sequence[str]) -> list[str]:
    known = set(dataset.account_ids())
    ids = list(account_ids) or dataset.account_ids(key_only=True)
    clash = [a for a in ids if a.lower() in _RESERVED]
    if clash:
        raise KamError(
            f"accounts {clash!r} would overwrite the run's own files {sorted(_RESERVED)}.html; "
            "report them under another account_id."
        )
    if not account_ids:
        return ids
    bad = [a for a in account_ids if not is_valid_account_id(a)]
    if bad:
        raise KamError(f"these account ids are not valid account_ids: {bad[:10]!r}.")
    unknown = [a for a in account_ids if a not in known]
    if unknown:
        raise KamError(f"these accounts are not in the dataset's accounts: {unknown[:10]!r}.")
    return list(dict.fromkeys(account_ids))


def run(
    data: str | Path,
    out: str | Path,
    params_dir: str | Path | None = None,
    as_of: str | None = None,
    jobs: int = 1,
    account_ids: Sequence[str] = (),
    notebooks_dir: Path = NOTEBOOKS_DIR,
    on_progress: Callable[[AccountResult], None] | None = None,
) -> RunResult:
    """Write every report of a run into ``out``; see the module docstring for the flow.

    Raises
    ------
    DataError, ParamsError, KamError
        For unusable input; nothing has been written to ``out`` then.
    """
    started = time.perf_counter()
    if jobs < 1:
        raise KamError(f"'--jobs' must be at least 1, got {jobs}.")
    data_path = Path(data).resolve()
    dataset = load(str(data_path))
    when = resolve_as_of(dataset, as_of)
    ids = _select_accounts(dataset, account_ids)
    params_abs = str(Path(params_dir).resolve()) if params_dir else ""
    store = ParamsStore(params_abs or None)
    for account_id in ids:
        store(account_id)  # every parameter file is checked before anything is written
    template = compose_account_notebook(notebooks_dir)
    portfolio_nb = _read(notebooks_dir / PORTFOLIO_NOTEBOOK)

    # The run computes the portfolio context once and hands it to its kernels (pickled), so a
    # kernel does not repeat loading, validation and the KPI pass.
    as_of_text = f"{when:%Y-%m-%d}"
    context = portfolio_context(str(data_path), as_of_text, params_abs)
    kpis = context.kpis
    scratch = Path(tempfile.mkdtemp(prefix="kam-"))
    share(context, scratch / "context.pkl", str(data_path), as_of_text, params_abs)
    os.environ[SHARED_CONTEXT_ENV] = str(scratch / "context.pkl")
    out = Path(out)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    write_kpis(kpis, out / "kpis.csv")

    result = RunResult(out=out, as_of=when)
    names = dataset.get("accounts").set_index("account_id")["name"]
    common = {"data": str(data_path), "as_of": as_of_text, "params_dir": params_abs}
    footer = f"Reporting date {when:%d %b %Y}. Produced by kam {__version__}."
    pool = _KernelPool(notebooks_dir)

    def one(account_id: str | None) -> AccountResult:
        t0 = time.perf_counter()
        is_portfolio = account_id is None
        key = "portfolio" if is_portfolio else account_id
        target = out / f"{key}.html"
        try:
            params = dict(common) if is_portfolio else {**common, "account_id": account_id}
            source = portfolio_nb if is_portfolio else template
            nb = parameterize_notebook(copy.deepcopy(source), params, report_mode=True)
            nb = pool.execute(nb)
            _write_atomic(out / "notebooks" / f"{key}.ipynb", nbformat.writes(nb))
            title = "Portfolio report" if is_portfolio else f"Key account report: {names[key]}"
            _write_atomic(target, export_html(nb, title, footer))
            return AccountResult(key, "ok", time.perf_counter() - t0, report=target.name)
        except Exception as exc:  # noqa: BLE001 - one failing account never stops the others
            target.unlink(missing_ok=True)  # no stale report from an earlier run
            return AccountResult(key, "failed", time.perf_counter() - t0, error=_error_text(exc))

    try:
        with ThreadPoolExecutor(max_workers=jobs) as executor:
            futures = {executor.submit(one, a): a for a in [*ids, None]}
            for future in as_completed(futures):
                res = future.result()
                if futures[future] is None:
                    result.portfolio = res
                else:
                    result.results.append(res)
                if on_progress:
                    on_progress(res)
    finally:
        pool.close()
        os.environ.pop(SHARED_CONTEXT_ENV, None)
        shutil.rmtree(scratch, ignore_errors=True)
    order = {a: i for i, a in enumerate(ids)}
    result.results.sort(key=lambda r: order[r.account_id])
    _write_atomic(out / "index.html", _index_html(dataset, kpis, result))
    result.seconds = time.perf_counter() - started
    _write_atomic(
        out / "summary.json",
        json.dumps(_summary(dataset, kpis, result, params_abs, store), indent=2, default=str),
    )
    return result


def _summary(
    dataset: Dataset, kpis: pd.DataFrame, result: RunResult, params_dir: str, store: ParamsStore
) -> dict:
    portfolio_result = result.portfolio
    revenue = kpis["revenue_12m"]
    hhi, top5 = portfolio.hhi(revenue), portfolio.top5_share(revenue)
    return {
        "as_of": f"{result.as_of:%Y-%m-%d}",
        "hhi": None if pd.isna(hhi) else float(hhi),
        "top5_share": None if pd.isna(top5) else float(top5),
        "kam_version": __version__,
        "generated_at": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "data": {"source": dataset.source, "fingerprint": dataset.fingerprint},
        "params_dir": params_dir or None,
        "python": sys.version.split()[0],
        "seconds": round(result.seconds, 3),
        "accounts": {
            r.account_id: {
                **asdict(r),
                "seconds": round(r.seconds, 3),
                "health_status": kpis.at[r.account_id, "health_status"],
                "recipients": list(store(r.account_id).recipients),
            }
            for r in result.results
        },
        "portfolio": {**asdict(portfolio_result), "seconds": round(portfolio_result.seconds, 3)},
        "failed": [r.account_id for r in result.failed],
    }
