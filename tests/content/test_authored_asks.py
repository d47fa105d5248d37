"""The labelled explain asks for the authored items point at answered items of the bank."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.bank import load_bank

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = sorted(DATA.glob("explain_authored_*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_authored_asks_name_answered_items_and_a_split(path: Path) -> None:
    answered = {item.id for item in load_bank().answered}
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = [r["ask"] for r in rows if r.get("expected") and r["expected"] not in answered]
    assert unknown == [], f"{path.name}: asks whose expected id is not an answered item"
    assert {r.get("split") for r in rows} == {"dev", "heldout"}
    assert any(r.get("expected") is None for r in rows), "some off-topic asks"
