"""`mlspec show [RUN]`: where a run's reports are, regenerating the deepchecks test reports on demand.

A run keeps its deepchecks HTML as written when small, gzip-compressed when larger, or a note page when
even that was over the budget (mlspec.state.retention). The verdict and every check and condition stay in
`<kind>_tests.json`; `show` turns a compressed report back into HTML, and a note page into a report
rebuilt from that JSON, both written outside the run folder (the system's temporary folder,
`mlspec-show/<project>/<run>/`), so the state stays as small as it was.
"""

from __future__ import annotations

import gzip
import html
import json
import shutil
import tempfile
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.errors import MlspecError
from mlspec.fsio import atomic_write_text, display_path

if TYPE_CHECKING:
    from mlspec.state.record import RunStore

KINDS = ("data", "model")
# a run folder's files besides the test reports: name -> (what, description); other files are listed as they are
OUTPUTS = {
    "record.json": ("record", "metrics, data fingerprints, params, code commit, check outcomes, timings"),
    "predictions.csv": ("predictions", "every test row's prediction"),
    "gate.json": ("gate", "the gate's verdict per environment"),
    "servability.json": ("servability", "`mlspec test serving`: the service's answers and latency"),
    "servability-server.log": ("servability log", "the service's output during `mlspec test serving`"),
    "train.log": ("training log", "what the training code printed"),
    "model.bentomodel": ("model", "the trained model, as CT hands it to CD"),
    "comment.md": ("comment", "the pull request comment"),
}
NOTE_MARKERS = ("deepchecks report not kept", "deepchecks could not render this report")


class ShowError(MlspecError):
    """The run to show does not exist or holds no report."""


def _is_note(path: Path) -> bool:
    """True for the short page mlspec writes instead of a report (over budget, or not renderable)."""
    if path.stat().st_size > 64 * 1024:
        return False
    head = path.read_text("utf-8", errors="replace")
    return any(marker in head for marker in NOTE_MARKERS)


def _cell(text: Any) -> str:
    return html.escape(str(text), quote=True)


def regenerate_html(outcome: dict[str, Any], run_id: str, project: str) -> str:
    """A self-contained HTML page of ``outcome`` (a `<kind>_tests.json`): verdict, every check with its
    conditions' categories and details, skipped checks, errored and not-applicable checks."""
    kind = str(outcome.get("kind") or "")
    passed = bool(outcome.get("passed"))
    rows = []
    for check in outcome.get("checks") or []:
        name = check.get("name", "")
        where = f" ({check['dataset']})" if check.get("dataset") else ""
        suite = check.get("suite") or ""
        conditions = check.get("conditions") or []
        if not check.get("ran", True):
            state = "NOT APPLICABLE" if check.get("status") == "not_applicable" else "ERRORED"
            error = f"{check['error']}: " if check.get("error") else ""
            rows.append((name + where, suite, state, "", error + str(check.get("reason", ""))))
        if not conditions and check.get("ran", True):
            rows.append((name + where, suite, "", "(no condition)", ""))
        for condition in conditions:
            rows.append(
                (
                    name + where,
                    suite,
                    condition.get("category", ""),
                    condition.get("name", ""),
                    condition.get("details", ""),
                )
            )
    body = "\n".join(
        f'<tr class="{_cell(category).replace(" ", "-")}"><td>{_cell(check)}</td><td>{_cell(suite)}</td>'
        f"<td>{_cell(category)}</td><td>{_cell(condition)}</td><td>{_cell(details)}</td></tr>"
        for check, suite, category, condition, details in rows
    )
    skipped = outcome.get("skipped") or []
    skipped_line = f"<p>Skipped by the spec: {_cell(', '.join(map(str, skipped)))}</p>\n" if skipped else ""
    sizes = outcome.get("rows") or {}
    rows_line = (
        f"<p>Rows the checks saw: {_cell(', '.join(f'{k} {v}' for k, v in sizes.items()))}</p>\n"
        if isinstance(sizes, dict) and sizes
        else ""
    )
    title = f"{project}: {kind} tests of run {run_id}"
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{_cell(title)}</title>\n<style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;"
        "text-align:left}.PASS td:nth-child(3){color:#1a7f37}.WARN td:nth-child(3){color:#9a6700}"
        ".FAIL td:nth-child(3),.ERROR td:nth-child(3),.ERRORED td:nth-child(3){color:#cf222e}"
        ".NOT-APPLICABLE td:nth-child(3){color:#57606a}</style>"
        "</head><body>\n"
        f"<h1>{_cell(title)}</h1>\n"
        f"<p><strong>{'passed' if passed else 'failed'}</strong> (fail_on: {_cell(outcome.get('fail_on', 'fail'))}). "
        "Regenerated by <code>mlspec show</code> from the run's stored results: deepchecks' full HTML "
        "(plots, tables) was over mlspec's per-run budget and was not kept.</p>\n"
        f"{rows_line}{skipped_line}"
        "<table><thead><tr><th>check</th><th>suite</th><th>result</th><th>condition</th><th>details</th>"
        f"</tr></thead><tbody>\n{body}\n</tbody></table>\n</body></html>\n"
    )


def _run_id(store: RunStore, run: str | None) -> str:
    if run is None or run in ("", "latest"):
        latest = store.latest_id()
        if latest is None:
            raise ShowError(
                f"no runs yet under {display_path(store.runs)}", hint="run `mlspec run` first, then `mlspec show`"
            )
        return latest
    folder = store.run_dir(run)
    if not folder.is_dir():
        known = sorted(p.name for p in store.runs.iterdir() if p.is_dir()) if store.runs.is_dir() else []
        listed = ", ".join(known[-5:]) if known else "none"
        raise ShowError(
            f"no run {run!r} under {display_path(store.runs)} (newest runs: {listed})",
            hint="give a run id from `.mlspec/runs/`, or `latest` (`mlspec gc` may have deleted old runs)",
        )
    return run


def show_reports(root: Path, project: str, run: str | None) -> tuple[str, list[tuple[str, Path, str]]]:
    """The run's id and, per report, (what, path to open, how it was obtained)."""
    from mlspec.state.record import RunStore

    store = RunStore(root)
    run_id = _run_id(store, run)
    folder = store.run_dir(run_id)
    scratch = Path(tempfile.gettempdir()) / "mlspec-show" / project / run_id
    found: list[tuple[str, Path, str]] = []
    if (folder / "report.md").is_file():
        found.append(("report", folder / "report.md", "the run's Markdown report"))
    for kind in KINDS:
        page, packed, stored = (
            folder / f"{kind}_tests.html",
            folder / f"{kind}_tests.html.gz",
            folder / f"{kind}_tests.json",
        )
        what = f"{kind} tests"
        if page.is_file() and not _is_note(page):
            found.append((what, page, "deepchecks' report"))
        elif packed.is_file():
            target = scratch / page.name
            target.parent.mkdir(parents=True, exist_ok=True)
            with gzip.open(packed, "rb") as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
            found.append((what, target, f"deepchecks' report, decompressed from {packed.name}"))
        elif stored.is_file():
            try:
                outcome = json.loads(stored.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise ShowError(
                    f"{display_path(stored)} is not readable JSON ({type(exc).__name__})",
                    hint=f"run the {kind} tests again: `mlspec test {kind} --force`",
                ) from None
            if not isinstance(outcome, dict):
                raise ShowError(
                    f"{display_path(stored)} does not hold a test outcome",
                    hint=f"run the {kind} tests again: `mlspec test {kind} --force`",
                )
            target = scratch / page.name
            atomic_write_text(target, regenerate_html(outcome, run_id, project))
            found.append((what, target, f"regenerated from {stored.name} (deepchecks' HTML was not kept)"))
    if not found:
        raise ShowError(
            f"run {run_id} has no reports in {display_path(folder)}",
            hint="its tests did not run; run `mlspec run` to produce them",
        )
    return run_id, found


def run_outputs(folder: Path, reports: list[tuple[str, Path, str]]) -> list[tuple[str, Path, str]]:
    """Every other file of the run folder: (what, path, description), the known ones first."""
    shown = {path.resolve() for _what, path, _how in reports}
    test_files = {f"{kind}_tests.{ext}" for kind in KINDS for ext in ("html", "html.gz", "json")}
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    found: list[tuple[str, Path, str]] = []
    for name, (what, how) in OUTPUTS.items():
        if (folder / name).is_file():
            found.append((what, folder / name, how))
    for path in files:
        if path.name in OUTPUTS or path.resolve() in shown:
            continue
        if path.suffix == ".png":
            found.append(("plot", path, "a chart of the report"))
        elif path.name in test_files:
            found.append((path.name.split("_", 1)[0] + " tests", path, "stored results"))
        else:
            found.append(("file", path, path.suffix.lstrip(".") or "file"))
    return found


def show_command(run: str | None = None, spec: str = "mlproject.yaml", open_: bool = False) -> int:
    from mlspec.project import Project

    if run and run.endswith((".yaml", ".yml")) and Path(run).is_file() and spec == "mlproject.yaml":
        spec, run = run, None  # `mlspec show path/mlproject.yaml`: the latest run of that spec
    project = Project.of(spec)
    loaded = project.load(check_files=False)
    from mlspec.state.lock import sweep_if_idle

    sweep_if_idle(loaded.root, "show")  # a run a killed process left `running` shows as interrupted
    run_id, found = show_reports(loaded.root, loaded.spec.name, run)
    print(f"run {run_id} of {loaded.spec.name}:")
    for what, path, how in found:
        print(f"  {what}: {display_path(path)} ({how})")
    others = run_outputs(project.runs.run_dir(run_id), found)
    if others:
        print("every output of the run:")
        for what, path, how in others:
            print(f"  {what}: {display_path(path)} ({how})")
    if open_:
        for _what, path, _how in found:
            if path.suffix == ".html":
                webbrowser.open(path.resolve().as_uri())
    return 0
