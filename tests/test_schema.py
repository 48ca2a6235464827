"""The priors file's structure is declared once, as the JSON Schema `simulate schema` prints;
the reader validates with it, and an independent validator (jsonschema) agrees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

import pytest
from jsonschema import Draft7Validator

import simulate
from simulate.spec import schema
from tests.conftest import PRIORS, ROOT

SHIPPED = sorted(p for p in PRIORS.rglob("*.toml"))

# (document, the dotted key named, words the message says): each breaks the schema itself
BROKEN = [
    ({"scenario": {}, "outputs": {}}, "outputs", "unknown table"),
    ({"scenario": {"modles": ["training"]}}, "scenario.modles", "unknown key"),
    ({"scenario": {"models": ["trainig"]}}, "scenario.models", "unknown model 'trainig'"),
    ({"scenario": {"name": "a name"}}, "scenario.name", "usable as a file name"),
    ({"scenario": {"format": 2}}, "scenario.format", "reads format 1"),
    ({"scenario": {}, "assumptions": {"x": {"lognormall": [1, 2]}}}, "assumptions.x.lognormall",
     "a distribution is one of"),
    ({"scenario": {}, "assumptions": {"x": {"normal": [1, 2], "beta": [0.1, 0.2]}}},
     "assumptions.x", "exactly one distribution key (got normal, beta)"),
    ({"scenario": {}, "assumptions": {"x": {"unit": "USD"}}}, "assumptions.x",
     "exactly one distribution key (got none)"),
    ({"scenario": {}, "assumptions": {"x": {"beta": [0.3]}}}, "assumptions.x.beta",
     "expected beta = a 90 % interval [lo, hi]"),
    ({"scenario": {}, "assumptions": {"x": {"pert": [1, "2", 3]}}}, "assumptions.x.pert",
     "expected a number in pert"),
    ({"scenario": {}, "assumptions": {"x": {"fixed": 1, "point": "1"}}}, "assumptions.x.point",
     "expected a finite number"),
    ({"scenario": {}, "assumptions": {"X": 1}}, "assumptions.X", "lower-case letters"),
    ({"scenario": {}, "assumptions": {"x": "1"}}, "assumptions.x", "expected a number or a table"),
    ({"scenario": {}, "derived": {"y": {"unit": "1"}}}, "derived.y", "an expression string"),
    ({"scenario": {}, "derived": {"y": {"expr": "1", "units": "1"}}}, "derived.y.units",
     "unknown key"),
    ({"scenario": {}, "joint": {"j": {"names": ["a"], "rows": "t.csv"}}}, "joint.j.rows",
     "unknown key"),
]  # fmt: skip


def test_simulate_schema_prints_a_valid_draft_7_schema(invoke):
    result = invoke("schema")
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    Draft7Validator.check_schema(printed)
    assert printed == json.loads(json.dumps(schema.schema()))
    families = printed["properties"]["assumptions"]["additionalProperties"]["then"]["allOf"][0]
    assert set(simulate.MODELS) == set(
        printed["properties"]["scenario"]["properties"]["models"]["items"]["enum"]
    )
    assert {"lognormal", "beta", "pert", "choice"} <= set(families["properties"])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(PRIORS)))
def test_every_shipped_priors_file_follows_the_schema(path):
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    assert list(Draft7Validator(schema.schema()).iter_errors(document)) == []
    schema.validate(document, str(path))  # and the reader's compiled validator agrees


@pytest.mark.parametrize(("document", "key", "words"), BROKEN)
def test_the_schema_refuses_a_broken_file_naming_the_key(document, key, words):
    """The rule lives in the schema (jsonschema refuses the file too), and the reader's
    message names the file, the dotted key and what was expected."""
    assert not Draft7Validator(schema.schema()).is_valid(document)
    with pytest.raises(simulate.PriorsError) as caught:
        schema.validate(document, "f.toml")
    assert caught.value.key == key
    assert words in str(caught.value) and str(caught.value).startswith("f.toml: ")


def test_loading_a_file_goes_through_the_schema(priors_file):
    path = priors_file("[scenario]\nmodels = ['training']\n[assumptions]\nparams = { fixd = 1 }\n")
    with pytest.raises(simulate.PriorsError) as caught:
        simulate.load(path)
    assert caught.value.key == "assumptions.params.fixd"
    included = priors_file("[assumptions]\nx = { pert = [1, 2] }\n", "shared.toml")
    main = priors_file(f"[scenario]\ninclude = ['{included.name}']\n", "main.toml")
    with pytest.raises(simulate.PriorsError) as caught:
        simulate.load(main)
    assert caught.value.file == str(included) and caught.value.key == "assumptions.x.pert"


def test_the_compiled_validator_is_cached_and_optional(tmp_path):
    """The generated validator is written once to the cache folder and reused; a cache that
    cannot be written costs time, not correctness."""
    code = (
        "import simulate; from simulate.spec import schema\n"
        "try:\n    schema.validate({'scenario': {'x': 1}}, 'f.toml')\n"
        "except simulate.PriorsError as e:\n    print(e.key)\n"
    )
    cache = tmp_path / "cache"
    for folder in (cache, cache, tmp_path / "file-not-folder" / "x"):
        env = {**os.environ, "SIMULATE_CACHE_DIR": str(folder)}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT
        )
        assert done.stdout.strip() == "scenario.x", done.stderr
        (tmp_path / "file-not-folder").write_text("a file where the cache folder would be")
    assert len(list((cache / "llm-econ-simulate" / "schema").glob("priors-*.code"))) == 1
