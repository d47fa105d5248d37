"""What the bot says: every user-facing message is built here as a platform-neutral Reply."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.model import Attempt, Button, Field, Grade, Item, Match, Reply, UserStats

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


def feedback(item: Item, grade: Grade, truncated_from: int = 0) -> Reply:
    """Private feedback on an answer attempt: score, covered and missed key points."""
    if grade.flagged:
        return Reply(
            private=True,
            text=(
                f"Your answer looks copied from {grade.copied_from}, so it earns no points. "
                "Try putting it in your own words: that's what sticks in an interview."
            ),
        )
    lines = [f"**Score: {grade.score}/100** on _{item.question}_"]
    if grade.covered:
        lines.append("\n**Covered**")
        lines += [f"- ✅ {point}" for point in grade.covered]
    if grade.missed:
        lines.append("\n**Missed**")
        lines += [f"- ⬜ {point}" for point in grade.missed]
    if not grade.missed:
        lines.append("\nYou covered every key point. 🎉")
    if truncated_from:
        lines.append(
            f"\n_(Your answer is {truncated_from:,} characters; I graded the first "
            f"{MAX_GRADED_CHARS:,}. It is saved whole.)_"
        )
    return Reply(text="\n".join(lines), private=True)


def prompt_ack() -> Reply:
    """Private note for an answer to a discussion prompt (nothing to grade against)."""
    return Reply(
        private=True,
        text="Thanks! This is a discussion prompt without a reference answer, so there's no "
        "score: compare notes with the others in the thread.",
    )


def explain(query: str, matches: Sequence[Match], abstained: bool, topics: Sequence[str]) -> Reply:
    """The answer to ``explain X``: the closest reference answer, or an honest 'no close match'."""
    if abstained or not matches:
        nearest = ", ".join(dict.fromkeys(topics)) or "none"
        return Reply(
            private=True,
            text=(
                f"I don't have a reference answer close to “{clip(query, 120)}”; "
                f"nearest topics: {nearest}. Try `/topics` to see what I know, or rephrase."
            ),
        )
    best = matches[0]
    fields = (
        Field("Topic", best.item.topic),
        Field("Match", f"{best.score:.0%}"),
    )
    related = [f"- {m.item.question} (`{m.item.id}`)" for m in matches[1:]]
    text = best.item.answer.strip()
    if related:
        text += "\n\n**Related**\n" + "\n".join(related)
    return Reply(title=best.item.question, text=text, fields=fields, private=True)


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
        for alt, source in zip(item.alternate_answers, item.alternate_sources, strict=False):
            body += f"\n\n**Another take** (_{source}_)\n{alt.strip()}"
        body += "\n\n**Key points**\n" + "\n".join(f"- {p}" for p in item.key_points)
    wrap = [f"**Wrap-up:** {len(people)} {'member' if len(people) == 1 else 'members'} answered"]
    if graded and not item.is_prompt:
        best: dict[str, int] = {}
        for a in graded:
            best[a.user.user_id] = max(best.get(a.user.user_id, 0), a.score)
        wrap[0] += f", average score {sum(best.values()) / len(best):.0f}/100"
        covered = {p for a in graded for p in a.covered}
        nobody = [p for p in item.key_points if p not in covered]
        if nobody:
            wrap.append("Key points nobody covered: " + "; ".join(nobody) + ".")
        else:
            wrap.append("Together you covered every key point. 👏")
    wrap[0] += "."
    return Reply(title="Answer revealed", text=body + "\n\n" + "\n".join(wrap))


def stats(user: UserStats | None, name: str) -> Reply:
    """A member's progress."""
    if user is None or user.answered == 0:
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


HELP = """**qotd**: a question of the day for LLM / ML interview practice.
Answer the daily question in its thread: I'll tell you privately which key points you covered.

- `/today`: show today's question (posts it if it hasn't been posted yet)
- `/explain <topic or question>`: the closest reference answer (also `explain X` in a message)
- `/reveal`: reveal today's answer and wrap up (admins)
- `/skip`: replace today's question with another (admins)
- `/topics`: topics in the bank
- `/schedule`: show the schedule; `/schedule 09:30 Europe/Paris mon-fri reveal=8h`
  changes it (admins)
- `/stats [user]`: answers, points, streaks, strongest and weakest topics;
  `/stats channel` for the whole channel; `/stats chart` adds your chart
- `/practice`: a private practice card (due reviews first, then your weakest topics);
  `/practice <answer>` to answer it; `/practice nudge on|off` for a daily reminder
- `/leaderboard [week|month|all]`: the ranking
- `/suggest <question> | <answer> | <topic>`: propose a question for the bank
- `/suggestions`, `/approve <id>`, `/reject <id> <reason>`: the moderation queue (admins)
- `/help`: this message"""
