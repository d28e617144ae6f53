"""Bad input: one clear message naming file, document, object and field; never a traceback."""

from __future__ import annotations

import pytest

from netverify.errors import ManifestError
from netverify.loader import load_text

NP_HEAD = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web, namespace: backend}
"""


def err(text: str) -> str:
    with pytest.raises(ManifestError) as e:
        load_text(text, "policies.yaml")
    return str(e.value)


def test_malformed_yaml_names_file_line_and_document():
    msg = err("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nmetadata: {name: [x\n")
    assert msg.startswith("policies.yaml:")
    assert "document 2" in msg and "malformed YAML" in msg


def test_document_that_is_not_a_mapping():
    msg = err("- just\n- a list\n")
    assert "document 1" in msg and "not a Kubernetes object" in msg


def test_unknown_api_version_for_known_kind():
    msg = err("apiVersion: networking.k8s.io/v2\nkind: NetworkPolicy\n"
              "metadata: {name: x, namespace: y}\nspec: {podSelector: {}}\n")
    assert "unknown apiVersion 'networking.k8s.io/v2' for NetworkPolicy" in msg
    assert "NetworkPolicy y/x" in msg


def test_bad_selector_operator():
    msg = err(NP_HEAD + """spec:
  podSelector:
    matchExpressions:
      - {key: app, operator: in, values: [web]}
""")
    assert "spec.podSelector.matchExpressions[0].operator" in msg
    assert "unknown operator 'in'" in msg
    assert "policies.yaml:7" in msg


def test_selector_values_must_fit_operator():
    assert "needs at least one value" in err(NP_HEAD + """spec:
  podSelector: {matchExpressions: [{key: app, operator: In}]}
""")
    assert "takes no values" in err(NP_HEAD + """spec:
  podSelector: {matchExpressions: [{key: app, operator: Exists, values: [x]}]}
""")


def test_port_out_of_range():
    msg = err(NP_HEAD + """spec:
  podSelector: {}
  ingress:
    - ports: [{port: 70000}]
""")
    assert "spec.ingress[0].ports[0].port: 70000 is out of range" in msg


def test_end_port_below_port_matches_the_documented_message():
    msg = err(NP_HEAD + """spec:
  podSelector: {}
  ingress:
    - ports:
        - {port: 80}
        - {port: 80, endPort: 70}
""")
    assert msg.endswith(
        "document 1 (NetworkPolicy backend/allow-web): "
        "spec.ingress[0].ports[1].endPort: 70 is below port 80")
    assert msg.startswith("policies.yaml:9:")


def test_end_port_needs_a_numeric_port():
    assert "endPort cannot be used with a named port" in err(NP_HEAD + """spec:
  podSelector: {}
  ingress: [{ports: [{port: http, endPort: 90}]}]
""")


def test_invalid_cidr_and_except_outside_cidr():
    assert "'10.0.0.300/8' is not a valid CIDR" in err(NP_HEAD + """spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.300/8}}]}]
""")
    msg = err(NP_HEAD + """spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]}]
""")
    assert "spec.ingress[0].from[0].ipBlock.except[0]" in msg
    assert "outside cidr 10.0.0.0/8" in msg


def test_except_equal_to_cidr_is_rejected_like_the_api_server():
    assert "strict subset" in err(NP_HEAD + """spec:
  podSelector: {}
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}]
""")


def test_empty_peer_and_mixed_ipblock_peer():
    assert "must specify a peer" in err(NP_HEAD + """spec:
  podSelector: {}
  ingress: [{from: [{}]}]
""")
    assert "ipBlock may not be combined" in err(NP_HEAD + """spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]
""")


def test_misspelt_field_is_an_error_not_a_silent_allow_all():
    msg = err(NP_HEAD + """spec:
  podSelector: {}
  ingress: [{form: [{podSelector: {}}]}]
""")
    assert "unknown field(s) 'form'" in msg and "spec.ingress[0]" in msg


def test_bad_protocol_and_policy_type():
    assert "unsupported protocol 'ICMP'" in err(NP_HEAD + """spec:
  podSelector: {}
  ingress: [{ports: [{protocol: ICMP}]}]
""")
    assert "unknown policy type 'ingress'" in err(NP_HEAD + """spec:
  podSelector: {}
  policyTypes: [ingress]
""")


def test_quoted_numeric_port_is_explained():
    assert "quoted number" in err(NP_HEAD + """spec:
  podSelector: {}
  ingress: [{ports: [{port: "80"}]}]
""")


def test_missing_kind_and_name():
    assert "has no kind" in err("apiVersion: v1\nmetadata: {name: x}\n")
    assert "metadata.name is missing" in err("apiVersion: v1\nkind: Pod\nmetadata: {}\n")


def test_duplicate_objects_are_reported_with_both_locations():
    doc = "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: a}\n"
    msg = err(doc + "---\n" + doc)
    assert "duplicate object" in msg and "document 1" in msg and "document 2" in msg


def test_bad_label_value_and_pod_ip():
    assert "not a string" in err("apiVersion: v1\nkind: Pod\n"
                                 "metadata: {name: x, labels: {on: true}}\n")
    assert "is not an IP address" in err("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"
                                         "status: {podIP: 999.1.1.1}\n")


def test_list_item_errors_name_the_item():
    msg = err("""apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: ok}
  - apiVersion: apps/v9
    kind: Deployment
    metadata: {name: bad}
""")
    assert "document 1 item 2 (Deployment default/bad)" in msg
    assert msg.startswith("policies.yaml:7:")


def test_unquoted_numeric_label_values_are_rejected_not_rewritten():
    # YAML reads 1.10 as the float 1.1: accepting it would silently change the label.
    assert "not a string" in err("apiVersion: v1\nkind: Pod\n"
                                 "metadata: {name: x, labels: {version: 1.10}}\n")
    msg = err(NP_HEAD + "spec:\n  podSelector: {matchLabels: {version: 010}}\n")
    assert "invalid label value 8" in msg and "quote" in msg


def test_missing_container_port_names_the_case_mismatch():
    msg = err("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"
              "spec: {containers: [{name: c, ports: [{containerport: 3535}]}]}\n")
    assert "containerPort is required" in msg and "'containerport'" in msg


def test_null_peer_fields_count_as_absent_like_the_api_server():
    from netverify.loader import load_text as lt
    c = lt(NP_HEAD + """spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {matchLabels: {app: c}}, namespaceSelector: null,
                     ipBlock: null}]}]
""")
    peer = c.policies[0].ingress[0].peers[0]  # type: ignore[index]
    assert peer.namespace_selector is None and peer.ip_block is None  # own namespace only
    assert "must specify a peer" in err(NP_HEAD + """spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: null}]}]
""")


def test_invalid_names_are_warned_about():
    from netverify.loader import load_text as lt
    c = lt("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
           "metadata: {name: bad_name, namespace: Bad_NS}\nspec: {podSelector: {}}\n")
    assert any("not a valid NetworkPolicy name" in w for w in c.warnings)
    assert any("not a valid namespace name" in w for w in c.warnings)
    assert "is not a string" in err("apiVersion: v1\nkind: Pod\nmetadata: {name: [x]}\n")


def test_huge_values_are_cut_in_messages():
    # A 10 MB label value must not become a 10 MB error line.
    value = "v" * 10_000_000
    msg = err(f"apiVersion: v1\nkind: Pod\nmetadata: {{name: x, labels: {{app: {value}}}}}\n")
    assert len(msg) < 400, len(msg)
    assert "invalid label value 'vvvv" in msg and "(10,000,000 characters)" in msg
    msg = err(NP_HEAD + f"spec:\n  podSelector: {{matchLabels: {{app: {value}}}}}\n")
    assert len(msg) < 600 and "10,000,00" in msg


def test_huge_names_are_cut_in_the_location_too():
    ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + "n" * 100_000 + "}\n"
    msg = err(ns + "---\n" + ns)  # a duplicate: the name is in the location and the message
    assert "duplicate object" in msg and len(msg) < 1500, len(msg)
    assert "(100,010 characters)" in msg  # "Namespace " and the name
