"""A second real HTTP server (another port, optionally another loopback address) that records every request
and whether it carried credentials: where a hostile answer would send mlspec's token."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class Recorder:
    """``answers`` maps a path to (status, headers, body); anything else gets 200 ``[]``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.seen: list[dict[str, Any]] = []
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                recorder.seen.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "headers": dict(self.headers),
                    }
                )
                status, headers, body = recorder.answers.get(self.path.split("?")[0], (200, {}, b"[]"))
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        # polls for shutdown() every 20 ms (0.5 s by default: each stop waited that long)
        threading.Thread(target=self._server.serve_forever, args=(0.02,), name="recorder", daemon=True).start()

    def answer(self, path: str, status: int = 200, headers: dict[str, str] | None = None, body: Any = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps([] if body is None else body).encode()
        self.answers[path] = (status, dict(headers or {}), data)

    def credentials_seen(self, *secrets: str) -> list[dict[str, Any]]:
        """Requests that carried an Authorization header or any of ``secrets`` anywhere in their headers."""
        return [
            r
            for r in self.seen
            if r["authorization"] is not None or any(s in json.dumps(r["headers"]) for s in secrets if s)
        ]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.stop()


@pytest.fixture
def other_host() -> Iterator[Recorder]:
    """A recorder on another loopback address: another host, not only another port."""
    server = Recorder("127.0.0.2")
    yield server
    server.stop()
