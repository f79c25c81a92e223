"""Serving benchmark: Bento build time, serve start-to-ready, and single-row prediction throughput
and latency over loopback, beside the in-process predict time for the same rows (the baseline,
measured in the same run). Usage: python bench/bench_serve.py [--requests N] [--threads T]"""

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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mlspec-bench-serve-"))
    os.environ["BENTOML_HOME"] = str(work / "bentoml")
    os.environ["BENTOML_DO_NOT_TRACK"] = "true"
    import requests

    from tests.helpers import copy_example
    from tests.serve.conftest import free_port, save_contract_model, start_server, stop_server, wait_ready

    process = None
    try:
        root = copy_example("breast-cancer", work)
        tag, model, X_test = save_contract_model(root)
        spec = root / "mlproject.yaml"

        start = time.perf_counter()
        built = subprocess.run([sys.executable, "-m", "mlspec", "build", str(spec), "--version", tag],
                               capture_output=True, text=True)
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

        records = X_test.to_dict("records")
        payloads = [{"rows": [records[i % len(records)]]} for i in range(args.requests)]
        expected = model.predict(X_test).tolist()
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def worker(index: int) -> None:
            session = requests.Session()
            mine: list[float] = []
            for i in range(index, len(payloads), args.threads):
                t0 = time.perf_counter()
                response = session.post(f"{url}/predict", json=payloads[i], timeout=30)
                mine.append(time.perf_counter() - t0)
                if response.status_code != 200 or response.json() != [expected[i % len(records)]]:
                    errors.append(f"{response.status_code} {response.text[:200]}")
            with lock:
                latencies.extend(mine)

        for _ in range(20):  # warm-up
            requests.post(f"{url}/predict", json=payloads[0], timeout=30)
        start = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        load_seconds = time.perf_counter() - start

        # baseline: in-process single-row predict of the same rows (DataFrame built per call, as the service does)
        import pandas as pd

        features = list(X_test.columns)
        local: list[float] = []
        for i in range(min(args.requests, 1000)):
            t0 = time.perf_counter()
            model.predict(pd.DataFrame([records[i % len(records)]], columns=features))
            local.append(time.perf_counter() - t0)
    finally:
        if process is not None:
            stop_server(process)
        shutil.rmtree(work, ignore_errors=True)

    http_p50, http_p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    local_p50, local_p95 = percentile(local, 0.5), percentile(local, 0.95)
    results = {
        "build_seconds": round(build_seconds, 2),
        "serve_ready_seconds": round(ready_seconds, 2),
        "requests": args.requests,
        "threads": args.threads,
        "errors": len(errors),
        "requests_per_second": round(args.requests / load_seconds, 1),
        "http_p50_ms": round(http_p50 * 1000, 2),
        "http_p95_ms": round(http_p95 * 1000, 2),
        "in_process_p50_ms": round(local_p50 * 1000, 2),
        "in_process_p95_ms": round(local_p95 * 1000, 2),
        "in_process_predictions_per_second": round(1 / statistics.mean(local), 1),
        "http_over_in_process_p50": round(http_p50 / local_p50, 2),
    }
    path = write_results("serve", results)
    print(table([
        ("mlspec build (fresh Bento)", f"{build_seconds:.2f} s", ""),
        ("mlspec serve start -> /readyz", f"{ready_seconds:.2f} s", ""),
        (f"HTTP /predict, 1 row, {args.threads} threads", f"{results['requests_per_second']} req/s",
         f"{results['errors']} errors in {args.requests}"),
        ("HTTP latency p50 / p95", f"{results['http_p50_ms']} / {results['http_p95_ms']} ms",
         f"{results['http_over_in_process_p50']}x in-process p50"),
        ("in-process predict p50 / p95 (baseline)", f"{results['in_process_p50_ms']} / {results['in_process_p95_ms']} ms",
         "1.0x"),
    ]))
    print(f"results: {path}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
