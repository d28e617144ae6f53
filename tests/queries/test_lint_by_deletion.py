"""lint's "redundant" advice, checked by following it: delete, re-run, compare every verdict.

``lint`` (rules NV151 and NV152) decides redundancy with the SMT engine over pods that
could exist.  Here each finding is applied the way a user would edit the YAML (delete
``spec.ingress[i]`` or ``spec.egress[i]`` from the manifest, or the whole NetworkPolicy
document; without ``policyTypes``, deleting the last egress rule changes the policy's
types), the result is loaded again and decided by the all-pairs engine, and every verdict
must be the same as before: between the existing pods, fresh pods added to both sides (any
labels, a new namespace, IPv4, IPv6, dual-stack or unknown addresses), and every address outside the
cluster (both families, split where some ipBlock treats addresses differently).  Each
finding is applied alone, and all of them together.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.concrete import Evaluator, External
from netverify.ipblocks import IPv4, IPv6, format_range
from netverify.loader import load_text
from netverify.model import Cluster
from netverify.ports import PortSet
from netverify.queries.lint import REDUNDANT_POLICY, REDUNDANT_RULE, find_redundant
from netverify.results import LintFinding
from tests import strategies as S

Verdicts = dict[tuple[str, str], PortSet]
SPACE = {IPv4: (1 << 32) - 1, IPv6: (1 << 128) - 1}
FRESH_NAMESPACE = "gamma"  # a namespace the drawn clusters never use


@st.composite
def fresh_pods(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Pods that exist on both sides of the comparison, in old or new namespaces."""
    out: list[dict[str, Any]] = []
    ns_labels = draw(S.label_sets(S.NAMESPACE_LABEL_KEYS))
    out.append({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": FRESH_NAMESPACE, "labels": ns_labels}})
    for i in range(draw(st.integers(1, 3))):
        ns = draw(st.sampled_from((*S.NAMESPACE_NAMES, FRESH_NAMESPACE)))
        doc: dict[str, Any] = {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"fresh{i}", "namespace": ns,
                         "labels": draw(S.label_sets())},
            "spec": {"containers": [{"name": "main", "image": "img",
                                     "ports": draw(S.container_ports())}]}}
        ips = draw(S.pod_ips())
        if ips:
            doc["status"] = {"podIP": ips[0], "podIPs": [{"ip": ip} for ip in ips]}
        out.append(doc)
    return out


def load(manifests: list[dict[str, Any]]) -> Cluster:
    return load_text(S.to_yaml(manifests), "lint-by-deletion.yaml")


def verdicts(cluster: Cluster, externals: list[External]) -> Verdicts:
    """Every pod pair (all-pairs engine) and every pod/outside-address pair (Evaluator)."""
    ap = compute_all_pairs(cluster)
    ev = Evaluator(cluster)
    out: Verdicts = {}
    for a in cluster.pods:
        for b in cluster.pods:
            out[(a.key, b.key)] = ap.portset(ap.pods.class_of[a.key], ap.pods.class_of[b.key])
        for ext in externals:
            out[(a.key, ext.label)] = ev.allowed_ports(a, ext)
            out[(ext.label, a.key)] = ev.allowed_ports(ext, a)
    return out


def outside(cluster: Cluster) -> list[External]:
    """Every address outside the cluster, in ranges every ipBlock treats alike."""
    ev = Evaluator(cluster)
    return [External(f, lo, hi, format_range(f, lo, hi))
            for f in (IPv4, IPv6) for lo, hi in ev.split(f, 0, SPACE[f])]


def apply(manifests: list[dict[str, Any]], findings: list[LintFinding]
          ) -> list[dict[str, Any]]:
    """The manifests with the findings' rules or policies deleted, as in an editor."""
    docs = copy.deepcopy(manifests)
    whole = {f.policy for f in findings if f.code == REDUNDANT_POLICY}
    rules: dict[str, list[tuple[str, int]]] = {}
    for f in findings:
        if f.code == REDUNDANT_RULE:
            field, index = f.field.removeprefix("spec.").rstrip("]").split("[")
            rules.setdefault(f.policy, []).append((field, int(index)))

    def edit(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = []
        for doc in items:
            if doc.get("kind") == "List":
                doc["items"] = edit(doc.get("items") or [])
            elif doc.get("kind") == "NetworkPolicy":
                key = f"{doc['metadata'].get('namespace') or 'default'}/{doc['metadata']['name']}"
                if key in whole:
                    continue
                # Highest index first, so that earlier deletions do not shift later ones.
                for field, index in sorted(rules.get(key, ()), key=lambda t: -t[1]):
                    del doc["spec"][field][index]
            kept.append(doc)
        return kept

    return edit(docs)


def check_findings(manifests: list[dict[str, Any]], extra: list[dict[str, Any]]) -> None:
    cluster = load(manifests)
    result = find_redundant(cluster)
    assert not result.undecided, result.undecided
    redundant = [f for f in result.findings if f.code in (REDUNDANT_RULE, REDUNDANT_POLICY)]
    event(f"redundant findings: {min(len(redundant), 3)}")
    if not redundant:
        return
    probe = load([*manifests, *extra])
    externals = outside(probe)
    before = verdicts(probe, externals)
    for chosen in [[f] for f in redundant] + ([redundant] if len(redundant) > 1 else []):
        edited = apply(manifests, chosen)
        note(f"applied {[(f.policy, f.field or '(policy)') for f in chosen]}")
        after = verdicts(load([*edited, *extra]), externals)
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert not changed, (
            f"lint said {[(f.code, f.policy, f.field) for f in chosen]} is redundant, but "
            "deleting it changes: " + "; ".join(f"{s} -> {d}: {a} became {b}"
                                                for (s, d), (a, b) in list(changed.items())[:6]))


LINT = settings(max_examples=15, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@LINT
@given(manifests=S.clusters_with_overlaps(max_pods=3, max_policies=3), extra=fresh_pods())
def test_every_redundant_finding_keeps_every_verdict_when_applied(
        manifests: list[dict[str, Any]], extra: list[dict[str, Any]]) -> None:
    check_findings(manifests, extra)


def test_the_deletion_check_catches_advice_that_changes_a_verdict() -> None:
    # The harness itself: a rule that is not redundant must show a changed verdict.
    manifests = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "alpha"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "alpha"},
         "spec": {"containers": [{"name": "main", "image": "img"}]},
         "status": {"podIP": "10.0.0.5"}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "np", "namespace": "alpha"},
         "spec": {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "::/0"}}]}]}},
    ]
    wrong = LintFinding(code=REDUNDANT_RULE, policy="alpha/np", field="spec.egress[0]",
                        message="")
    cluster = load(manifests)
    externals = outside(cluster)
    before = verdicts(cluster, externals)
    after = verdicts(load(apply(manifests, [wrong])), externals)
    assert before != after
