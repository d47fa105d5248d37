"""Parse the scraped interview pages under ``content/sources`` into raw questions.

Five page shapes are recognised: a single-question page, a numbered Q&A list, a categorised
list of unanswered questions, a Markdown Q&A document and a social-media post.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.content.chrome import is_chrome, is_diagram_label


@dataclass(frozen=True, slots=True)
class RawQuestion:
    """A question as found in a source page; ``answer`` is Markdown, empty when unanswered."""

    question: str
    answer: str
    source: str
    line: int
    section: str = ""
    level: str = ""


_LIST_ITEM = re.compile(r"^(\s*)([-*•]|\d+\.)\s+")
_INLINE_BULLET = re.compile(r"\s\*\s(?=[A-Z][^:]{0,40}:)")


def _join_markdown(lines: Iterable[str]) -> str:
    """Join stripped lines: list items stay adjacent, other lines become paragraphs."""
    out: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        if out:
            out.append("\n" if _LIST_ITEM.match(line) else "\n\n")
        out.append(line.rstrip())
    return "".join(out).strip()


def _bulletise(line: str) -> list[str]:
    """Split a paragraph with inline `` * Label: text`` bullets into a paragraph and list items."""
    head, *bullets = _INLINE_BULLET.split(line)
    return [part for part in [head.strip(), *(f"- {b.strip()}" for b in bullets)] if part]


def parse_single_page(text: str, source: str) -> list[RawQuestion]:
    """A page with one ``Q: ...`` question whose answer block may be repeated."""
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("Q:"))
    question = lines[start][2:].strip()
    level, body, seen = "", [], set()
    position = start + 1
    while position < len(lines) and lines[position].startswith("- "):
        tag = lines[position][2:].strip()  # page tags such as "- Senior level question"
        if tag.lower().endswith("level question"):
            level = tag.split()[0].lower()
        position += 1
    for line in lines[position:]:
        key = line.strip()
        if is_chrome(line) or (len(key) >= 20 and key in seen):
            continue  # the page repeats its answer block; keep the first copy
        seen.add(key)
        body.append(key)
    return [RawQuestion(question, _join_markdown(body), source, start + 1, level=level)]


_NUMBERED_QUESTION = re.compile(r"^\d+\.\s+(.+\?)\s*$")


def parse_numbered_list(text: str, source: str) -> list[RawQuestion]:
    """``N. Question?`` lines each followed by answer paragraphs with inline bullets."""
    found: list[RawQuestion] = []
    current: tuple[str, int] | None = None
    body: list[str] = []

    def flush() -> None:
        if current:
            found.append(RawQuestion(current[0], _join_markdown(body), source, current[1]))

    for n, line in enumerate(text.splitlines(), start=1):
        match = _NUMBERED_QUESTION.match(line.strip())
        if match:
            flush()
            current, body = (match.group(1), n), []
        elif current and not is_chrome(line):
            body.extend(_bulletise(line.strip()))
    flush()
    return found


_PROMPT_BULLET = re.compile(r"^\s*[•*-]\s+(.+)$")


def parse_categorised_prompts(text: str, source: str) -> list[RawQuestion]:
    """Category headings followed by bulleted questions without answers."""
    found, section = [], ""
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or is_chrome(line):
            continue
        match = _PROMPT_BULLET.match(line)
        if match:
            found.append(RawQuestion(match.group(1).strip(), "", source, n, section=section))
        else:
            section = line.strip()
    return found


_MD_SECTION = re.compile(r"^##\s+(?:\d+\.\s*)?(.+?)\s*(?:<a [^>]*></a>)?\s*$")
_MD_QUESTION = re.compile(r"^\*\*(?:Question\s+)?\d+[.:]\s*(.+?)\*\*\s*$")
_MD_ANSWER = re.compile(r"^\*\*Answer:?\*\*:?\s*$")


def parse_markdown_qa(text: str, source: str) -> list[RawQuestion]:
    """Markdown: ``## Section`` headings, ``**N. Question**``, ``**Answer:**``, ``---``."""
    found: list[RawQuestion] = []
    section, current = "", None
    body: list[str] = []

    def flush() -> None:
        if current:
            answer = "\n".join(body).strip()
            answer = re.sub(r"\n{3,}", "\n\n", answer)
            found.append(RawQuestion(current[0], answer, source, current[1], section=section))

    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        heading, question = _MD_SECTION.match(line), _MD_QUESTION.match(line.strip())
        if heading or question or line.strip() == "---":
            flush()
            current, body = None, []
            if heading:
                section = heading.group(1).strip()
            elif question:
                current = (question.group(1).strip(), n)
        elif current and not _MD_ANSWER.match(line.strip()) and not is_chrome(line):
            body.append(line)
    flush()
    return found


_POST_LIST_QUESTION = re.compile(r"^-\s+(?:\*\*)?Q\d+\.(?:\*\*)?\s+(.+)$")
_POST_QUESTION = re.compile(r"^Q\d+\.\s+(.+)$")
_POST_ANSWER = re.compile(r"^Ans\s*-\s*")


def _post_line(line: str) -> str:
    """Normalise a post line to Markdown: ``•`` bullets and ``- 1.`` items."""
    text = line.strip()
    text = re.sub(r"^•\s*", "- ", text)
    return re.sub(r"^-\s+(\d+\.)\s+", r"\1 ", text)


def parse_post(text: str, source: str) -> list[RawQuestion]:
    """A post: a ``- Qn.`` list of unanswered questions, then ``Qn.`` items with ``Ans -``."""
    found: list[RawQuestion] = []
    current: tuple[str, int] | None = None
    body: list[str] = []

    def flush() -> None:
        if current:
            found.append(RawQuestion(current[0], _join_markdown(body), source, current[1]))

    for n, line in enumerate(text.splitlines(), start=1):
        listed, asked = _POST_LIST_QUESTION.match(line.strip()), _POST_QUESTION.match(line.strip())
        if listed:
            found.append(RawQuestion(listed.group(1).strip(), "", source, n))
        elif asked:
            flush()
            current, body = (asked.group(1).strip(), n), []
        elif current and not is_chrome(line) and not is_diagram_label(line):
            body.append(_post_line(_POST_ANSWER.sub("", line.strip())))
    flush()
    return found


Parser = Callable[[str, str], list[RawQuestion]]


def detect_parser(text: str) -> Parser:
    """Pick the parser for a page from its shape."""
    if "**Answer:**" in text or re.search(r"^\*\*\d+\. ", text, re.MULTILINE):
        return parse_markdown_qa
    if re.search(r"^Q:\s", text, re.MULTILINE):
        return parse_single_page
    if re.search(r"^Ans\s*-", text, re.MULTILINE):
        return parse_post
    if re.search(r"^\s*•\s", text, re.MULTILINE) and not _NUMBERED_QUESTION.search(text):
        return parse_categorised_prompts
    return parse_numbered_list


def parse_source(path: Path) -> list[RawQuestion]:
    """Parse one source page, choosing the parser from its content."""
    text = path.read_text(encoding="utf-8")
    return detect_parser(text)(text, path.name)
