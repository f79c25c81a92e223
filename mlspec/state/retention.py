"""State that stays small: `mlspec gc`, the HTML budget of a run, and `.mlspec/` in `.gitignore`.

`mlspec gc [--keep N]` deletes the oldest run folders of `.mlspec/runs/`, keeping the newest N
(`state.keep_runs` of the spec by default), the run `runs/latest` names and every run a deploy file
references (`lineage.run_id`, or a local `model.artifact` inside `runs/<id>/`). Each run folder is
self-contained (cached stages are copied), so deleting one never breaks another.

deepchecks HTML reports embed plotly and every figure's data, tens of MB on a large table. The verdict
and every condition live in `<kind>_tests.json` (what the report reads); the HTML is kept as written
when small, gzip-compressed (`<kind>_tests.html.gz`, open with `gunzip -k`) when larger, and replaced by
a short page saying so when even that exceeds its share of the per-run budget.
"""

from __future__ import annotations

import gzip
import html
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from mlspec.fsio import atomic_write_text, display_path
from mlspec.state.layout import LATEST, STATE_DIR, StateLayout, gitignore_lines

RUN_HTML_BUDGET = 5 * 1024 * 1024  # bytes of HTML per run, both test reports together
HTML_BUDGET = RUN_HTML_BUDGET // 2  # per report (data tests, model tests)
COMPRESS_ABOVE = 1024 * 1024


def _gzip_within(source_path: Path, target_path: Path, budget: int) -> bool:
    """gzip ``source_path`` into ``target_path``; stop as soon as the compressed bytes pass ``budget`` (the
    file is then not kept anyway: the example's 58 MB data-test report compresses to 18 MB against a 2.6 MB
    budget, and compressing all of it cost 1.7 s of CPU per report)."""
    with (
        open(source_path, "rb") as source,
        open(target_path, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as target,
    ):
        while chunk := source.read(1024 * 1024):
            target.write(chunk)
            if raw.tell() > budget:
                return False
    return target_path.stat().st_size <= budget


def shrink_html(run_dir: Path, name: str) -> str:
    """Keep the report ``name`` within HTML_BUDGET; returns the file name now holding it."""
    path = run_dir / name
    try:
        size = path.stat().st_size
    except OSError:
        return name
    if size <= COMPRESS_ABOVE:
        return name
    packed = run_dir / (name + ".gz")
    tmp = run_dir / f".{packed.name}.{os.getpid()}.tmp"
    if _gzip_within(path, tmp, HTML_BUDGET):
        os.replace(tmp, packed)
        path.unlink()
        return packed.name
    tmp.unlink()
    kind = name.split("_", 1)[0]
    atomic_write_text(
        path,
        (
            "<!doctype html><meta charset=utf-8><title>deepchecks report not kept</title>\n"
            f"<p>The deepchecks HTML report ({size / 1e6:.0f} MB) was larger than mlspec keeps per run "
            f"({HTML_BUDGET / 1e6:.1f} MB, compressed). Every check and condition is in "
            f"<code>{html.escape(kind)}_tests.json</code> and in the run's report.</p>\n"
            f"<p>For a smaller report, lower <code>tests.{html.escape(kind)}.n_samples</code> in the spec.</p>\n"
        ),
    )
    return name


# ----------------------------------------------------------------------------- .gitignore


def _ignored_by_git(root: Path) -> bool | None:
    """True/False when git answers whether `.mlspec/` is ignored, None outside a repository."""
    from mlspec.git import is_ignored

    layout = StateLayout(root)
    return is_ignored(root, layout.latest_file.relative_to(layout.spec_root).as_posix())


def ensure_gitignored(root: Path) -> str | None:
    """On a project's first run, add `.mlspec/` to the spec folder's `.gitignore` unless something
    already ignores it; returns the line to print, or None when nothing was done."""
    if StateLayout(root).runs.exists():
        return None
    ignored = _ignored_by_git(root)
    gitignore = root / ".gitignore"
    try:
        text = gitignore.read_text("utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError):
        return None
    if ignored or (ignored is None and any(line.strip() in gitignore_lines() for line in text.splitlines())):
        return None
    prefix = "" if not text or text.endswith("\n") else "\n"
    atomic_write_text(
        gitignore, text + prefix + f"# mlspec's local state (runs, caches): never committed\n{STATE_DIR}/\n"
    )
    return (
        f"added {STATE_DIR}/ to {display_path(gitignore)}: mlspec keeps its runs and caches there, "
        "and they are not to be committed"
    )


# ----------------------------------------------------------------------------- gc


def protected_runs(root: Path, environments: Iterable[str]) -> dict[str, str]:
    """Run id -> why it must stay: the latest pointer and every deploy file's run (``root``: the spec's folder)."""
    from mlspec.state.deploy import read_deployment
    from mlspec.state.record import RunStore

    found: dict[str, str] = {}
    latest = RunStore(root).latest_id()
    if latest:
        found[latest] = f"runs/{LATEST}"
    for env in environments:
        try:
            deployment = read_deployment(root, env)
        except Exception:  # noqa: BLE001 - an unreadable deploy file protects nothing but must not stop gc
            deployment = None
        if deployment is None:
            continue
        run_id = (deployment.lineage or {}).get("run_id")
        if isinstance(run_id, str) and run_id:
            found.setdefault(run_id, f"deploy/{env}.yaml")
        artifact = getattr(deployment.model, "artifact", None) or ""
        parts = artifact.replace("\\", "/").split("/")
        if "runs" in parts and parts.index("runs") + 1 < len(parts):
            found.setdefault(parts[parts.index("runs") + 1], f"deploy/{env}.yaml")
    return found


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def gc(
    root: Path, environments: Iterable[str], keep: int, *, dry_run: bool = False
) -> tuple[list[str], dict[str, str], int]:
    """Keep the newest ``keep`` runs of the spec in ``root`` and every run the deploy files of ``environments``
    name: (deleted run ids, kept-because-protected ids with why, bytes freed)."""
    runs = StateLayout(root).runs
    if not runs.is_dir():
        return [], {}, 0
    folders = sorted((p for p in runs.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    protected = protected_runs(root, environments)
    old = folders[: max(len(folders) - keep, 0)]
    deleted, kept, freed = [], {}, 0
    for folder in old:
        if folder.name in protected:
            kept[folder.name] = protected[folder.name]
            continue
        freed += _size(folder)
        if not dry_run:
            shutil.rmtree(folder)
        deleted.append(folder.name)
    return deleted, kept, freed
