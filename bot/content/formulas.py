"""Render the LaTeX formulas scraped pages carry as Unicode text that reads well in chat.

``$\\(D_{KL}(P||Q)=\\sum P(x)log\\frac{P(x)}{Q(x)}\\)$`` becomes
``D_KL(P‖Q) = ∑ P(x) log(P(x)/Q(x))``, as inline code when it keeps Markdown characters
(``_``, ``|``), so Slack, Discord and the console print it as written. Symbols (``\\sum``,
``\\hat{y}``, ``\\le`` …) come from pylatexenc; fractions, roots, sub- and superscripts are
laid out here, since pylatexenc's ``a/b`` without brackets misreads
``\\frac{e^{x_i}}{\\sum_j e^{x_j}}``.
"""

from __future__ import annotations

import re

from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import get_default_latex_context_db

_TEXT = LatexNodes2Text(math_mode="text")
_MACROS = get_default_latex_context_db()

MATH_SPAN = re.compile(
    r"\$\$(?P<display>.+?)\$\$"
    r"|\$\s*\\\((?P<wrapped>.+?)\\\)\s*\$"
    r"|\\\((?P<paren>.+?)\\\)"
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|(?<![\w$])\$(?P<inline>[^$\n]+?)\$(?!\w)",
    re.DOTALL,
)
"""A formula in any of the delimiters the pages use (``$$..$$``, ``$\\(..\\)$``, ``\\(..\\)``,
``\\[..\\]``, ``$..$``)."""

_LATEX_MARK = re.compile(r"\\[A-Za-z]+|[_^]\{|\\[()\[\]]")
"""What makes a ``$..$`` span LaTeX rather than prices ("$5 to $10")."""

_SUB = dict(
    zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)
_SUP = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
        strict=True,
    )
)
_SPACED = {"·": " · ", "=": " = ", "≈": " ≈ ", "≤": " ≤ ", "≥": " ≥ ", "<": " < ", ">": " > "}
_OPERATOR_WORDS = ("mod", "log", "exp", "max", "min", "arg", "softmax")


def is_math(span: str) -> bool:
    """True when ``span`` (the text between ``$`` signs) is LaTeX, not a price ("$5 to $10")."""
    return bool(_LATEX_MARK.search(span)) or bool(re.search(r"[_^=]", span))


def _is_formula(match: re.Match[str]) -> bool:
    return match.group("inline") is None or is_math(match.group("inline"))


def raw_latex(text: str) -> list[str]:
    """The LaTeX formulas still in ``text`` (what ``render_formulas`` would rewrite)."""
    found = [m.group(0) for m in MATH_SPAN.finditer(text) if _is_formula(m)]
    bare = re.findall(r"\\(?:frac|sum|sqrt|cdot|hat|mathrm|text|left|right)\b[^\s]*", text)
    return found + [b for b in bare if not any(b in f for f in found)]


def render_formulas(text: str) -> str:
    """``text`` with every LaTeX formula rendered as Unicode inline code."""

    def rendered(match: re.Match[str]) -> str:
        if not _is_formula(match):
            return match.group(0)
        plain = to_unicode(_inner(match))
        return f"`{plain}`" if re.search(r"[_*~|`^]", plain) else plain

    return MATH_SPAN.sub(rendered, text)


def _inner(match: re.Match[str]) -> str:
    return next(g for g in match.groups() if g is not None)


def to_unicode(latex: str) -> str:
    """A LaTeX formula (without delimiters) as one line of Unicode text."""
    text, _ = _convert(latex.replace("\n", " "), 0)
    text = text.replace("||", "‖")
    for symbol, spaced in _SPACED.items():
        text = text.replace(symbol, spaced)
    text = re.sub(r"([∑∏][ₐ-ₜᵢ-ᵥⱼ₀-₉]+)(?=\S)", r"\1 ", text)  # "∑ⱼ e^x", not "∑ⱼe^x"
    text = re.sub(r"(?<=[^\s(])(log|exp|sin|cos)\(", r" \1(", text)  # "P(x) log(", "yᵢ log("
    return re.sub(r"\s+", " ", text).strip()


def _group(latex: str, at: int) -> tuple[str, int]:
    """The raw text of the brace group or single token starting at ``at`` and where it ends."""
    while at < len(latex) and latex[at] == " ":
        at += 1
    if at >= len(latex):
        return "", at
    if latex[at] == "{":
        depth = 0
        for end in range(at, len(latex)):
            depth += {"{": 1, "}": -1}.get(latex[end], 0)
            if depth == 0:
                return latex[at + 1 : end], end + 1
        return latex[at + 1 :], len(latex)
    if latex[at] == "\\":
        name = re.match(r"\\([A-Za-z]+|.)", latex[at:])
        size = len(name.group(0)) if name else 1
        return latex[at : at + size], at + size
    return latex[at], at + 1


def _convert(latex: str, at: int) -> tuple[str, int]:
    out: list[str] = []
    while at < len(latex):
        ch = latex[at]
        if ch in "_^":
            raw, at = _group(latex, at + 1)
            out.append(_script(_convert(raw, 0)[0], _SUB if ch == "_" else _SUP, ch))
        elif ch == "{":
            raw, at = _group(latex, at)
            out.append(_convert(raw, 0)[0])
        elif ch == "}":
            at += 1
        elif ch == "\\":
            piece, at = _macro(latex, at, out)
            out.append(piece)
        else:
            out.append(ch)
            at += 1
    return "".join(out), at


def _macro(latex: str, at: int, before: list[str]) -> tuple[str, int]:
    """One ``\\name`` with its arguments, rendered; ``before`` is the output so far."""
    found = re.match(r"\\([A-Za-z]+)\*?|\\(.)", latex[at:])
    if found is None:
        return "", at + 1
    end = at + len(found.group(0))
    name = found.group(1)
    if name is None:  # \, \; \  \| \{ \}
        return {"|": "‖", "{": "{", "}": "}", "\\": " ", "%": "%"}.get(found.group(2), " "), end
    if name == "frac" or name in ("dfrac", "tfrac"):
        top, end = _group(latex, end)
        bottom, end = _group(latex, end)
        result = f"{_wrap(_convert(top, 0)[0])}/{_wrap(_convert(bottom, 0)[0])}"
        glued = "".join(before)[-1:].isalnum()  # "log\frac{a}{b}" reads as "log(a/b)"
        return (f"({result})" if glued else result), end
    if name == "sqrt":
        if latex[end : end + 1] == "[":
            close = latex.find("]", end)
            end = close + 1 if close > 0 else end
        arg, end = _group(latex, end)
        inside = _convert(arg, 0)[0]
        return "√" + (inside if len(inside) == 1 else f"({inside})"), end
    if name in _OPERATOR_WORDS:
        return f" {name} ", end
    spec = _MACROS.get_macro_spec(name)
    argspec = getattr(getattr(spec, "args_parser", None), "argspec", "") if spec else ""
    args = []
    for kind in argspec.replace("[", ""):
        if kind == "{":
            raw, end = _group(latex, end)
            args.append("{" + _convert(raw, 0)[0] + "}")
    text = _TEXT.latex_to_text(f"\\{name}" + "".join(args)) if spec or not args else ""
    if not text.strip() and not args:
        text = name if name.isalpha() and len(name) > 1 else ""
    if name in ("sum", "prod", "int") and latex[end : end + 1] not in "_^":
        text += " "
    return text, end


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """``text`` as Unicode sub/superscript when every character has one, else ``_x``/``^(xy)``."""
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    if re.fullmatch(r"[A-Za-z0-9]+|\([^()]*\)", text):
        return f"{mark}{text}"
    return f"{mark}({text})"


def _wrap(text: str) -> str:
    """``text`` in brackets unless it is one term (``x``, ``P(x)``, ``d_k``)."""
    text = text.strip()
    top_level = re.sub(r"\([^()]*\)", "", text)  # operators inside brackets don't matter
    operators = r"[\s+\-=/·\u00d7<>≤≥∑∏∫]"  # \u00d7: the multiplication sign
    return f"({text})" if re.search(operators, top_level) else text
