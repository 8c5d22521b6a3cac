"""`python -m cluster.testenv -- pytest ...`: run a command with real services for the tests.

For each of TEST_DATABASE_URL, TEST_REDIS_URL and TEST_NATS_URL: keep it if set, else use the
machine's default service if it answers (CI), else start an embedded one in a temporary folder (a
fresh laptop). Then run the command, stop what was started, and exit with the command's code.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from cluster.embedded import EmbeddedNats, EmbeddedPostgres, EmbeddedRedis, EmbeddedService

USAGE = "usage: python -m cluster.testenv -- <command> [args...]"


@dataclass(frozen=True)
class NeededService:
    """A service the tests need: its variable, its usual port, and the URL shape they expect."""

    variable: str
    url_template: str  # tests CREATE DATABASE from `postgres`; Redis db 15 is theirs to flush
    default_port: int
    embedded: type[EmbeddedService]

    @property
    def default_url(self) -> str:
        return self.url_template.format(port=self.default_port)


SERVICES = (
    NeededService("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:{port}/postgres", 5432,
                EmbeddedPostgres),
    NeededService("TEST_REDIS_URL", "redis://127.0.0.1:{port}/15", 6379, EmbeddedRedis),
    NeededService("TEST_NATS_URL", "nats://127.0.0.1:{port}", 4222, EmbeddedNats),
)  # fmt: skip


def answers(port: int, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout_s):
            return True
    except OSError:
        return False


def missing_services(env: dict[str, str]) -> list[NeededService]:
    """Fill `env` with what is set or answering; return the services to start embedded."""
    missing = []
    for service in SERVICES:
        if env.get(service.variable):
            continue
        if answers(service.default_port):
            env[service.variable] = service.default_url
        else:
            missing.append(service)
    return missing


def start_embedded(missing: list[NeededService], env: dict[str, str], stack: ExitStack) -> None:
    data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="switchboard-test-")))
    for wanted in missing:
        service = stack.enter_context(wanted.embedded(data_dir))
        env[wanted.variable] = wanted.url_template.format(port=service.port)
        print(f"testenv: embedded {service.name} at {env[wanted.variable]}", file=sys.stderr)


def run_command(command: list[str], env: dict[str, str]) -> int:
    """Run the command as a child and wait for it, so the services outlive it.

    SIGTERM is passed on; a terminal's Ctrl-C reaches the child by itself (same process group),
    so here it is ignored: we stop the services only once the command has finished."""
    child = subprocess.Popen(command, env=env)  # noqa: S603 - the caller's own command

    def forward(signum: int, frame: FrameType | None) -> None:
        child.send_signal(signum)

    previous_term = signal.signal(signal.SIGTERM, forward)
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[args.index("--") + 1 :] if "--" in args else args
    if not command:
        print(USAGE, file=sys.stderr)
        return 2
    env = dict(os.environ)
    missing = missing_services(env)
    if not missing:
        os.execvpe(command[0], command, env)  # noqa: S606 - nothing of ours left to stop
    with ExitStack() as stack:
        start_embedded(missing, env, stack)
        return run_command(command, env)


if __name__ == "__main__":
    sys.exit(main())
