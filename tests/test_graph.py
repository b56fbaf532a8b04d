"""Graphs: deterministic DOT text (compared to a golden file), escaping, and real SVG from Graphviz."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, UPDATE_GOLDEN
from lineagekb.validate import validate
from lineagekb.website.graph import family_dot, quote, render_svg

GOLDEN = Path(__file__).parent / "cases" / "graph" / "mini-family.dot"


def test_family_dot_matches_golden() -> None:
    knowledge, problems = validate(FIXTURES / "mini")
    assert problems == []
    text = family_dot(knowledge, "../")
    if UPDATE_GOLDEN:
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    assert family_dot(knowledge, "../") == text


def test_quote_cannot_break_out_of_a_dot_string() -> None:
    assert quote('a"; evil [label="x') == '"a\\"; evil [label=\\"x"'
    assert quote("back\\slash\\N") == '"back\\\\slash\\\\N"'


def test_render_svg_is_real_svg_with_links() -> None:
    knowledge, _ = validate(FIXTURES / "mini")
    svg = render_svg(family_dot(knowledge, "../"))
    assert svg.startswith("<svg")
    assert 'xlink:href="../releases/base/"' in svg
    assert "Tuned model" in svg
