"""Command-line parsing only. Each command is a plain function, imported when it runs, that
returns an exit code; heavy libraries are imported inside those functions, never here."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from mlspec.errors import EXIT_INTERNAL, EXIT_USAGE, MlspecError
from mlspec.version import VersionAction

SPEC_HELP = "path of mlproject.yaml (default: ./mlproject.yaml)"

# command name -> "module:function"
HANDLERS = {
    "init": "mlspec.scaffold:init_command",
    "validate": "mlspec.spec.commands:validate_command",
    "schema": "mlspec.schemas:schema_command",
    "render": "mlspec.render.commands:render_command",
    "run": "mlspec.pipeline.commands:run_command",
    "status": "mlspec.pipeline.commands:status_command",
    "test": "mlspec.pipeline.commands:test_command",
    "test serving": "mlspec.serve.check:servability_command",  # `mlspec test serving`: see main()
    "train": "mlspec.pipeline.commands:train_command",
    "evaluate": "mlspec.pipeline.commands:evaluate_command",
    "gate": "mlspec.gate.commands:gate_command",
    "report": "mlspec.report.commands:report_command",
    "promote": "mlspec.promote.commands:promote_command",
    "rollback": "mlspec.promote.rollback:rollback_command",
    "build": "mlspec.serve.commands:build_command",
    "serve": "mlspec.serve.commands:serve_command",
    "drift": "mlspec.monitor.commands:drift_command",
    "pull": "mlspec.pipeline.pull:pull_command",
    "gc": "mlspec.pipeline.commands:gc_command",
    "push": "mlspec.store.commands:push_command",
    "store": "mlspec.store.commands:store_command",
    "show": "mlspec.show:show_command",
}


# commands that work on one project: cli.py builds its Project (mlspec/project.py) once and passes it as ``spec``
# (`show` takes the spec or a run id positionally and builds its own; validate and render take many specs)
PROJECT_COMMANDS = frozenset(HANDLERS) - {"init", "validate", "schema", "render", "show"}


def _spec_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", default="mlproject.yaml", help=SPEC_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlspec",
        description="GitOps CI/CD/CT for machine learning from one declarative mlproject.yaml.",
    )
    parser.add_argument("--version", action=VersionAction, help="show the version and the commit it was built from")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("init", help="scaffold a working project (spec, training code, sample data)")
    p.add_argument("directory", nargs="?", default=".", help="where to create the project (default: .)")
    p.add_argument("--name", default=None, help="project name (default: the folder's name)")

    p = sub.add_parser("validate", help="validate specs; errors point at file:line:col")
    p.add_argument("specs", nargs="*", metavar="SPEC", help=SPEC_HELP)
    p.add_argument(
        "--format",
        choices=["text", "json", "github", "sarif"],
        default="text",
        help="output format (sarif: SARIF 2.1.0 for GitHub code scanning)",
    )
    p.add_argument("--no-file-checks", action="store_true", help="do not check that referenced files exist")

    p = sub.add_parser(
        "schema", help="print or write the JSON Schema of mlproject.yaml (or of a run record or deploy file)"
    )
    p.add_argument(
        "of",
        nargs="?",
        choices=["spec", "record", "deploy"],
        default="spec",
        help="spec: mlproject.yaml (default); record: .mlspec/runs/<id>/record.json; deploy: deploy/<env>.yaml",
    )
    p.add_argument("--output", "-o", default=None, help="write to this file instead of stdout")

    p = sub.add_parser("render", help="write or check the GitHub Actions workflows of one or more projects")
    p.add_argument(
        "specs", nargs="*", metavar="SPEC", help="spec files (default: every mlproject.yaml in the repository)"
    )
    p.add_argument("--output-dir", default=None, help="workflow folder (default: <repository>/.github/workflows)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 and show a diff on drift")
    p.add_argument("--root", default=None, help="repository root (default: the git top-level of each spec)")

    p = sub.add_parser("run", help="the whole pipeline locally, skipping stages whose inputs did not change")
    _spec_arg(p)
    p.add_argument("--force", action="store_true", help="rerun every stage")

    p = sub.add_parser("status", help="which stages are stale and why")
    _spec_arg(p)

    p = sub.add_parser("pull", help="fetch the spec's DVC-tracked data files (`dvc pull` of exactly those)")
    _spec_arg(p)

    p = sub.add_parser(
        "gc", help="delete old runs from .mlspec/runs/, keeping the newest, the latest and deployed ones"
    )
    _spec_arg(p)
    p.add_argument("--keep", type=int, default=None, help="runs to keep (default: state.keep_runs of the spec)")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")

    p = sub.add_parser("push", help="upload the latest run's stage outputs to the spec's model store")
    _spec_arg(p)

    p = sub.add_parser("store", help="the model store: `store gc --dry-run` lists what no deploy file names")
    p.add_argument("action", choices=["gc"], help="gc: list the objects no deploy file in git history names")
    _spec_arg(p)
    p.add_argument("--dry-run", action="store_true", help="list only (mlspec never deletes from the store)")

    p = sub.add_parser("show", help="where a run's reports are; rebuilds the test reports' HTML when it was not kept")
    p.add_argument("run", nargs="?", default=None, help="run id under .mlspec/runs/ (default: latest)")
    _spec_arg(p)
    p.add_argument("--open", dest="open_", action="store_true", help="open the HTML reports in a browser")

    p = sub.add_parser("test", help="deepchecks data or model tests")
    p.add_argument(
        "kind",
        choices=["data", "model", "serving"],
        help="what to test (serving: build the Bento, serve it on 127.0.0.1 and compare its answers)",
    )
    _spec_arg(p)
    p.add_argument("--force", action="store_true", help="rerun even when nothing changed")

    for name, text in (("train", "train the model"), ("evaluate", "compute the metrics on the test set")):
        p = sub.add_parser(name, help=text)
        _spec_arg(p)
        p.add_argument("--force", action="store_true", help="rerun even when nothing changed")

    p = sub.add_parser("gate", help="evaluate the promotion gates against the latest run")
    _spec_arg(p)
    p.add_argument("--env", default=None, help="environment to gate for (default: the first)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")

    p = sub.add_parser("report", help="Markdown report of the latest run")
    _spec_arg(p)
    p.add_argument("--output", "-o", default=None, help="write the report here (default: the run folder)")
    p.add_argument("--comment", action="store_true", help="keep one sticky comment on the pull request up to date")
    p.add_argument("--env", default=None, help="environment whose champion is the baseline")

    p = sub.add_parser("promote", help="open or update the promotion pull request for an environment")
    _spec_arg(p)
    p.add_argument("--env", required=True, help="target environment")
    p.add_argument("--dry-run", action="store_true", help="show what would happen; change nothing")
    p.add_argument(
        "--allow-failed-tests",
        action="store_true",
        help="promote although the run's data or model tests failed (metric gates must pass); "
        "recorded in the deploy file and the pull request",
    )
    p.add_argument(
        "--allow-dirty",
        action="store_true",
        help="promote a run made with uncommitted changes to tracked files (refused otherwise, naming the files); "
        "recorded in the deploy file and the pull request",
    )
    p.add_argument(
        "--from-env",
        default=None,
        metavar="REQUIRED",
        help="promote the model serving in REQUIRED (the environment ENV requires), from its deploy "
        "file on the base branch; no run, no retraining",
    )
    p.add_argument(
        "--soak",
        action="store_true",
        help="with --from-env: only when the model has served in REQUIRED for soak_hours of ENV",
    )

    p = sub.add_parser(
        "rollback", help="open a pull request restoring the previous (or a named) model of an environment"
    )
    _spec_arg(p)
    p.add_argument("--env", required=True, help="environment to roll back")
    p.add_argument(
        "--to",
        dest="to",
        default=None,
        metavar="MODEL_VERSION",
        help="model version (or tag) from the deploy file's history (default: the previous champion)",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would happen; change nothing")

    p = sub.add_parser("build", help="build the BentoML service")
    _spec_arg(p)
    p.add_argument("--version", dest="model_version", default=None, help="model tag (default: deployed or latest)")
    p.add_argument("--env", default=None, help="build the model recorded in deploy/<env>.yaml")
    p.add_argument("--containerize", action="store_true", help="also build the container image")
    p.add_argument(
        "--push",
        action="store_true",
        help="with --containerize: push the image to serve.container.registry and record it by digest",
    )
    p.add_argument(
        "--locate",
        action="store_true",
        help="with --env: only print (key=value) which CT run artifact holds the deployed model",
    )

    p = sub.add_parser("serve", help="serve the built service locally")
    _spec_arg(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: serve.port of the spec)")

    p = sub.add_parser("drift", help="drift of new data against the training reference")
    _spec_arg(p)
    p.add_argument(
        "--current",
        default=None,
        help="new data: a CSV/Parquet file or a folder of them (default: triggers.drift.current of the spec)",
    )
    p.add_argument("--reference", default=None, help="reference data (default: the serving model's training data)")
    p.add_argument("--env", default=None, help="environment whose serving model is the reference")
    p.add_argument("--dispatch", action="store_true", help="start CT through GitHub when drift is found")
    p.add_argument(
        "--from-serving-log",
        default=None,
        nargs="?",
        const="",
        metavar="SINK",
        help="new data: the rows the service logged (serve.monitoring) in SINK, a folder or an s3://, gs://, az:// "
        "URL (default: the spec's serve.monitoring.sink), instead of --current",
    )
    p.add_argument("--since", default=None, help="with --from-serving-log: only the last N m/h/d, e.g. 7d")
    return parser


def _write_traceback() -> str:
    import tempfile  # only on an internal error: every command's start-up pays for module-level imports
    import traceback

    fd, path = tempfile.mkstemp(prefix=f"mlspec-traceback-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".txt")
    with os.fdopen(fd, "w") as handle:
        handle.write(traceback.format_exc())
    return path


def call(command: str, arguments: dict[str, Any]) -> int:
    module_name, _, function_name = HANDLERS[command].partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    return int(function(**arguments))


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # noqa: SLF001 - argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            return dict(action.choices)
    return {}


def parse_arguments(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> dict[str, Any]:
    """Options may come before or after the positional arguments (`mlspec test data --force spec.yaml`):
    plain argparse stops filling positionals at the first option, so a command whose arguments do not
    parse in one pass is parsed again, intermixed, by its own parser (which reports real usage errors)."""
    words = list(sys.argv[1:] if argv is None else argv)
    namespace, extras = parser.parse_known_args(words)
    if not extras:
        return vars(namespace)
    command = namespace.command
    rest = words[words.index(command) + 1 :]
    parsed = vars(_subcommands(parser)[command].parse_intermixed_args(rest))
    return {"command": command, **parsed}


def _name_the_specs_below(command: str, error: Any) -> None:
    """At a monorepo's root no spec is here or above, but some are below: the hint names them (the command needs one)."""
    from pathlib import Path

    from mlspec.render.repo import specs_under

    found = specs_under(Path(os.getcwd()))
    if found:
        listed = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        error.hint = f"name the project's spec, e.g. `mlspec {command} {found[0]}` (specs under this folder: {listed})"


def _default_spec(command: str, args: dict[str, Any]) -> None:
    """No spec given and none here: the nearest one above, up to the repository root (mlspec/spec/locate.py)."""
    if command == "show" and str(args.get("run") or "").endswith((".yaml", ".yml")):
        return  # `mlspec show path/mlproject.yaml`: the spec is the positional argument (show.py)
    if args.get("spec") == "mlproject.yaml" and not os.path.exists("mlproject.yaml"):
        from mlspec.errors import SpecError
        from mlspec.spec.locate import locate_spec

        try:
            args["spec"] = locate_spec()
        except SpecError as error:
            _name_the_specs_below(f"test {args['kind']}" if command == "test" else command, error)
            raise
        print(f"using {args['spec']} (found above the working folder)", file=sys.stderr)
    elif command == "validate" and not args.get("specs") and not os.path.exists("mlproject.yaml"):
        from mlspec.errors import SpecError
        from mlspec.spec.locate import locate_spec

        try:
            args["specs"] = [locate_spec()]
        except SpecError:
            # at a monorepo's root: every spec of the repository, as `mlspec render` takes them; none there either:
            # validate reports the missing ./mlproject.yaml in its own format (text, JSON, SARIF)
            from pathlib import Path

            from mlspec.render.repo import specs_under

            found = specs_under(Path(os.getcwd()))
            if found:
                args["specs"] = found
                shown_specs = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
                print(f"no ./mlproject.yaml: validating the specs under this folder: {shown_specs}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parse_arguments(parser, argv)
    command = args.pop("command")
    if command == "test" and args["kind"] == "serving":  # the servability check belongs to serve, not the pipeline
        command, args = "test serving", {"spec": args["spec"], "force": args["force"]}  # --force: rerun, never reuse
    try:
        _default_spec(command, args)
        if command in PROJECT_COMMANDS:
            from mlspec.project import Project

            args["spec"] = Project(args["spec"])
        return call(command, args)
    except MlspecError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # noqa: BLE001 - last line of defence: no traceback for users
        path = _write_traceback()
        print(
            f"internal error: {type(error).__name__}: {error}\n  the full traceback is in {path}; please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

__all__ = ["EXIT_USAGE", "build_parser", "main"]
