"""`mlspec test serving`: the servability check of the latest run's model (a gate before promotion).

Build the Bento for the run's model, start it on 127.0.0.1 in its own process group, send the test
rows through HTTP, compare the answers with the model's in-process predictions, and time one-row
`/predict` requests. The verdict and the figures go to `<run folder>/servability.json`; the gate
reads them (and `serve.slo.p95_ms` makes the latency a gate), promotion copies them into
`deploy/<env>.yaml`, and the report shows the gate row.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.errors import EXIT_OK, ServeError, StageFailed
from mlspec.fsio import atomic_write_text
from mlspec.project import Project
from mlspec.state.record import RunRecord, StageStatus, utc_now
from mlspec.state.servability import read_result, result_path

if TYPE_CHECKING:
    from mlspec.project import ProjectLike

READY_TIMEOUT_SECONDS = 180.0
BATCH_ROWS = 500  # rows per equality request (the service accepts up to codegen.MAX_ROWS)
LATENCY_REQUESTS = 100  # one-row /predict requests timed (after WARMUP_REQUESTS untimed ones)
WARMUP_REQUESTS = 5
TOLERANCE = 1e-9  # served numbers vs in-process numbers (JSON round trip of float64 is exact; this is slack)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between order statistics."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _same(served: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return (
            isinstance(served, dict)
            and served.keys() == expected.keys()
            and all(_same(served[key], value) for key, value in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(served, list)
            and len(served) == len(expected)
            and all(_same(a, b) for a, b in zip(served, expected, strict=True))
        )
    if isinstance(expected, bool) or isinstance(served, bool):
        return bool(served == expected)
    if isinstance(expected, (int, float)) and isinstance(served, (int, float)):
        if isinstance(expected, float) and math.isnan(expected):
            return isinstance(served, float) and math.isnan(served)
        return abs(float(served) - float(expected)) <= TOLERANCE * max(1.0, abs(float(expected)))
    return bool(served == expected)


def _plain(values: Any) -> list[Any]:
    """numpy output as JSON-like Python values (what the service's `.tolist()` answers)."""
    return values.tolist() if hasattr(values, "tolist") else list(values)


def json_value(value: Any) -> Any:
    """A cell of the test data as the JSON a client sends: a missing value of any dtype (NaN, None, NaT,
    pandas NA) is `null`, numpy scalars are Python scalars (float64 round-trips exactly through JSON), times
    are ISO 8601 text."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value))):
        return None
    if isinstance(value, (pd.Timestamp, pd.Timedelta)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _rows(frame: Any) -> list[dict[str, Any]]:
    """Rows as JSON-ready objects (`json_value` of each cell)."""
    return [{key: json_value(value) for key, value in row.items()} for row in frame.to_dict("records")]


def rejection_text(status: int, body: Any, text: str) -> str:
    """Why the service refused a request, in one line: `HTTP 400: rows[3].region: Input should be a valid
    string` (BentoML's validation errors carry pydantic's `detail` list), else the start of the answer."""
    if status == 0:
        return text
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list) and detail and all(isinstance(d, dict) for d in detail):
        parts = []
        for item in detail[:3]:
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item.get("loc") or []).lstrip(".")
            parts.append(f"{where}: {item.get('msg', '')}" if where else str(item.get("msg", "")))
        more = f" (and {len(detail) - 3} more)" if len(detail) > 3 else ""
        return f"HTTP {status}: " + "; ".join(parts) + more
    message = body.get("error") if isinstance(body, dict) else None
    return f"HTTP {status}: " + (str(message) if message else " ".join(text.split()))[:300]


def _wait_ready(session: Any, url: str, child: subprocess.Popen[bytes], log: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < READY_TIMEOUT_SECONDS:
        if child.poll() is not None:
            tail = "\n".join(log.read_text("utf-8", errors="replace").splitlines()[-15:])
            raise ServeError(
                f"the service exited with code {child.returncode} before it was ready:\n{tail}",
                hint=f"the whole server log is {log}; `mlspec serve` starts it the same way",
            )
        try:
            if session.get(f"{url}/readyz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except OSError:
            pass
        except Exception:  # noqa: BLE001 - requests' connection errors while the server starts
            pass
        time.sleep(0.25)
    raise ServeError(
        f"the service did not answer {url}/readyz within {READY_TIMEOUT_SECONDS:.0f} s",
        hint=f"see the server log {log}",
    )


def _post(session: Any, url: str, rows: list[dict[str, Any]]) -> tuple[int, Any, str]:
    import requests

    try:
        response = session.post(
            url,
            data=json.dumps({"rows": rows}, allow_nan=True),
            headers={"content-type": "application/json"},
            timeout=120,
        )
    except requests.RequestException as exc:
        return 0, None, f"no answer ({type(exc).__name__})"
    try:
        return response.status_code, response.json(), response.text[:300]
    except ValueError:
        return response.status_code, None, response.text[:300]


def exercise(
    url: str, frame: Any, model: Any, apis: list[str], child: subprocess.Popen[bytes], log: Path
) -> dict[str, Any]:
    """Send ``frame`` through the running service at ``url``; compare and time. Returns the figures."""
    import requests

    with requests.Session() as session:
        ready = _wait_ready(session, url, child, log)
        rows = _rows(frame)
        mismatches: list[str] = []
        rejections: list[str] = []
        for api in apis:
            expected_all = _plain(getattr(model, api)(frame))
            if api == "predict_proba":  # the service answers [{"label", "probability"}] per row (issue 14.4)
                labels = _plain(getattr(model, "classes_", range(len(expected_all[0]) if expected_all else 0)))
                expected_all = [
                    [{"label": label, "probability": p} for label, p in zip(labels, row, strict=False)]
                    for row in expected_all
                ]
            for start in range(0, len(rows), BATCH_ROWS):
                status, body, text = _post(session, f"{url}/{api}", rows[start : start + BATCH_ROWS])
                expected = expected_all[start : start + BATCH_ROWS]
                if status != 200:
                    rejections.append(
                        f"/{api} rows {start}-{start + len(expected) - 1}: {rejection_text(status, body, text)}"
                    )
                    continue
                if not isinstance(body, list) or len(body) != len(expected):
                    mismatches.append(
                        f"/{api} rows {start}-{start + len(expected) - 1}: "
                        f"{len(body) if isinstance(body, list) else 'no'} answers for {len(expected)} rows"
                    )
                    continue
                for offset, (got, want) in enumerate(zip(body, expected, strict=True)):
                    if not _same(got, want):
                        mismatches.append(f"/{api} row {start + offset}: served {got!r}, in process {want!r}")
        timings: list[float] = []  # of answered requests only: a refusal is fast and would flatter the figures
        failures = 0
        refused: list[str] = []
        count = min(len(rows), LATENCY_REQUESTS)
        for i in range(WARMUP_REQUESTS + count):
            row = rows[i % len(rows)]
            started = time.perf_counter()
            status, body, text = _post(session, f"{url}/predict", [row])
            elapsed = (time.perf_counter() - started) * 1000.0
            if i < WARMUP_REQUESTS:
                continue
            if status == 200:
                timings.append(elapsed)
            else:
                failures += 1
                refused.append(f"/predict row {i % len(rows)}: {rejection_text(status, body, text)}")
    return {
        "rows": len(rows),
        "apis": apis,
        "mismatches": len(mismatches),
        "examples": mismatches[:5],
        "rejections": len(rejections),
        "rejected": (rejections + refused)[:5],
        "ready_seconds": round(ready, 2),
        "latency_ms": {
            "requests": count,
            "answered": len(timings),
            "failed": failures,
            "p50": _rounded(percentile(timings, 50)),
            "p95": _rounded(percentile(timings, 95)),
            "max": round(max(timings), 2) if timings else None,
        },
    }


def _rounded(value: float) -> float | None:
    """Milliseconds to 2 decimals; None when nothing was measured (JSON has no NaN)."""
    return None if math.isnan(value) else round(value, 2)


def _ms(value: Any) -> str:
    return f"{value:g} ms" if isinstance(value, (int, float)) else "n/a"


def verdict(figures: dict[str, Any], slo_p95_ms: float | None) -> tuple[str, str]:
    """("pass"|"fail", reason) from the figures of `exercise` and the spec's SLO."""
    latency = figures["latency_ms"]
    problems = []
    rejections = figures.get("rejections", 0)
    rejected = figures.get("rejected") or []
    if rejections:
        problems.append(
            f"the service rejected {rejections} batch request(s) of test rows (first: {rejected[0]})"
            if rejected
            else f"the service rejected {rejections} batch request(s) of test rows"
        )
    if figures["mismatches"]:
        problems.append(
            f"{figures['mismatches']} served answers differ from the in-process predictions "
            f"(first: {figures['examples'][0]})"
        )
    if latency["failed"]:
        first = next((r for r in rejected if r.startswith("/predict row ")), None)
        problems.append(
            f"the service rejected {latency['failed']} of {latency['requests']} one-row /predict requests"
            + (f" (first: {first})" if first and not rejections else "")
        )
    p95 = latency["p95"]
    if slo_p95_ms is not None and not (isinstance(p95, (int, float)) and p95 <= slo_p95_ms):
        problems.append(
            f"p95 latency {_ms(p95)} exceeds serve.slo.p95_ms {slo_p95_ms:g} ms"
            if isinstance(p95, (int, float))
            else f"no one-row request was answered, so the p95 latency cannot meet serve.slo.p95_ms {slo_p95_ms:g} ms"
        )
    summary = (
        f"{figures['rows']} test rows served equal to the in-process predictions"
        if not figures["mismatches"] and not rejections
        else f"{figures['rows']} test rows sent"
    )
    answered = latency.get("answered", latency["requests"] - latency["failed"])
    summary += f"; one-row /predict p50 {_ms(latency['p50'])}, p95 {_ms(latency['p95'])} ({answered} answered requests)"
    if slo_p95_ms is not None:
        summary += f", SLO p95 <= {slo_p95_ms:g} ms"
    return ("fail", "; ".join(problems) + f" ({summary})") if problems else ("pass", summary)


def _check_run(project: Project, record: RunRecord) -> dict[str, Any]:
    from mlspec.pipeline.data import load_tables
    from mlspec.proc import stop_group
    from mlspec.serve import bento, modelref
    from mlspec.serve.bento_target import BentoServiceTarget
    from mlspec.state.model_store import load_stored

    assert record.model is not None
    loaded = project.loaded
    choice = modelref.choose_model(project, None, None)  # the latest run's model, with its exported archive: a model
    if choice.tag != record.model.tag:  # reused from the model store is in no BentoML store yet on a fresh runner
        choice = modelref.choose_model(project, record.model.tag, None)
    BentoServiceTarget().build(project, choice)  # the Bento checked
    folder = bento.service_dir(loaded.root, loaded.spec.service_name)
    bento_tag = bento.last_built(folder)
    if bento_tag is None:
        raise ServeError(
            f"`mlspec build` left no Bento record in {folder}", hint="run `mlspec build` and look at its output"
        )
    model_ref = modelref.ensure_in_store(choice)
    info = modelref.model_info(model_ref, loaded.spec.evaluate.task)
    from mlspec.serve.codegen import choose_apis

    apis = choose_apis(loaded.spec, info)
    model = load_stored(model_ref)
    tables = load_tables(loaded)
    frame = tables.test[list(info.features)]
    port = _free_port()
    log = project.runs.run_dir(record.run_id) / "servability-server.log"
    argv = [sys.executable, "-m", "bentoml", "serve", bento_tag, "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "BENTOML_DO_NOT_TRACK": os.environ.get("BENTOML_DO_NOT_TRACK", "true")}
    env["MLSPEC_SERVING_LOG"] = "off"  # the check's test rows are not production traffic: they stay out of the log
    print(f"servability: starting {bento_tag} on 127.0.0.1:{port} (log: {log})", flush=True)
    with open(log, "wb") as handle:
        child = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            figures = exercise(f"http://127.0.0.1:{port}", frame, model, apis, child, log)
        finally:
            stop_group(child, 10)
    figures["bento"] = bento_tag
    return figures


def servability_command(spec: ProjectLike = "mlproject.yaml", force: bool = False) -> int:
    """The servability check as the `serving` stage of the latest run (pipeline/on_demand.py records it there):
    reused, and said so, when that run (or an earlier one on this machine) holds a result for the same model, spec
    sections, data and library versions; ``force`` reruns it."""
    from mlspec.pipeline.on_demand import run_on_demand

    project = Project.of(spec)
    loaded = project.loaded
    slo = loaded.spec.serve.slo.p95_ms if loaded.spec.serve.slo else None

    def check(project: Project, record: RunRecord) -> tuple[StageStatus, str]:
        assert record.model is not None  # latest_run checked it
        started = time.monotonic()
        try:
            figures = _check_run(project, record)
            outcome, reason = verdict(figures, slo)
        except ServeError as exc:
            figures = {"error": exc.message}
            outcome, reason = "fail", f"the service could not be built or started: {exc.message}"
        result = {
            "verdict": outcome,
            "reason": reason,
            "model": record.model.tag,
            "slo_p95_ms": slo,
            "checked": utc_now(),
            "seconds": round(time.monotonic() - started, 1),
            **figures,
        }
        path = atomic_write_text(result_path(project.runs, record.run_id), json.dumps(result, indent=2) + "\n")
        print(f"servability of {record.model.tag}: {outcome} - {reason}")
        print(f"figures: {path}")
        return ("passed" if outcome == "pass" else "failed"), reason

    done = run_on_demand(
        project,
        "serving",
        check,
        force=force,
        needed_for="the servability check cannot run",
        hint="run `mlspec run` until training succeeds",
    )
    record, result = done.record, done.result
    assert record.model is not None
    if not done.ran:
        where = f"run {result.cached_from}'s" if result.cached_from else "its"
        checked = (read_result(project.runs, record.run_id) or {}).get("checked", "")
        print(
            f"servability of {record.model.tag}: reused {where} result of {checked or 'an earlier check'} on this "
            f"machine ({result.status}; same model, spec, data and library versions; --force reruns it) - "
            f"{result.message}"
        )
        print(f"figures: {result_path(project.runs, record.run_id)}")
    if result.status not in ("passed", "cached"):
        raise StageFailed(
            f"the servability check of run {record.run_id} failed: {result.message}",
            hint="the gate fails with it, so no promotion pull request is opened; "
            "fix the service or the model (or serve.slo) and rerun",
        )
    return EXIT_OK
