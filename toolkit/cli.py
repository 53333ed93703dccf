"""Command line: a thin typer layer. Each command parses, calls one library function, and turns the
result into output and an exit code. Exit 0 success, 1 a return was rejected, 2 usage or fatal error."""

from __future__ import annotations

import gc
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from toolkit import __version__
from toolkit.calendar import Round
from toolkit.config import DEFAULT_SETTINGS
from toolkit.errors import ToolkitError
from toolkit.gcpause import collector_paused
from toolkit.workspace import locked

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Generate agency templates, validate returns, merge the master workbook.")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _fail(exc: ToolkitError) -> None:
    err.print(f"error [{exc.code}] {exc.message_en}", style="red", markup=False)
    if exc.message_th != exc.message_en:
        err.print(f"ข้อผิดพลาด: {exc.message_th}", markup=False)
    raise typer.Exit(2)


def _progress(*extra: ProgressColumn) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), *extra, console=err,
                    transient=True, disable=not err.is_terminal)


@app.command()
def init(workspace: Path = typer.Argument(..., help="Folder to create"),
         sample: bool = typer.Option(False, "--sample", help="Use the bundled sample catalogue"),
         force: bool = typer.Option(False, "--force", help="Overwrite an existing catalogue.xlsx")) -> None:
    """Create a workspace: catalogue.xlsx, templates/, inbox/, archive/, feedback/."""
    from toolkit.init import init_workspace

    try:
        ws = init_workspace(workspace, sample=sample, force=force)
    except ToolkitError as exc:
        _fail(exc)
    out.print(f"workspace ready: {ws.root}  (catalogue: {ws.catalogue_path})")


@app.command()
def generate(workspace: Path = typer.Argument(..., help="Workspace folder"),
             round_: str = typer.Option(..., "--round", help="Round, e.g. 2564-Q4 or 2564-M03"),
             agency: Optional[List[str]] = typer.Option(None, "--agency", help="Only these agency codes")) -> None:
    """Write one template per agency for the round into WORKSPACE/templates."""
    from toolkit.reference import load_reference
    from toolkit.template.generate import generate_round
    from toolkit.workspace import Workspace

    try:
        rnd = Round.parse(round_)
        ws = Workspace.open(workspace)
        catalogue = ws.catalogue()
        unknown = [a for a in agency or [] if a not in catalogue.agencies]
        if unknown:
            raise ToolkitError("agency.unknown", f"unknown agency code(s): {', '.join(unknown)}",
                               f"ไม่พบรหัสหน่วยงาน: {', '.join(unknown)}")
        with locked(ws), _progress() as bar:
            task = bar.add_task(f"generate {rnd}", total=None)
            written = generate_round(catalogue, load_reference(), rnd, ws.templates, DEFAULT_SETTINGS, agency or None,
                                     progress=lambda i, n, code: bar.update(task, completed=i - 1, total=n,
                                                                            description=f"generate {rnd} {code}"))
    except ToolkitError as exc:
        _fail(exc)
    table = Table("agency", "file", "projects", "reports", "steps", "KPIs", "quarters", title=f"templates for {rnd}")
    for t in written:
        table.add_row(t.agency, t.path.name, *(str(t.rows[k]) for k in ("projects", "progress", "plan_steps", "kpis",
                                                                         "kpi_quarters")))
    out.print(table)
    if not written:
        out.print(f"no agency has projects or KPIs in fiscal year {rnd.fiscal_year}")
    out.print(f"{len(written)} template(s) in {ws.templates}")


@app.command()
def validate(files: List[Path] = typer.Argument(..., help="Returned workbooks"),
             as_json: bool = typer.Option(False, "--json", help="One JSON object per file"),
             workspace: Optional[Path] = typer.Option(None, "--workspace", help="Also check against this catalogue"),
             round_: Optional[str] = typer.Option(None, "--round", help="Reject returns made for another round")) -> None:
    """Check returns without recording them (an agency's self-check). Exit 1 if any is rejected."""
    from toolkit.reference import load_reference
    from toolkit.read.isolate import check_in_worker  # the reader runs in a memory- and time-limited worker
    from toolkit.read.stage import FileJob
    from toolkit.workspace import Workspace

    try:
        catalogue = Workspace.open(workspace).catalogue() if workspace else None
        ref = load_reference()
        expected = str(Round.parse(round_)) if round_ else None
    except ToolkitError as exc:
        _fail(exc)
    rejected = False
    for path in files:
        if not path.is_file():
            err.print(f"[red]error[/red] {path}: no such file / ไม่พบไฟล์")
            raise typer.Exit(2)
        report = check_in_worker(FileJob(path, path.name, expected), ref=ref, catalogue=catalogue).parsed.report
        rejected |= not report.accepted
        if as_json:
            sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
            continue
        verdict = "[green]accepted[/green]" if report.accepted else "[red]rejected[/red]"
        out.print(f"{path.name}: {verdict}  agency {report.agency or '?'} round {report.round or '?'}  "
                  f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)")
        for f in report.findings:
            out.print(f"  {f.severity:7} {f.sheet}!{f.cell or '-'}  [{f.rule}] {f.message_th}", markup=False)
            out.print(f"          {f.message_en}", markup=False)
    raise typer.Exit(1 if rejected else 0)


@app.command()
def collect(workspace: Path = typer.Argument(..., help="Workspace folder"),
            files: Optional[List[Path]] = typer.Argument(None, help="Files to take (default: everything in inbox/)"),
            round_: Optional[str] = typer.Option(None, "--round", help="Reject returns made for another round"),
            executor: str = typer.Option("local", "--executor",
                                         help="Where files are checked: local (isolated workers here) or dask"),
            scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                                    help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")) -> None:
    """Archive, validate and record returns in the ledger; write feedback workbooks."""
    if executor == "local":
        from toolkit.read.isolate import shared_pool

        shared_pool().warm_up()  # started while this process imports and reads the catalogue (if toolkit/__main__.py
        # has not started them already)
    from toolkit.collect import collect as collect_files
    from toolkit.reference import load_reference
    from toolkit.workspace import Workspace

    try:
        ws = Workspace.open(workspace)
        catalogue = ws.catalogue()
        ref = load_reference()
        expected = str(Round.parse(round_)) if round_ else None
    except ToolkitError as exc:
        _fail(exc)
    _freeze_what_the_run_keeps()
    missing = [p for p in files or [] if not p.is_file()]
    if missing:
        err.print(f"[red]error[/red] no such file: {', '.join(map(str, missing))}")
        raise typer.Exit(2)
    if executor not in ("local", "dask") or (executor == "dask") != bool(scheduler):
        err.print("[red]error[/red] --executor is local, or dask with --scheduler ADDRESS")
        raise typer.Exit(2)
    runner = None
    try:
        if executor == "dask":
            from toolkit.executors import DaskExecutor

            runner = DaskExecutor(scheduler or "")
        with locked(ws), _progress() as bar:
            task = bar.add_task("collect", total=None)
            results = collect_files(ws, files or None, ref, catalogue, expected_round=expected, executor=runner,
                                    progress=lambda i, n, name: bar.update(task, completed=i - 1, total=n,
                                                                           description=f"collect {name}"))
    except ToolkitError as exc:
        _fail(exc)
    finally:
        if runner is not None:
            runner.close()
    _no_collection_before_exit()
    table = Table("file", "status", "agency", "round", "outcome", "errors", "warnings", "feedback")
    for r in results:
        s = r.submission
        status = "held" if s and s.held else r.status  # accepted, waiting while the round is approved
        table.add_row(r.file, status, s.agency if s else "", s.round if s else "", s.outcome if s else r.detail,
                      str(s.n_errors) if s else "", str(s.n_warnings) if s else "",
                      r.feedback.name if r.feedback else "")
    out.print(table)
    if any(r.submission and r.submission.held for r in results):
        out.print("held / รอ: ผ่านการตรวจ แต่รอบนี้อนุมัติแล้ว ใช้เมื่อถอนการอนุมัติ / held: accepted, but the round is "
                  "approved; applied only after 'toolkit approve --withdraw'", markup=False)
    out.print(f"{len(results)} file(s); ledger: {ws.ledger_path}")
    for line in results.account.lines() if getattr(results, "account", None) else ():  # toolkit/read/accounting.py
        out.print(line, markup=False)


@app.command()
def merge(workspace: Path = typer.Argument(..., help="Workspace folder")) -> None:
    """Rebuild master.xlsx from the ledger (auditors' decisions in its Flags sheet are kept)."""
    from toolkit.merge.parallel import merge_uses_a_worker
    from toolkit.workspace import Workspace

    try:
        ws = Workspace.open(workspace)
        parallel = merge_uses_a_worker(ws.ledger_path)  # decided once, here, and passed on
        if parallel:
            from toolkit.merge.parallel import merge_pool

            merge_pool().warm_up()  # the worker starts while this process imports the merge
        from toolkit.merge.run import merge_workspace
        from toolkit.reference import load_reference

        with locked(ws), _progress(TimeElapsedColumn()) as bar:
            task, shown = [bar.add_task("merge", total=None)], ["merge"]  # the bar, and the step it shows

            def show(step: str, done: int, total: int | None) -> None:
                description = f"merge: {step}"
                new_step, shown[0] = description != shown[0], description
                if total is None:  # a step without a measure: a pulsing bar of its own (rich cannot unset a total)
                    bar.remove_task(task[0])
                    task[0] = bar.add_task(description, total=None)
                # a new step is drawn at once, its counts at the bar's own pace
                bar.update(task[0], description=description, completed=done if total is not None else 0,
                           total=total, refresh=new_step)

            with _collector_off_to_the_end():
                result = merge_workspace(ws, load_reference(), progress=show, parallel=parallel)
    except ToolkitError as exc:
        _fail(exc)
    d = result.data
    out.print(f"master: {result.path}  ({len(d.summary)} agency-rounds, {len(d.flags)} flags, "
              f"{len(d.kpi_results)} KPI-quarters; {result.decisions_imported} decision(s) read back)")


@app.command()
def approve(workspace: Path = typer.Argument(..., help="Workspace folder"),
            agency: str = typer.Option(..., "--agency", help="Agency code"),
            round_: str = typer.Option(..., "--round", help="Round, e.g. 2564-Q4"),
            withdraw: bool = typer.Option(False, "--withdraw", help="Withdraw the approval; held resubmissions apply"),
            by: str = typer.Option("", "--by", help="Who approves (recorded in the ledger)"),
            note: str = typer.Option("", "--note", help="A note kept with the approval")) -> None:
    """Approve (lock) an agency's accepted return for a round; later resubmissions are held until --withdraw."""
    from toolkit.ledger import Ledger
    from toolkit.ledger import approval
    from toolkit.workspace import Workspace

    try:
        rnd = str(Round.parse(round_))
        ws = Workspace.open(workspace)
        with locked(ws), Ledger(ws.ledger_path) as ledger:
            if withdraw:
                result = approval.withdraw(ledger, agency, rnd, by=by)
            else:
                result = approval.approve(ledger, agency, rnd, by=by, note=note)
    except ToolkitError as exc:
        _fail(exc)
    s = result.submission
    if withdraw:
        out.print(f"ถอนการอนุมัติแล้ว / approval withdrawn: {agency} {rnd}; {len(result.released)} held resubmission(s) applied; "
                  f"current: #{s.id} {s.original_name}", markup=False)
    elif result.changed:
        out.print(f"อนุมัติแล้ว / approved: {agency} {rnd} submission #{s.id} {s.original_name} ({s.outcome.replace('_', ' ')}); "
                  f"later resubmissions are held until 'toolkit approve --withdraw'", markup=False)
    else:
        out.print(f"อนุมัติไว้แล้ว / already approved: {agency} {rnd} submission #{s.id} {s.original_name}", markup=False)
    out.print("สร้าง master ใหม่ด้วย 'toolkit merge' / run 'toolkit merge' to rebuild the master", markup=False)


@app.command()
def diff(workspace: Path = typer.Argument(..., help="Workspace folder"),
         agency: str = typer.Option(..., "--agency", help="Agency code"),
         round_: str = typer.Option(..., "--round", help="Round, e.g. 2564-Q4"),
         as_json: bool = typer.Option(False, "--json", help="One JSON object")) -> None:
    """What the agency's newest return changed against its previous accepted one: cells, flags resolved, raised."""
    from toolkit.diff import diff_return, excerpt
    from toolkit.ledger import Ledger
    from toolkit.reference import load_reference
    from toolkit.workspace import Workspace

    try:
        rnd = str(Round.parse(round_))
        ws = Workspace.open(workspace)
        with Ledger(ws.ledger_path) as ledger:
            result = diff_return(ledger, agency, rnd, load_reference())
    except ToolkitError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        return
    new, old = result.new, result.previous
    held = "; held until the approval is withdrawn" if new.held else ""
    out.print(f"{agency} {rnd}: #{new.id} {new.original_name} ({new.outcome.replace('_', ' ')}{held}) against "
              f"#{old.id} {old.original_name} ({old.outcome.replace('_', ' ')})", markup=False)
    if result.cells_compared:
        out.print(f"{len(result.changes)} cell(s) changed / แก้ไข {len(result.changes)} ช่อง", markup=False)
    else:
        out.print("rejected: its cells are not kept, only its flags compare / ไฟล์ไม่ผ่านการตรวจ เทียบได้เฉพาะประเด็น",
                  markup=False)
    for c in result.changes:
        where = f"'{c.sheet}'!{c.cell}" if c.cell else f"'{c.sheet}'"
        before, after = excerpt(c.before, c.after)
        out.print(f"  {where}  {c.item}  {c.label_en} / {c.label_th}: {before or '(blank)'} -> {after or '(blank)'}"
                  + ("" if c.kind == "changed" else f"  [{c.kind}]"), markup=False)
    for title, flags in (("resolved / แก้ไขแล้ว", result.resolved), ("raised / ประเด็นใหม่", result.raised)):
        out.print(f"{len(flags)} flag(s) {title}", markup=False)
        for f in flags:
            out.print(f"  {f.flag_id} {f.severity:7} [{f.rule}] {f.sheet}!{f.cell or '-'} {f.message_en}", markup=False)


@app.command()
def status(workspace: Path = typer.Argument(..., help="Workspace folder"),
           round_: str = typer.Option(..., "--round", help="Round, e.g. 2564-Q4"),
           as_json: bool = typer.Option(False, "--json", help="One JSON object"),
           as_of: Optional[str] = typer.Option(None, "--as-of", help="Judge lateness on this date (YYYY-MM-DD; default today)")) -> None:
    """Roster of the agencies expected in a round: received, accepted, rejected, late, missing; and a chase list."""
    from datetime import date

    from toolkit.ledger import Ledger
    from toolkit.status import chase_text, round_status
    from toolkit.workspace import Workspace

    try:
        rnd = Round.parse(round_)
        ws = Workspace.open(workspace)
        try:
            today = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise ToolkitError("usage.as-of", f"--as-of wants a date like 2021-10-20, not {as_of!r}",
                               f"--as-of ต้องเป็นวันที่ เช่น 2021-10-20 ไม่ใช่ {as_of!r}")
        with Ledger(ws.ledger_path) as ledger:
            result = round_status(ledger, ws.catalogue(), rnd, DEFAULT_SETTINGS, today)
    except ToolkitError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        return
    table = Table("agency", "name", title=f"round {result.round}, due {result.due.isoformat()} "
                                          f"(as of {result.as_of.isoformat()})")
    for column in ("state", "received", "late", "files", "errors", "warnings", "approved"):
        table.add_column(column, no_wrap=True)
    for a in result.agencies:
        table.add_row(a.agency, a.name_th + ("" if a.expected else " (not expected)"), a.state.replace("_", " "),
                      a.received.isoformat() if a.received else "", "late" if a.late else "", str(a.files),
                      str(a.errors), str(a.warnings), "approved" + (f", {a.held} held" if a.held else "") if a.approved else "")
    out.print(table)
    out.print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.totals().items()), markup=False)
    out.print("")
    out.print("chase list / รายการติดตาม:", markup=False)
    out.print(chase_text(result), markup=False)


@app.command()
def flags(workspace: Path = typer.Argument(..., help="Workspace folder"),
          open_only: bool = typer.Option(False, "--open", help="Only flags without a decision"),
          agency: Optional[str] = typer.Option(None, "--agency", help="Only this agency code"),
          round_: Optional[str] = typer.Option(None, "--round", help="Only this round"),
          as_json: bool = typer.Option(False, "--json", help="One JSON object")) -> None:
    """List findings for follow-up with the auditors' decisions (open ones first)."""
    from toolkit.merge.followup import list_flags
    from toolkit.reference import load_reference
    from toolkit.workspace import Workspace

    try:
        rnd = str(Round.parse(round_)) if round_ else None
        ws = Workspace.open(workspace)
        rows = list_flags(ws, load_reference(), DEFAULT_SETTINGS, open_only, agency, rnd)
    except ToolkitError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps({"count": len(rows), "open": sum(r["open"] for r in rows), "flags": rows},
                                    ensure_ascii=False, default=str) + "\n")
        return
    for r in rows:
        who = " ".join(x for x in (r["reviewer"], r["decided_on"]) if x)
        decided = "open" if r["open"] else r["decision"] + (f" ({who})" if who else "")
        where = f"{r['sheet']}!{r['cell']}" if r["cell"] else r["sheet"] or "-"
        out.print(f"{r['flag_id']}  {r['severity']:7}  {r['round']} {r['agency']}  [{r['rule']}]  {where}"
                  f"  = {r['value'] or '-'}  | {decided}", markup=False)
        out.print(f"    {r['message_th']}", markup=False)
        out.print(f"    {r['message_en']}", markup=False)
        if r["note"]:
            out.print(f"    note / บันทึก: {r['note']}", markup=False)
    n_open = sum(r["open"] for r in rows)
    out.print(f"{len(rows)} flag(s), {n_open} open / ประเด็น {len(rows)} รายการ ยังไม่พิจารณา {n_open} รายการ",
              markup=False)


@app.command()
def demo(workspace: Path = typer.Argument(Path("demo_workspace"), help="Workspace folder for the demo"),
         fresh: bool = typer.Option(False, "--fresh", help="Start from an empty workspace")) -> None:
    """Run the whole loop on the bundled sample: init, generate, fill, collect, merge."""
    from toolkit.demo.run import run_demo

    try:
        result = run_demo(workspace, fresh=fresh, progress=lambda m: err.print(f"· {m}"))
    except ToolkitError as exc:
        _fail(exc)
    table = Table("round", "agency", "name", "outcome", "late", "errors", "warnings", title="demo rounds")
    assert result.merge is not None
    for row in result.merge.data.summary:
        table.add_row(row["round"], row["agency"], row["agency_name"], row["outcome"].replace("_", " "),
                      "late" if row["late"] else "", str(row["errors"]), str(row["warnings"]))
    out.print(table)
    flags = result.merge.data.flags
    out.print(f"{result.templates} templates generated and filled, {len(result.collected)} returns collected, "
              f"{len(flags)} flags for auditors")
    out.print(f"master workbook: {result.merge.path.resolve()}")


@app.command()
def version() -> None:
    """Print the toolkit version."""
    out.print(__version__)


@app.command()
def serve(workspace: Path = typer.Argument(..., help="Workspace folder"),
          host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
          port: int = typer.Option(8000, "--port", help="Port to listen on")) -> None:
    """Serve the web pages: agency self-check and submission, office dashboard, auditors' flags."""
    import uvicorn

    from toolkit.web.app import create_app

    try:
        web_app = create_app(workspace)
    except ToolkitError as exc:
        _fail(exc)
    out.print(f"serving {workspace} on http://{host}:{port}  (Ctrl+C to stop)")
    uvicorn.run(web_app, host=host, port=port, log_level="info")


@app.command()
def tokens(workspace: Path = typer.Argument(..., help="Workspace folder"),
           round_: str = typer.Option(..., "--round", help="Round, e.g. 2564-Q4"),
           base_url: str = typer.Option(..., "--base-url", help="Address agencies open, e.g. http://intranet:8000"),
           agency: Optional[List[str]] = typer.Option(None, "--agency", help="Only these agency codes"),
           out_file: Optional[Path] = typer.Option(None, "--out", help="CSV of links (default WS/links_<round>.csv)"),
           no_templates: bool = typer.Option(False, "--no-templates", help="Do not rewrite the templates with the link")) -> None:
    """Issue each agency's secret web link for a round (earlier links of the round stop working)."""
    from toolkit.reference import load_reference
    from toolkit.web.settings import DEFAULT_WEB_SETTINGS
    from toolkit.web.tokens import issue_round_links, write_links_csv
    from toolkit.workspace import Workspace

    try:
        rnd = Round.parse(round_)
        ws = Workspace.open(workspace)
        unknown = [a for a in agency or [] if a not in ws.catalogue().agencies]
        if unknown:
            raise ToolkitError("agency.unknown", f"unknown agency code(s): {', '.join(unknown)}",
                               f"ไม่พบรหัสหน่วยงาน: {', '.join(unknown)}")
        if not base_url.startswith(("http://", "https://")):
            raise ToolkitError("tokens.base-url", "--base-url must start with http:// or https://",
                               "--base-url ต้องขึ้นต้นด้วย http:// หรือ https://")
        with locked(ws):
            links = issue_round_links(ws, load_reference(), rnd, base_url, agency or None,
                                      DEFAULT_WEB_SETTINGS.token_valid_days, write_templates=not no_templates)
    except ToolkitError as exc:
        _fail(exc)
    target = write_links_csv(links, out_file or ws.root / f"links_{rnd}.csv")
    out.print(f"{len(links)} link(s) for {rnd} written to {target}; keep this file private"
              + ("" if no_templates else f"; templates with the link in {ws.templates}"))


user_app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                       help="Office and auditor accounts of the web pages.")
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(workspace: Path = typer.Argument(..., help="Workspace folder"),
             name: str = typer.Option(..., "--name", help="Login name"),
             role: str = typer.Option(..., "--role", help="office or auditor"),
             password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin")) -> None:
    """Create a web account (or reset its password and role)."""
    from toolkit.ledger import Ledger
    from toolkit.web.accounts import add_user
    from toolkit.workspace import Workspace

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password / รหัสผ่าน", hide_input=True, confirmation_prompt=True)
    try:
        ws = Workspace.open(workspace)
        with Ledger(ws.ledger_path) as ledger:
            user = add_user(ledger, name, role, password)
    except ToolkitError as exc:
        _fail(exc)
    out.print(f"user {user.name} ({user.role}) saved in {ws.ledger_path}")


def _freeze_what_the_run_keeps() -> None:
    """What the command holds until it ends (the catalogue, the reference data, the modules) is
    frozen, so that the collector's full collections during the run walk only what the files add. A
    catalogue of 1,001 agencies is ~260,000 objects, and each full collection walked them all (with
    the pauses around the catalogue's load and pickle: 1.6 → 0.6 s of this process's CPU in a
    1,000-return collect, on cores the parsing workers need). The workers are started by a
    forkserver, not forked from here, so they are not affected."""
    gc.freeze()


def _no_collection_before_exit() -> None:
    """The command's work is done and the process ends after its report: freeze what it holds, so that
    the cyclic collector does not walk it all once more on the way out (~0.05 s after a 70-return
    collect)."""
    gc.freeze()


@contextmanager
def _collector_off_to_the_end() -> Iterator[None]:
    """The merge pauses the collector (``toolkit.gcpause``); its first collection after the pause
    walked everything the merge built, ~0.2 s of the 70-return merge, just before the process ends.
    Here the pause lasts until what the block built is frozen, for a command whose process then ends."""
    with collector_paused():
        yield
        gc.freeze()


def _require_defusedxml() -> None:
    """openpyxl is safe against XML entity attacks only with defusedxml installed: refuse to run without it."""
    try:
        import defusedxml  # noqa: F401
    except ImportError:
        err.print("error [setup.defusedxml] defusedxml is not installed; the toolkit refuses to read workbooks "
                  "without it (pip install defusedxml)", markup=False)
        sys.exit(2)


def main() -> None:
    _require_defusedxml()
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted / ยกเลิกแล้ว")
        sys.exit(130)
