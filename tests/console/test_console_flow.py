"""The console channel end to end: question, answer, explain, commands, and memory across runs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console.platform import ConsolePlatform
from adapters.console.session import ConsoleSession
from bot.app import Knowledge
from bot.core.model import UserRef
from bot.core.service import QotdService
from bot.storage.sql_store import SqlStore

ROOT = Path(__file__).resolve().parents[2]
USER = UserRef("console", "console-user", "you", is_admin=True)


async def run_console(knowledge: Knowledge, db: Path, lines: list[str]) -> str:
    out = io.StringIO()
    platform = ConsolePlatform(out)
    store = SqlStore(f"sqlite:///{db}")
    service = QotdService(
        knowledge.bank.items, store, platform, knowledge.retriever, knowledge.grader
    )
    session = ConsoleSession(service, platform, USER, out)
    await session.run(io.StringIO("".join(line + "\n" for line in lines)))
    store.close()
    return out.getvalue()


async def test_console_session_posts_grades_explains_and_remembers(
    knowledge: Knowledge, tmp_path: Path
) -> None:
    db = tmp_path / "console.db"
    first = await run_console(
        knowledge,
        db,
        [
            "The model learns from data and the key idea is attention over tokens.",
            "explain lora",
            "/topics",
            "/frobnicate",
            "/stats",
        ],
    )
    assert "== Question of the day ==" in first and "Topic:" in first and "Difficulty:" in first
    assert "Unknown command `/frobnicate`" in first
    assert "quantization" in first  # /topics lists topics
    assert "LoRA" in first  # explain lora
    assert "1 answered" in first or "Not graded" in first or "discussion prompt" in first
    second = await run_console(knowledge, db, ["/today"])
    assert second.count("== Question of the day ==") == 0
    assert "Status: open." in second


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_piping_explain_lora_into_qotd_run_prints_the_lora_answer(
    tmp_path: Path, knowledge: Knowledge, embedding_cache_dir: Path
) -> None:
    env = {
        **os.environ,
        "QOTD_DATABASE_URL": f"sqlite:///{tmp_path / 'pipe.db'}",
        "QOTD_CACHE_DIR": str(embedding_cache_dir),
        "HF_HUB_OFFLINE": "1",
    }
    for token in ("SLACK_BOT_TOKEN", "DISCORD_TOKEN"):
        env.pop(token, None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="explain lora\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "== Question of the day ==" in done.stdout
    assert "Low-Rank" in done.stdout or "LoRA" in done.stdout
