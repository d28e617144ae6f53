"""The JSON fast path (``loader/jsondata.py``) reads exactly what the YAML path reads.

Every fixture manifest and every manifest of the third-party corpus, written out as a
``kubectl get -o json`` List (indented as kubectl does, by two, and on one line) and
as single objects, must give the same objects (data, source location, line table)
through the fast path as through the YAML path, and the fast path must really be
taken.  Texts that YAML reads otherwise (repeated keys, exponents) or that are bad
must give the YAML path's answer and error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import netverify.loader.documents as documents
from netverify.errors import ManifestError
from netverify.loader import load_text
from netverify.loader.documents import LINE_KINDS, parse_text
from netverify.loader.jsondata import parse_json
from tests import strategies as S

ROOT = Path(__file__).parents[2]
CORPUS = ROOT.parent.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")


def _yaml_path(text: str, label: str, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as m:
        m.setattr(documents, "parse_json", lambda *a: None)
        return [(o.data, o.source, o.lines) for o in parse_text(text, label)]


def _fast_path(text: str, label: str, nested: bool = False) -> list[Any]:
    # A List inside the List goes the YAML way (by design); anything else must not.
    assert nested or parse_json(text, label, LINE_KINDS) is not None, "fast path not taken"
    return [(o.data, o.source, o.lines) for o in parse_text(text, label)]


def _manifest_files() -> Iterator[Path]:
    yield from sorted((ROOT / "fixtures").rglob("*.yaml"))
    if CORPUS.is_dir():
        yield from sorted(CORPUS.rglob("*.yaml"))


def _documents(path: Path) -> list[dict[str, Any]] | None:
    try:
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    docs = [d for d in docs if isinstance(d, dict) and "kind" in d]
    try:
        json.dumps(docs)
    except (TypeError, ValueError):
        return None  # dates and other values JSON cannot hold
    return docs or None


def _jsons(docs: list[dict[str, Any]]) -> Iterator[str]:
    listed = {"apiVersion": "v1", "kind": "List", "items": docs, "metadata": {}}
    yield json.dumps(listed, indent=4)  # kubectl get -o json
    yield json.dumps(listed, indent=2, sort_keys=True)
    yield json.dumps(listed)
    yield json.dumps(docs[0], indent=4)


def test_every_fixture_and_corpus_manifest_reads_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    files = 0
    for path in _manifest_files():
        docs = _documents(path)
        if docs is None:
            continue
        files += 1
        nested = any(str(d.get("kind", "")).endswith("List") for d in docs)
        for text in _jsons(docs):
            assert _fast_path(text, "x.json", nested) == _yaml_path(text, "x.json",
                                                                    monkeypatch), path
    assert files >= 20


@settings(max_examples=60, deadline=None)
@given(manifests=S.clusters())
def test_random_clusters_read_the_same(manifests: list[dict[str, Any]]) -> None:
    docs = S.flatten(manifests)
    with pytest.MonkeyPatch.context() as mp:
        for text in _jsons(docs):
            assert _fast_path(text, "r.json") == _yaml_path(text, "r.json", mp)


POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "p", "namespace": "a"},
          "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}}


def _listed(*items: Any) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": list(items)}, indent=4)


@pytest.mark.parametrize("text", [
    # a repeated key: a second podSelector would override the first
    _listed(POLICY).replace('"podSelector": {},', '"podSelector": {}, "podSelector": {},'),
    _listed(POLICY).replace('"port": 80', '"port": 8e1'),  # YAML 1.1: the string "8e1"
    _listed(POLICY).replace('"p"', '"p\\ud800"'),  # a lone surrogate
    _listed(POLICY).replace('"p"', '"p\x7f"'),  # DEL: JSON allows it, YAML does not
    _listed(POLICY).replace('"port": 80', '"port": NaN'),
    _listed(POLICY)[:-3],  # truncated
    '{"kind": "List", "items": [{"kind": "List", "items": []}]}',  # a List in a List
])
def test_texts_yaml_reads_otherwise_go_the_yaml_way(text: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_json(text, "x.json", LINE_KINDS) is None
    try:
        want: Any = _yaml_path(text, "x.json", monkeypatch)
    except ManifestError as e:
        want = str(e)
    try:
        got: Any = [(o.data, o.source, o.lines) for o in parse_text(text, "x.json")]
    except ManifestError as e:
        got = str(e)
    assert got == want


def test_a_bad_field_is_located_by_line_and_column_as_from_yaml(
        monkeypatch: pytest.MonkeyPatch) -> None:
    bad = json.loads(json.dumps(POLICY))
    bad["metadata"]["name"] = "q"
    bad["spec"]["ingress"][0]["ports"][0]["port"] = 70000
    text = _listed(POLICY, bad)
    with pytest.raises(ManifestError) as fast:
        load_text(text, "dump.json")
    with monkeypatch.context() as m:
        m.setattr(documents, "parse_json", lambda *a: None)
        with pytest.raises(ManifestError) as slow:
            load_text(text, "dump.json")
    assert str(fast.value) == str(slow.value)
    assert "dump.json:" in str(fast.value) and "70000" in str(fast.value)


_CHARS = "\t\n\r \x00\x01\x08\x0b\x0c\x0e\x1f\x7f\x80\x85\x9f\xa0\ud7ff\ue000\ufffd\ufffe" \
         "\U00010000aZ{}\":\\u0d8DdDaA9"


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list(_CHARS)), max_size=20))
def test_the_ascii_check_refuses_what_the_character_class_refuses(text):
    # YAML's reader refuses these characters anywhere (PyYAML's NON_PRINTABLE); the fast
    # check for ASCII texts must agree with the class on every text, ASCII or not.
    from netverify.loader.jsondata import _YAML_REFUSES, yaml_refuses

    assert yaml_refuses(text) == (_YAML_REFUSES.search(text) is not None)
    ascii_only = "".join(c for c in text if c.isascii())
    assert yaml_refuses(ascii_only) == (_YAML_REFUSES.search(ascii_only) is not None)


# --- line tables read a line at a time (json_line_tables) -----------------------------

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(value=st.dictionaries(st.text(max_size=6), _JSON_VALUES, max_size=5),
       indent=st.sampled_from([0, 1, 2, 4, "\t"]), ascii_only=st.booleans(),
       sort=st.booleans(), crlf=st.booleans())
def test_line_tables_by_lines_equal_the_tokenizers(value: dict[str, Any], indent: int | str,
                                                   ascii_only: bool, sort: bool,
                                                   crlf: bool) -> None:
    """Indented JSON (one value per line) is read a line at a time, to the same table.

    Keys and strings hold quotes, backslashes, colons, brackets and escapes (hypothesis
    text); the token loop is the reference. Compact JSON is left to the tokenizer.
    """
    from netverify.loader.json_line_tables import table_by_lines
    from netverify.loader.jsondata import _table_by_tokens

    text = "[\n" + json.dumps(value, indent=indent, ensure_ascii=ascii_only,
                              sort_keys=sort) + "\n]"
    if crlf:
        text = text.replace("\n", "\r\n")
    a, b = text.index("{"), text.rindex("}") + 1
    by_lines = table_by_lines(text, a, b, 2)
    assert by_lines is not None, "an indented object must be read by lines"
    assert by_lines == _table_by_tokens(text, a, b, 2)
    compact = json.dumps({"k": value, "l": [1, {}]})
    assert table_by_lines(compact, 0, len(compact), 1) is None
