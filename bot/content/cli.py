"""``qotd content ...``: import the source pages, lint, count and export the question bank."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from bot.content.anki import write_deck
from bot.content.authored import AUTHORED_SOURCE, DEFAULT_AUTHORED_DIR, read_authored
from bot.content.bank import DEFAULT_BANK_DIR, load_bank, write_bank
from bot.content.export import FORMATS
from bot.content.importer import DEFAULT_OVERRIDES, import_sources, load_overrides
from bot.content.lint import lint_bank
from bot.content.records import FORMATS as RECORD_FORMATS
from bot.content.records import export_records, import_records, suggestion_items
from bot.content.schema import ContentError
from bot.core.model import Item
from bot.core.ports import Embedder

app = typer.Typer(help="Manage the question bank (content/bank).", no_args_is_help=True)

BankOption = Annotated[Path, typer.Option("--bank", help="Bank directory.")]
DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: QOTD_DATABASE_URL).")
]


def live_items(db: str | None, bank_ids: set[str]) -> list[Item]:
    """The live items (approved suggestions) of the database, of every workspace, except
    those the bank files now hold; none when its SQLite file does not exist yet."""
    from bot.settings import Settings
    from bot.storage.learning_store import SqlLearningStore

    url = db or Settings().database_url
    prefix = "sqlite:///"
    if url.startswith(prefix) and not Path(url[len(prefix) :]).expanduser().exists():
        return []
    store = SqlLearningStore(url)
    try:
        lives = store.live_items()
    finally:
        store.close()
    return [live.item for live in lives if live.item.id not in bank_ids]


def bank_and_live(bank: Path, db: str | None, live: bool) -> list[Item]:
    """The bank files' items, then (with ``live``) the database's live items."""
    items = list(load_bank(bank).items)
    return items + live_items(db, {item.id for item in items}) if live else items


def _embedder() -> Embedder:
    from bot.embeddings import SentenceTransformerEmbedder  # heavy: imported only when needed

    return SentenceTransformerEmbedder()


@app.command("import")
def import_command(
    sources: Annotated[list[Path], typer.Argument(help="Source pages (content/sources/*.txt).")],
    out: Annotated[Path, typer.Option("--out", help="Bank directory to write.")] = DEFAULT_BANK_DIR,
    overrides: Annotated[
        Path, typer.Option("--overrides", help="Hand-fixes applied after import.")
    ] = DEFAULT_OVERRIDES,
    authored: Annotated[
        Path, typer.Option("--authored", help="The team's own items (source: qotd) to add.")
    ] = DEFAULT_AUTHORED_DIR,
) -> None:
    """Parse the source pages, merge paraphrased questions, add the authored items and write
    the bank YAML files."""
    entries, problems = read_authored(authored)
    try:
        if problems:
            raise ContentError(problems)
        result = import_sources(sources, _embedder(), load_overrides(overrides), entries)
    except ContentError as exc:
        typer.echo(f"{exc}\nNothing was written.", err=True)
        raise typer.Exit(1) from exc
    for event in result.merges:
        typer.echo(
            f"merged ({event.score:.2f}) {event.folded.source}: {event.folded.question!r}\n"
            f"    into {event.kept.source}: {event.kept.question!r}"
        )
    for key in result.unused_overrides:
        typer.echo(f"warning: override {key!r} matches no item", err=True)
    for skipped in result.skipped:
        typer.echo(f"warning: {skipped}", err=True)
    for item_id, given, kept in result.downgraded:
        typer.echo(f"difficulty of {item_id!r}: {given} -> {kept} (the answer is too short)")
    written = write_bank(result.items, out)
    prompts = sum(item.is_prompt for item in result.items)
    own = sum(item.source == AUTHORED_SOURCE for item in result.items)
    typer.echo(
        f"wrote {len(result.items)} items ({len(result.items) - prompts} answered, {prompts} "
        f"prompts, {own} authored, {len(result.merges)} merged questions) to {len(written)} "
        f"files in {out}"
    )


@app.command()
def lint(
    bank: BankOption = DEFAULT_BANK_DIR,
    fast: Annotated[bool, typer.Option(help="Skip the near-duplicate check (no model).")] = False,
    authored: Annotated[
        Path, typer.Option("--authored", help="The team's own items, checked too.")
    ] = DEFAULT_AUTHORED_DIR,
) -> None:
    """Check the bank; exits 1 and lists the problems if there are any."""
    problems = lint_bank(bank, None if fast else _embedder(), authored=authored)
    if problems:
        for problem in problems:
            typer.echo(str(problem))
        typer.echo(f"{len(problems)} problem(s) found.", err=True)
        raise typer.Exit(1)
    typer.echo(f"{len(load_bank(bank))} items OK")


@app.command()
def stats(bank: BankOption = DEFAULT_BANK_DIR) -> None:
    """Count items per topic, difficulty and source, answered vs discussion prompts."""
    try:
        loaded = load_bank(bank)
    except ContentError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"{len(loaded)} items: {len(loaded.answered)} answered, {len(loaded.prompts)} prompts"
    )
    for title, counts in (
        ("topic", Counter(item.topic for item in loaded.items)),
        ("difficulty", Counter(item.difficulty.value for item in loaded.items)),
        ("source", Counter(item.source for item in loaded.items)),
    ):
        typer.echo(f"by {title}:")
        for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            typer.echo(f"  {name:<28} {count}")


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", help="json, csv, yaml or anki.")] = "json",
    out: Annotated[Path | None, typer.Option("--out", help="File (default: stdout).")] = None,
    bank: BankOption = DEFAULT_BANK_DIR,
    db: DbOption = None,
    live: Annotated[
        bool, typer.Option(help="Include the live items (approved suggestions) of --db.")
    ] = True,
) -> None:
    """Write every item (the bank files', then the live ones) as JSON, CSV, YAML, or an Anki
    deck (``--format anki --out x.apkg``)."""
    if format == "anki":
        if out is None:
            raise typer.BadParameter("an Anki deck needs a file: --out qotd.apkg")
        count = write_deck(bank_and_live(bank, db, live), out)
        typer.echo(f"exported {count} cards to {out}", err=True)
        return
    if format not in (*FORMATS, *RECORD_FORMATS):
        raise typer.BadParameter(
            f"use one of: {', '.join(dict.fromkeys((*FORMATS, *RECORD_FORMATS, 'anki')))}",
            param_hint="--format",
        )
    text = export_records(bank_and_live(bank, db, live), format)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"exported to {out}", err=True)


@app.command("import-items")
def import_items(
    file: Annotated[Path, typer.Argument(help="A .yaml, .json or .csv file of items.")],
    bank: BankOption = DEFAULT_BANK_DIR,
) -> None:
    """Add (or replace, by id) items from a YAML/JSON/CSV file, e.g. one made by ``export``."""
    try:
        incoming = import_records(file)
        current = load_bank(bank).items
    except (ContentError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    ids = {item.id for item in incoming}
    merged = [item for item in current if item.id not in ids] + incoming
    write_bank(merged, bank)
    replaced = sum(item.id in ids for item in current)
    typer.echo(
        f"imported {len(incoming)} items ({replaced} replaced) into {bank}; "
        f"{len(merged)} items now. Run `qotd content lint` to check for near-duplicates."
    )


@app.command()
def approved(
    out: Annotated[Path, typer.Option("--out", help="YAML file to write.")],
    db: DbOption = None,
    bank: BankOption = DEFAULT_BANK_DIR,
) -> None:
    """Write the approved member suggestions as bank items, ready for ``import-items``: the
    live ones as they went live, those approved before live items existed converted now."""
    from bot.settings import Settings
    from bot.storage.learning_store import SqlLearningStore

    store = SqlLearningStore(db or Settings().database_url)
    try:
        accepted = store.suggestions(None, "approved")
        lives = store.live_items()
    finally:
        store.close()
    bank_ids = {item.id for item in load_bank(bank).items}
    went_live = {live.suggestion_id for live in lives}
    items = [live.item for live in lives if live.item.id not in bank_ids]
    taken = bank_ids | {item.id for item in items}
    items += suggestion_items([s for s in accepted if s.id not in went_live], taken)
    out.write_text(export_records(items, "yaml"), encoding="utf-8")
    typer.echo(
        f"wrote {len(items)} approved suggestion(s) to {out}; review the key points, then "
        f"`qotd content import-items {out}`."
    )
