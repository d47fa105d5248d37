"""The `qotd` command line: run the bot, chat on the console, explain, grade, manage content."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from adapters import registry
from bot.content.cli import app as content_app

app = typer.Typer(
    help="qotd: a question-of-the-day bot for LLM / ML interview practice.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(content_app, name="content", help="Import, lint, inspect and export the bank.")


class UserError(Exception):
    """A problem the user can fix; printed without a traceback."""


def _settings() -> Any:
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"- {'.'.join(map(str, e['loc'])) or 'setting'}: {e['msg']}" for e in exc.errors()]
        raise UserError(
            "Invalid configuration (environment or .env):\n" + "\n".join(lines)
        ) from exc


def _knowledge(settings: Any, *, background: bool = False, progress: bool = True) -> Any:
    from bot.app import configure_logging, load_knowledge
    from bot.content.schema import ContentError
    from bot.embeddings import ModelError

    configure_logging(settings)
    try:
        return load_knowledge(settings, background=background, progress=progress)
    except (ContentError, ModelError) as exc:
        raise UserError(str(exc)) from exc


def _lines(arg: str) -> Iterator[str]:
    if arg != "-":
        yield arg
        return
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


@app.command()
def run(
    platform: Annotated[
        str | None,
        typer.Argument(help=f"{registry.spoken()} (default: from the tokens configured)."),
    ] = None,
    http: Annotated[
        bool, typer.Option("--http", help="Slack: serve HTTP endpoints instead of Socket Mode.")
    ] = False,
) -> None:
    """Run the bot: on the console channel unless platform tokens are configured."""
    settings = _settings()
    chosen = (platform or registry.default(settings)).lower()
    found = registry.BY_NAME.get(chosen)
    if found is None:
        raise UserError(f"Unknown platform `{chosen}`: use {registry.spoken()}.")
    _run(found, settings, http)


@app.command()
def chat() -> None:
    """Talk to the bot in the terminal (the console channel), with today's question."""
    _run(registry.BY_NAME["console"], _settings(), False)


def _run(platform: registry.Platform, settings: Any, http: bool) -> None:
    """Start ``platform``'s runner; a problem the user can fix becomes a UserError."""
    from bot.embeddings import ModelError
    from bot.storage.engine import DatabaseUnavailable

    try:
        runner = platform.runner()
    except ModuleNotFoundError as exc:
        raise UserError(
            f"The {platform.name} adapter is not part of this build yet. Run `qotd run console` "
            "to use the bot in the terminal."
        ) from exc
    try:
        runner(settings, http=http)
    except (ValueError, DatabaseUnavailable, ModelError) as exc:  # ValueError: a bad token,
        raise UserError(str(exc)) from exc  # or content (ContentError)


@app.command()
def explain(
    query: Annotated[str, typer.Argument(help="What to explain; `-` reads one ask per line.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    k: Annotated[int, typer.Option("-k", min=1, max=20, help="How many matches.")] = 3,
) -> None:
    """Find the reference answers closest to QUERY (abstains when nothing is close)."""
    from adapters.console.platform import render
    from bot.core import replies

    knowledge = _knowledge(_settings())
    for ask in _lines(query):
        result = knowledge.retriever.search(ask, k)
        if as_json:
            typer.echo(json.dumps(explain_json(result), ensure_ascii=False))
        else:
            reply = replies.explain(
                ask,
                result.matches,
                result.abstained,
                result.nearest_topics,
                weak=result.weak,
                missing=result.missing,
                related=result.related,
            )
            typer.echo(render(reply) + "\n")


def explain_json(result: Any) -> dict[str, Any]:
    """The stable JSON shape of an explain result."""
    return {
        "query": result.query,
        "abstained": result.abstained,
        "matches": [
            {
                "id": m.item.id,
                "question": m.item.question,
                "answer": m.item.answer,
                "score": round(float(m.score), 4),
                "topic": m.item.topic,
            }
            for m in result.matches
        ],
        "nearest_topics": list(result.nearest_topics),
        "weak": result.weak,
        "missing": list(result.missing),
        "related": [m.item.id for m in result.related],
    }


@app.command()
def grade(
    item_id: Annotated[str, typer.Argument(help="Item id; `-` reads JSON lines from stdin.")],
    answer: Annotated[str, typer.Argument(help="The answer to grade.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Grade ANSWER against item ITEM_ID's key points.

    With ``-`` each stdin line is one ``{"item_id": …, "answer": …}`` JSON object, graded as it
    is read. A line that cannot be graded is reported (on stderr; with ``--json`` also as
    ``{"line": N, "error": …}`` in its place on stdout) and the rest are still graded; the exit
    status is then 2.
    """
    knowledge = _knowledge(_settings())
    if item_id != "-":
        _grade_one(knowledge, item_id, answer, as_json)
        return
    failed = total = 0
    for number, line in enumerate(_lines("-"), 1):
        total += 1
        try:
            wanted, text = _grade_request(line)
            _grade_one(knowledge, wanted, text, as_json)
        except UserError as exc:
            failed += 1
            typer.echo(f"stdin line {number}: {exc}", err=True)
            if as_json:
                typer.echo(json.dumps({"line": number, "error": str(exc)}, ensure_ascii=False))
    if failed:
        raise UserError(f"{failed} of {total} stdin line(s) could not be graded (see above).")


def _grade_request(line: str) -> tuple[str, str]:
    """``(item_id, answer)`` from one stdin line, or a UserError saying what it should be."""
    try:
        data = json.loads(line)
        return str(data["item_id"]), str(data["answer"])
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(
            f'expected {{"item_id": …, "answer": …}} JSON ({type(exc).__name__}: {exc}).'
        ) from exc


def _grade_one(knowledge: Any, wanted: str, text: str, as_json: bool) -> None:
    item = knowledge.bank.by_id.get(wanted)
    if item is None:
        raise UserError(f"No item `{wanted}` in the bank. `qotd content export` lists ids.")
    result = knowledge.grader.grade(item, text)
    if as_json:
        typer.echo(json.dumps(grade_json(result), ensure_ascii=False))
    else:
        typer.echo(f"{result.score}/100 on {item.id}")
        typer.echo("covered: " + ("; ".join(result.covered) or "-"))
        typer.echo("contradicted: " + ("; ".join(result.contradicted) or "-"))
        typer.echo("missed: " + ("; ".join(result.missed) or "-"))
        if not result.attempt:
            typer.echo("(not an answer attempt)")


def grade_json(result: Any) -> dict[str, Any]:
    """The stable JSON shape of a grade."""
    return {
        "item_id": result.item_id,
        "score": int(result.score),
        "covered": list(result.covered),
        "missed": list(result.missed),
        "attempt": bool(result.attempt),
        "flagged": bool(result.flagged),
        "contradicted": list(result.contradicted),
        "no_claim": result.no_claim,
        "verdicts": [
            {"point": v.point, "status": v.status, "evidence": v.evidence, "kind": v.kind}
            for v in result.verdicts
        ],
    }


@app.command()
def bench(
    sizes: Annotated[
        list[int] | None, typer.Option("--sizes", help="Synthetic bank sizes to time.")
    ] = None,
    quick: Annotated[bool, typer.Option("--quick", help="A small slice, for CI.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    channels: Annotated[
        str,
        typer.Option(
            "--channels", help="Scale by channels instead: counts such as 1000,10000,100000."
        ),
    ] = "",
    database_url: Annotated[
        str, typer.Option("--database-url", help="PostgreSQL server for --channels.")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    post_channels: Annotated[
        int, typer.Option("--post-channels", help="Due channels posted to the fake (0: skip).")
    ] = 20_000,
    rate: Annotated[float, typer.Option("--rate", help="The fake's requests/s limit.")] = 50.0,
    instances: Annotated[str, typer.Option("--instances", help="Instance counts.")] = "1,3",
    repeat: Annotated[int, typer.Option("--repeat", help="Ticks timed per size.")] = 5,
    backends: Annotated[str, typer.Option("--backends")] = "postgresql,sqlite",
    quality_only: Annotated[
        bool, typer.Option("--quality-only", help="Only the explain quality section.")
    ] = False,
    bank: Annotated[Path | None, typer.Option("--bank", help="Bank directory.")] = None,
) -> None:
    """Benchmark explain and grading quality against baselines, and speed at scale."""
    if channels:
        from bot.bench.channels import render_channels, run_channel_bench

        found = run_channel_bench(
            [int(n) for n in channels.split(",")],
            database_url,
            repeat=repeat,
            post_channels=post_channels,
            instances=[int(n) for n in instances.split(",")],
            rate=rate,
            backends=backends.split(","),
        )
        typer.echo(json.dumps(found, indent=2) if as_json else render_channels(found))
        return
    from bot.bench.report import DEFAULT_SIZES, render, run_bench

    sizes = sizes or ([2_000] if quick else list(DEFAULT_SIZES))
    result = run_bench(sizes, quick, quality_only=quality_only, bank=bank)
    typer.echo(json.dumps(result, indent=2) if as_json else render(result))


def main() -> None:
    """Console-script entry point: user errors become a message and exit code 2."""
    try:
        app()
    except UserError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
