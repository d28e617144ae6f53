"""YAML read as the API server reads it: no repeated keys, bounded work, exact positions.

Kubernetes decodes manifests strictly: ``kubectl apply`` (field validation
Strict, the default since 1.27) and the API server reject a repeated field
("mapping key already defined"), where PyYAML keeps the last value.  See
https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
"""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.errors import ManifestError
from netverify.loader import load_cluster, load_text

DENY_ALL_THEN_ALLOW = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {}
  podSelector: {matchLabels: {app: nothing}}
  policyTypes: [Ingress]
"""


def err(text: str, label: str = "m.yaml") -> str:
    with pytest.raises(ManifestError) as e:
        load_text(text, label)
    return str(e.value)


def test_repeated_key_is_an_error_naming_both_positions():
    # Last-one-wins would turn this deny-all (for every pod) into a policy selecting nothing.
    msg = err(DENY_ALL_THEN_ALLOW)
    assert msg.startswith("m.yaml:6:3: document 1: duplicate key 'podSelector' "
                          "(also at line 5, column 3)"), msg


def test_repeated_key_in_json_and_in_flow_style():
    msg = err('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "name": "b"}}')
    assert "m.yaml:1:" in msg and "duplicate key 'name'" in msg
    assert "duplicate key 'app'" in err(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {app: x, app: y}}\n")


def test_repeated_key_on_stdin_through_the_cli():
    r = CliRunner().invoke(main, ["audit", "-f", "-"], input=DENY_ALL_THEN_ALLOW)
    assert r.exit_code == 2
    assert "<stdin>:6:3: document 1: duplicate key 'podSelector'" in r.stderr


def test_merge_keys_merge_but_an_explicit_repeat_is_still_an_error():
    base = """apiVersion: v1
kind: Pod
metadata:
  name: a
  namespace: shop
  labels:
    <<: [{app: base, tier: web}, {app: second, team: t}]
    tier: own
"""
    pod = load_text(base).pods[0]
    # YAML 1.1 merge: explicit keys win, then the earlier merged mapping.
    assert pod.labels == {"app": "base", "tier": "own", "team": "t"}
    assert "duplicate key 'tier' (also at line 8, column 5)" in err(base + "    tier: again\n")


def test_a_mapping_as_a_key_is_an_error():
    assert "m.yaml:3:12: document 1: a mapping key is a mapping" in err(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{a: 1}: x, name: a}\n")


def test_nesting_is_bounded_with_the_position():
    from netverify.loader import yamldata

    deep = "[" * 300 + "]" * 300
    msg = err(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata: {deep}\n")
    assert msg.startswith(f"m.yaml:4:{6 + yamldata.MAX_DEPTH}: document 1: nested deeper "
                          f"than {yamldata.MAX_DEPTH} levels (limit)"), msg


def test_recursive_alias_is_an_error():
    assert "an alias refers to a node that contains it" in err(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: &d {x: *d}\n")


def test_alias_expansion_is_bounded(monkeypatch):
    from netverify.loader import yamldata

    monkeypatch.setattr(yamldata, "MAX_ALIAS_NODES", 1000)
    cluster = load_text("""apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: shop, labels: &l {app: web}}}
  - {apiVersion: v1, kind: Pod, metadata: {name: b, namespace: shop, labels: *l}}
""")
    assert [p.labels for p in cluster.pods] == [{"app": "web"}, {"app": "web"}]
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: c}", "data:",
             "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 6)]
    msg = err("\n".join(lines) + "\n")
    assert "aliases expand to more than 1,000 nodes (limit" in msg
    assert re.match(r"m\.yaml:\d+:\d+: document 1: ", msg), msg


def test_control_character_is_reported_by_line_and_column():
    msg = err("apiVersion: v1\nkind: Namespace\nmetadata: {name: \u00e9\x07}\n")
    # Column counts characters, not the two bytes of "é" libyaml reports offsets in.
    assert msg.startswith("m.yaml:3:19: character U+0007 is not allowed in YAML"), msg
    assert "position" not in msg


def test_non_utf8_bytes_name_line_and_column(tmp_path):
    f = tmp_path / "m.yaml"
    f.write_bytes(b"apiVersion: v1\nkind: Namespace\nmetadata: {name: caf\xe9}\n")
    with pytest.raises(ManifestError) as e:
        load_cluster([str(f)])
    assert str(e.value) == f"{f}:3:21: not UTF-8 text (byte 0xe9: invalid continuation byte)"


def test_utf16_file_is_named_as_such(tmp_path):
    f = tmp_path / "m.yaml"
    f.write_bytes("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n".encode("utf-16"))
    with pytest.raises(ManifestError) as e:
        load_cluster([str(f)])
    assert "UTF-16 text, not UTF-8" in str(e.value)


def test_stdin_bytes_are_decoded_by_netverify():
    stream = io.TextIOWrapper(io.BytesIO(b"apiVersion: v1\nkind: Namespace\n"
                                         b"metadata: {name: \xff}\n"), encoding="utf-8")
    with pytest.raises(ManifestError) as e:
        load_cluster(["-"], stdin=stream)
    assert str(e.value).startswith("<stdin>:3:18: not UTF-8 text (byte 0xff")


def test_syntax_error_after_a_document_names_the_next_document():
    msg = err("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n"
              "apiVersion: v1\nkind: Namespace\nmetadata: {name: [b}\n")
    assert re.match(r"m\.yaml:7:\d+: document 2: malformed YAML", msg), msg


def test_plain_value_that_only_looks_like_a_date_is_a_string():
    # PyYAML's resolver calls 2024-13-01 a timestamp and then fails on month 13; go-yaml,
    # which Kubernetes reads YAML with, keeps it as the string it is.
    pod = load_text("apiVersion: v1\nkind: Pod\n"
                    "metadata: {name: a, namespace: shop, labels: {build: 2024-13-01}}\n").pods[0]
    assert pod.labels == {"build": "2024-13-01"}
    assert err("apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {n: !!int x1}}\n"
               ).startswith("m.yaml:3:33: document 1: 'x1' is not a valid int (explicit tag")
