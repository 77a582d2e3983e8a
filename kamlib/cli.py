"""The ``kam`` command line (data contract, section 4).

Exit codes: 0 success; 1 ``validate`` found problems or some account reports failed (the
others are written); 2 unusable input (nothing written). Errors are sentences, never
tracebacks (set ``KAM_DEBUG=1`` to see one).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Annotated

# nbformat validates notebooks with jsonschema, which imports rfc3987_syntax when it is
# installed (jupyterlab brings it) and builds its IRI grammar at import: 0.7 s of every kam
# command. No notebook schema checks the IRI formats it serves; the command does without it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

import typer  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.markup import escape  # noqa: E402
from rich.progress import (  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from kamlib.errors import DataError, KamError  # noqa: E402
from kamlib.run.kernels import CELL_TIMEOUT  # noqa: E402

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="kam: key account monitoring reports from a company's data.",
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)


def _fail(message: str, code: int) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the CSV files into.")],
    accounts: Annotated[int, typer.Option("--accounts", help="Number of customers.")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 7,
    kind: Annotated[
        str,
        typer.Option(
            "--format",
            help="plain (the contract's CSV), or the same data as a company's export with its "
            "kam-sources.yaml: de-csv, datev, excel.",
        ),
    ] = "plain",
) -> None:
    """Write a synthetic dataset in the data contract's shape (or as a company's export)."""
    from kamlib.demo import write_demo
    from kamlib.sources.exports import FORMATS, write_export

    if kind not in ("plain", *FORMATS):
        _fail(f"--format must be one of plain, {', '.join(FORMATS)}; got {kind!r}.", 2)
    try:
        if kind == "plain":
            files = write_demo(out, accounts=accounts, seed=seed)
        else:
            files = write_export(out, kind, accounts=accounts, seed=seed)
    except ValueError as exc:
        _fail(str(exc), 2)
    if kind == "plain":
        err.print(f"wrote {len(files)} tables to {out}")
    else:
        err.print(
            f"wrote {len(files) - 1} {kind} files and their sources file to {out}; "
            f"read them with --sources {files[-1]}"
        )


@app.command()
def validate(
    data: Annotated[
        Path | None, typer.Option("--data", help="Dataset folder or .duckdb file.")
    ] = None,
    sources: Annotated[
        Path | None,
        typer.Option("--sources", help="Sources file (kam-sources.yaml) instead of --data."),
    ] = None,
) -> None:
    """Check a dataset against the data contract; list every problem."""
    from kamlib.context import load

    path = _dataset_path(data, sources)
    try:
        dataset = load(path)
    except DataError as exc:
        err.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KamError as exc:
        _fail(str(exc), 1)
    counts = ", ".join(f"{name} {len(df)}" for name, df in dataset.tables.items())
    print(f"{path}: valid ({counts} rows)")


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="Folder for the reports.")],
    data: Annotated[
        Path | None, typer.Option("--data", help="Dataset folder or .duckdb file.")
    ] = None,
    sources: Annotated[
        Path | None,
        typer.Option("--sources", help="Sources file (kam-sources.yaml) instead of --data."),
    ] = None,
    params: Annotated[Path | None, typer.Option("--params", help="Parameter folder.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Reporting date YYYY-MM-DD.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", help="Reports built in parallel.")] = 1,
    timeout: Annotated[
        int,
        typer.Option(
            "--timeout",
            help="Seconds a notebook cell may run before its section is given up.",
        ),
    ] = CELL_TIMEOUT,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print every report to <account_id>.pdf (A4).")
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache", help="Compute the dataset's KPIs again instead of reusing a cached run."
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Write every report, also those whose inputs did not change."),
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Build the reports on the Dask cluster of this scheduler (tcp://HOST:PORT); "
            "needs kamlib\\[dask].",
        ),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help="Build the reports on a Dask cluster of N worker processes started for the run "
            "(local:N); needs kamlib\\[dask].",
        ),
    ] = None,
    account_ids: Annotated[
        list[str] | None, typer.Argument(help="Accounts (default: every key account).")
    ] = None,
) -> None:
    """Write one HTML report per key account (and PDF with --pdf), portfolio.html, index.html,
    kpis.csv, summary.json."""
    from kamlib.run import compose, kernels

    if as_of is not None:
        import re

        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of):
            _fail(f"--as-of must be a date as YYYY-MM-DD, got {as_of!r}.", 2)
    warm = None
    if scheduler is None and cluster is None and jobs >= 1 and timeout >= 1:
        # the kernels start before the analysis code is imported (0.8 s of a short run);
        # the run ends them whatever happens
        warm = kernels.prestart(compose.notebooks_dir(), jobs, timeout)
    from kamlib import run as runner

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    task = None

    def start(total: int) -> None:
        nonlocal task
        task = progress.add_task("reports", total=total)

    def announce(keys) -> None:
        from kamlib.key_accounts import announcement

        err.print(announcement(keys), markup=False, soft_wrap=True)

    def tick(result) -> None:
        if result.status != "ok":
            err.print(
                f"{result.status}: {result.account_id}: {result.error}",
                markup=False,
                soft_wrap=True,
            )
        if task is not None:
            progress.advance(task)

    # a scheduler stopping the run (SIGTERM) is handled like Ctrl-C: kernels ended, no
    # half-written file
    signal.signal(signal.SIGTERM, _terminate)
    try:
        with progress:
            result = runner.run(
                _dataset_path(data, sources),
                out,
                params_dir=params,
                as_of=as_of,
                jobs=jobs,
                timeout=timeout,
                pdf=pdf,
                account_ids=account_ids or (),
                on_start=start,
                on_progress=tick,
                on_keys=announce,
                use_cache=not no_cache,
                force=force,
                scheduler=scheduler,
                cluster=cluster,
                warm=warm,
            )
    except runner.Interrupted as exc:
        err.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(_STOP_CODE[0]) from None
    except KeyboardInterrupt:  # before the reports were started: nothing was written
        err.print("interrupted before any report was written.", markup=False)
        raise typer.Exit(_STOP_CODE[0]) from None
    except DataError as exc:
        err.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except KamError as exc:
        _fail(str(exc), 2)
    accounts = result.results
    ok = sum(r.status == "ok" for r in accounts)
    partial = sum(r.status == "partial" for r in accounts)
    reused = sum(r.reused for r in result.every())
    written = sum(not r.reused for r in accounts)
    err.print(
        f"{ok} of {len(accounts)} account reports complete"
        + (f", {partial} partial" if partial else "")
        + f" in {out} ({written} written"
        + (f", {reused} reports unchanged and kept; --force writes them again" if reused else "")
        + f") in {result.seconds:.1f} s; open {out / 'index.html'}"
    )
    for label, group in (("failed", result.failed), ("partial", result.partial)):
        if group:
            err.print(f"{label}: " + ", ".join(r.account_id for r in group), markup=False)
    raise typer.Exit(result.exit_code)


@app.command()
def send(
    reports: Annotated[Path, typer.Option("--reports", help="The folder kam report wrote.")],
    outbox: Annotated[
        Path | None, typer.Option("--outbox", help="Outbox folder (default: REPORTS/outbox).")
    ] = None,
    params: Annotated[
        Path | None, typer.Option("--params", help="Parameter folder (default: the reports').")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write the outbox only; send nothing.")
    ] = False,
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Write the mails as unsent drafts to send by hand.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Only test the connection and login.")
    ] = False,
    resend: Annotated[
        bool, typer.Option("--resend", help="Send again mails whose outcome is unknown.")
    ] = False,
    only_status: Annotated[
        str | None,
        typer.Option("--only-status", help="Only these health lights, e.g. red,yellow."),
    ] = None,
    only_changed: Annotated[
        bool,
        typer.Option("--only-changed", help="Only accounts whose health or KPIs changed."),
    ] = False,
    digest: Annotated[
        bool, typer.Option("--digest", help="One mail per recipient listing their accounts.")
    ] = False,
    errors_to: Annotated[
        str | None,
        typer.Option("--errors-to", help="Address for failed and partial reports."),
    ] = None,
    attach_html: Annotated[
        bool | None,
        typer.Option("--attach-html/--no-attach-html", help="Also attach the HTML report."),
    ] = None,
    account_ids: Annotated[
        list[str] | None, typer.Argument(help="Accounts (default: every reported one).")
    ] = None,
) -> None:
    """E-mail every key account's report to its readers: a summary and the PDF, once."""
    from kamlib.mail import flow

    signal.signal(signal.SIGTERM, _terminate)
    try:
        if check:
            err.print(flow.check_connection(params, reports), markup=False)
            raise typer.Exit(0)
        if dry_run and drafts:
            _fail("--dry-run and --drafts exclude each other.", 2)
        statuses = tuple(s.strip() for s in (only_status or "").split(",") if s.strip())
        wrong = [s for s in statuses if s not in ("red", "yellow", "green")]
        if wrong:
            _fail(f"--only-status takes red, yellow and green, got {', '.join(wrong)}.", 2)

        def tick(letter, state, detail) -> None:
            err.print(f"{state}: {letter.key}" + (f": {detail}" if state != "sent" else ""),
                      markup=False, soft_wrap=True)  # fmt: skip

        result = flow.send(
            reports,
            outbox=outbox,
            params_dir=params,
            mode="dry-run" if dry_run else ("drafts" if drafts else "send"),
            resend=resend,
            only_status=statuses,
            only_changed=only_changed,
            digest=digest,
            errors_to=errors_to,
            attach_html=attach_html,
            account_ids=account_ids or (),
            on_progress=tick,
        )
    except flow.Stopped as exc:
        err.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(_STOP_CODE[0]) from None
    except KamError as exc:
        _fail(str(exc), 2)
    for account_id, reason in result.skipped:
        err.print(f"skipped: {account_id}: {reason}", markup=False, soft_wrap=True)
    if result.mode != "send":
        what = "drafts" if result.mode == "drafts" else "mails"
        err.print(
            f"{len(result.letters)} {what} written to {result.outbox} (preview.html); nothing sent"
        )
    else:
        err.print(
            f"{result.count('sent')} of {len(result.letters)} mails sent or sent before, "
            f"{result.count('failed')} failed, {result.count('unknown')} unknown; "
            f"see {result.outbox / 'send-summary.json'}"
        )
    raise typer.Exit(result.exit_code)


#: exit code of a stopped run: 130 after Ctrl-C (128 + SIGINT), 143 after SIGTERM
_STOP_CODE = [130]


def _dataset_path(data: Path | None, sources: Path | None) -> Path:
    """The dataset of a command: ``--data`` or ``--sources``, exactly one."""
    if (data is None) == (sources is None):
        _fail("give the data as --data PATH (a folder or .duckdb file) or --sources FILE.", 2)
    if sources is not None and not sources.is_file():
        _fail(f"--sources: no such file: {sources}", 2)
    return sources if sources is not None else data


def _terminate(signum, frame) -> None:
    _STOP_CODE[0] = 128 + signum
    raise KeyboardInterrupt


@app.command("params")
def params_cmd(
    data: Annotated[
        Path | None, typer.Option("--data", help="Dataset folder or .duckdb file.")
    ] = None,
    sources: Annotated[
        Path | None,
        typer.Option("--sources", help="Sources file (kam-sources.yaml) instead of --data."),
    ] = None,
    params: Annotated[Path, typer.Option("--params", help="Parameter folder.")] = Path("params"),
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing files.")] = False,
) -> None:
    """Scaffold params/<account_id>.yaml for every key account that has none (without a
    key_account column: those the parameters' rule selects at the default reporting date)."""
    from kamlib.context import portfolio_context
    from kamlib.key_accounts import announcement
    from kamlib.params import scaffold

    path = _dataset_path(data, sources)
    try:
        frames = portfolio_context(str(path), "", str(params) if params.is_dir() else "").frames
        keys = frames.keys
    except DataError as exc:
        err.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except KamError as exc:
        _fail(str(exc), 2)
    err.print(announcement(keys), markup=False, soft_wrap=True)
    accounts = frames.accounts.set_index("account_id")["name"]
    ids = keys.ids
    written = scaffold(params, [(a, accounts[a]) for a in ids], overwrite=overwrite)
    err.print(f"wrote {len(written)} parameter files to {params} ({len(ids) - len(written)} kept)")


sources_app = typer.Typer(
    no_args_is_help=True,
    help="Sources files (kam-sources.yaml): a company's own exports mapped to the data contract.",
)
app.add_typer(sources_app, name="sources")


@sources_app.command("init")
def sources_init(
    data: Annotated[Path, typer.Option("--data", help="Folder with the exports (CSV, Excel).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Sources file to write (default: DATA/kam-sources.yaml)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing sources file.")
    ] = False,
) -> None:
    """Propose a sources file for the exports in a folder, to check before use."""
    from kamlib.sources.propose import make_proposal

    target = out if out is not None else data / "kam-sources.yaml"
    if target.exists() and not overwrite:
        _fail(f"{target} exists; give --overwrite to replace it.", 2)
    try:
        proposal = make_proposal(data, base=target.parent)
    except KamError as exc:
        _fail(str(exc), 2)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(proposal.text, encoding="utf-8")
    tables = ", ".join(f"{name} ({origin})" for name, origin in proposal.tables.items())
    err.print(f"wrote {target}: {tables}", markup=False, soft_wrap=True)
    for unused in proposal.unused:
        err.print(f"not used: {unused}", markup=False, soft_wrap=True)
    for question in proposal.questions:
        err.print(f"ASK: {question}", markup=False, soft_wrap=True)
    if proposal.questions:
        err.print(
            f"answer every ASK in {target} (kam refuses the file until then), check the lines "
            f"marked 'check', then run: kam validate --sources {target}",
            markup=False,
            soft_wrap=True,
        )
    else:
        err.print(
            f"check the lines marked 'check', then run: kam validate --sources {target}",
            markup=False,
            soft_wrap=True,
        )


def main() -> None:
    """Entry point of the ``kam`` console script."""
    try:
        app()
    except KamError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted.", markup=False)
        sys.exit(_STOP_CODE[0])
    except Exception as exc:
        if os.environ.get("KAM_DEBUG"):
            raise
        err.print(
            f"error: unexpected {type(exc).__name__}: {exc} (set KAM_DEBUG=1 for details)",
            markup=False,
            soft_wrap=True,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
