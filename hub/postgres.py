"""The course gradebook's PostgreSQL cluster: a data folder of its own, a unix socket only, one database per course.

The cluster belongs to the system account ``postgres`` (initdb refuses root). It listens on no TCP port
(``listen_addresses=''``): only a unix socket in ``<state>/pg-socket`` (mode 711), with ``peer`` authentication, so
the grader account reaches its database as the database role of the same name and nobody else can.
nbgrader reaches it through ``db_url = postgresql+psycopg2://<grader>@/<db>?host=<socket dir>&port=<port>``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin")
PG_OWNER = "postgres"
RUNUSER = shutil.which("runuser", path="/usr/sbin:/usr/bin:/sbin:/bin") or "runuser"


def pg_tool(name: str) -> str:
    for d in PG_BIN_DIRS:
        p = Path(d) / name
        if p.exists():
            return str(p)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"PostgreSQL's {name} not found (apt-get install postgresql)")
    return found


@dataclass(frozen=True)
class Cluster:
    data: Path  # the data folder (owned by postgres, 700)
    socket_dir: Path
    port: int = 5432  # only names the socket file .s.PGSQL.<port>; no TCP listener

    @classmethod
    def under(cls, state: Path) -> Cluster:
        return cls(state / "pg-data", state / "pg-socket")

    def url(self, role: str, database: str) -> str:
        """nbgrader's ``db_url`` for ``database`` as ``role`` (peer authentication over the unix socket)."""
        return f"postgresql+psycopg2://{role}@/{database}?host={self.socket_dir}&port={self.port}"

    def _as_owner(self, argv: list[str], **kw) -> subprocess.CompletedProcess:
        return subprocess.run([RUNUSER, "-u", PG_OWNER, "--", *argv], text=True, capture_output=True, **kw)

    def init(self) -> None:
        """initdb once (peer auth on the socket, no passwords stored)."""
        if (self.data / "PG_VERSION").exists():
            return
        self.data.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.data, PG_OWNER, PG_OWNER)
        self.data.chmod(0o700)
        r = self._as_owner(
            [pg_tool("initdb"), "-D", str(self.data), "--auth-local=peer", "--auth-host=reject", "-E", "UTF8",
             "--locale=C.UTF-8"]
        )  # fmt: skip
        if r.returncode:
            raise RuntimeError(f"initdb failed:\n{r.stdout}\n{r.stderr}")

    def running(self) -> bool:
        r = self._as_owner([pg_tool("pg_isready"), "-h", str(self.socket_dir), "-p", str(self.port)])
        return r.returncode == 0

    def start(self) -> None:
        self.init()
        if self.running():
            return
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.socket_dir, PG_OWNER, PG_OWNER)
        self.socket_dir.chmod(0o711)
        # a backend whose client was killed (e.g. a grading worker, kill -9) notices within 2 s even while its
        # query waits, and ends its transaction; lock waits over a second and statements over 2 s are logged
        # (server.log: a slow grading's cause, if it is the gradebook)
        opts = (
            f"-c listen_addresses='' -k {self.socket_dir} -p {self.port} "
            "-c client_connection_check_interval=2000 -c log_lock_waits=on -c log_min_duration_statement=2000"
        )
        log = self.data / "server.log"
        r = self._as_owner(
            [pg_tool("pg_ctl"), "-D", str(self.data), "-l", str(log), "-o", opts, "-w", "start"]
        )
        if r.returncode:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start:\n{r.stdout}\n{r.stderr}\n{tail}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_owner([pg_tool("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as the superuser; return psql's unaligned, tuples-only output."""
        r = self._as_owner(
            [pg_tool("psql"), "-h", str(self.socket_dir), "-p", str(self.port), "-d", database, "-XAtq",
             "-v", "ON_ERROR_STOP=1", "-c", sql]
        )  # fmt: skip
        if r.returncode:
            raise RuntimeError(f"psql failed: {r.stderr.strip()}")
        return r.stdout.strip()

    def ensure_database(self, database: str, owner: str) -> None:
        """The role ``owner`` (peer-mapped to the account of that name) and its database."""
        if not self.psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{owner}'"):
            self.psql(f'CREATE ROLE "{owner}" LOGIN')
        if not self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):
            self.psql(f'CREATE DATABASE "{database}" OWNER "{owner}"')

    def dump_command(self, database: str, out: Path) -> list[str]:
        """The backup: one custom-format ``pg_dump`` file (restore with ``pg_restore -d <db> FILE``)."""
        return [RUNUSER, "-u", PG_OWNER, "--", pg_tool("pg_dump"), "-h", str(self.socket_dir), "-p",
                str(self.port), "-Fc", "-f", str(out), database]  # fmt: skip


def reachable(url: str, timeout: float = 5.0) -> str | None:
    """None when ``url`` answers a query; otherwise the reason, in words."""
    from sqlalchemy import create_engine, text

    env_timeout = os.environ.get("PGCONNECT_TIMEOUT")
    os.environ["PGCONNECT_TIMEOUT"] = str(int(timeout))
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - reported to the user in words
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    finally:
        if env_timeout is None:
            os.environ.pop("PGCONNECT_TIMEOUT", None)
        else:
            os.environ["PGCONNECT_TIMEOUT"] = env_timeout
