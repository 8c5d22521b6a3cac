"""`make e2e`: the dashboard's browser tests against a fresh `make up`.

Starts the platform exactly as `make up` does (embedded services in a new data folder, the Ray
Serve ingress serving frontend/dist), plus a receiver for the generic API channel's signed
replies, runs Playwright (frontend/e2e) with Debian's Chromium, and stops everything. Exits with
Playwright's code; on failure the launcher's log tail is printed.

    python -m cluster.e2e [--screenshots DIR] [--keep] [-- playwright args...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from cluster.embedded import bind_port
from ingestion.connectors.api import SIGNATURE_HEADER, verify_signature
from store.errors import Unauthorized

REPO = Path(__file__).resolve().parents[1]
FRONTEND = REPO / "frontend"
# The secret the browser test types into the API channel's form; the receiver checks with it.
CALLBACK_SECRET = "e2e-callback-secret-0123456789"
BOOT_TIMEOUT_S = 240.0
SERVICE_URLS = ("DATABASE_URL", "REDIS_URL", "NATS_URL", "MLFLOW_TRACKING_URI", "SWITCHBOARD_ENV")


class Receiver(ThreadingHTTPServer):
    """Where the API channel POSTs replies: checks each signature, keeps what it got."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.deliveries: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path != "/deliveries":
            self._answer(404, {"error": "not found"})
            return
        with self.server.lock:
            self._answer(200, list(self.server.deliveries))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            verify_signature(CALLBACK_SECRET, self.headers.get(SIGNATURE_HEADER), body)
            verified = True
        except Unauthorized:
            verified = False
        payload = json.loads(body or b"{}")
        with self.server.lock:
            self.server.deliveries.append(
                {"verified": verified, "text": payload.get("text", ""), "payload": payload}
            )
            count = len(self.server.deliveries)
        self._answer(200 if verified else 401, {"id": f"receiver-{count}"})

    def log_message(self, format: str, *args: Any) -> None:
        return


def npm(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(f"{tool} is not installed (Node.js 20+ is needed for the dashboard)")
    return path


def ensure_built() -> None:
    if not (FRONTEND / "dist" / "index.html").is_file():
        subprocess.run([npm("npm"), "run", "build"], cwd=FRONTEND, check=True)  # noqa: S603


def launch(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`make up` in a new data folder: every service embedded, as on a fresh laptop."""
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_URLS}
    env.update(DATA_DIR=str(data_dir), PORT=str(port), HF_HUB_OFFLINE="1")
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cluster.up"], cwd=REPO, env=env, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_ready(proc: subprocess.Popen[bytes], api: str, data_dir: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < BOOT_TIMEOUT_S:
        if proc.poll() is not None:
            raise RuntimeError(f"the launcher exited with {proc.returncode}")
        try:
            if (data_dir / "stack.json").is_file() and httpx.get(
                f"{api}/ready", timeout=3
            ).is_success:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{api}/ready did not answer 200 within {BOOT_TIMEOUT_S:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--screenshots", type=Path, help="where the pages' screenshots go")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and log")
    parser.add_argument("playwright_args", nargs="*")
    args = parser.parse_args(argv)
    ensure_built()
    workdir = Path(tempfile.mkdtemp(prefix="sb-e2e-"))
    data_dir, log = workdir / "data", workdir / "up.log"
    port = bind_port(0) or 8000
    api = f"http://127.0.0.1:{port}"
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    proc = launch(data_dir, port, log)
    code = 1
    try:
        print(f"e2e: platform up in {wait_ready(proc, api, data_dir):.0f} s at {api}", flush=True)
        env = dict(os.environ, SWITCHBOARD_URL=api, CALLBACK_URL=receiver.url)
        if args.screenshots:
            env["SCREENSHOT_DIR"] = str(args.screenshots.resolve())
        command = [npm("npx"), "playwright", "test", *args.playwright_args]
        code = subprocess.run(command, cwd=FRONTEND, env=env).returncode  # noqa: S603
    except (RuntimeError, TimeoutError) as exc:
        print(f"e2e: {exc}", file=sys.stderr)
    finally:
        stop(proc)
        receiver.shutdown()
        if code != 0:
            tail = log.read_text(errors="replace").splitlines()[-80:] if log.exists() else []
            print("e2e: launcher log tail:\n" + "\n".join(tail), file=sys.stderr)
        if args.keep or code != 0:
            print(f"e2e: data and log kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
