"""Extract 3-6 short key points (one idea each) from a Markdown answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_POINTS, MAX_POINTS = 3, 6

_META_LABELS = frozenset(
    [
        "what it is",
        "what",
        "why it's used",
        "why",
        "how it works",
        "pros",
        "cons",
        "examples",
        "example",
        "format",
        "goal",
        "purpose",
        "process",
        "mechanism",
        "formula",
        "where",
        "key hyperparameters",
        "why ppo?",
        "role of kl divergence penalty",
        "data type",
        "collection process",
        "key consideration",
        "general guideline (as of early 2025)",
    ]
)
_ITEM = re.compile(r"^(\s*)(?:[-*•]|\d+\.)\s+(.*)$")
_LABEL = re.compile(r"^([^:]{2,60}?):\s*(.*)$")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“])")


@dataclass(frozen=True, slots=True)
class _Unit:
    text: str
    label: str
    depth: int
    is_item: bool


def _plain(text: str) -> str:
    """Markdown and formulas removed: what a person would say aloud."""
    text = re.sub(r"\$\$.*?\$\$|\$\\\(.*?\\\)\$|\$[^$]*\$|\\\(.*?\\\)", "", text)
    text = re.sub(r"[*`_]{1,2}(?=\S)|(?<=\S)[*`_]{1,2}", "", text)
    text = re.sub(r"\s*\(\s*\)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _units(answer: str) -> list[_Unit]:
    units: list[_Unit] = []
    for line in answer.splitlines():
        match = _ITEM.match(line)
        body = _plain(match.group(2) if match else line)
        if not body:
            continue
        depth = len(match.group(1)) // 2 if match else 0
        labelled = _LABEL.match(body)
        if labelled and len(labelled.group(1).split()) <= 7:
            units.append(_Unit(labelled.group(2), labelled.group(1), depth, bool(match)))
        elif match:
            units.append(_Unit(body, "", depth, True))
        else:
            units.extend(_Unit(s, "", 0, False) for s in _SENTENCE_SPLIT.split(body) if s)
    return units


def condense(sentence: str, max_words: int = 16) -> str:
    """Shorten a sentence to its main clause (drops examples and trailing qualifiers)."""
    text = re.sub(r"\s*\((?:e\.g\.|i\.e\.|like|such as|for example)[^)]*\)", "", sentence)
    text = re.sub(r",? (?:such as|e\.g\.|for example|for instance)\b.*$", "", text).strip()
    words = text.split()
    if len(words) > max_words:
        clause = re.match(
            r"^(.{30,}?)(?:[,;:](?=\s)| —| - | which | while | by | to ensure )", text
        )
        text = clause.group(1) if clause and len(clause.group(1).split()) <= max_words + 4 else text
    return text.rstrip(" .,;:") if text.endswith((".", ",", ";", ":")) else text


def _first_sentence(text: str) -> str:
    return _SENTENCE_SPLIT.split(text)[0] if text else ""


def _point(unit: _Unit) -> str:
    body = condense(_first_sentence(unit.text)) if unit.text else ""
    label = unit.label if unit.label.lower() not in _META_LABELS else ""
    if label and body:
        return f"{label}: {body}"
    return body if unit.text else (label if unit.is_item else "")


def extract_key_points(answer: str) -> list[str]:
    """3-6 short key points in answer order: the definition first, then labelled bullets."""
    units = [
        u
        for u in _units(answer)
        if not (u.text.endswith(":") and not u.label) and (u.text or u.is_item)
    ]
    units = [u for u in units if not re.match(r"^(for example|e\.g\.|for instance)", u.text, re.I)]
    if not units:
        return []
    labelled = [u for u in units if u.label and u.text and u.label.lower() not in _META_LABELS]
    chosen: list[_Unit] = []
    if units[0] not in labelled and not units[0].is_item:
        chosen.append(units[0])
    top = min((u.depth for u in labelled), default=0)
    chosen += [u for u in labelled if u.depth == top] or labelled
    for unit in units:
        if len(chosen) >= MIN_POINTS:
            break
        if unit not in chosen and unit.text:
            chosen.append(unit)
    chosen.sort(key=units.index)
    points: list[str] = []
    for unit in chosen:
        point = _point(unit)
        if point and point not in points:
            points.append(point)
    while len(points) < MIN_POINTS and _split_longest(points):
        pass
    return points[:MAX_POINTS]


def _split_longest(points: list[str]) -> bool:
    """Split the longest point at its most central clause boundary; False when none can be."""
    for index in sorted(range(len(points)), key=lambda i: -len(points[i])):
        text = points[index]
        cuts = [m.start() for m in re.finditer(r",? and |, |; ", text)]
        cuts = [c for c in cuts if len(text[:c].split()) >= 4 and len(text[c:].split()) >= 4]
        if cuts:
            cut = min(cuts, key=lambda c: abs(c - len(text) / 2))
            head, tail = text[:cut], re.sub(r"^(,? and |, |; )", "", text[cut:])
            points[index : index + 1] = [head.strip(), tail[0].upper() + tail[1:]]
            return True
    return False
