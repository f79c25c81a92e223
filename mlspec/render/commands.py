"""`mlspec render [SPEC...] [--output-dir DIR] [--check] [--root DIR]`."""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlspec import __version__
from mlspec.errors import EXIT_FAILED, EXIT_OK, MlspecError, SpecError
from mlspec.fsio import atomic_write_text, display_path, ensure_dir
from mlspec.gc_tuning import fewer_collections
from mlspec.ownership import check_separate_state
from mlspec.render.engine import RenderedFile, header, render_project, spec_of_generated
from mlspec.render.project_plan import ProjectPlan, plan_project
from mlspec.render.repo import RepositoryRoots, discover_specs
from mlspec.repo_root import repository_root

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec

WORKFLOW_GLOB = "mlspec-*.yml"


@dataclass
class Target:
    output_dir: Path
    files: dict[str, RenderedFile]
    specs: set[str]  # repository-relative spec paths rendered into this folder
    discovered: bool  # every spec of the repository was rendered (stale files can be found)
    root: Path  # repository root the headers' spec paths are relative to
    tag_pinned: bool = False  # some project references mlspec's actions by tag (no commit known)
    notes: list[str] = field(default_factory=list)  # what a project's defaults lose (no model store)
    pattern: str = WORKFLOW_GLOB  # the generated files of the folder (stale ones are found among them)
    noun: str = "workflow file"


TAG_PIN_NOTE = (
    f"note: this mlspec does not know the commit it was built from, so its actions are referenced by the tag "
    f"v{__version__}; pin them by commit with `ci.actions_ref: <40-hex commit>` (zizmor's default policy asks for it)"
)


def _load(paths: list[Path]) -> list[tuple[Path, LoadedSpec]]:
    from mlspec.spec import load_spec

    loaded = []
    errors = []
    for path in paths:
        try:
            loaded.append((path, load_spec(path, check_files=False)))
        except MlspecError as error:
            errors.append(str(error))
    if errors:
        raise SpecError(
            "\n".join(errors) + f"\nnothing was rendered: fix the spec{'s' if len(errors) > 1 else ''} above"
        )
    return loaded


def plan_targets(specs: list[str], output_dir: str | None, root: str | None) -> list[Target]:
    """Render every spec in memory, grouped by the workflow folder they go to."""
    if specs:
        paths = [Path(s) for s in specs]
        for path in paths:
            if path.is_dir():
                raise SpecError(f"{path}: is a folder; give the path of its mlproject.yaml")
        discovered = False
    else:
        base = Path(root) if root else repository_root(Path.cwd(), fallback=True)
        paths = discover_specs(base)
        if not paths:
            raise SpecError(
                f"no mlproject.yaml found under {display_path(base)}",
                hint="create one with `mlspec init`, or name the spec: mlspec render path/to/mlproject.yaml",
            )
        discovered = True
    check_separate_state(paths)
    targets: dict[Path, Target] = {}
    projects: dict[tuple[Path, str], str] = {}
    roots = RepositoryRoots()
    fixed_root = Path(root).resolve() if root else None
    outputs: dict[Path, Path] = {}  # repository root -> resolved workflow folder
    for _path, loaded in _load(paths):
        repo = fixed_root or roots.of(loaded.path)  # loaded.path is resolved, so is repo
        plan = plan_project(loaded.spec, loaded.path, repo, resolved=True)
        out = outputs.get(repo)
        if out is None:
            out = outputs[repo] = (Path(output_dir) if output_dir else repo / plan.host.workflow_dir).resolve()
        key = (out, plan.name)
        if key in projects and projects[key] != plan.spec_path:
            raise SpecError(
                f"{plan.spec_path}: name: project {plan.name!r} is also the name of {projects[key]}; "
                "their workflow files would overwrite each other",
                hint="give every project in a repository its own `name`",
            )
        projects[key] = plan.spec_path
        target = targets.setdefault(out, Target(out, {}, set(), discovered, repo))
        target.specs.add(plan.spec_path)
        target.tag_pinned = target.tag_pinned or plan.actions_pinned_by_tag
        from mlspec.spec.notes import default_note

        target.notes += [note] if (note := default_note(loaded.spec)) else []
        for rendered in render_project(plan):
            target.files[rendered.name] = rendered
        _add_manifests(targets, plan, loaded.root, repo, discovered)
    return list(targets.values())


def _add_manifests(
    targets: dict[Path, Target], plan: ProjectPlan, spec_root: Path, repo: Path, discovered: bool
) -> None:
    """The project's Kubernetes manifests (`mlspec.deploy`), a target of their own: `deploy/k8s/` of its folder."""
    from mlspec.deploy.manifests import MANIFEST_DIR, manifest_files

    files = manifest_files(plan.spec, spec_root, plan.spec_dir)
    out = (spec_root / MANIFEST_DIR).resolve()
    target = targets.get(out)
    if target is None:
        if not files and not out.is_dir():
            return
        target = targets[out] = Target(out, {}, set(), discovered, repo, pattern="**/*.yaml", noun="manifest")
    target.specs.add(plan.spec_path)
    head = header(plan)
    for name, text in files.items():
        if name in target.files and target.files[name].spec_path != plan.spec_path:
            raise SpecError(
                f"{plan.spec_path}: its manifests {MANIFEST_DIR}/{name} would overwrite those of "
                f"{target.files[name].spec_path}",
                hint="give each project with Kubernetes environments its own folder",
            )
        target.files[name] = RenderedFile(name, head + text, plan.spec_path)


def _stale(target: Target) -> list[Path]:
    """Generated mlspec files in the folder that no spec renders to any more."""
    if not target.output_dir.is_dir():
        return []
    stale = []
    for path in sorted(target.output_dir.glob(target.pattern)):
        if path.relative_to(target.output_dir).as_posix() in target.files:
            continue
        try:
            with path.open("r", encoding="utf-8") as handle:
                first = handle.readline()
        except (OSError, UnicodeDecodeError):
            continue
        spec = spec_of_generated(first)
        if spec is None:
            continue
        if target.discovered or spec in target.specs or not (target.root / spec).is_file():
            stale.append(path)
    return stale


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except UnicodeDecodeError:
        return path.read_bytes().decode("utf-8", "replace")


def check_targets(targets: list[Target]) -> int:
    problems = 0
    nouns: dict[str, int] = {}  # noun -> files out of date
    out = sys.stdout
    for target in targets:
        nouns.setdefault(target.noun, 0)
        for name in sorted(target.files):
            rendered = target.files[name]
            path = target.output_dir / name
            current = _read(path)
            shown = display_path(path)
            if current == rendered.text:
                continue
            problems += 1
            nouns[target.noun] += 1
            if current is None:
                out.write(f"render drift: {shown} is missing (rendered from {rendered.spec_path})\n")
                current_lines: list[str] = []
            else:
                out.write(f"render drift: {shown} differs from what {rendered.spec_path} renders to\n")
                current_lines = current.splitlines(keepends=True)
            diff = difflib.unified_diff(
                current_lines,
                rendered.text.splitlines(keepends=True),
                fromfile=f"{shown} (in the repository)",
                tofile=f"{shown} (rendered)",
            )
            out.writelines(line if line.endswith("\n") else line + "\n" for line in diff)
        for path in _stale(target):
            problems += 1
            nouns[target.noun] += 1
            out.write(f"render drift: {display_path(path)} is stale: no spec renders to it any more; delete it\n")
    if problems:
        for noun, count in nouns.items():
            if count:
                out.write(
                    f"{count} {noun}{'s' if count != 1 else ''} out of date: run `mlspec render` and commit the result\n"
                )
        return EXIT_FAILED
    for noun in nouns:
        total = sum(len(t.files) for t in targets if t.noun == noun)
        out.write(f"{total} {noun}{'s' if total != 1 else ''} up to date\n")
    return EXIT_OK


def write_targets(targets: list[Target]) -> int:
    written = 0
    unchanged: dict[str, int] = {}
    for target in targets:
        unchanged.setdefault(target.noun, 0)
        ensure_dir(target.output_dir)  # a clear error when --output-dir is a file
        for name in sorted(target.files):
            path = target.output_dir / name
            if _read(path) == target.files[name].text:
                unchanged[target.noun] += 1
                continue
            atomic_write_text(path, target.files[name].text)
            written += 1
            print(f"wrote {display_path(path)}")
        for path in _stale(target):
            path.unlink()
            print(f"removed {display_path(path)} (no spec renders to it any more)")
    for noun, count in unchanged.items():
        if count:
            print(f"{count} {noun}{'s' if count != 1 else ''} already up to date")
    return EXIT_OK


def render_command(
    specs: list[str], output_dir: str | None = None, check: bool = False, root: str | None = None
) -> int:
    with fewer_collections():
        targets = plan_targets(list(specs), output_dir, root)
    if any(t.tag_pinned for t in targets):
        print(TAG_PIN_NOTE, file=sys.stderr)
    for note in [note for t in targets for note in t.notes]:
        print(note, file=sys.stderr)
    return check_targets(targets) if check else write_targets(targets)
