"""`Project`: what one command knows about one project, built once per command from the spec path.

`cli.py` builds it from the spec argument and passes it to the command; every command and the code it
calls reads the project from here instead of loading the spec, building run stores or state layouts, or
looking up champions again:

- `loaded` / `load(check_files=...)`: the validated spec (loaded on first use, once);
- `state` and `runs`: the `.mlspec/` layout and the run store next to the spec (one each);
- `environment(name)`: the one "no environment named ..." error;
- `latest_run(with_model=True)`: the newest run record, refused when it belongs to another project
  (mlspec/ownership.py) or, with ``with_model``, when it saved no model;
- `champion(env)`: the champion lookup of an environment (mlspec/champion.py), read once per command;
- `repository_root()`: the repository the project is in (the nearest folder with `.git`, else the spec's
  folder: mlspec/repo_root.py, the one helper every lookup of the top level uses).

Code below the commands keeps accepting a `LoadedSpec` where tests call it with one: `Project.of` turns
a path, a `LoadedSpec` or a `Project` into a `Project`.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING

from mlspec.errors import StageFailed, UsageError
from mlspec.fsio import display_path

if TYPE_CHECKING:
    from mlspec.champion import ChampionLookup
    from mlspec.spec import LoadedSpec
    from mlspec.spec.models import Environment, Spec
    from mlspec.state.layout import StateLayout
    from mlspec.state.record import RunRecord, RunStore

__all__ = ["NoModelError", "Project", "ProjectLike"]

TRAIN_HINT = "run `mlspec run` (or `mlspec train`) first"


class NoModelError(StageFailed):
    """The run a command needs saved no model."""


class Project:
    """One project for the length of one command. Cheap to build: nothing is read until asked for."""

    def __init__(self, path: str | Path, *, loaded: LoadedSpec | None = None) -> None:
        self.spec_path = Path(path)
        self._loaded = loaded
        self._checked_files = loaded is not None  # a LoadedSpec handed in counts as fully loaded
        self._state: StateLayout | None = None
        self._runs: RunStore | None = None
        self._champions: dict[str, ChampionLookup] = {}

    def __fspath__(self) -> str:
        """The spec path: code that takes a spec path (`Path(spec)`) takes a Project too."""
        return str(self.spec_path)

    @classmethod
    def of(cls, where: ProjectLike) -> Project:
        """``where`` as a Project: a Project itself, a LoadedSpec (kept), or a spec path (loaded when used)."""
        if isinstance(where, Project):
            return where
        if isinstance(where, (str, Path)):
            return cls(where)
        return cls(where.path, loaded=where)  # a LoadedSpec

    # ---------------------------------------------------------------------------------------- the spec

    def load(self, *, check_files: bool = True) -> LoadedSpec:
        """The validated spec; ``check_files=False`` skips the checks that referenced files exist (for
        commands that do not read them). Loaded once; a later call asking for the file checks runs them."""
        if self._loaded is None or (check_files and not self._checked_files):
            from mlspec.spec import load_spec

            self._loaded = load_spec(self.spec_path, check_files=check_files)
            self._checked_files = check_files
        return self._loaded

    @property
    def loaded(self) -> LoadedSpec:
        return self.load()

    @property
    def spec(self) -> Spec:
        return self.load(check_files=False).spec

    @property
    def path(self) -> Path:
        """The spec file, absolute."""
        return self._loaded.path if self._loaded is not None else self.spec_path.resolve()

    @property
    def root(self) -> Path:
        """The spec's folder: where `.mlspec/` and `deploy/` are."""
        return self.path.parent

    # ---------------------------------------------------------------------------------------- the state

    @property
    def state(self) -> StateLayout:
        if self._state is None:
            from mlspec.state.layout import StateLayout

            self._state = StateLayout(self.root)
        return self._state

    @property
    def runs(self) -> RunStore:
        if self._runs is None:
            from mlspec.state.record import RunStore

            self._runs = RunStore(self.root)
        return self._runs

    def latest_run(self, *, with_model: bool = True, needed_for: str = "", hint: str = TRAIN_HINT) -> RunRecord:
        """The newest run: MlspecError when there is none, ForeignStateError when it is another project's,
        NoModelError (with ``with_model``) when it saved no model (``needed_for`` says what needed one)."""
        record = self.runs.latest()
        self.check_owned(record)
        if with_model:
            self.check_model(record, needed_for=needed_for, hint=hint)
        return record

    def check_owned(self, record: RunRecord) -> None:
        """ForeignStateError when ``record`` belongs to another project (mlspec/ownership.py)."""
        from mlspec.ownership import check_record

        check_record(record, self.load(check_files=False))

    @staticmethod
    def check_model(record: RunRecord, *, needed_for: str = "", hint: str = TRAIN_HINT) -> None:
        """NoModelError when ``record`` saved no model: the one wording of it."""
        if record.model is None:
            raise NoModelError(
                f"run {record.run_id} saved no model" + (f": {needed_for}" if needed_for else ""), hint=hint
            )

    # ---------------------------------------------------------------------------------------- environments

    def environment(self, name: str, *, key: str = "environments") -> Environment:
        """The environment called ``name``; the one UsageError when the spec has none by that name, at ``key``
        (the setting or option that named it)."""
        spec = self.spec
        try:
            return spec.environment(name)
        except KeyError:
            names = [e.name for e in spec.environments]
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
            raise UsageError(
                f"{display_path(self.path)}: {key}: no environment named {name!r} (known: {', '.join(names)})"
                + (f"; did you mean {close[0]!r}?" if close else "")
            ) from None

    def environment_name(self, name: str | None) -> str:
        """``name`` checked, or the first environment when None."""
        return self.environment(name).name if name else self.spec.environments[0].name

    def champion(self, env: str) -> ChampionLookup:
        """deploy/<env>.yaml as the default branch has it (mlspec/champion.py), refused when it is another
        project's; read once per command (a refused file is not remembered: asking again raises again)."""
        if env not in self._champions:
            from mlspec.champion import find_champion

            spec = self.spec
            self._champions[env] = find_champion(self.root, env, spec.triggers.branches[0], spec.name)
        return self._champions[env]

    # ---------------------------------------------------------------------------------------- the repository

    def repository_root(self) -> Path:
        """The nearest folder at or above the spec's holding `.git`, else the spec's folder (no git process)."""
        from mlspec.repo_root import repository_root

        return repository_root(self.root, fallback=True)


if TYPE_CHECKING:
    ProjectLike = Project | LoadedSpec | str | Path
else:
    ProjectLike = object
