"""A database qotd cannot use stops start-up with one sentence saying what to do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.storage.engine import DatabaseUnavailable
from bot.storage.learning_store import SqlLearningStore
from bot.storage.sql_store import SqlStore
from tests.dbfixtures import PostgresServer


def corrupt(path: Path) -> Path:
    path.write_bytes(b"definitely not sqlite " * 400)
    return path


def migrated(path: Path) -> Path:
    SqlStore(f"sqlite:///{path}").close()
    return path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def refusal(url: str) -> str:
    with pytest.raises(DatabaseUnavailable) as raised:
        SqlStore(url)
    message = str(raised.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_corrupt_sqlite_file_says_to_restore_or_move_it_aside(tmp_path: Path) -> None:
    path = corrupt(tmp_path / "qotd.db")
    message = refusal(f"sqlite:///{path}")
    assert str(path) in message and "restore it from a backup" in message
    with pytest.raises(DatabaseUnavailable, match="damaged"):
        SqlLearningStore(f"sqlite:///{path}")


def test_a_read_only_sqlite_database_is_refused_at_start_up(tmp_path: Path) -> None:
    # Opened read-only (as root, file modes do not stop writes): already migrated, so only
    # the start-up write probe can notice.
    path = migrated(tmp_path / "qotd.db")
    message = refusal(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert "is read-only" in message and "write access" in message


@pytest.mark.skipif(os.geteuid() == 0, reason="file modes do not stop root")
def test_a_sqlite_file_without_write_permission_is_refused(tmp_path: Path) -> None:
    path = migrated(tmp_path / "qotd.db")
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        assert "read-only" in refusal(f"sqlite:///{path}")
    finally:
        tmp_path.chmod(0o755)


def test_an_unreachable_postgresql_server_is_named_without_its_password() -> None:
    url = f"postgresql+psycopg://qotd:hunter2@127.0.0.1:{closed_port()}/qotd"
    message = refusal(url)
    assert "Cannot use the database at postgresql+psycopg://qotd:***@127.0.0.1" in message
    assert "hunter2" not in message and "server is running" in message


@pytest.mark.postgres
def test_a_read_only_postgresql_database_is_refused_at_start_up(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    SqlStore(url).close()
    name = url.rsplit("/", 1)[1]
    with postgres.admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    message = refusal(url)
    assert "refuses writes" in message and "read-only transaction" in message


def run_slack_http(tmp_path: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    """The real ``qotd run slack --http`` process, with the given database."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "QOTD_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "not-a-real-secret",
        "SLACK_API_URL": f"http://127.0.0.1:{closed_port()}/api/",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "slack", "--http"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("kind", ["corrupt", "unreachable"])
def test_qotd_run_slack_with_a_bad_database_prints_one_sentence(tmp_path: Path, kind: str) -> None:
    url = (
        f"sqlite:///{corrupt(tmp_path / 'qotd.db')}"
        if kind == "corrupt"
        else f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test"
    )
    done = run_slack_http(tmp_path, url)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    assert line.startswith("Error: ")
    assert ("restore it from a backup" if kind == "corrupt" else "server is running") in line
