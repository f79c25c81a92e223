"""Run `bentoml serve` as a child process in its own process group and forward signals to it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType

from mlspec.proc import stop_group

__all__ = ["serve_bento", "stop_group"]


def serve_bento(bento_tag: str, host: str, port: int) -> int:
    argv = [sys.executable, "-m", "bentoml", "serve", bento_tag, "--host", host, "--port", str(port)]
    env = {**os.environ, "BENTOML_DO_NOT_TRACK": os.environ.get("BENTOML_DO_NOT_TRACK", "true")}
    shown = f"[{host}]" if ":" in host else host
    print(f"serving {bento_tag} at http://{shown}:{port} (readiness: /readyz; Ctrl-C stops)", flush=True)
    child = subprocess.Popen(argv, env=env, start_new_session=True)

    def forward(signum: int, _frame: FrameType | None) -> None:
        try:
            os.killpg(child.pid, signum)
        except ProcessLookupError:
            pass

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        stop_group(child)
    # Stopped by a forwarded SIGINT/SIGTERM: a normal end.
    return 0 if code in (0, -signal.SIGINT, -signal.SIGTERM, 130, 143) else int(code)
