"""Writes tests/tiers/cases/*.yaml.  Run: python tests/tiers/tools/generate.py

The conformance files need a git snapshot of kubernetes-sigs/network-policy-api
(env NPAPI_REPO); the other files are written from gen_spec.py alone.  Every
query is cross-checked with the reference evaluator of gen_lib.py; the script
stops on any disagreement that is not explicitly marked.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import gen_conformance as gc
import gen_spec
from gen_lib import V1_COMMIT, V2_COMMIT, Case, check_case, emit_file, url

OUT = os.path.join(os.path.dirname(__file__), "..", "cases")

ANP, BANP, CNP = "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"


def combo(*fs):
    def f(ms):
        for g in fs:
            g(ms)

    f.__doc__ = "; ".join(g.__doc__ for g in fs)
    return f


def rule_order_states(kind: str, name: str, directions: tuple[str, ...], with_pass: bool):
    states = [gc.noop, combo(*[gc.swap(kind, name, d, 0, 1) for d in directions])]
    if with_pass:
        states.append(combo(*[gc.swap(kind, name, d, 0, 2) for d in directions]))
        states.append(combo(*[gc.swap(kind, name, d, 3, 4) for d in directions]))
    return states


def conformance_files() -> list[tuple[str, str, str | list[str], list[Case]]]:
    files = []
    # ------------------------------------------------------------ v1alpha2 (main)
    t = "conformance/tests/"
    ab = "conformance/base/admin_tier/"
    bb = "conformance/base/baseline_tier/"
    v2 = []
    for proto in ("tcp", "udp", "sctp"):
        for d in ("ingress", "egress"):
            var = f"CNPAdminTier{d.capitalize()}{proto.upper()}"
            v2.append(
                (
                    f"v1alpha2-conformance-admin-{d}-{proto}",
                    var,
                    f"{t}admin-network-policy-standard-{d}-{proto}-rules.go",
                    [f"{ab}standard-{d}-{proto}-rules.yaml"],
                    rule_order_states(CNP, f"{d}-{proto}", (d,), True),
                    None,
                )
            )
            v2.append(
                (
                    f"v1alpha2-conformance-baseline-{d}-{proto}",
                    f"CNPBaselineTier{d.capitalize()}{proto.upper()}",
                    f"{t}baseline-admin-network-policy-standard-{d}-{proto}-rules.go",
                    [f"{bb}standard-{d}-{proto}-rules.yaml"],
                    rule_order_states(CNP, "default", (d,), False),
                    None,
                )
            )
    v2 += [
        (
            "v1alpha2-conformance-admin-gress",
            "CNPAdminTierGress",
            f"{t}admin-network-policy-standard-gress-rules.go",
            [f"{ab}standard-gress-rules-combined.yaml"],
            rule_order_states(CNP, "gress-rules", ("egress", "ingress"), True),
            None,
        ),
        (
            "v1alpha2-conformance-baseline-gress",
            "CNPBaselineTierGress",
            f"{t}baseline-admin-network-policy-standard-gress-rules.go",
            [f"{bb}standard-gress-rules-combined.yaml"],
            rule_order_states(CNP, "default", ("egress", "ingress"), False),
            None,
        ),
        (
            "v1alpha2-conformance-admin-priority",
            "CNPAdminTierPriorityField",
            f"{t}admin-network-policy-standard-priority.go",
            [f"{ab}standard-priority-field.yaml"],
            [gc.noop, gc.set_priority(CNP, "old-priority-60-new-priority-40-example", 40)],
            None,
        ),
        (
            "v1alpha2-conformance-integration",
            "CNPAdminTierIntegration",
            f"{t}admin-network-policy-standard-integration.go",
            ["conformance/base/api_integration/standard-anp-np-banp.yaml"],
            [
                gc.noop,
                gc.set_action(CNP, "pass-example", "ingress", 0, "Pass"),
                gc.set_action(CNP, "pass-example", "egress", 0, "Pass"),
                gc.delete(
                    "NetworkPolicy",
                    "allow-gress-from-to-slytherin-to-gryffindor",
                    "network-policy-conformance-gryffindor",
                ),
            ],
            None,
        ),
        (
            "v1alpha2-conformance-admin-egress-inline-cidr",
            "CNPAdminTierEgressInlineCIDRPeers",
            f"{t}admin-network-policy-standard-egress-inline-cidr-rules.go",
            [f"{ab}standard-egress-inline-cidr-rules.yaml"],
            [
                gc.noop,
                gc.set_ns_labels(
                    "network-policy-conformance-slytherin",
                    {"conformance-house": "denied-namespace-label"},
                ),
                gc.set_ns_labels(
                    "network-policy-conformance-slytherin", {"conformance-house": "slytherin"}
                ),
                gc.insert_cidr_rule(CNP, "inline-cidr-as-peers-example", 2),
            ],
            None,
        ),
        (
            "v1alpha2-conformance-baseline-egress-inline-cidr",
            "CNPBaselineTierEgressInlineCIDRPeers",
            f"{t}baseline-admin-network-policy-standard-egress-inline-cidr-rules.go",
            [f"{bb}standard-egress-inline-cidr-rules.yaml"],
            [
                gc.noop,
                gc.set_ns_labels(
                    "network-policy-conformance-slytherin",
                    {"conformance-house": "denied-namespace-label"},
                ),
                gc.set_ns_labels(
                    "network-policy-conformance-slytherin", {"conformance-house": "slytherin"}
                ),
                gc.insert_cidr_rule(CNP, "default", 2),
            ],
            None,
        ),
        (
            "v1alpha2-conformance-admin-egress-node-peers",
            "CNPAdminTierEgressNodePeers",
            f"{t}admin-network-policy-experimental-egress-rules.go",
            [f"{ab}experimental-egress-selector-rules.yaml"],
            [gc.noop],
            ["EgressNodePeers"],
        ),
        (
            "v1alpha2-conformance-baseline-egress-node-peers",
            "CNPBaselineTierEgressNodePeers",
            f"{t}baseline-admin-network-policy-experimental-egress-rules.go",
            [f"{bb}experimental-egress-selector-rules.yaml"],
            [gc.noop],
            ["EgressNodePeers"],
        ),
        (
            "v1alpha2-conformance-admin-egress-named-port",
            "CNPAdminTierEgressNamedPort",
            f"{t}admin-network-policy-experimental-egress-rules.go",
            [f"{ab}standard-egress-tcp-rules.yaml"],
            [gc.noop, gc.named_port(CNP, "egress-tcp", "egress", 5, "web", 2)],
            ["NamedPorts"],
        ),
        (
            "v1alpha2-conformance-admin-ingress-named-port",
            "CNPAdminTierIngressNamedPort",
            f"{t}admin-network-policy-experimental-ingress-rules.go",
            [f"{ab}standard-ingress-udp-rules.yaml"],
            [gc.noop, gc.named_port(CNP, "ingress-udp", "ingress", 5, "dns", 2)],
            ["NamedPorts"],
        ),
        (
            "v1alpha2-conformance-baseline-egress-named-port",
            "CNPBaselineTierEgressNamedPort",
            f"{t}baseline-admin-network-policy-experimental-egress-rules.go",
            [f"{bb}standard-egress-udp-rules.yaml"],
            [gc.noop, gc.named_port(CNP, "default", "egress", 3, "dns", 2)],
            ["NamedPorts"],
        ),
        (
            "v1alpha2-conformance-baseline-ingress-named-port",
            "CNPBaselineTierIngressNamedPort",
            f"{t}baseline-admin-network-policy-experimental-ingress-rules.go",
            [f"{bb}standard-ingress-tcp-rules.yaml"],
            [gc.noop, gc.named_port(CNP, "default", "ingress", 3, "web", 2)],
            ["NamedPorts"],
        ),
    ]
    for fname, var, test_file, manifests, states, feats in v2:
        skip = (0,) if "named-port" in fname else ()
        cases = gc.conformance_cases(
            version=2,
            test_file=test_file,
            test_var=var,
            manifests=manifests,
            states=states,
            prefix=fname.replace("-conformance", ""),
            skip_states=skip,
            features=feats,
        )
        hdr = (
            f"Transcribed from the v1alpha2 conformance test {var} of kubernetes-sigs/"
            f"network-policy-api at main {V2_COMMIT[:7]}: one case per state of the test "
            "(the test mutates its policies between sub-tests). Generated by "
            "tests/tiers/tools/generate.py; do not edit by hand."
        )
        files.append((f"{fname}.yaml", hdr, url(V2_COMMIT, test_file), cases))

    # ------------------------------------------------------------ v1alpha1 (v0.1.7)
    # Only the states that the netpol-analyzer corpus (shared/corpus/netpol-analyzer/anp) does not
    # already hold: that corpus has the initial manifests and the first rule swap of every
    # ANP/BANP protocol test, the priority test and the integration test's first state; it has no
    # host-network pods, Nodes, pod-IP networks rules or the Pass-first orderings.
    ab = "conformance/base/admin_network_policy/"
    bb = "conformance/base/baseline_admin_network_policy/"
    v1 = []
    for proto in ("tcp", "udp", "sctp"):
        for d in ("ingress", "egress"):
            v1.append(
                (
                    f"v1alpha1-conformance-anp-{d}-{proto}",
                    f"AdminNetworkPolicy{d.capitalize()}{proto.upper()}",
                    f"{t}admin-network-policy-standard-{d}-{proto}-rules.go",
                    [f"{ab}standard-{d}-{proto}-rules.yaml"],
                    rule_order_states(ANP, f"{d}-{proto}", (d,), True),
                    (0, 1),
                    None,
                )
            )
    v1 += [
        (
            "v1alpha1-conformance-anp-gress",
            "AdminNetworkPolicyGress",
            f"{t}admin-network-policy-standard-gress-rules.go",
            [f"{ab}standard-gress-rules-combined.yaml"],
            rule_order_states(ANP, "gress-rules", ("egress", "ingress"), True),
            (0, 1),
            None,
        ),
        (
            "v1alpha1-conformance-integration",
            "AdminNetworkPolicyIntegration",
            f"{t}admin-network-policy-standard-integration.go",
            ["conformance/base/api_integration/standard-anp-np-banp.yaml"],
            [
                gc.noop,
                gc.set_action(ANP, "pass-example", "ingress", 0, "Pass"),
                gc.set_action(ANP, "pass-example", "egress", 0, "Pass"),
                gc.delete(
                    "NetworkPolicy",
                    "allow-gress-from-to-slytherin-to-gryffindor",
                    "network-policy-conformance-gryffindor",
                ),
            ],
            (0,),
            None,
        ),
        (
            "v1alpha1-conformance-anp-egress-inline-cidr",
            "AdminNetworkPolicyEgressInlineCIDRPeers",
            f"{t}admin-network-policy-standard-egress-inline-cidr-rules.go",
            [f"{ab}standard-egress-inline-cidr-rules.yaml"],
            [gc.noop, gc.insert_cidr_rule(ANP, "inline-cidr-as-peers-example", 1)],
            (),
            None,
        ),
        (
            "v1alpha1-conformance-banp-egress-inline-cidr",
            "BaselineAdminNetworkPolicyEgressInlineCIDRPeers",
            f"{t}baseline-admin-network-policy-standard-egress-inline-cidr-rules.go",
            [f"{bb}standard-egress-inline-cidr-rules.yaml"],
            [gc.noop, gc.insert_cidr_rule(BANP, "default", 1)],
            (),
            None,
        ),
        (
            "v1alpha1-conformance-anp-egress-node-peers",
            "AdminNetworkPolicyEgressNodePeers",
            f"{t}admin-network-policy-experimental-egress-rules.go",
            [f"{ab}experimental-egress-selector-rules.yaml"],
            [gc.noop],
            (),
            ["EgressNodePeers"],
        ),
        (
            "v1alpha1-conformance-banp-egress-node-peers",
            "BaselineAdminNetworkPolicyEgressNodePeers",
            f"{t}baseline-admin-network-policy-experimental-egress-rules.go",
            [f"{bb}experimental-egress-selector-rules.yaml"],
            [gc.noop],
            (),
            ["EgressNodePeers"],
        ),
        (
            "v1alpha1-conformance-anp-egress-named-port",
            "AdminNetworkPolicyEgressNamedPort",
            f"{t}admin-network-policy-experimental-egress-rules.go",
            [f"{ab}standard-egress-tcp-rules.yaml"],
            [gc.noop, gc.named_port(ANP, "egress-tcp", "egress", 5, "web", 1)],
            (0,),
            ["NamedPorts"],
        ),
        (
            "v1alpha1-conformance-anp-ingress-named-port",
            "AdminNetworkPolicyIngressNamedPort",
            f"{t}admin-network-policy-experimental-ingress-rules.go",
            [f"{ab}standard-ingress-udp-rules.yaml"],
            [gc.noop, gc.named_port(ANP, "ingress-udp", "ingress", 5, "dns", 1)],
            (0,),
            ["NamedPorts"],
        ),
        (
            "v1alpha1-conformance-banp-egress-named-port",
            "BaselineAdminNetworkPolicyEgressNamedPort",
            f"{t}baseline-admin-network-policy-experimental-egress-rules.go",
            [f"{bb}standard-egress-udp-rules.yaml"],
            [gc.noop, gc.named_port(BANP, "default", "egress", 3, "dns", 1)],
            (0,),
            ["NamedPorts"],
        ),
        (
            "v1alpha1-conformance-banp-ingress-named-port",
            "BaselineAdminNetworkPolicyIngressNamedPort",
            f"{t}baseline-admin-network-policy-experimental-ingress-rules.go",
            [f"{bb}standard-ingress-tcp-rules.yaml"],
            [gc.noop, gc.named_port(BANP, "default", "ingress", 3, "web", 1)],
            (0,),
            ["NamedPorts"],
        ),
    ]
    for fname, var, test_file, manifests, states, skip, feats in v1:
        cases = gc.conformance_cases(
            version=1,
            test_file=test_file,
            test_var=var,
            manifests=manifests,
            states=states,
            prefix=fname.replace("-conformance", ""),
            skip_states=skip,
            features=feats,
        )
        hdr = (
            f"Transcribed from the v1alpha1 conformance test {var} of kubernetes-sigs/"
            f"network-policy-api at v0.1.7 ({V1_COMMIT[:7]}): one case per state of the test "
            "that the netpol-analyzer corpus does not already cover. Generated by "
            "tests/tiers/tools/generate.py; do not edit by hand."
        )
        files.append((f"{fname}.yaml", hdr, url(V1_COMMIT, test_file), cases))
    return files


POLICY_KINDS = {"AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"}


def crd_problems(files) -> list[str]:
    """Every invalid case must fail at its field; every other policy must be accepted."""
    import crd_check

    out = []
    for fname, _h, _s, cases in files:
        for c in cases:
            for m in c.manifests:
                if m["kind"] not in POLICY_KINDS:
                    continue
                errs = crd_check.errors(m)
                if c.invalid and m["metadata"]["name"] == c.invalid["name"]:
                    if c.invalid["field"] not in errs:
                        out.append(
                            f"{fname}: {c.name}: expected rejection at "
                            f"{c.invalid['field']}, CRD check reports {errs}"
                        )
                elif c.name.startswith("fail-closed"):
                    # Unknown peer fields on purpose (spec-fail-closed.yaml): the description
                    # says an API server with this CRD rejects them; make sure it is true.
                    if not errs:
                        out.append(
                            f"{fname}: {c.name}: expected the CRD to reject {m['metadata']['name']}"
                        )
                elif errs:
                    out.append(
                        f"{fname}: {c.name}: {m['kind']} {m['metadata']['name']} "
                        f"rejected by the CRD at {errs}"
                    )
    return out


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    files = []
    if os.path.isdir(gc.REPO):
        files += conformance_files()
    else:
        print(f"note: {gc.REPO} missing; conformance files not regenerated", file=sys.stderr)
    files += gen_spec.spec_files()
    problems = []
    nq = nc = 0
    for fname, _hdr, _source, cases in files:
        for c in cases:
            problems += [f"{fname}: {p}" for p in check_case(c)]
            nq += len(c.expect)
            nc += 1
    if os.path.isdir(gc.REPO):
        problems += crd_problems(files)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{len(problems)} problem(s); nothing written", file=sys.stderr)
        return 1
    for fname, hdr, source, cases in files:
        emit_file(os.path.join(OUT, fname), hdr, source, cases)
    print(f"wrote {len(files)} files, {nc} cases, {nq} queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
