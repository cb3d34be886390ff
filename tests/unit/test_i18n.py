"""The explorer's words: one table per language (web/static/i18n/*.json), the same keys in each, every key
the page and its scripts ask for present, and no visible English left in the page outside the tables."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "src" / "scratchnet" / "web" / "static"
LANGUAGES = ("en", "zh")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CJK = re.compile(r"[\u4e00-\u9fff]")
HTML_KEY = re.compile(r'data-i18n(?:-html|-aria-label|-title)?="([^"]+)"')
SCRIPT_KEY = re.compile(r"""["']([a-z]+(?:\.[a-z0-9_-]+)+)["']""")  # every "namespace.name" literal in the scripts
SCRIPT_KEY_PREFIX = re.compile(r"\bt\(\s*`([\w.-]+)\$\{")


def table(language: str) -> dict[str, str]:
    return json.loads((STATIC / "i18n" / f"{language}.json").read_text(encoding="utf-8"))


def scripts() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(STATIC.glob("*.js")))


def test_every_language_has_the_same_keys():
    english = set(table("en"))
    for language in LANGUAGES[1:]:
        other = set(table(language))
        assert not english - other, f"missing in {language}.json: {sorted(english - other)}"
        assert not other - english, f"missing in en.json: {sorted(other - english)}"


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_translations_keep_every_placeholder(language: str):
    english, other = table("en"), table(language)
    for key, text in english.items():
        assert set(PLACEHOLDER.findall(other[key])) == set(PLACEHOLDER.findall(text)), key


def test_chinese_strings_are_chinese():
    # Only a single word may stay as it is (a function's name: sigmoid, tanh, ReLU); everything else is translated.
    english, chinese = table("en"), table("zh")
    for key, text in chinese.items():
        if english[key].strip(" .") and " " in english[key].strip():
            assert CJK.search(text), f"{key}: {text!r} is not Chinese"


def test_every_key_the_page_asks_for_is_in_every_table():
    namespaces = {key.split(".")[0] for key in table("en")}
    in_scripts = {key for key in SCRIPT_KEY.findall(scripts()) if key.split(".")[0] in namespaces}
    wanted = set(HTML_KEY.findall((STATIC / "index.html").read_text(encoding="utf-8"))) | in_scripts
    assert len(wanted) > 50  # the page and its scripts really were read
    for language in LANGUAGES:
        assert not wanted - set(table(language)), f"{language}.json lacks {sorted(wanted - set(table(language)))}"
    for prefix in SCRIPT_KEY_PREFIX.findall(scripts()):  # t(`train.state.${name}`): some key must start so
        assert any(key.startswith(prefix) for key in table("en")), prefix


class _VisibleText(HTMLParser):
    """Collect the text of index.html that no data-i18n attribute (or a lang of its own) accounts for."""

    VOID = {"meta", "link", "img", "input", "br", "hr", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.loose: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        covered = bool(names & {"data-i18n", "data-i18n-html", "lang"}) and tag != "html"
        if tag not in self.VOID:
            self.stack.append(covered or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        inside_covered = bool(self.stack) and self.stack[-1]
        if not inside_covered and re.search(r"[A-Za-z]{3,}", data) and data.strip() != "scratchnet":
            self.loose.append(data.strip())


def test_the_page_has_no_words_outside_the_tables():
    parser = _VisibleText()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    assert parser.loose == []
    assert re.search(r'\s(?:aria-label|title)="', (STATIC / "index.html").read_text(encoding="utf-8")) is None
