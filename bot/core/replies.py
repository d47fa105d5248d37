"""What the bot says: every user-facing message is built here as a platform-neutral Reply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.model import (
    CONTRADICTED,
    COVERED,
    MISSED,
    TOPICS,
    Attempt,
    Button,
    Field,
    Form,
    FormField,
    Grade,
    Item,
    Match,
    Reply,
    Schedule,
    UserStats,
    Verdict,
)
from bot.core.schedules import changes, describe
from bot.core.selection import eligible

MAX_GRADED_CHARS = 4000
"""Answers longer than this are stored whole but graded on their beginning."""


def question_post(item: Item, heading: str = "Question of the day") -> Reply:
    """The daily question message that opens a discussion thread."""
    if item.is_prompt:
        how = "Discussion prompt: no reference answer, share your take in the thread."
    else:
        how = (
            "Answer in the thread: I'll tell you privately which key points you covered. "
            "The reference answer is revealed later."
        )
    buttons = (
        Button("explain_related", "Explain a related topic", item.id),
        Button("reveal", "Reveal answer", item.id, admin_only=True),
        Button("skip", "Skip", item.id, admin_only=True),
    )
    return Reply(
        title=heading,
        text=item.question,
        fields=(Field("Topic", item.topic), Field("Difficulty", item.difficulty.value)),
        buttons=buttons if not item.is_prompt else (buttons[0], buttons[2]),
        context=how,
    )


NO_CLAIM = {
    "echo": (
        "That repeats the question, so it earns no points. Say what you think the answer is: "
        "one sentence in your own words is a good start."
    ),
    "keywords": (
        "That's a list of terms without a claim, so it earns no points. Say what they do or "
        "how they relate (“X does Y, because Z”) and I'll check it against the key points."
    ),
}
"""What a member hears when an on-topic answer states nothing to grade."""

NOT_SCORED = (
    "_Not scored: only your first graded answer on a question counts for points and streaks. "
    "Feedback on later tries is for practice._"
)


def feedback(item: Item, grade: Grade, truncated_from: int = 0) -> Reply:
    """Private feedback on an answer attempt: a verdict per key point, with the member's words."""
    if grade.copied_from:
        return Reply(
            private=True,
            text=(
                f"Your answer looks copied from {grade.copied_from}, so it earns no points. "
                "Try putting it in your own words: that's what sticks in an interview."
            ),
        )
    if grade.no_claim:
        return Reply(private=True, text=NO_CLAIM[grade.no_claim])
    lines = [f"**Score: {grade.score}/100** on _{item.question}_"]
    verdicts = grade.verdicts or tuple(
        [Verdict(p, COVERED) for p in grade.covered] + [Verdict(p, MISSED) for p in grade.missed]
    )
    covered = [v for v in verdicts if v.status == COVERED]
    wrong = [v for v in verdicts if v.status == CONTRADICTED]
    missed = [v for v in verdicts if v.status == MISSED]
    if covered:
        lines.append("\n**Covered**")
        lines += [
            f"- ✅ {v.point}" + (f" (you said “{clip(v.evidence, 140)}”)" if v.evidence else "")
            for v in covered
        ]
    if wrong:
        lines.append("\n**Contradicted**")
        lines += [
            f"- ❌ You said “{clip(v.evidence, 140)}”; the reference says: {v.point}" for v in wrong
        ]
    if missed:
        lines.append("\n**Missed**")
        lines += [f"- ⬜ {v.point}" for v in missed]
    if not missed and not wrong:
        lines.append("\nYou covered every key point. 🎉")
    elif wrong and not covered:
        lines.append("\nCheck the ❌ points against the reference when it's revealed.")
    if truncated_from:
        lines.append(
            f"\n_(Your answer is {truncated_from:,} characters; I graded the first "
            f"{MAX_GRADED_CHARS:,}. It is saved whole.)_"
        )
    if not grade.scored:
        lines.append("\n" + NOT_SCORED)
    return Reply(text="\n".join(lines), private=True)


NOT_GRADED = Reply(
    private=True,
    text="Not graded: that didn't look like an answer to the question. Give it a try in a "
    "sentence or two about the question itself, or `/help` for commands.",
)
"""Said when an answer submitted as one (a form, the console) had nothing to grade."""

FAILED = Reply(
    private=True,
    text="Something went wrong on my side, so I could not do that. Try again in a minute; "
    "if it keeps failing, ask whoever runs qotd to check its log.",
)
"""What a member hears when handling their request failed (every platform's error boundary)."""


def prompt_ack() -> Reply:
    """Private note for an answer to a discussion prompt (nothing to grade against)."""
    return Reply(
        private=True,
        text="Thanks! This is a discussion prompt without a reference answer, so there's no "
        "score: compare notes with the others in the thread.",
    )


def explain(
    query: str,
    matches: Sequence[Match],
    abstained: bool,
    topics: Sequence[str],
    *,
    weak: bool = False,
    missing: Sequence[str] = (),
    related: Sequence[Match] = (),
) -> Reply:
    """The answer to ``explain X``: the closest reference answer, or an honest 'I don't have
    that' with the nearest topics (abstained) or the nearest questions (a weak match).
    ``related`` lists only items on the same idea as the answer."""
    if abstained or not matches:
        nearest = ", ".join(dict.fromkeys(topics)) or "none"
        return Reply(
            private=True,
            text=(
                f"I don't have a reference answer close to “{clip(query, 120)}”; "
                f"nearest topics: {nearest}. Try `/topics` to see what I know, or rephrase."
            ),
        )
    if weak:
        return _weak_match(query, matches, missing)
    best = matches[0]
    fields = (
        Field("Topic", best.item.topic),
        Field("Match", f"{best.score:.0%}"),
    )
    text = best.item.answer.strip()
    if related:
        text += "\n\n**Related**\n" + "\n".join(
            f"- {m.item.question} (`{m.item.id}`)" for m in related
        )
    return Reply(title=best.item.question, text=text, fields=fields, private=True)


def _weak_match(query: str, matches: Sequence[Match], missing: Sequence[str]) -> Reply:
    """'I don't have that; nearest: …' with the closest questions, none shown as the answer."""
    if missing:
        words = ", ".join(f"“{w}”" for w in missing)
        why = f"no answer I have mentions {words}"
    else:
        why = f"my closest answer is only a {matches[0].score:.0%} match"
    lines = [
        f"I don't have a reference answer on “{clip(query, 120)}”: {why}. Nearest questions "
        "I do have (weak matches, not an answer to yours):"
    ]
    lines += [
        f"- {m.item.question} ({m.item.topic}, {m.score:.0%} match; `explain {m.item.id}`)"
        for m in matches[:3]
    ]
    lines.append("Try `/topics` to see what I know, or `/suggest` the question for the bank.")
    return Reply(private=True, text="\n".join(lines))


def reveal(item: Item, attempts: Sequence[Attempt]) -> Reply:
    """The reference answer and the group's wrap-up, posted in the thread."""
    graded = [a for a in attempts if not a.flagged]
    people = {a.user.user_id for a in attempts}
    if item.is_prompt:
        body = "This was a discussion prompt, with no reference answer."
        if item.related:
            body += " Related questions: " + ", ".join(f"`{r}`" for r in item.related) + "."
    else:
        body = item.answer.strip()
        for alt in item.alternate_answers:  # its source is a file name: not for members
            body += f"\n\n**Another author's take**\n{alt.strip()}"
        body += "\n\n**Key points**\n" + "\n".join(f"- {p}" for p in item.key_points)
    wrap = [f"**Wrap-up:** {len(people)} {'member' if len(people) == 1 else 'members'} answered"]
    if graded and not item.is_prompt:
        first = {a.user.user_id: a.score for a in graded if a.scored}
        if first:
            wrap[0] += f", average score {sum(first.values()) / len(first):.0f}/100"
        covered = {p for a in graded for p in a.covered}
        wrong: dict[str, set[str]] = {}
        for a in graded:
            for p in a.contradicted:
                wrong.setdefault(p, set()).add(a.user.user_id)
        nobody = [p for p in item.key_points if p not in covered and p not in wrong]
        if covered:
            wrap.append("Covered: " + "; ".join(p for p in item.key_points if p in covered) + ".")
        if wrong:
            wrap.append(
                "Misconceptions to clear up (said in the thread, contradicted by the reference): "
                + "; ".join(
                    f"{p} ({len(who)} {'member' if len(who) == 1 else 'members'})"
                    for p, who in wrong.items()
                )
                + "."
            )
        if nobody:
            wrap.append("Key points nobody covered: " + "; ".join(nobody) + ".")
        elif not wrong:
            wrap.append("Together you covered every key point. 👏")
    wrap[0] += "."
    return Reply(title="Answer revealed", text=body + "\n\n" + "\n".join(wrap))


def stats(user: UserStats | None, name: str, *, yourself: bool = False) -> Reply:
    """A member's progress (``yourself`` when the member asked about themselves)."""
    if user is None or user.answered == 0:
        if yourself:
            return Reply(
                private=True,
                text="You haven't answered a question here yet. "
                "`/today` shows today's question: answer it in its thread.",
            )
        return Reply(private=True, text=f"{name} hasn't answered a question here yet.")
    lines = [
        f"**{name}**: {user.answered} answered, {user.points} points, "
        f"average score {user.average_score:.0f}/100",
        f"Streak: {user.streak} day(s) (best {user.best_streak})",
    ]
    if user.by_topic:
        ranked = sorted(user.by_topic.items(), key=lambda kv: kv[1], reverse=True)
        lines.append(f"Strongest topic: {ranked[0][0]} ({ranked[0][1]:.0f})")
        if len(ranked) > 1:
            lines.append(f"Weakest topic: {ranked[-1][0]} ({ranked[-1][1]:.0f})")
    return Reply(private=True, text="\n".join(lines))


FEW_QUESTIONS = 1
"""Topic/difficulty filters that leave this many questions or fewer get a warning."""


def schedule_updated(before: Schedule, after: Schedule, args: str, items: Sequence[Item]) -> str:
    """What ``/schedule <settings>`` changed, the schedule now, and a warning for thin filters."""
    changed = changes(before, after, args)
    lines = [f"Schedule updated: {describe(after)}."]
    lines.append("Changed: " + "; ".join(changed) + "." if changed else "Nothing changed.")
    left = len(eligible(items, after))
    filtered = after.topics or after.difficulty
    if (
        filtered
        and left <= FEW_QUESTIONS
        and ((before.topics, before.difficulty) != (after.topics, after.difficulty))
    ):
        which = "No question matches" if not left else "Only 1 question matches"
        lines.append(
            f"⚠️ {which} these filters, so "
            + ("nothing can be posted" if not left else "the channel will get it every day")
            + ". Widen them with `/schedule topics=any difficulty=any`."
        )
    return "\n".join(lines)


def leaderboard(rows: Sequence[UserStats], period: str) -> Reply:
    """The channel's ranking for a period."""
    if not rows:
        return Reply(text=f"No answers yet ({period}). Be the first: `/today`.", private=True)
    medals = ["🥇", "🥈", "🥉"]
    lines = [
        f"{medals[i] if i < 3 else f'{i + 1}.'} {clip(r.display_name or r.user_id, 40)}: "
        f"{r.points} pts ({r.answered} answered, streak {r.streak})"
        for i, r in enumerate(rows)
    ]
    return Reply(title=f"Leaderboard ({period})", text="\n".join(lines), private=True)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


HELP_INTRO = """**qotd**: a question of the day for LLM / ML interview practice.
Answer the daily question in its thread: I'll tell you privately which key points you covered
(✅), which you contradicted (❌) and which you missed (⬜). Your first graded answer on a question
counts for points and streaks; later tries get feedback but no points."""


def help_text(lines: Sequence[str]) -> str:
    """/help: what qotd is, then one line per command (from the registry)."""
    return HELP_INTRO + "\n\n" + "\n".join(lines)


ON_DEMAND = (
    "This channel doesn't get a daily question (yet): an admin can start them with "
    "`/schedule resume`, or set the time with `/schedule 09:30 Europe/Paris`."
)
"""Said after a question posted on demand in a channel nobody set up for daily questions."""


def refuse(name: str) -> Reply:
    """A member tried an admin command."""
    return Reply(
        private=True,
        text=f"Only admins can use `/{name}` with settings. Ask a workspace admin, "
        "or have your user id added to QOTD_ADMINS.",
    )


SUGGEST_FIELDS = (
    FormField("question", "Question", max_length=1000),
    FormField("answer", "Reference answer", multiline=True, max_length=4000),
    FormField("topic", "Topic", placeholder=", ".join(TOPICS), choices=TOPICS),
)
"""The parts of a suggestion, in the order ``/suggest`` takes them."""


def suggest_form() -> Reply:
    """``/suggest`` with nothing to suggest: a form, or how to type it."""
    form = Form(
        action="suggest",
        value="",
        title="Suggest a question",
        submit="Send for review",
        fields=SUGGEST_FIELDS,
    )
    return Reply(
        private=True,
        text="Suggest a question as `/suggest <question> | <answer> | <topic>`. "
        f"Topics: {', '.join(TOPICS)}.",
        form=form,
    )


def reject_form(suggestion_id: int) -> Reply:
    """Reject without a reason: a form asking for one, or how to type it."""
    form = Form(
        action="reject_suggestion",
        value=str(suggestion_id),
        title=f"Reject suggestion #{suggestion_id}",
        submit="Reject",
        fields=(
            FormField(
                "reason",
                "Why? The author reads this",
                placeholder="e.g. the answer needs a source",
                multiline=True,
            ),
        ),
    )
    return Reply(
        private=True,
        text=f"Please say why, so the author can improve it: `/reject {suggestion_id} <reason>`.",
        form=form,
    )


CAUGHT_UP = "I was offline when you posted this answer, so this feedback comes late."


def late(reply: Reply, caught_up: bool) -> Reply:
    """``reply`` to an answer the bot read back after downtime, saying why it comes late."""
    if not caught_up:
        return reply
    return replace(reply, context=" · ".join(part for part in (reply.context, CAUGHT_UP) if part))
