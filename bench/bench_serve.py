"""Serving benchmark: Bento build time, serve start-to-ready, and single-row prediction throughput
and latency over loopback for `mlspec serve`, beside two baselines measured in the same run: a minimal
Starlette + uvicorn app serving the same saved model with the same JSON request shape (no validation,
one process), and the in-process predict time for the same rows. The two servers run side by side and
take the same client load in interleaved rounds, so machine noise falls on both alike.
Usage: python bench/bench_serve.py [--quick] [--requests N] [--threads T] [--rounds R]
(--quick: 200 requests per server in 2 rounds, unless given)"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import table, write_results  # noqa: E402
from mlspec.proc import stop_group  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# The baseline: the least code that serves the model over HTTP with the same request and answer shape.
MINIMAL_APP = """\
import os

import bentoml
import pandas as pd
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

model = bentoml.picklable_model.load_model(os.environ["BENCH_MODEL_TAG"])
FEATURES = list(bentoml.models.get(os.environ["BENCH_MODEL_TAG"]).info.metadata["features"])


async def predict(request):
    body = await request.json()
    return JSONResponse(model.predict(pd.DataFrame(body["rows"], columns=FEATURES)).tolist())


async def ready(request):
    return JSONResponse("ok")


app = Starlette(routes=[Route("/predict", predict, methods=["POST"]), Route("/readyz", ready)])
"""


def start_minimal(work: Path, tag: str, port: int, log: Path) -> subprocess.Popen[str]:
    """`uvicorn app:app` (defaults: one process, access log on) in its own process group."""
    (work / "minimal_app.py").write_text(MINIMAL_APP)
    with open(log, "w") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "minimal_app:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=work,
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            env={**os.environ, "BENCH_MODEL_TAG": tag},
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a short load: 200 requests per server in 2 rounds")
    parser.add_argument("--requests", type=int, default=None, help="requests per server (default 2000)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=None, help="alternating load rounds per server (default 10)")
    args = parser.parse_args()
    if args.requests is None:
        args.requests = 200 if args.quick else 2000
    if args.rounds is None:
        args.rounds = 2 if args.quick else 10

    work = Path(tempfile.mkdtemp(prefix="mlspec-bench-serve-"))
    os.environ["BENTOML_HOME"] = str(work / "bentoml")
    os.environ["BENTOML_DO_NOT_TRACK"] = "true"
    import requests

    from tests.helpers import copy_example
    from tests.serve.conftest import free_port, save_contract_model, start_server, stop_server, wait_ready

    process = None
    minimal = None
    try:
        root = copy_example("breast-cancer", work)
        tag, model, X_test = save_contract_model(root)
        spec = root / "mlproject.yaml"

        start = time.perf_counter()
        built = subprocess.run(
            [sys.executable, "-m", "mlspec", "build", str(spec), "--version", tag], capture_output=True, text=True
        )
        build_seconds = time.perf_counter() - start
        if built.returncode != 0:
            print(built.stderr, file=sys.stderr)
            return 1

        port = free_port()
        start = time.perf_counter()
        log = work / "serve.log"
        process = start_server(spec, port, log)
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, process, log)
        ready_seconds = time.perf_counter() - start

        minimal_port = free_port()
        minimal_log = work / "minimal.log"
        minimal = start_minimal(work, tag, minimal_port, minimal_log)
        minimal_url = f"http://127.0.0.1:{minimal_port}"
        wait_ready(minimal_url, minimal, minimal_log)

        records = X_test.to_dict("records")
        payloads = [{"rows": [records[i % len(records)]]} for i in range(args.requests)]
        expected = model.predict(X_test).tolist()
        latencies: dict[str, list[float]] = {"mlspec": [], "minimal": []}
        seconds: dict[str, float] = {"mlspec": 0.0, "minimal": 0.0}
        errors: list[str] = []
        lock = threading.Lock()

        def worker(name: str, base: str, indexes: list[int]) -> None:
            session = requests.Session()
            mine: list[float] = []
            for i in indexes:
                t0 = time.perf_counter()
                response = session.post(f"{base}/predict", json=payloads[i], timeout=30)
                mine.append(time.perf_counter() - t0)
                if response.status_code != 200 or response.json() != [expected[i % len(records)]]:
                    errors.append(f"{name}: {response.status_code} {response.text[:200]}")
            with lock:
                latencies[name].extend(mine)

        def load(name: str, base: str, block: list[int]) -> None:
            """``block`` of requests from ``args.threads`` client threads, each on its own connection."""
            start = time.perf_counter()
            threads = [
                threading.Thread(target=worker, args=(name, base, block[k :: args.threads]))
                for k in range(args.threads)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            seconds[name] += time.perf_counter() - start

        targets = {"mlspec": url, "minimal": minimal_url}
        for base in targets.values():  # warm-up
            for _ in range(50):
                requests.post(f"{base}/predict", json=payloads[0], timeout=30)
        rounds = max(1, min(args.rounds, args.requests))
        for r in range(rounds):  # interleaved, the order alternating per round
            block = list(range(r, args.requests, rounds))
            order = list(targets) if r % 2 == 0 else list(reversed(targets))
            for name in order:
                load(name, targets[name], block)

        # baseline: in-process single-row predict of the same rows (DataFrame built per call, as the service does)
        import pandas as pd

        features = list(X_test.columns)
        local: list[float] = []
        for i in range(min(args.requests, 1000)):
            t0 = time.perf_counter()
            model.predict(pd.DataFrame([records[i % len(records)]], columns=features))
            local.append(time.perf_counter() - t0)
    finally:
        if minimal is not None:
            stop_group(minimal)
        if process is not None:
            stop_server(process)
        shutil.rmtree(work, ignore_errors=True)

    http_p50, http_p95 = percentile(latencies["mlspec"], 0.5), percentile(latencies["mlspec"], 0.95)
    base_p50, base_p95 = percentile(latencies["minimal"], 0.5), percentile(latencies["minimal"], 0.95)
    local_p50, local_p95 = percentile(local, 0.5), percentile(local, 0.95)
    results = {
        "build_seconds": round(build_seconds, 2),
        "serve_ready_seconds": round(ready_seconds, 2),
        "requests": args.requests,
        "threads": args.threads,
        "rounds": rounds,
        "errors": len(errors),
        "requests_per_second": round(args.requests / seconds["mlspec"], 1),
        "http_p50_ms": round(http_p50 * 1000, 2),
        "http_p95_ms": round(http_p95 * 1000, 2),
        "minimal_requests_per_second": round(args.requests / seconds["minimal"], 1),
        "minimal_p50_ms": round(base_p50 * 1000, 2),
        "minimal_p95_ms": round(base_p95 * 1000, 2),
        "http_over_minimal_p50": round(http_p50 / base_p50, 2),
        "http_over_minimal_p95": round(http_p95 / base_p95, 2),
        "in_process_p50_ms": round(local_p50 * 1000, 2),
        "in_process_p95_ms": round(local_p95 * 1000, 2),
        "in_process_predictions_per_second": round(1 / statistics.mean(local), 1),
        "http_over_in_process_p50": round(http_p50 / local_p50, 2),
    }
    path = write_results("serve", results)
    print(
        table(
            [
                ("mlspec build (fresh Bento)", f"{build_seconds:.2f} s", ""),
                ("mlspec serve start -> /readyz", f"{ready_seconds:.2f} s", ""),
                (
                    f"mlspec serve: HTTP /predict, 1 row, {args.threads} threads",
                    f"{results['requests_per_second']} req/s",
                    f"{results['errors']} errors in {2 * args.requests} (both servers)",
                ),
                (
                    "mlspec serve: latency p50 / p95",
                    f"{results['http_p50_ms']} / {results['http_p95_ms']} ms",
                    f"{results['http_over_minimal_p50']}x / {results['http_over_minimal_p95']}x the minimal app (target <= 1.25x)",
                ),
                (
                    "minimal Starlette + uvicorn app (baseline), same load, interleaved",
                    f"{results['minimal_requests_per_second']} req/s, {results['minimal_p50_ms']} / {results['minimal_p95_ms']} ms",
                    "1.0x",
                ),
                (
                    "in-process predict p50 / p95",
                    f"{results['in_process_p50_ms']} / {results['in_process_p95_ms']} ms",
                    f"mlspec serve p50 {results['http_over_in_process_p50']}x",
                ),
            ]
        )
    )
    print(f"results: {path}")
    for line in errors[:5]:
        print(line, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
