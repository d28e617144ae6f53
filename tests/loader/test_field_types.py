"""A field of the wrong type is an error, as the API server's decoder makes it, never a guess.

The API server decodes each field into its Go type: a string where a boolean is
expected (``hostNetwork: "false"``) or a string where a list is (``except: ""``)
is rejected with the field's path (``json: cannot unmarshal string into Go struct
field PodSpec.spec.hostNetwork of type bool``).  Read with Python's truthiness,
the same values silently mean something else, so each case here flipped or
hid part of a verdict before.  ``null`` is the field left out, as in the API.
"""

from __future__ import annotations

import pytest

from netverify.errors import ManifestError
from netverify.ipblocks import parse_address
from netverify.loader import load_text

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n"
SVC = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
DEPLOY = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
NP = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
      "metadata: {name: np, namespace: shop}\n")

# (id, manifest, the text of the bad value (unique in the manifest), field path, message)
CASES = [
    ("hostNetwork-string", POD + 'spec:\n  hostNetwork: "false"\n', '"false"',
     "spec.hostNetwork", "'false' is not a boolean"),
    ("template-hostNetwork-string",
     DEPLOY + "spec:\n  template:\n    metadata: {labels: {app: web}}\n"
              "    spec: {hostNetwork: 'no', containers: [{name: c}]}\n", "'no'",
     "spec.template.spec.hostNetwork", "'no' is not a boolean"),
    ("podIPs-strings", POD + "status:\n  podIPs: [10.0.0.1]\n", "10.0.0.1",
     "status.podIPs[0]", "must be a mapping with ip, got a string"),
    ("podIPs-number", POD + "status:\n  podIPs: 7\n", "7",
     "status.podIPs", "must be a list, got a number"),
    ("status-string", POD + "status: Running\n", "Running",
     "status", "must be a mapping, got a string"),
    ("except-empty-string",
     NP + "spec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock:\n"
          "        cidr: 10.0.0.0/8\n        except: ''\n", "''",
     "spec.ingress[0].from[0].ipBlock.except", "must be a list of CIDRs, got a string"),
    ("except-false",
     NP + "spec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, "
          "except: false}}]}]\n", "false",
     "spec.egress[0].to[0].ipBlock.except", "must be a list of CIDRs, got a boolean"),
    ("service-selector-boolean", SVC + "spec:\n  selector: {app: web, canary: true}\n"
                                       "  ports: [{port: 80}]\n", "true",
     "spec.selector.canary", "label 'canary' has value true, which is not a string"),
    ("service-selector-number-key", SVC + "spec:\n  selector: {1: web}\n", "{1: web}",
     "spec.selector", "label key 1 is not a string"),
    ("containers-empty-string", POD + "spec:\n  containers: ''\n", "''",
     "spec.containers", "must be a list, got a string"),
    ("container-a-string", POD + "spec:\n  containers: [nginx]\n", "nginx",
     "spec.containers[0]", "must be a mapping, got a string"),
    ("container-ports-empty", POD + "spec:\n  containers:\n  - name: c\n    ports: ''\n", "''",
     "spec.containers[0].ports", "must be a list, got a string"),
    ("protocol-false",
     POD + "spec:\n  containers:\n  - name: c\n    ports: [{containerPort: 80, protocol: no}]\n",
     "no}", "spec.containers[0].ports[0].protocol", "false is not a string"),
    ("port-name-number",
     POD + "spec:\n  containers:\n  - name: c\n    ports: [{containerPort: 80, name: 8080}]\n",
     "8080", "spec.containers[0].ports[0].name", "8080 is not a string"),
    ("restartPolicy-boolean",
     POD + "spec:\n  initContainers:\n  - name: c\n    restartPolicy: true\n", "true",
     "spec.initContainers[0].restartPolicy", "true is not a string"),
    ("namespace-number", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: 0\n",
     "0", "metadata.namespace", "0 is not a namespace name"),
    ("label-key-number", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"
                         "  labels: {10: ten}\n", "{10: ten}",
     "metadata.labels", "label key 10 is not a string"),
    ("template-metadata-list",
     DEPLOY + "spec:\n  template:\n    metadata: [app]\n    spec: {containers: [{name: c}]}\n",
     "[app]", "spec.template.metadata", "must be a mapping, got a list"),
    ("annotations-list", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"
                         "  annotations: [a]\n", "[a]",
     "metadata.annotations", "must be a mapping, got a list"),
    ("ownerReferences-mapping",
     "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  ownerReferences: {kind: ReplicaSet}\n",
     "{kind: ReplicaSet}", "metadata.ownerReferences", "must be a list, got a mapping"),
    ("controller-string",
     "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  ownerReferences:\n"
     "  - {kind: ReplicaSet, name: web-1, controller: 'true'}\n", "'true'",
     "metadata.ownerReferences[0].controller", "'true' is not a boolean"),
    ("nodePort-string", SVC + "spec:\n  type: NodePort\n  ports: [{port: 80, nodePort: '30080'}]\n",
     "'30080'", "spec.ports[0].nodePort", "nodePort '30080' is not a port 1-65535"),
    ("service-type-list", SVC + "spec:\n  type: []\n", "[]",
     "spec.type", "[] is not a string"),
    ("service-spec-string", SVC + "spec: ''\n", "''", "spec", "must be a mapping, got a string"),
    ("source-range-number",
     SVC + "spec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: [10]\n", "10]",
     "spec.loadBalancerSourceRanges[0]", "10 is not a string"),
    ("kind-list", "apiVersion: v1\nkind: [Pod]\nmetadata: {name: web}\n", "[Pod]",
     "kind", "['Pod'] is not a string"),
]


def _position(text: str, needle: str) -> tuple[int, int]:
    assert text.count(needle) == 1, f"{needle!r} must be unique in the case's manifest"
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


@pytest.mark.parametrize(("text", "at", "field", "message"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_wrong_type_is_an_error_at_the_value(text, at, field, message):
    with pytest.raises(ManifestError) as e:
        load_text(text, "m.yaml")
    line, column = _position(text, at)
    msg = str(e.value)
    assert msg.startswith(f"m.yaml:{line}:{column}: document 1"), msg
    assert f": {field}: {message}" in msg, msg


def test_explicit_null_is_the_field_left_out_and_right_types_still_read():
    cluster = load_text(POD + "spec: {hostNetwork: true}\nstatus:\n  podIPs: [{ip: 10.0.0.1}]\n"
                        "---\n" + DEPLOY.replace("name: web", "name: api") + """spec:
  replicas: null
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: null
      containers: [{name: c, ports: [{containerPort: 80, protocol: null}]}]
---
""" + SVC + """spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: null, nodePort: null}]
""")
    pod, svc = cluster.pods[0], cluster.services[0]
    assert pod.name == "api" and (pod.replicas, pod.host_network) == (1, False)  # defaults
    assert pod.container_ports[0].protocol.value == "TCP"
    assert (svc.ports[0].target_port, svc.ports[0].node_port) == (80, None)
    web = cluster.pods[1]
    assert web.host_network is True and web.ips == (parse_address("10.0.0.1"),)


def test_an_empty_mapping_where_a_list_belongs_is_the_empty_list() -> None:
    """``ports: {}`` (as in NCA's pod dumps) holds nothing: read as no ports, not an error;
    a mapping with content stays an error."""
    from netverify.errors import ManifestError
    from netverify.loader import load_text

    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\n"
           "spec: {containers: [{name: c, image: i, ports: PORTS}]}\n")
    assert load_text(pod.replace("PORTS", "{}")).pods[0].container_ports == ()
    with pytest.raises(ManifestError, match="must be a list"):
        load_text(pod.replace("PORTS", "{containerPort: 80}"))
