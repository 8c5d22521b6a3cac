"""Router benchmark: the peer baseline's module, waiting for processes, /proc and port helpers."""

from __future__ import annotations

import importlib.util
import os
import platform
import socket
import subprocess
import time
from pathlib import Path
from types import ModuleType
from typing import Any


def load_peer(peer_dir: Path) -> ModuleType:
    """The peer's run_bench.py as a module: its settings, load runner and /proc helpers."""
    spec = importlib.util.spec_from_file_location("peer_run_bench", peer_dir / "run_bench.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {peer_dir / 'run_bench.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wait_ready(rb: ModuleType, proc: subprocess.Popen[bytes], url: str, timeout: float) -> float:
    """Seconds until `url` answers 200; fails at once if the process exits first."""
    t0 = time.time()
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"pid {proc.pid} exited with {proc.returncode} before {url} was up")
        try:
            rb.wait_http(url, 2)
            return time.time() - t0
        except RuntimeError:
            if time.time() - t0 > timeout:
                raise


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def read(path: str) -> str:
    return Path(path).read_text()


def port_busy(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def machine_info() -> dict[str, Any]:
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in read("/proc/cpuinfo").splitlines()
         if ln.startswith("model name")),
        "?",
    )  # fmt: skip
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }
