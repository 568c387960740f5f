"""A PostgreSQL server of the test's own, from the machine's PostgreSQL binaries.

The fault tests restart PostgreSQL under load. The machine's own server is shared with the
rest of the suite (and with other sessions' runs), so they get a throwaway cluster on a free
port instead: `initdb` into a temporary folder, `pg_ctl` to start, restart and stop it.
PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def _binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on the PATH, or Debian's versioned folder."""
    found = shutil.which("initdb") and shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def can_run_postgres() -> bool:
    if _binaries() is None:
        return False
    if os.geteuid() != 0:
        return True
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return shutil.which("runuser") is not None


@dataclass
class PostgresCluster:
    folder: Path
    port: int
    bin: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_owner, *command], check=True, capture_output=True, timeout=120)

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-w",
                  "-l", str(self.folder / "server.log"), "-o", options, *args)  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every connection cleanly; `immediate` is a crash (recovery at start)."""
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()


@contextmanager
def postgres_cluster(port: int) -> Iterator[PostgresCluster]:
    """A started cluster with trust authentication for `postgres` on 127.0.0.1:port."""
    binaries = _binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL's initdb and pg_ctl are not installed")
    # Not pytest's tmp_path: that is private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="rahnuma-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    cluster = PostgresCluster(folder, port, binaries)
    try:
        cluster._run(str(binaries / "initdb"), "-D", str(folder / "data"), "-U", "postgres",
                     "--auth=trust", "--encoding=UTF8", "--no-sync")  # fmt: skip
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # never started, or stopped
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
