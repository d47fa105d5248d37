"""The ``qotd content`` sub-commands, called through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.content.bank import load_bank
from bot.content.cli import app
from tests.content.conftest import good_item, write

runner = CliRunner()


def test_lint_fast_on_shipped_bank_says_items_ok() -> None:
    result = runner.invoke(app, ["lint", "--fast"])
    assert result.exit_code == 0, result.output
    assert f"{len(load_bank())} items OK" in result.output


def test_lint_lists_problems_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, "tokenization.yaml", good_item().replace("easy", "brutal"))
    result = runner.invoke(app, ["lint", "--fast", "--bank", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{path}:11:" in result.output


def test_stats_counts_answered_and_prompts() -> None:
    bank = load_bank()
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 0
    assert f"{len(bank.answered)} answered, {len(bank.prompts)} prompts" in result.output
    assert "by topic:" in result.output and "by source:" in result.output


def test_export_json_to_file(tmp_path: Path) -> None:
    out = tmp_path / "bank.json"
    result = runner.invoke(app, ["export", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0
    assert len(json.loads(out.read_text())) == len(load_bank())
