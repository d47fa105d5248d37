"""Formulas scraped as LaTeX read as Unicode text in Slack, Discord and the console."""

from __future__ import annotations

import pytest

from bot.content.formulas import raw_latex, render_formulas


@pytest.mark.parametrize(
    ("latex", "shown"),
    [
        (
            r"$\(D_{KL}(P||Q)=\sum P(x)log\frac{P(x)}{Q(x)}\)$",
            "`D_KL(P‖Q) = ∑ P(x) log(P(x)/Q(x))`",
        ),
        (
            r"$\(softmax(x_{i})=\frac{e^{x_{i}}}{\sum_{j}e^{x_{j}}}\)$",
            "`softmax(xᵢ) = e^(xᵢ)/(∑ⱼ e^(xⱼ))`",
        ),
        (r"$\(Score=\frac{Q\cdot K}{\sqrt{d_{k}}}\)$", "Score = (Q · K)/√(dₖ)"),
        (r"$\(L=-\sum y_{i}log(\hat{y}_{i})\)$", "L = -∑ yᵢ log(ŷᵢ)"),
        (r"($0 \le i < d \mod 2$)", "(0 ≤ i < d mod 2)"),
        (r"query (\(Q\))", "query (Q)"),
    ],
)
def test_formula_is_rendered_as_readable_unicode(latex: str, shown: str) -> None:
    assert render_formulas(latex) == shown
    assert raw_latex(render_formulas(latex)) == []


def test_formula_with_markdown_characters_is_shown_as_code() -> None:
    shown = render_formulas(r"$$PE_{(pos,2i)}=sin(pos/10000^{2i/d_{model}})$$")
    assert shown == "`PE_(pos,2i) = sin(pos/10000^(2i/d_model))`"


def test_prices_and_plain_text_are_left_alone() -> None:
    text = "A GPU hour costs $2 to $4; use top-k = 50."
    assert render_formulas(text) == text
    assert raw_latex(text) == []


def test_raw_latex_finds_each_formula() -> None:
    text = r"Scores $\(\frac{QK^{T}}{\sqrt{d_{k}}}\)$ and \(O(n^{2})\) cost."
    assert raw_latex(text) == [r"$\(\frac{QK^{T}}{\sqrt{d_{k}}}\)$", r"\(O(n^{2})\)"]
