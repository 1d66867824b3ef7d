"""The course in two languages: English (the source) and Korean (``notebooks/ko/``).

Every sentence a helper shows a learner (exercise feedback, quiz claims, widget labels, chart titles, error
messages) is written in English and passed through ``tr``::

    from .i18n import tr
    print(tr("Loaded {name} in {seconds:.1f} s.", name=name, seconds=t))

``tr`` looks the English text up in the catalog of the lesson's language and fills in the fields with
``str.format``. The language is set once, by the lesson's set-up cell: ``utils.notebook.setup(language="ko")``
in the Korean edition (or ``OPEN_LLM_COURSE_LANGUAGE=ko`` in the environment).

The Korean catalog is one folder, ``utils/locale/ko/``: TOML files (one per lesson's helpers, plus
``common.toml``) whose keys are the English texts and whose values are the Korean ones. English text that comes
from the course's data files (a quiz claim, a decision-guide answer) is translated through the same catalog;
``DATA_TEXT`` lists which columns of which files, and ``tr_data(cell)`` looks such a cell up.
``tests/test_editions.py`` fails when a ``tr("...")`` in
``utils/`` or a listed data cell has no Korean entry, when an entry's ``{fields}`` differ from the English, and
when an entry is no longer used.
"""
from __future__ import annotations

import functools
import os
import tomllib
from pathlib import Path

LANGUAGES = ("en", "ko")
"""English is the source; every other language has a catalog in ``utils/locale/<language>/``."""

LOCALE = Path(__file__).resolve().parent / "locale"

DATA_TEXT: dict[str, tuple[str, ...]] = {}
"""Columns of files in assets/ whose text a helper shows in sentences, translated through the catalog:
``{"myths_claims.csv": ("claim", "explanation")}``. Each helper module registers its own with ``data_text``."""

_language = os.environ.get("OPEN_LLM_COURSE_LANGUAGE", "en")


def data_text(file: str, *columns: str) -> None:
    """Declare that ``columns`` of ``assets/<file>`` are shown translated (``tr(row[column])``)."""
    DATA_TEXT[file] = tuple(dict.fromkeys([*DATA_TEXT.get(file, ()), *columns]))


def set_language(language: str) -> None:
    """Show the helpers' sentences in ``language`` ("en" or "ko") from now on."""
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"No such course language: {language!r}. Choose one of {', '.join(LANGUAGES)}.")
    _language = language


def get_language() -> str:
    """The language the helpers speak now: "en" unless a set-up cell or OPEN_LLM_COURSE_LANGUAGE chose another."""
    return _language if _language in LANGUAGES else "en"


@functools.cache
def catalog(language: str) -> dict[str, str]:
    """English text -> translation, from every TOML file in ``utils/locale/<language>/``."""
    entries: dict[str, str] = {}
    for path in sorted((LOCALE / language).glob("*.toml")):
        with path.open("rb") as handle:
            entries.update(tomllib.load(handle))
    return entries


def tr_data(text: str) -> str:
    """A cell of a data column registered with ``data_text``, in the lesson's language (no fields are filled in).

    The same lookup as ``tr``; a separate name because its argument is data, not a literal the tests can read.
    """
    language = get_language()
    return text if language == "en" else catalog(language).get(text, text)


def tr(text: str, /, **fields) -> str:
    """``text`` in the lesson's language, with ``{fields}`` filled in (English when no translation exists)."""
    text = tr_data(text)
    return text.format(**fields) if fields else text
