"""Parameters: defaults, per-account overrides, validation and scaffolding."""

from __future__ import annotations

from pathlib import Path

import pytest

from kamlib.errors import ParamsError
from kamlib.params import Params, load_params, merge, scaffold

REPO_PARAMS = Path(__file__).resolve().parents[1] / "params"


def test_repository_defaults_equal_the_built_in_defaults():
    # params/defaults.yaml documents the defaults: it must not drift from the model; only the
    # demo's sender and its key account managers' addresses are filled in
    repo, built_in = load_params(REPO_PARAMS), Params()
    assert repo.model_dump(exclude={"mail"}) == built_in.model_dump(exclude={"mail"})
    demo = {"sender", "owners"}
    assert repo.mail.model_dump(exclude=demo) == built_in.mail.model_dump(exclude=demo)
    assert repo.mail.sender and len(repo.mail.owners) == 5


def test_account_file_overrides_deeply(tmp_path):
    (tmp_path / "defaults.yaml").write_text("targets:\n  nps: 40\n")
    (tmp_path / "KA-1.yaml").write_text(
        "targets:\n  otif_rate: 0.9\nhealth:\n  weights:\n    nps: 0.5\n"
    )
    p = load_params(tmp_path, "KA-1")
    assert (p.targets.nps, p.targets.otif_rate) == (40, 0.9)
    assert p.health.weights["nps"] == 0.5 and p.health.weights["revenue_growth"] == 0.25
    # a missing account file means defaults
    assert load_params(tmp_path, "KA-2").targets.otif_rate == 0.95


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("targets:\n  otif_rate: 1.5\n", "targets.otif_rate"),
        ("health:\n  weights:\n    colour: 1\n", "unknown health weights"),
        ("language: fr\n", "language"),
        ("unknown_key: 1\n", "unknown_key"),
        ("targets: [1, 2\n", "not valid YAML"),
        ("- a list\n", "expected a mapping"),
        ("health:\n  green_from: 30\n  yellow_from: 50\n", "must not exceed"),
    ],
)
def test_invalid_parameters_name_file_and_key(tmp_path, text, expected):
    (tmp_path / "KA-1.yaml").write_text(text)
    with pytest.raises(ParamsError, match=expected) as info:
        load_params(tmp_path, "KA-1")
    assert "KA-1.yaml" in str(info.value)


def test_merge_replaces_non_mappings():
    assert merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": 3}, "d": [2]}) == {
        "a": {"b": 3, "c": 2},
        "d": [2],
    }


def test_scaffold_writes_missing_files_only(tmp_path):
    (tmp_path / "KA-1.yaml").write_text("targets:\n  nps: 10\n")
    written = scaffold(tmp_path, [("KA-1", "One"), ("KA-2", "Two\n& <Co>")])
    assert written == [tmp_path / "KA-2.yaml"]
    assert load_params(tmp_path, "KA-2") == Params()  # a scaffolded file changes nothing
    assert load_params(tmp_path, "KA-1").targets.nps == 10
