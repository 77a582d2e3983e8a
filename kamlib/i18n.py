"""The languages of the reports: gettext catalogs managed with Babel.

Every text a reader sees is written in English in the code, the templates and the notebooks,
marked for translation, and looked up in the reader's language here:

* in Python, ``_, n_ = translator(language)`` and then ``_("Revenue")`` or
  ``n_("{n} complaint", "{n} complaints", n).format(n=n)``; a text defined before its language
  is known (a label in a table of constants) is marked with :func:`N_` and translated where it
  is shown;
* in Jinja templates, ``{{ _("...") }}`` and ``{% trans %}`` (Jinja's i18n extension, with the
  translations of the page's language installed by :func:`jinja_env`);
* in the notebooks, the markdown cells: each paragraph is a message (:func:`extract_notebook`
  is the Babel extractor for them), translated when the report is rendered.

The catalogs are ``kamlib/locale/<language>/LC_MESSAGES/kam.po`` (edited), compiled to
``kam.mo`` by ``make i18n`` (``pybabel extract / update / compile``); the glossary beside them
(``kamlib/locale/GLOSSARY.md``) fixes one German term per concept. English is the source
language and needs no catalog. A new language is one new ``.po`` file: a catalog without its
``.mo`` is compiled when it is first used, and more catalog folders can be added with the
environment variable ``KAM_LOCALE_PATH``.
"""

from __future__ import annotations

import gettext
import importlib.resources
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

__all__ = [
    "DOMAIN",
    "N_",
    "SOURCE",
    "babel_locale",
    "catalog_dirs",
    "HEADING",
    "extract_notebook",
    "heading",
    "jinja_env",
    "languages",
    "translate_markdown",
    "translation",
    "translator",
]

DOMAIN = "kam"
#: the language the texts are written in
SOURCE = "en"
#: the Babel locale of each language kam's number and date formats follow
_LOCALES = {"en": "en_GB", "de": "de_DE"}


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; translate it where it is shown."""
    return message


def catalog_dirs() -> list[Path]:
    """The folders holding ``<language>/LC_MESSAGES/kam.po``: kam's own, then
    ``KAM_LOCALE_PATH`` (separated by the system's path separator)."""
    own = Path(str(importlib.resources.files("kamlib") / "locale"))
    extra = [Path(p) for p in os.environ.get("KAM_LOCALE_PATH", "").split(os.pathsep) if p]
    return [own, *extra]


def languages() -> list[str]:
    """Every language a report can be written in: English and each language with a catalog."""
    found = {SOURCE}
    for folder in catalog_dirs():
        for po in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
            found.add(po.parent.parent.name)
    return sorted(found)


def babel_locale(language: str) -> str:
    """The Babel locale whose number and date formats a language uses."""
    if language in _LOCALES:
        return _LOCALES[language]
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(language))
    except (ValueError, LookupError, UnknownLocaleError):
        return _LOCALES[SOURCE]  # a language Babel does not know (a pseudo-locale): English


def _compiled(po: Path) -> gettext.GNUTranslations:
    """The catalog ``po``, from its ``.mo`` when that is up to date, else compiled in memory."""
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        with open(mo, "rb") as fh:
            return gettext.GNUTranslations(fh)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@lru_cache(maxsize=16)
def translation(language: str) -> gettext.NullTranslations:
    """The translations of ``language`` (English: the texts as written).

    Raises
    ------
    ValueError
        For a language without a catalog.
    """
    if language == SOURCE:
        return gettext.NullTranslations()
    for folder in catalog_dirs():
        po = folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.is_file():
            return _compiled(po)
    raise ValueError(f"no catalog for the language {language!r}; there are {languages()}")


def translator(language: str) -> tuple[Callable[[str], str], Callable[[str, str, int], str]]:
    """``gettext`` and ``ngettext`` of ``language``, to be bound as ``_, n_``."""
    t = translation(language)
    return t.gettext, t.ngettext


@lru_cache(maxsize=32)
def jinja_env(folder: str, language: str):
    """A Jinja environment for the templates in ``folder`` with the translations of
    ``language`` installed (``_`` and ``{% trans %}``), autoescaping HTML templates."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translation(language), newstyle=True)
    return env


#: the message context of the notebooks' headings: a section's name ("Revenue") is a different
#: word in a heading than in a table's column, so headings are translated in this context
HEADING = "heading"


def heading(text: str, language: str) -> str:
    """A heading of the report (a section's name) in ``language``."""
    return translation(language).pgettext(HEADING, text)


_PARAGRAPHS = re.compile(r"\n\s*\n")
_HEADING = re.compile(r"^(#{1,6})[ \t]+([^\n]+?)[ \t]*$")


def _paragraphs(markdown: str) -> list[str]:
    return [p.strip() for p in _PARAGRAPHS.split(markdown) if p.strip()]


def _message(paragraph: str) -> tuple[str, str]:
    """A paragraph's message and its markdown prefix: a heading ``## Revenue`` is the message
    ``Revenue`` (the section's name, without markdown) after the prefix ``## ``."""
    heading = _HEADING.match(paragraph)
    if heading:
        return heading.group(2), heading.group(1) + " "
    return paragraph, ""


def translate_markdown(markdown: str, language: str) -> str:
    """A markdown cell in ``language``: each paragraph (a heading, a block of text) is one
    message of the catalog; a heading's message is its text, in the context :data:`HEADING`."""
    if language == SOURCE:
        return markdown
    t = translation(language)
    out = []
    for paragraph in _paragraphs(markdown):
        message, prefix = _message(paragraph)
        out.append(prefix + (t.pgettext(HEADING, message) if prefix else t.gettext(message)))
    return "\n\n".join(out)


def extract_notebook(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extractor for the markdown cells of a notebook: every paragraph is a message.

    Registered in ``babel.cfg`` as ``[kamlib.i18n:extract_notebook: notebooks/*.ipynb]``.
    """
    nb = json.load(fileobj)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = "".join(cell.get("source", []))
        for paragraph in _paragraphs(source):
            message, prefix = _message(paragraph)
            if prefix:
                yield (1, "pgettext", (HEADING, message), ["a heading of the report (markdown)"])
            else:
                yield (1, None, message, ["a paragraph of the report (markdown)"])
