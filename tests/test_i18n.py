"""The languages of the reports: the catalogs are complete and current, every visible text is a
message, a German report is German and an English one English."""

from __future__ import annotations

import gettext
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from babel.dates import get_month_names
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from kamlib import format as fmt
from kamlib import i18n
from kamlib.params import ParamsError, load_params
from tests.conftest import ROOT
from tests.report_text import visible_texts

LOCALE = ROOT / "kamlib" / "locale"
POT = LOCALE / "kam.pot"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/kam.po"))
#: the placeholders of a message: {name} (str.format) and %(name)s (Jinja's gettext)
PLACEHOLDER = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)[sd]")
OPEN, CLOSE = "⟦", "⟧"


def _read(path: Path) -> Catalog:
    with open(path, "rb") as fh:
        return read_po(fh)


def _forms(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


# --- the catalogs ---------------------------------------------------------------------------


def test_german_is_a_language_with_a_catalog():
    assert "de" in [p.parent.parent.name for p in CATALOGS]
    assert {"de", "en"} <= set(i18n.languages())


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated_and_none_is_fuzzy(po):
    catalog = _read(po)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 400  # the whole report, not a handful
    untranslated = [m.id for m in messages if not all(_strings(m))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_placeholders_survive_translation(po):
    wrong = []
    for m in _read(po):
        if not m.id:
            continue
        expected = sorted(set(PLACEHOLDER.findall(_forms(m)[-1])))
        for string in _strings(m):
            if sorted(set(PLACEHOLDER.findall(string))) != expected:
                wrong.append((m.id, string))
    assert wrong == []


def test_placeholder_check_catches_a_lost_placeholder():
    # the check above, on a message whose translation dropped {amount}
    source, translated = "Lost {amount} against the list.", "Gegenüber der Liste verloren."
    assert PLACEHOLDER.findall(source) == ["{amount}"]
    assert PLACEHOLDER.findall(translated) == []


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_compiled_catalog_is_the_catalog(po):
    """The shipped .mo (what a fresh install reads) says what the .po says."""
    buffer = io.BytesIO()
    write_mo(buffer, _read(po))
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    with open(po.with_suffix(".mo"), "rb") as fh:
        shipped = gettext.GNUTranslations(fh)
    assert shipped._catalog == fresh._catalog


def test_template_and_catalogs_hold_every_message_of_the_sources(tmp_path):
    """``make i18n`` was run after the last change of a text: extracting again finds the
    messages of the committed template, and each catalog has exactly those."""
    fresh = tmp_path / "kam.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "n_:1,2",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )

    def keys(catalog: Catalog) -> set:
        return {(m.context, m.id) for m in catalog if m.id}

    extracted = keys(_read(fresh))
    assert keys(_read(POT)) == extracted
    for po in CATALOGS:
        assert keys(_read(po)) == extracted, po


def test_headings_have_their_own_context():
    """A section's name and a table column of the same English word differ in German."""
    assert i18n.heading("Revenue", "de") == "Umsatzentwicklung"
    assert fmt.header("revenue", "de") == "Umsatz"
    markdown = "## Revenue\n\nThe account's monthly net revenue."
    assert i18n.translate_markdown(markdown, "en") == markdown
    assert i18n.translate_markdown("## Revenue", "de") == "## Umsatzentwicklung"


def test_coded_values_of_the_contract_are_translated_and_others_kept():
    assert fmt.term("call", "de") == "Anruf"
    assert fmt.term("decision maker", "de") == "Entscheider"
    assert fmt.term("not stated", "de") == "keine Angabe"
    assert fmt.term("Telefonat", "de") == "Telefonat"  # the user's own word, as written
    assert fmt.term(None, "de") == fmt.DASH
    assert fmt.default_kind(pd.Series(["call"], name="channel")) == "term"


def test_an_unknown_language_is_refused_with_the_known_ones(tmp_path):
    (tmp_path / "defaults.yaml").write_text("language: fr\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_params(tmp_path)
    assert "'fr'" in str(err.value) and "de" in str(err.value) and "en" in str(err.value)


def test_a_new_catalog_file_is_a_new_language(tmp_path, monkeypatch):
    """Adding a language needs a .po and nothing else: no .mo, no code."""
    folder = tmp_path / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(domain="kam")
    catalog.add("Revenue", "Ŕéveñüé")
    with open(folder / "kam.po", "wb") as fh:
        write_po(fh, catalog)
    monkeypatch.setenv("KAM_LOCALE_PATH", str(tmp_path))
    i18n.translation.cache_clear()
    try:
        assert "xx" in i18n.languages()
        assert i18n.translator("xx")[0]("Revenue") == "Ŕéveñüé"
        (tmp_path / "defaults.yaml").write_text("language: xx\n", encoding="utf-8")
        assert load_params(tmp_path).language == "xx"
    finally:
        i18n.translation.cache_clear()


# --- the reports ----------------------------------------------------------------------------


def _pseudo_catalog(folder: Path) -> None:
    """The pseudo-language ``xx``: every message of the template wrapped in ⟦ ⟧."""
    template = _read(POT)
    catalog = Catalog(domain="kam")
    for m in template:
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            string = tuple(f"{OPEN}{form}{CLOSE}" for form in m.id)
        else:
            string = f"{OPEN}{m.id}{CLOSE}"
        catalog.add(m.id, string, context=m.context, flags=m.flags)
    target = folder / "xx" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "kam.po", "wb") as fh:
        write_po(fh, catalog)


def _data_strings(data: Path) -> list[str]:
    """Every text of the dataset (names, products, comments, ids): shown as written."""
    found = set()
    for csv in data.glob("*.csv"):
        table = pd.read_csv(csv, dtype=str)
        for column in table.columns:
            found.update(v for v in table[column].dropna() if len(v) > 1)
    return sorted(found, key=len, reverse=True)


def _without_data(texts: list[str], data: list[str]) -> str:
    text = "\n".join(texts)
    for value in data:
        text = text.replace(value, " ")
    return text


def _outside_messages(text: str) -> str:
    """What remains of ``text`` when every (nested) ⟦message⟧ is removed."""
    innermost = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
    while True:
        shorter = innermost.sub(" ", text)
        if shorter == text:
            return text
        text = shorter


#: words a report shows that are neither a message nor data: Babel's month names of the
#: fallback locale, the currency, the program's name and the file name kpis.csv
_FORMATS = {"EUR", "kam", "kpis", "csv"} | {
    name
    for width in ("abbreviated", "wide")
    for context in ("format", "stand-alone")
    for name in get_month_names(width, context, "en_GB").values()
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The demo reports of one German and one English account and the portfolio, once in the
    pseudo-language ``xx`` and once with German as the run's language."""
    from kamlib import run as runner
    from kamlib.demo import write_demo

    base = tmp_path_factory.mktemp("i18n")
    write_demo(base / "data")
    _pseudo_catalog(base / "locale")
    pseudo, german = base / "params-xx", base / "params-de"
    shutil.copytree(ROOT / "params", german)
    (german / "defaults.yaml").write_text(
        re.sub(
            r"(?m)^language: en\b",
            "language: de",
            (ROOT / "params" / "defaults.yaml").read_text(encoding="utf-8"),
        ),
        encoding="utf-8",
    )
    (german / "KA-006.yaml").write_text(yaml.safe_dump({"language": "en"}), encoding="utf-8")
    pseudo.mkdir()
    (pseudo / "defaults.yaml").write_text("language: xx\n", encoding="utf-8")
    accounts = ["KA-001", "KA-006"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KAM_LOCALE_PATH", str(base / "locale"))
        i18n.translation.cache_clear()
        try:
            for name, params in (("xx", pseudo), ("de", german)):
                result = runner.run(
                    base / "data", base / name, params, account_ids=accounts, jobs=2
                )
                assert result.exit_code == 0, [r.error for r in result.failed + result.partial]
        finally:
            i18n.translation.cache_clear()
    return base


@pytest.mark.parametrize("page", ["KA-001.html", "KA-006.html", "portfolio.html", "index.html"])
def test_every_visible_text_of_a_pseudo_language_report_is_a_message(rendered, page):
    """Every message wrapped in ⟦ ⟧: a text a reader sees outside the brackets is written in
    the code, not looked up in the catalog, and would stay English in every language."""
    texts = visible_texts((rendered / "xx" / page).read_text(encoding="utf-8"))
    left = _outside_messages(_without_data(texts, _data_strings(rendered / "data")))
    words = sorted(set(re.findall(r"[^\W\d_]{2,}", left)) - _FORMATS)
    assert words == [], f"{page} shows text outside the catalog: {words}"
    assert sum(t.count(OPEN) for t in texts) > 10  # the pseudo-language was used


def test_the_pseudo_language_check_finds_a_hard_coded_text():
    texts = [f"{OPEN}Revenue{CLOSE}", f"{OPEN}{OPEN}+5 %{CLOSE} vs previous window{CLOSE}"]
    assert _outside_messages("\n".join(texts)).split() == []
    assert re.findall(r"[^\W\d_]{2,}", _outside_messages(f"{OPEN}Revenue{CLOSE} of the year")) == [
        "of",
        "the",
        "year",
    ]


#: words that only the other language writes (function words and the report's own terms)
ENGLISH = {"the", "and", "of", "with", "than", "from", "months", "revenue", "account", "which"}
GERMAN = {"der", "die", "und", "mit", "für", "nicht", "monate", "umsatz", "kunde", "gegenüber"}


#: the English terms German key account managers use as they are (kamlib/locale/GLOSSARY.md)
LOANWORDS = ("Key Account", "Key-Account", "Share of Wallet", "Health Score", "Management Summary")


def _words(page: Path, data: list[str]) -> set[str]:
    text = _without_data(visible_texts(page.read_text(encoding="utf-8")), [*data, *LOANWORDS])
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text)}


@pytest.mark.parametrize("page", ["KA-001.html", "portfolio.html", "index.html"])
def test_a_german_report_has_no_english_sentence(rendered, page):
    html = (rendered / "de" / page).read_text(encoding="utf-8")
    assert '<html lang="de"' in html
    words = _words(rendered / "de" / page, _data_strings(rendered / "data"))
    assert words & ENGLISH == set()
    assert words & GERMAN  # it is German, not empty
    assert "Stichtag 31. Okt. 2026" in html


def test_an_english_report_has_no_german_sentence(rendered):
    html = (rendered / "de" / "KA-006.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in html
    words = _words(rendered / "de" / "KA-006.html", _data_strings(rendered / "data"))
    assert words & GERMAN == set()
    assert {"the", "and", "months"} <= words
    assert "Reporting date 31 Oct 2026" in html


def test_german_report_names_things_as_the_glossary_does(rendered):
    text = "\n".join(visible_texts((rendered / "de" / "KA-001.html").read_text(encoding="utf-8")))
    for term in ("Umsatzentwicklung", "Kundenzufriedenheit", "Liefertreue", "Zahlungsverhalten"):
        assert term in text
    for term in ("Zahlungsziel", "Kündigungstermin", "Reklamationen", "Share of Wallet"):
        assert term in text
    assert "Management Summary" in text and "Ampel" in text
    # German number formats from Babel: decimal comma, thousands dot, compact millions
    assert re.search(r"\d+,\d+\sMio\.\sEUR", text) and re.search(r"\d{1,3}\.\d{3} EUR", text)
