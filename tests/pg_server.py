"""A throwaway PostgreSQL server for the test session.

``running_postgres()`` starts a private PostgreSQL cluster in a fresh temporary directory (in
RAM, under /dev/shm, when there is room and the server need not be durable), listening only on
127.0.0.1 (and a unix socket inside that directory), with durability turned off for speed
(a benchmark asks for a durable one, on disk), and yields a SQLAlchemy URL
``postgresql+psycopg://postgres@127.0.0.1:PORT/suara_test``. On exit the server is stopped
(``pg_ctl stop -m immediate``) and the directory removed. Each pytest-xdist worker process
starts a server of its own.

``fresh_database(base_url, name)`` creates a new empty database on that server and returns its
URL, so each test can have an isolated database cheaply.

If ``SUARA_TEST_PG_URL`` is set, that server is used instead and nothing is started; the role
in that URL needs the CREATEDB privilege.

When run as root the server runs as the ``postgres`` OS user (``initdb`` refuses root). If no
PostgreSQL server binaries are found, Debian's ``postgresql`` package is installed with apt-get.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from debian import apt_install, one_at_a_time
from sqlalchemy.engine import make_url

ENV_URL = "SUARA_TEST_PG_URL"
TEST_DB = "suara_test"
PG_USER = "postgres"  # the OS user that runs the server when we are root, and the DB superuser
PREFERRED_BIN = "/usr/lib/postgresql/15/bin"
SERVER_SETTINGS = (
    "-F -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    " -c max_connections=200 -c shared_buffers=128MB"
)
# For benchmarks: the durability a production server has, so figures are not flattered.
DURABLE_SETTINGS = "-c max_connections=200 -c shared_buffers=1GB -c max_wal_size=4GB"
START_TIMEOUT_S = 60
SHM_DIR = "/dev/shm"
SHM_MIN_FREE_BYTES = 2 << 30  # a test cluster stays small (each test drops its database), with headroom
_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


# ---------------------------------------------------------------------------- locating binaries


def _is_root() -> bool:
    return os.geteuid() == 0


def _find_bin_dir() -> str | None:
    if os.access(os.path.join(PREFERRED_BIN, "initdb"), os.X_OK):
        return PREFERRED_BIN

    def version(path: str) -> float:
        try:
            return float(Path(path).parent.parent.name)
        except ValueError:
            return 0.0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True)
    return os.path.dirname(found[0]) if found else None


def _install_postgres() -> None:
    apt_install("postgresql", "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                f"(or set {ENV_URL} to a server URL)")


def _ensure_pg_user() -> None:
    if _user_exists(PG_USER):
        return
    with one_at_a_time():
        proc = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/bin/bash", PG_USER],
            check=False,
            capture_output=True,
            text=True,
        )
    if proc.returncode != 0 and not _user_exists(PG_USER):
        raise RuntimeError(f"useradd {PG_USER} failed: {proc.stderr.strip()}")


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _bin_dir() -> str:
    bin_dir = _find_bin_dir()
    if bin_dir is None:
        _install_postgres()
        bin_dir = _find_bin_dir()
        if bin_dir is None:
            raise RuntimeError(
                "apt-get install postgresql succeeded but no /usr/lib/postgresql/*/bin/initdb found"
            )
    if _is_root():
        _ensure_pg_user()
    return bin_dir


# ---------------------------------------------------------------------------- running commands


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *cmd] if _is_root() else cmd


def _run(cmd: list[str], cwd: Path, what: str, log: Path | None = None) -> None:
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    for var in ("PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD"):
        env.pop(var, None)
    proc = subprocess.run(
        _as_server_user(cmd),
        check=False,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        msg = f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n"
        msg += _tail(proc.stdout + proc.stderr)
        if log is not None and log.exists():
            msg += f"\n--- tail of {log} ---\n" + _tail(log.read_text(errors="replace"))
        raise RuntimeError(msg)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _memory_dir() -> list[str]:
    """/dev/shm (Linux's RAM file system) when it has room for a test cluster, else nothing.

    The tests' servers run without fsync, so their files live in the page cache anyway; on disk,
    the writeback of a session's databases (hundreds of them, gigabytes) made creating each one
    and removing the cluster at the end slow (over a minute and a half for the rmtree alone)."""
    try:
        stats = os.statvfs(SHM_DIR)
    except OSError:
        return []
    return [SHM_DIR] if stats.f_bavail * stats.f_frsize >= SHM_MIN_FREE_BYTES else []


def _make_workdir(in_memory: bool = False) -> Path:
    """A fresh temp dir the server user can use (its parents must be traversable by it); in RAM
    (/dev/shm) when asked and there is room, for servers that need not be durable."""
    for parent in dict.fromkeys([*(_memory_dir() if in_memory else []), tempfile.gettempdir(), "/tmp"]):
        work = Path(tempfile.mkdtemp(prefix="suara-pg-", dir=parent))
        if not _is_root():
            return work
        os.chown(work, _uid(PG_USER), _gid(PG_USER))
        probe = subprocess.run(
            _as_server_user(["test", "-w", str(work), "-a", "-x", str(work)]), check=False
        )
        if probe.returncode == 0:
            return work
        shutil.rmtree(work, ignore_errors=True)
    raise RuntimeError(
        f"no temp directory usable by the '{PG_USER}' user (tried {tempfile.gettempdir()} and "
        "/tmp); set TMPDIR to a directory whose parents are world-traversable"
    )


def _uid(name: str) -> int:
    return pwd.getpwnam(name).pw_uid


def _gid(name: str) -> int:
    return pwd.getpwnam(name).pw_gid


# ---------------------------------------------------------------------------- the server


def _stop(bin_dir: str, data: Path, work: Path) -> None:
    if (data / "postmaster.pid").exists():
        try:
            _run(
                [os.path.join(bin_dir, "pg_ctl"), "stop", "-D", str(data), "-m", "immediate", "-w"],
                cwd=work,
                what="pg_ctl stop",
            )
        except RuntimeError:
            _kill_postmaster(data)


def _kill_postmaster(data: Path) -> None:
    """Last resort when pg_ctl stop failed: SIGKILL the postmaster we started."""
    try:
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError, IndexError):
        pass


@contextmanager
def _start_server(durable: bool = False) -> Iterator[str]:
    bin_dir = _bin_dir()
    work = _make_workdir(in_memory=not durable)
    data, sock, log = work / "data", work / "sock", work / "postgres.log"
    try:
        sock.mkdir()
        if _is_root():
            os.chown(sock, _uid(PG_USER), _gid(PG_USER))
        _run(
            [
                os.path.join(bin_dir, "initdb"),
                "-D",
                str(data),
                "-U",
                PG_USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            cwd=work,
            what="initdb",
        )
        # initdb -A trust already writes trust lines for local and 127.0.0.1/::1.
        port = 0
        for attempt in range(3):  # the free port can be taken between probing and binding
            port = _free_port()
            opts = (
                f"{DURABLE_SETTINGS if durable else SERVER_SETTINGS} -c listen_addresses=127.0.0.1 -p {port}"
                f" -c unix_socket_directories={sock}"
            )
            try:
                _run(
                    [
                        os.path.join(bin_dir, "pg_ctl"),
                        "start",
                        "-D",
                        str(data),
                        "-l",
                        str(log),
                        "-w",
                        "-t",
                        str(START_TIMEOUT_S),
                        "-o",
                        opts,
                    ],
                    cwd=work,
                    what="PostgreSQL start (pg_ctl start)",
                    log=log,
                )
                break
            except RuntimeError as err:
                _stop(bin_dir, data, work)
                if attempt == 2 or "Address already in use" not in str(err):
                    raise
        base = sa.URL.create(
            "postgresql+psycopg", username=PG_USER, host="127.0.0.1", port=port, database="postgres"
        )
        fresh_database(base.render_as_string(hide_password=False), TEST_DB)
        yield base.set(database=TEST_DB).render_as_string(hide_password=False)
    finally:
        _stop(bin_dir, data, work)
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def running_postgres(durable: bool = False) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a PostgreSQL server for the tests.

    Uses ``$SUARA_TEST_PG_URL`` when set; otherwise starts a throwaway server and stops it
    (and deletes its files) on exit. ``durable`` keeps fsync and synchronous commit on (bench).
    """
    external = os.environ.get(ENV_URL)
    if external:
        yield external
        return
    with _start_server(durable) as url:
        yield url


# ---------------------------------------------------------------------------- databases


def _admin_engine(base_url: str) -> sa.Engine:
    return sa.create_engine(base_url, poolclass=sa.NullPool, isolation_level="AUTOCOMMIT")


def _check_name(name: str) -> None:
    if not _NAME_RE.match(name):
        raise ValueError(
            f"bad database name {name!r}: use lower-case letters, digits and _, at most 63"
        )


def fresh_database(base_url: str, name: str) -> str:
    """Create the empty database ``name`` on the server of ``base_url``; return its URL."""
    _check_name(name)
    engine = _admin_engine(base_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
    finally:
        engine.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_database(base_url: str, name: str) -> None:
    """Drop ``name`` if it exists, disconnecting any sessions still using it."""
    _check_name(name)
    engine = _admin_engine(base_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()
