"""The `qotd grade -` command: every valid stdin line is graded, a bad one is reported."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot import cli
from bot.app import Knowledge


@pytest.fixture
def runner(knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(cli, "_knowledge", lambda *args, **kwargs: knowledge)
    return CliRunner()


def lines(knowledge: Knowledge) -> tuple[str, str]:
    item = knowledge.bank.answered[0]
    good = json.dumps({"item_id": item.id, "answer": item.answer})
    return item.id, good


def test_grade_stdin_grades_the_lines_around_a_bad_one_and_names_it(
    runner: CliRunner, knowledge: Knowledge
) -> None:
    item_id, good = lines(knowledge)
    stdin = "\n".join([good, good, "{not json", '{"item_id": "nope", "answer": "x"}', good])
    done = runner.invoke(cli.app, ["grade", "-", "--json"], input=stdin + "\n")
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o.get("item_id") or o["line"] for o in out] == [item_id, item_id, 3, 4, item_id]
    assert "stdin line 3: expected" in done.stderr and "stdin line 4: No item `nope`" in done.stderr
    assert isinstance(done.exception, cli.UserError)
    assert "2 of 5 stdin line(s) could not be graded" in str(done.exception)


def test_grade_stdin_in_text_mode_reports_the_bad_line_on_stderr_only(
    runner: CliRunner, knowledge: Knowledge
) -> None:
    item_id, good = lines(knowledge)
    done = runner.invoke(cli.app, ["grade", "-"], input=f'{good}\n["a list"]\n{good}\n')
    assert done.stdout.count(f"/100 on {item_id}") == 2
    assert "stdin line 2: expected" in done.stderr and "stdin line" not in done.stdout


def test_grade_stdin_of_valid_lines_exits_cleanly(runner: CliRunner, knowledge: Knowledge) -> None:
    _, good = lines(knowledge)
    done = runner.invoke(cli.app, ["grade", "-", "--json"], input=f"{good}\n\n{good}\n")
    assert done.exit_code == 0 and len(done.stdout.splitlines()) == 2
