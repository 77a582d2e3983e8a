"""The blocks of a report: formatted tables and paragraphs, every untrusted text escaped."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib import blocks


def test_table_escapes_untrusted_text():
    df = pd.DataFrame({"name": ['<script>alert("x")</script> & Co'], "revenue": [1234.6]})
    html = blocks.table(df, {"revenue": "money_exact"}, caption="<b>caption</b>")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; Co" in html
    assert "&lt;b&gt;caption" in html
    assert "1,235" in html


def test_table_rejects_unknown_format_and_cuts_long_tables():
    with pytest.raises(ValueError, match="unknown formats"):
        blocks.table(pd.DataFrame({"a": [1]}), {"a": "euro"})
    html = blocks.table(pd.DataFrame({"a": range(60)}), max_rows=50)
    assert "Showing 50 of 60 rows" in html


def test_paragraph_and_findings_escape():
    assert blocks.paragraph("a < b", "missing") == '<p class="kam-missing">a &lt; b</p>'
    assert "&lt;i&gt;" in blocks.findings(["<i>x</i>"])
    assert blocks.findings([]) == ""
    with pytest.raises(ValueError, match="'kind'"):
        blocks.paragraph("x", "loud")


def test_table_headers_and_empty_tables():
    assert "<th>Account ID</th>" in blocks.table(pd.DataFrame({"account_id": ["a"]}))
    assert blocks.table(None, empty="No rows.") == '<p class="kam-missing">No rows.</p>'
    assert blocks.paragraphs([], "Nothing here.") == '<p class="kam-missing">Nothing here.</p>'
    assert blocks.paragraphs(["a", "", "b"], "x").count("<p") == 2
