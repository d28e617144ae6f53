"""Cases derived from the API documentation, NPEPs and site docs of network-policy-api.

Each scenario is written once in the policy DSL of gen_lib.py and rendered for
v1alpha1 (AdminNetworkPolicy / BaselineAdminNetworkPolicy, v0.1.7) and/or
v1alpha2 (ClusterNetworkPolicy, main 0eec1b0).  Descriptions quote the upstream
text that decides each answer.
"""

from __future__ import annotations

from gen_lib import (
    DOMAINS,
    NAMED,
    NETS,
    NODES,
    NS,
    PODS,
    PORT,
    RANGE,
    RAWPEER,
    Case,
    Pol,
    R,
    allowed,
    by,
    denied,
    ml,
    namespace,
    netpol,
    node_obj,
    ns_name,
    pod,
    render,
    sel,
    service,
    undecided,
    v1url,
    v2url,
)
from gen_validation import validation_files

# ---------------------------------------------------------------- sources

V1_ANP = v1url("apis/v1alpha1/adminnetworkpolicy_types.go")
V1_BANP = v1url("apis/v1alpha1/baselineadminnetworkpolicy_types.go")
V1_SHARED = v1url("apis/v1alpha1/shared_types.go")
V1_OVERVIEW = v1url("site-src/api-overview.md")
V2_TYPES = v2url("apis/v1alpha2/clusternetworkpolicy_types.go")
V2_OVERVIEW = v2url("site-src/api-overview.md")
V2_BLOG = v2url("site-src/blog/posts/ClusterNetworkPolicy.md")
NPEP_285 = v2url("npeps/npep-285-combine-crds.md")
NPEP_126 = v2url("npeps/npep-126-egress-traffic-control.md")
NPEP_133 = v2url("npeps/npep-133-fqdn-egress-selector.md")
V2_STORIES = v2url("site-src/user-stories.md")

# ---------------------------------------------------------------- the cluster

A, B, C = "alpha", "beta", "gamma"
a1, a2, b1, b2, c1, c2 = "alpha/a1", "alpha/a2", "beta/b1", "beta/b2", "gamma/c1", "gamma/c2"
DNS = "kube-system/coredns"
AGENT = "infra/agent"
INTERNET, INTRANET = "203.0.113.7", "192.0.2.10"
NODE1, NODE1_EXT, NODE2 = "192.168.1.10", "198.51.100.10", "192.168.1.11"


def cluster() -> list[dict]:
    """Small cluster shared by the scenarios.

    The named port ``web`` is 80 on alpha/a1 and gamma/c1 but 8080 on beta/b1, so that a
    named port is visibly resolved on the destination pod.
    """
    return [
        namespace(A, {"team": "a", "env": "prod"}),
        namespace(B, {"team": "b", "env": "prod"}),
        namespace(C, {"team": "c", "env": "dev"}),
        namespace("kube-system"),
        namespace("infra"),
        pod(A, "a1", {"app": "web"}, "10.1.0.11", [("web", 80, "TCP"), ("metrics", 9090, "TCP")]),
        pod(A, "a2", {"app": "db"}, "10.1.0.12", [("postgres", 5432, "TCP")]),
        pod(B, "b1", {"app": "web"}, "10.1.1.11", [("web", 8080, "TCP"), ("dns", 53, "UDP")]),
        pod(B, "b2", {"app": "api"}, "10.1.1.12", [("http", 80, "TCP")]),
        pod(C, "c1", {"app": "web"}, "10.1.2.11", [("web", 80, "TCP"), ("sig", 9003, "SCTP")]),
        pod(C, "c2", {"app": "worker"}, "10.1.2.12"),
        pod(
            "kube-system",
            "coredns",
            {"k8s-app": "kube-dns"},
            "10.1.3.10",
            [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")],
        ),
        pod(
            "infra",
            "agent",
            {"app": "agent"},
            NODE1,
            [("metrics", 9100, "TCP")],
            host_network=True,
            node="node-1",
        ),
        node_obj(
            "node-1",
            {"kubernetes.io/os": "linux", "node-role": "worker"},
            [("InternalIP", NODE1), ("ExternalIP", NODE1_EXT), ("Hostname", "node-1")],
        ),
        node_obj(
            "node-2",
            {"kubernetes.io/os": "linux", "node-role": "control-plane"},
            [("InternalIP", NODE2), ("Hostname", "node-2")],
        ),
    ]


CLUSTER_NOTE = (
    "Cluster: namespaces alpha {team=a, env=prod}, beta {team=b, env=prod}, gamma "
    "{team=c, env=dev}, kube-system, infra; pods alpha/a1 {app=web; web=TCP 80}, "
    "alpha/a2 {app=db}, beta/b1 {app=web; web=TCP 8080, dns=UDP 53}, beta/b2 "
    "{app=api; http=TCP 80}, gamma/c1 {app=web; web=TCP 80, sig=SCTP 9003}, gamma/c2, "
    "kube-system/coredns {k8s-app=kube-dns; dns=UDP 53, dns-tcp=TCP 53}, and the "
    "host-network pod infra/agent on node-1 (192.168.1.10; node-1 also has ExternalIP "
    "198.51.100.10; node-2 is 192.168.1.11)."
)


def act(v: int, a: str) -> str:
    return {"accept": "Allow" if v == 1 else "Accept", "deny": "Deny", "pass": "Pass"}[a]


def D(
    v: int,
    tier: str,
    policy: str | None = None,
    rule: str | None = None,
    action: str | None = None,
    direction: str | None = None,
) -> dict:
    return by(
        tier,
        policy,
        rule,
        act(v, action) if action in ("accept", "deny", "pass") else action,
        direction,
    )


def NPOL(ns: str, name: str, pod_selector: dict, types: list[str], ingress=None, egress=None):
    spec: dict = {"podSelector": pod_selector, "policyTypes": types}
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    return netpol(ns, name, spec)


def build(
    slug: str,
    v: int,
    desc: str,
    pols: list[Pol],
    queries,
    *,
    nps=(),
    extra=(),
    sources=(),
    features=None,
) -> Case:
    manifests = cluster() + list(extra) + list(nps) + [render(p, v) for p in pols]
    return Case(
        name=f"{slug}-v1alpha{v}",
        description=f"{desc} {CLUSTER_NOTE}",
        manifests=manifests,
        expect=list(queries),
        version=v,
        source=list(sources) or None,
        features=features,
    )


def both(
    slug: str,
    desc1: str,
    desc2: str,
    pols_fn,
    queries_fn,
    *,
    nps=(),
    extra=(),
    src1=(V1_ANP,),
    src2=(V2_TYPES,),
    features=None,
    versions=(1, 2),
) -> list[Case]:
    out = []
    for v in versions:
        out.append(
            build(
                slug,
                v,
                desc1 if v == 1 else desc2,
                pols_fn(v),
                queries_fn(v),
                nps=nps,
                extra=extra,
                sources=src1 if v == 1 else src2,
                features=features,
            )
        )
    return out


# ================================================================ evaluation order


def evaluation_order() -> list[Case]:
    cases = []
    q_v1_order = (
        "v1alpha1: 'All AdminNetworkPolicy rules have higher precedence than "
        "NetworkPolicy or BaselineAdminNetworkPolicy rules' (spec.priority); BANP "
        "rules apply 'if they are not matched by any AdminNetworkPolicy or "
        "NetworkPolicy rules' (BANP spec.ingress)."
    )
    q_v2_order = (
        "v1alpha2 spec.tier: 'Policy tiers are evaluated in the following order: Admin "
        "tier, NetworkPolicy tier, Baseline tier'; 'v1.NetworkPolicy always makes a "
        "final decision for selected pods. Further evaluation only happens for Pods not "
        "selected by a v1.NetworkPolicy.'"
    )

    # -- admin Deny beats a NetworkPolicy allow
    def pols(v):
        return [
            Pol(
                "deny-alpha-to-beta",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), name="deny-from-alpha")],
            )
        ]

    np_allow_alpha = NPOL(
        B, "allow-alpha", {}, ["Ingress"], ingress=[{"from": [{"namespaceSelector": ml(team="a")}]}]
    )

    def qs(v):
        return [
            denied(
                a1,
                b1,
                8080,
                by=D(v, "admin", "deny-alpha-to-beta", "deny-from-alpha", "deny", "ingress"),
            ),
            denied(
                a2,
                b2,
                80,
                by=D(v, "admin", "deny-alpha-to-beta", "deny-from-alpha", "deny", "ingress"),
            ),
            denied(
                c1,
                b1,
                8080,
                why="no admin rule matches gamma; beta/allow-alpha isolates beta "
                "for ingress and admits only alpha",
                by=D(v, "networkpolicy", "beta/allow-alpha", direction="ingress"),
            ),
            allowed(b1, a1, 80, by=D(v, "default")),
        ]

    cases += both(
        "admin-deny-beats-networkpolicy-allow",
        "An ANP Deny wins over a NetworkPolicy that allows the same traffic: Deny 'indicates that "
        "matching traffic will be denied before being checked against NetworkPolicy or "
        "BaselineAdminNetworkPolicy rules. Pods will never receive traffic which has been matched "
        'by a "Deny" rule in an AdminNetworkPolicy\' (AdminNetworkPolicyRuleActionDeny). '
        + q_v1_order,
        "An Admin-tier Deny wins over a NetworkPolicy that allows the same traffic: 'The Admin "
        "tier takes precedence over all other policies ... If Admin tier has made a final "
        "decision (Accept or Deny) on a connection, then no further evaluation is done' "
        "(spec.tier); Deny: 'No further ClusterNetworkPolicy or NetworkPolicy rules will be "
        "processed.' " + q_v2_order,
        pols,
        qs,
        nps=[np_allow_alpha],
    )

    # -- admin Allow beats a NetworkPolicy default deny; egress still needs to allow
    def pols(v):
        return [
            Pol(
                "allow-alpha-into-beta",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("accept", NS(ml(team="a")), name="accept-from-alpha")],
            )
        ]

    nps = [
        NPOL(B, "default-deny", {}, ["Ingress"]),
        NPOL(A, "db-no-egress", ml(app="db"), ["Egress"]),
    ]

    def qs(v):
        return [
            allowed(
                a1,
                b1,
                8080,
                by=D(v, "admin", "allow-alpha-into-beta", "accept-from-alpha", "accept", "ingress"),
            ),
            allowed(
                a1,
                b2,
                80,
                by=D(v, "admin", "allow-alpha-into-beta", "accept-from-alpha", "accept", "ingress"),
            ),
            denied(
                c1, b1, 8080, by=D(v, "networkpolicy", "beta/default-deny", direction="ingress")
            ),
            denied(
                a2,
                b1,
                8080,
                why="the admin Allow decides only beta's ingress; alpha/a2's "
                "egress is isolated by alpha/db-no-egress, which admits nothing",
                by=D(v, "networkpolicy", "alpha/db-no-egress", direction="egress"),
            ),
        ]

    cases += both(
        "admin-allow-beats-networkpolicy-deny",
        "An ANP Allow 'allows the selected traffic (even if it would otherwise have been denied "
        "by NetworkPolicy)' (action); 'Users cannot block traffic which has been matched by an "
        '"Allow" rule in an AdminNetworkPolicy\' (AdminNetworkPolicyRuleActionAllow). The rule '
        "is an ingress rule of beta: it decides beta's ingress only, the source's egress is "
        "evaluated on its own (see spec-direction.yaml). " + q_v1_order,
        "An Admin-tier Accept on ingress: 'Accepts the selected traffic ... No further ingress "
        "ClusterNetworkPolicy or NetworkPolicy rules will be processed.' It says nothing of the "
        "source's egress, which is evaluated on its own. " + q_v2_order,
        pols,
        qs,
        nps=nps,
    )

    # -- a NetworkPolicy that selects a pod hides the baseline entirely
    def pols(v):
        return [
            Pol(
                "default",
                "baseline",
                None if v == 1 else 10,
                NS(ml(team="b")),
                ingress=[
                    R("accept", NS(ml(team="c")), name="accept-gamma"),
                    R("deny", NS({}), name="deny-all"),
                ],
            )
        ]

    nps = [
        NPOL(
            B,
            "web-from-alpha",
            ml(app="web"),
            ["Ingress"],
            ingress=[{"from": [{"namespaceSelector": ml(team="a")}]}],
        )
    ]

    def qs(v):
        return [
            allowed(
                a1, b1, 8080, by=D(v, "networkpolicy", "beta/web-from-alpha", direction="ingress")
            ),
            denied(
                c1,
                b1,
                8080,
                why="beta/b1 is selected by a NetworkPolicy, which makes the "
                "final decision (deny: no rule admits gamma); the baseline accept-gamma rule "
                "is never consulted",
                by=D(v, "networkpolicy", "beta/web-from-alpha", direction="ingress"),
            ),
            allowed(
                c1, b2, 80, by=D(v, "baseline", "default", "accept-gamma", "accept", "ingress")
            ),
            denied(a1, b2, 80, by=D(v, "baseline", "default", "deny-all", "deny", "ingress")),
            denied(
                b2, b1, 8080, by=D(v, "networkpolicy", "beta/web-from-alpha", direction="ingress")
            ),
        ]

    cases += both(
        "networkpolicy-hides-baseline",
        "BaselineAdminNetworkPolicy rules apply to the selected pods 'if they are not matched by "
        "any AdminNetworkPolicy or NetworkPolicy rules' (BANP spec.ingress); the BANP 'CAN be "
        "overridden by developer NetworkPolicies' (site-src/api-overview.md). A pod isolated by a "
        "NetworkPolicy gets the NetworkPolicy's answer, including its implicit deny: this is the "
        "behaviour the integration conformance test relies on.",
        "'NetworkPolicy tier ... v1.NetworkPolicy always makes a final decision for selected "
        "pods. Further evaluation only happens for Pods not selected by a v1.NetworkPolicy.' "
        "and 'Baseline tier is a cluster-wide policy that can be overridden by the "
        "v1.NetworkPolicy' (spec.tier).",
        pols,
        qs,
        nps=nps,
        src1=(V1_BANP, V1_OVERVIEW),
        src2=(V2_TYPES, V2_OVERVIEW),
    )

    # -- NetworkPolicy selection is per direction
    def pols(v):
        return [
            Pol(
                "default",
                "baseline",
                None if v == 1 else 10,
                NS(ml(team="a")),
                egress=[R("deny", NS(ml(team="b")), name="deny-to-beta")],
            )
        ]

    nps = [
        NPOL(
            A, "ingress-same-namespace", {}, ["Ingress"], ingress=[{"from": [{"podSelector": {}}]}]
        )
    ]

    def qs(v):
        return [
            denied(
                a1,
                b2,
                80,
                why="alpha/ingress-same-namespace has policyTypes [Ingress]: it "
                "does not select alpha's pods for egress, so egress falls to the baseline",
                by=D(v, "baseline", "default", "deny-to-beta", "deny", "egress"),
            ),
            allowed(
                a2,
                a1,
                80,
                by=D(v, "networkpolicy", "alpha/ingress-same-namespace", direction="ingress"),
            ),
            denied(
                b2,
                a1,
                80,
                by=D(v, "networkpolicy", "alpha/ingress-same-namespace", direction="ingress"),
            ),
            allowed(a1, c1, 80, by=D(v, "default")),
        ]

    cases += both(
        "networkpolicy-selection-is-per-direction",
        "Pass hands traffic 'to any NetworkPolicies that select the pod. If the pod is not "
        "selected by any NetworkPolicies then execution is passed to any "
        "BaselineAdminNetworkPolicies' (action). NetworkPolicy selection is per direction "
        "(a NetworkPolicy whose policyTypes lack Egress does not isolate egress: networking.k8s.io"
        "/v1 API), so an ingress-only NetworkPolicy leaves egress to the BANP. Interpretation, "
        "see SEMANTICS.md (the closed KEP-2091 PR kubernetes/enhancements#4688 proposed to say "
        "so explicitly).",
        "'v1.NetworkPolicy always makes a final decision for selected pods. Further evaluation "
        "only happens for Pods not selected by a v1.NetworkPolicy' (spec.tier). A pod is "
        "selected for a direction only by NetworkPolicies whose policyTypes include it "
        "(networking.k8s.io/v1), so an ingress-only NetworkPolicy leaves egress to the Baseline "
        "tier. Interpretation, see SEMANTICS.md.",
        pols,
        qs,
        nps=nps,
        src1=(V1_ANP, V1_BANP),
        src2=(V2_TYPES,),
    )

    # -- nothing decides: default allow
    def pols(v):
        return [
            Pol(
                "alpha-not-to-gamma",
                "admin",
                5,
                NS(ml(team="a")),
                egress=[R("deny", NS(ml(team="c")), name="deny-to-gamma")],
            ),
            Pol(
                "default",
                "baseline",
                None if v == 1 else 10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="c")), name="deny-from-gamma")],
            ),
        ]

    def qs(v):
        return [
            allowed(
                a1,
                b2,
                80,
                why="the admin policy selects a1 but no rule matches beta",
                by=D(v, "default"),
            ),
            allowed(b1, a1, 80, by=D(v, "default")),
            denied(
                a1,
                c1,
                80,
                by=D(v, "admin", "alpha-not-to-gamma", "deny-to-gamma", "deny", "egress"),
            ),
            denied(
                c1, b2, 80, by=D(v, "baseline", "default", "deny-from-gamma", "deny", "ingress")
            ),
            allowed(c1, a1, 80, by=D(v, "default")),
            allowed(INTERNET, b2, 80, by=D(v, "default")),
            allowed(a1, INTERNET, 443, by=D(v, "default")),
        ]

    cases += both(
        "default-allow",
        "Traffic that no layer decides is allowed. v1alpha1 says for Pass that without a "
        "NetworkPolicy or BANP match 'traffic will be governed by the implementation. For most "
        'implementations, this means "allow"\' (site-src/api-overview.md at v0.1.7); the '
        "conformance suite expects such traffic to connect (e.g. AdminNetworkPolicyGress "
        "'pass-gress'), as does the Kubernetes network model.",
        "'If a given connection wasn't allowed or denied by any of the tiers, the default "
        "kubernetes policy is applied, which says that all pods can communicate with each other' "
        "(spec.tier).",
        pols,
        qs,
        src1=(V1_OVERVIEW, V1_ANP),
        src2=(V2_TYPES,),
    )
    return cases


# ================================================================ Pass


def pass_cases() -> list[Case]:
    cases = []
    v1_pass = (
        "Pass 'instructs the selected traffic to skip any remaining ANP rules, and then "
        "pass execution to any NetworkPolicies that select the pod. If the pod is not "
        "selected by any NetworkPolicies then execution is passed to any "
        "BaselineAdminNetworkPolicies that select the pod' (action); 'skip all further "
        "rules from all numbered ANPs' (site-src/api-overview.md)."
    )
    v2_pass = (
        "'Pass: Skips all further ClusterNetworkPolicy rules in the current tier for the "
        "selected traffic, and passes evaluation to the next tier'; 'traffic selected by a "
        "Pass rule will skip any lower precedence Admin tier rules and proceed to be "
        "evaluated by NetworkPolicy and Baseline tier policies' (site-src/api-overview.md)."
    )

    def pols(v):
        return [
            Pol(
                "delegate-alpha",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("pass", NS(ml(team="a")), name="pass-from-alpha")],
            ),
            Pol(
                "lockdown-beta",
                "admin",
                20,
                NS(ml(team="b")),
                ingress=[R("deny", NS({}), name="deny-all")],
            ),
        ]

    def qs(v):
        return [
            allowed(
                a1,
                b1,
                8080,
                why="Pass skips lockdown-beta (priority 20); no NetworkPolicy, "
                "no baseline: default allow",
                by=[
                    D(v, "admin", "delegate-alpha", "pass-from-alpha", "pass", "ingress"),
                    D(v, "default"),
                ],
            ),
            denied(c1, b1, 8080, by=D(v, "admin", "lockdown-beta", "deny-all", "deny", "ingress")),
            denied(
                b2,
                b1,
                8080,
                why="namespaces: {} includes the subject's own namespace",
                by=D(v, "admin", "lockdown-beta", "deny-all", "deny", "ingress"),
            ),
        ]

    cases += both(
        "pass-skips-lower-priority-admin-policies",
        "A Pass rule skips every lower-precedence admin policy. " + v1_pass,
        "A Pass rule skips every lower-precedence Admin-tier policy. " + v2_pass,
        pols,
        qs,
        src1=(V1_ANP, V1_OVERVIEW),
        src2=(V2_TYPES, V2_OVERVIEW),
    )

    def pols(v):
        return [
            Pol(
                "partial-delegation",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[
                    R("pass", NS(ml(team="a")), PORT("TCP", 8080), name="pass-alpha-8080"),
                    R("deny", NS(ml(team="a")), name="deny-alpha"),
                ],
            )
        ]

    def qs(v):
        return [
            allowed(
                a1,
                b1,
                8080,
                by=D(v, "admin", "partial-delegation", "pass-alpha-8080", "pass", "ingress"),
            ),
            denied(
                a1,
                b1,
                53,
                "UDP",
                by=D(v, "admin", "partial-delegation", "deny-alpha", "deny", "ingress"),
            ),
            denied(
                a1, b2, 80, by=D(v, "admin", "partial-delegation", "deny-alpha", "deny", "ingress")
            ),
        ]

    cases += both(
        "pass-skips-rest-of-its-own-policy",
        "Pass also skips the later rules of its own policy. " + v1_pass,
        "Pass also skips the later rules of its own policy. " + v2_pass,
        pols,
        qs,
    )

    def pols(v):
        return [
            Pol(
                "delegate-alpha",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("pass", NS(ml(team="a")), name="pass-from-alpha")],
            ),
            Pol(
                "allow-alpha",
                "admin",
                20,
                NS(ml(team="b")),
                ingress=[R("accept", NS(ml(team="a")), name="accept-from-alpha")],
            ),
        ]

    nps = [
        NPOL(
            B,
            "alpha-8080-only",
            {},
            ["Ingress"],
            ingress=[
                {
                    "from": [{"namespaceSelector": ml(team="a")}],
                    "ports": [{"protocol": "TCP", "port": 8080}],
                }
            ],
        )
    ]

    def qs(v):
        return [
            allowed(
                a1, b1, 8080, by=D(v, "networkpolicy", "beta/alpha-8080-only", direction="ingress")
            ),
            denied(
                a1,
                b2,
                80,
                why="Pass skips the lower-precedence admin Allow; the "
                "NetworkPolicy decides and admits only TCP 8080",
                by=D(v, "networkpolicy", "beta/alpha-8080-only", direction="ingress"),
            ),
            denied(
                c1, b1, 8080, by=D(v, "networkpolicy", "beta/alpha-8080-only", direction="ingress")
            ),
        ]

    cases += both(
        "pass-goes-to-networkpolicy",
        "Passed traffic is decided by the NetworkPolicies of the pod, even against a "
        "lower-priority ANP Allow. " + v1_pass,
        "Passed traffic is decided by the NetworkPolicy tier, even against a "
        "lower-priority Admin Accept. " + v2_pass,
        pols,
        qs,
        nps=nps,
    )

    def pols(v):
        return [
            Pol(
                "delegate-alpha",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("pass", NS(ml(team="a")), name="pass-from-alpha")],
            ),
            Pol(
                "default",
                "baseline",
                None if v == 1 else 10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), name="deny-from-alpha")],
            ),
        ]

    nps = [
        NPOL(
            B,
            "api-from-alpha",
            ml(app="api"),
            ["Ingress"],
            ingress=[{"from": [{"namespaceSelector": ml(team="a")}]}],
        )
    ]

    def qs(v):
        return [
            denied(
                a1,
                b1,
                8080,
                why="passed; beta/b1 is not selected by any NetworkPolicy, so the baseline decides",
                by=D(v, "baseline", "default", "deny-from-alpha", "deny", "ingress"),
            ),
            allowed(
                a1,
                b2,
                80,
                why="passed; beta/b2 is selected by beta/api-from-alpha, which "
                "allows it: the baseline is not reached",
                by=D(v, "networkpolicy", "beta/api-from-alpha", direction="ingress"),
            ),
            allowed(c1, b1, 8080, by=D(v, "default")),
        ]

    cases += both(
        "pass-goes-to-baseline-when-no-networkpolicy",
        "Passed traffic reaches the BANP when no NetworkPolicy selects the pod. " + v1_pass,
        "Passed traffic reaches the Baseline tier when no NetworkPolicy selects the "
        "pod. " + v2_pass,
        pols,
        qs,
        nps=nps,
        src1=(V1_ANP, V1_BANP),
    )

    # -- v1alpha2: Pass in the Baseline tier
    def pols(v):
        return [
            Pol(
                "baseline-delegate-alpha",
                "baseline",
                10,
                NS(ml(team="b")),
                ingress=[R("pass", NS(ml(team="a")), name="pass-from-alpha")],
            ),
            Pol(
                "baseline-deny-all",
                "baseline",
                20,
                NS(ml(team="b")),
                ingress=[R("deny", NS({}), name="deny-all")],
            ),
            Pol(
                "admin-pass-gamma",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("pass", NS(ml(team="c")), name="pass-from-gamma")],
            ),
        ]

    def qs(v):
        return [
            allowed(
                a1,
                b1,
                8080,
                why="Pass in the Baseline tier skips the remaining Baseline "
                "policies; the next tier is the default (allow)",
                by=[
                    D(
                        v,
                        "baseline",
                        "baseline-delegate-alpha",
                        "pass-from-alpha",
                        "pass",
                        "ingress",
                    ),
                    D(v, "default"),
                ],
            ),
            denied(
                c1,
                b1,
                8080,
                why="Admin Pass leads to the Baseline tier, where only baseline-deny-all matches",
                by=D(v, "baseline", "baseline-deny-all", "deny-all", "deny", "ingress"),
            ),
            denied(
                b2,
                b1,
                8080,
                by=D(v, "baseline", "baseline-deny-all", "deny-all", "deny", "ingress"),
            ),
        ]

    cases += both(
        "pass-in-baseline-tier",
        "",
        "v1alpha2 allows Pass in the Baseline tier: 'Supporting Pass action in "
        "ClusterNetworkPolicy with tier=Baseline to allow skipping all further rules in the "
        "Baseline tier' (blog post). The tier after Baseline is the default: 'Tiers are evaluated "
        "top to bottom: 1. Admin tier 2. NetworkPolicy tier 3. Baseline tier 4. Default tier', "
        "where DefaultTier 'allows all pods to communicate with each other' (NPEP-285); 'If a "
        "given connection wasn't allowed or denied by any of the tiers, the default kubernetes "
        "policy is applied' (spec.tier). So a Baseline Pass means: this direction is allowed "
        "unless an Admin or NetworkPolicy decision was made earlier (there cannot be one, "
        "since the Baseline tier is only reached without them). In v1alpha1 the BANP action "
        "enum is {Allow, Deny}: see spec-validation-v1alpha1.yaml.",
        pols,
        qs,
        src2=(V2_TYPES, V2_BLOG, NPEP_285),
        versions=(2,),
    )

    # -- Pass in egress with several protocol matches (user story 3 shape)
    def pols(v):
        return [
            Pol(
                "delegate-dns-egress",
                "admin",
                10,
                NS({}),
                egress=[
                    R(
                        "pass",
                        PODS(ns_name("kube-system"), ml(**{"k8s-app": "kube-dns"})),
                        [PORT("UDP", 53), PORT("TCP", 53)],
                        name="pass-dns",
                    )
                ],
            ),
            Pol(
                "no-egress-from-alpha",
                "admin",
                20,
                NS(ml(team="a")),
                egress=[R("deny", NS({}), name="deny-in-cluster")],
            ),
        ]

    nps = [
        NPOL(
            A,
            "db-egress",
            ml(app="db"),
            ["Egress"],
            egress=[{"to": [{"namespaceSelector": ml(team="b")}]}],
        )
    ]

    def qs(v):
        return [
            allowed(
                a1,
                DNS,
                53,
                "UDP",
                by=[
                    D(v, "admin", "delegate-dns-egress", "pass-dns", "pass", "egress"),
                    D(v, "default"),
                ],
            ),
            allowed(a1, DNS, 53, "TCP"),
            denied(
                a2,
                DNS,
                53,
                "UDP",
                why="passed to the NetworkPolicy tier; alpha/db-egress "
                "isolates alpha/a2 for egress and admits only beta",
                by=D(v, "networkpolicy", "alpha/db-egress", direction="egress"),
            ),
            denied(
                a1,
                DNS,
                9153,
                by=D(v, "admin", "no-egress-from-alpha", "deny-in-cluster", "deny", "egress"),
            ),
            denied(
                a1,
                b1,
                8080,
                by=D(v, "admin", "no-egress-from-alpha", "deny-in-cluster", "deny", "egress"),
            ),
            allowed(b1, DNS, 53, "UDP"),
        ]

    cases += both(
        "pass-egress-with-ports",
        "Egress Pass with ports: only the listed protocol/port pairs are passed; "
        "other traffic to the same pods continues to lower-priority rules. " + v1_pass,
        "Egress Pass with protocols: only the listed protocol/port pairs are passed; "
        "other traffic continues to lower-precedence rules. " + v2_pass,
        pols,
        qs,
        nps=nps,
    )
    return cases


# ================================================================ no implicit isolation


def isolation_cases() -> list[Case]:
    cases = []
    v1q = (
        "'Any well defined AdminNetworkPolicy rules should be read as-is, i.e. there will not "
        "be any implicit isolation effects for the Pods selected by the AdminNetworkPolicy, as "
        "opposed to what NetworkPolicy rules imply' (site-src/api-overview.md); 'ANPs with no "
        "ingress rules do not affect ingress traffic' (spec.ingress)."
    )
    v2q = (
        "'ClusterNetworkPolicy rules should be read as-is, i.e. there will not be any implicit "
        "isolation effects for the Pods selected by the ClusterNetworkPolicy' "
        "(site-src/api-overview.md); 'CNPs with no ingress rules do not affect ingress "
        "traffic' (spec.ingress)."
    )

    def pols(v):
        return [
            Pol(
                "beta-admits-alpha",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("accept", NS(ml(team="a")), name="accept-from-alpha")],
                egress=[
                    R(
                        "accept",
                        PODS(ns_name("kube-system"), ml(**{"k8s-app": "kube-dns"})),
                        PORT("UDP", 53),
                        name="accept-dns",
                    )
                ],
            )
        ]

    def qs(v):
        return [
            allowed(
                a1,
                b1,
                8080,
                by=D(v, "admin", "beta-admits-alpha", "accept-from-alpha", "accept", "ingress"),
            ),
            allowed(
                c1,
                b1,
                8080,
                why="an Allow rule for alpha does not isolate beta",
                by=D(v, "default"),
            ),
            allowed(INTERNET, b2, 80, by=D(v, "default")),
            allowed(
                b1,
                DNS,
                53,
                "UDP",
                by=D(v, "admin", "beta-admits-alpha", "accept-dns", "accept", "egress"),
            ),
            allowed(
                b1,
                a1,
                80,
                why="an egress Allow to DNS does not isolate beta's egress",
                by=D(v, "default"),
            ),
            allowed(b2, INTERNET, 443, by=D(v, "default")),
        ]

    cases += both(
        "allow-rules-do-not-isolate",
        "Allow rules do not isolate their subject. " + v1q,
        "Accept rules do not isolate their subject. " + v2q,
        pols,
        qs,
        src1=(V1_OVERVIEW, V1_ANP),
        src2=(V2_OVERVIEW, V2_TYPES),
    )

    def pols(v):
        return [
            Pol(
                "beta-egress-lockdown",
                "admin",
                10,
                NS(ml(team="b")),
                egress=[R("deny", NS({}), name="deny-to-cluster-pods")],
            ),
            Pol(
                "default",
                "baseline",
                None if v == 1 else 10,
                NS(ml(team="c")),
                ingress=[R("accept", NS(ml(team="a")), name="accept-alpha")],
            ),
        ]

    def qs(v):
        return [
            allowed(
                a1,
                b1,
                8080,
                why="the policy has no ingress rules: beta's ingress is unaffected",
                by=D(v, "default"),
            ),
            denied(
                b1,
                a1,
                80,
                by=D(v, "admin", "beta-egress-lockdown", "deny-to-cluster-pods", "deny", "egress"),
            ),
            allowed(
                b1, INTERNET, 443, why="a namespaces peer matches pods only", by=D(v, "default")
            ),
            allowed(
                b2, NODE2, 10250, why="a namespaces peer does not match nodes", by=D(v, "default")
            ),
            allowed(
                c1,
                c2,
                80,
                why="the baseline Allow for alpha does not isolate gamma",
                by=D(v, "default"),
            ),
            allowed(
                a2, c2, 80, by=D(v, "baseline", "default", "accept-alpha", "accept", "ingress")
            ),
        ]

    cases += both(
        "rules-of-one-direction-only",
        "A policy with only egress rules leaves ingress alone, and a BANP Allow does "
        "not isolate either. " + v1q,
        "A policy with only egress rules leaves ingress alone, and a Baseline Accept "
        "does not isolate either. " + v2q,
        pols,
        qs,
        src1=(V1_OVERVIEW, V1_ANP),
        src2=(V2_OVERVIEW, V2_TYPES),
    )
    return cases


# ================================================================ rule order and priority


def order_cases() -> list[Case]:
    cases = []
    v1q = (
        "'The relative precedence of ingress rules within a single ANP object (all of which "
        "share the priority) will be determined by the order in which the rule is written. "
        "Thus, a rule that appears at the top of the ingress rules would take the highest "
        "precedence' (spec.ingress); 'Policies with lower priority values have higher "
        "precedence, and are checked before policies with higher priority values' "
        "(spec.priority, 0 to 1000)."
    )
    v2q = (
        "'The relative precedence of ingress rules within a single CNP object (all of which "
        "share the priority) will be determined by the order in which the rule is written' "
        "(spec.ingress); 'Policies with lower priority values have higher precedence, and are "
        "checked before policies with higher priority values in the same tier' "
        "(spec.priority, 0 to 1000)."
    )

    def pols(v):
        return [
            Pol(
                "ordered",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[
                    R("deny", NS(ml(team="a")), PORT("TCP", 8080), name="deny-alpha-8080"),
                    R("accept", NS(ml(team="a")), name="accept-alpha"),
                    R("deny", NS({}), name="deny-rest"),
                ],
            )
        ]

    def qs(v):
        return [
            denied(a1, b1, 8080, by=D(v, "admin", "ordered", "deny-alpha-8080", "deny", "ingress")),
            allowed(
                a1, b1, 53, "UDP", by=D(v, "admin", "ordered", "accept-alpha", "accept", "ingress")
            ),
            allowed(a1, b2, 80, by=D(v, "admin", "ordered", "accept-alpha", "accept", "ingress")),
            denied(c1, b1, 8080, by=D(v, "admin", "ordered", "deny-rest", "deny", "ingress")),
        ]

    cases += both(
        "first-matching-rule-wins",
        "Within a policy the first matching rule decides. " + v1q,
        "Within a policy the first matching rule decides. " + v2q,
        pols,
        qs,
    )

    def pols(v):
        return [
            Pol(
                "p5",
                "admin",
                5,
                NS(ml(team="b")),
                ingress=[
                    R("deny", NS(ml(team="c")), name="deny-gamma"),
                    R("deny", NS(ml(team="a")), PORT("TCP", 8080), name="deny-alpha-8080"),
                ],
            ),
            Pol(
                "p10",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("accept", NS(ml(team="a")), name="accept-alpha")],
            ),
        ]

    def qs(v):
        return [
            denied(
                a1,
                b1,
                8080,
                why="the second rule of priority 5 beats the first rule of priority 10",
                by=D(v, "admin", "p5", "deny-alpha-8080", "deny", "ingress"),
            ),
            allowed(a1, b2, 80, by=D(v, "admin", "p10", "accept-alpha", "accept", "ingress")),
            denied(c1, b2, 80, by=D(v, "admin", "p5", "deny-gamma", "deny", "ingress")),
        ]

    cases += both(
        "priority-before-rule-order",
        "Policy priority orders policies; rule order only orders rules within a policy. " + v1q,
        "Policy priority orders policies; rule order only orders rules within a policy. " + v2q,
        pols,
        qs,
    )

    def pols(v):
        return [
            Pol(
                "last",
                "admin",
                1000,
                NS(ml(team="b")),
                ingress=[R("accept", NS({}), name="accept-all")],
            ),
            Pol(
                "first",
                "admin",
                0,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), name="deny-alpha")],
            ),
        ]

    def qs(v):
        return [
            denied(a1, b1, 8080, by=D(v, "admin", "first", "deny-alpha", "deny", "ingress")),
            allowed(c1, b1, 8080, by=D(v, "admin", "last", "accept-all", "accept", "ingress")),
        ]

    cases += both(
        "priority-bounds",
        "Priorities 0 (first) and 1000 (last) are both valid; lower values win. " + v1q,
        "Priorities 0 (first) and 1000 (last) are both valid; lower values win. " + v2q,
        pols,
        qs,
    )
    return cases


# ================================================================ subjects


def subject_cases() -> list[Case]:
    cases = []
    v1q = (
        "Subject 'Namespaces is used to select pods via namespace selectors'; 'Pods is used "
        "to select pods via namespace AND pod selectors'; 'Note that host-networked pods are "
        "not included in subject selection' (AdminNetworkPolicySubject, spec.subject)."
    )
    v2q = (
        "Subject 'Namespaces is used to select pods via namespace selectors'; 'Pods is used "
        "to select pods via namespace AND pod selectors'; 'Note that host-networked pods are "
        "not included in subject selection' (ClusterNetworkPolicySubject)."
    )

    def pols(v):
        return [
            Pol(
                "prod-not-to-dev",
                "admin",
                10,
                NS(sel(exprs=[{"key": "env", "operator": "In", "values": ["prod"]}])),
                egress=[R("deny", NS(ml(team="c")), name="deny-to-gamma")],
            )
        ]

    def qs(v):
        return [denied(a1, c1, 80), denied(b2, c1, 80), allowed(c2, c1, 80), allowed(c1, a1, 80)]

    cases += both(
        "subject-namespaces-match-expressions",
        "A namespaces subject with matchExpressions. " + v1q,
        "A namespaces subject with matchExpressions. " + v2q,
        pols,
        qs,
        src1=(V1_SHARED,),
        src2=(V2_TYPES,),
    )

    def pols(v):
        return [
            Pol(
                "alpha-web-egress",
                "admin",
                10,
                PODS(ml(team="a"), ml(app="web")),
                egress=[R("deny", NS(ml(team="b")), name="deny-to-beta")],
            )
        ]

    def qs(v):
        return [
            denied(a1, b2, 80),
            allowed(a2, b2, 80, why="a2 is app=db: not a subject"),
            allowed(c1, b2, 80, why="gamma does not match the namespaceSelector"),
        ]

    cases += both(
        "subject-pods",
        "A pods subject ANDs its namespace and pod selectors. " + v1q,
        "A pods subject ANDs its namespace and pod selectors. " + v2q,
        pols,
        qs,
        src1=(V1_SHARED,),
        src2=(V2_TYPES,),
    )

    def pols(v):
        return [
            Pol(
                "nobody-from-gamma",
                "admin",
                10,
                NS({}),
                ingress=[R("deny", NS(ml(team="c")), name="deny-from-gamma")],
            )
        ]

    def qs(v):
        return [
            denied(c1, a1, 80),
            denied(c1, c2, 80, why="own namespace included"),
            denied(c2, DNS, 53, "UDP"),
            allowed(a1, c1, 80),
            allowed(c1, AGENT, 9100, why="host-network pods are not subjects"),
        ]

    cases += both(
        "subject-all-namespaces",
        "namespaces: {} selects the pods of every namespace (standard label selector "
        "semantics). " + v1q,
        "namespaces: {} selects the pods of every namespace. " + v2q,
        pols,
        qs,
        src1=(V1_SHARED,),
        src2=(V2_TYPES,),
    )

    def pols(v):
        return [
            Pol(
                "everything-locked",
                "admin",
                10,
                NS({}),
                ingress=[R("deny", NS({}), name="deny-from-pods")],
                egress=[R("deny", NETS("0.0.0.0/0", "::/0"), name="deny-all-egress")],
            )
        ]

    def qs(v):
        return [
            allowed(
                AGENT,
                b1,
                8080,
                why="infra/agent is host-networked: not a subject (its "
                "egress is not governed) and not matched by the namespaces peer of beta's "
                "ingress rule",
                by=D(v, "default"),
            ),
            allowed(AGENT, INTERNET, 443, by=D(v, "default")),
            denied(
                a1,
                AGENT,
                9100,
                why="a1's egress: networks 0.0.0.0/0 contains the node IP",
                by=D(v, "admin", "everything-locked", "deny-all-egress", "deny", "egress"),
            ),
            denied(a1, b1, 8080),
            allowed(
                INTERNET,
                b1,
                8080,
                why="ingress peers are namespaces/pods only: an outside address is never matched",
                by=D(v, "default"),
            ),
        ]

    cases += both(
        "subject-excludes-host-network-pods",
        "Host-networked pods are neither subjects nor matched by namespaces/pods "
        "peers ('Note that host-networked pods are not included in this type of "
        "peer'). " + v1q,
        "Host-networked pods are neither subjects nor matched by namespaces/pods "
        "peers ('Note that host-networked pods are not included in this type of "
        "peer'). " + v2q,
        pols,
        qs,
        src1=(V1_SHARED, V1_ANP),
        src2=(V2_TYPES,),
    )

    def pols(v):
        return [
            Pol(
                "beta-from-alpha-by-name",
                "admin",
                10,
                NS(ns_name(B)),
                ingress=[R("deny", NS(ns_name(A)), name="deny-from-alpha")],
            )
        ]

    def qs(v):
        return [denied(a1, b1, 8080), allowed(c1, b1, 8080)]

    cases += both(
        "subject-by-namespace-name-label",
        "Namespaces are commonly selected by the kubernetes.io/metadata.name label, "
        "which the API server sets on every namespace (the conformance manifests do "
        "this, e.g. conformance/base/admin_network_policy/standard-gress-rules-"
        "combined.yaml). " + v1q,
        "Namespaces are commonly selected by the kubernetes.io/metadata.name label, "
        "which the API server sets on every namespace (as the conformance manifests "
        "do). " + v2q,
        pols,
        qs,
        src1=(v1url("conformance/base/admin_network_policy/standard-gress-rules-combined.yaml"),),
        src2=(v2url("conformance/base/admin_tier/standard-gress-rules-combined.yaml"),),
    )
    return cases


# ================================================================ peers


def peer_cases() -> list[Case]:
    cases = []
    v1q = (
        "Peers (AdminNetworkPolicyEgressPeer): 'Namespaces defines a way to select all pods "
        "within a set of Namespaces'; 'Pods defines a way to select a set of pods in a set of "
        "namespaces'; NamespacedPod.namespaceSelector 'follows standard label selector "
        "semantics; if empty, it selects all Namespaces'; 'If any element matches the "
        "destination of outgoing traffic then the specified action is applied' (to)."
    )
    v2q = (
        "Peers (ClusterNetworkPolicyEgressPeer): 'Namespaces defines a way to select all pods "
        "within a set of Namespaces'; 'Pods defines a way to select a set of pods in a set of "
        "namespaces'; NamespacedPod.namespaceSelector 'follows standard label selector "
        "semantics; if empty, it selects all Namespaces'."
    )

    def pols(v):
        return [
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("deny", PODS(ml(team="b"), ml(app="web")), name="deny-beta-web")],
            )
        ]

    def qs(v):
        return [
            denied(a1, b1, 8080),
            allowed(a1, b2, 80, why="app=api: pod selector fails"),
            allowed(a1, c1, 80, why="gamma: namespace selector fails although app=web"),
        ]

    cases += both(
        "peer-pods-ands-selectors",
        "A pods peer ANDs its selectors. " + v1q,
        "A pods peer ANDs its selectors. " + v2q,
        pols,
        qs,
        src1=(V1_ANP, V1_SHARED),
        src2=(V2_TYPES,),
    )

    def pols(v):
        return [
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("deny", PODS({}, ml(app="web")), name="deny-web-anywhere")],
            )
        ]

    def qs(v):
        return [
            denied(a2, a1, 80, why="own namespace included"),
            denied(a1, b1, 8080),
            denied(a1, c1, 80),
            allowed(a1, b2, 80),
        ]

    cases += both(
        "peer-pods-in-all-namespaces",
        "namespaceSelector: {} in a pods peer means every namespace (the policy is "
        "cluster-scoped, there is no 'own namespace' default). " + v1q,
        "namespaceSelector: {} in a pods peer means every namespace. " + v2q,
        pols,
        qs,
        src1=(V1_ANP, V1_SHARED),
        src2=(V2_TYPES,),
    )

    def pols(v):
        return [
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("deny", PODS(None, ml(app="web")), name="deny-web-anywhere")],
            )
        ]

    def qs(v):
        return [denied(a2, a1, 80), denied(a1, b1, 8080), denied(a1, c1, 80), allowed(a1, b2, 80)]

    cases += both(
        "peer-pods-without-namespace-selector",
        "",
        "v1alpha2 makes NamespacedPod.namespaceSelector optional ('+optional', only podSelector "
        "is '+required'; the CRD requires only podSelector) and documents 'if empty, it selects "
        "all Namespaces': an omitted namespaceSelector is the empty selector, so the peer "
        "matches app=web pods in every namespace. (In v1alpha1 namespaceSelector is required: "
        "see spec-validation-v1alpha1.yaml.) " + v2q,
        pols,
        qs,
        versions=(2,),
        src2=(
            V2_TYPES,
            v2url("config/crd/experimental/policy.networking.k8s.io_clusternetworkpolicies.yaml"),
        ),
    )

    v1n = (
        "Networks: 'note that cluster-internal traffic will be checked against the rule as "
        'well. So if you Allow or Deny traffic to "0.0.0.0/0", that will allow or deny all '
        "IPv4 pod-to-pod traffic as well. If you don't want that, add a rule that Passes all "
        "pod traffic before the Networks rule.' (AdminNetworkPolicyEgressPeer.networks)"
    )
    v2n = (
        "Networks: 'note that cluster-internal traffic will be checked against the rule as "
        'well. So if you Accept or Deny traffic to "0.0.0.0/0", that will allow or deny all '
        "IPv4 pod-to-pod traffic as well. If you don't want that, add a rule that Passes all "
        "pod traffic before the Networks rule.' (ClusterNetworkPolicyEgressPeer.networks)"
    )

    def pols(v):
        return [
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[
                    R("deny", NETS("10.1.1.0/24"), name="deny-beta-pod-cidr"),
                    R("deny", NETS("203.0.113.0/24", "2001:db8::/32"), name="deny-ext"),
                ],
            )
        ]

    def qs(v):
        return [
            denied(
                a1,
                b1,
                8080,
                by=D(v, "admin", "alpha-egress", "deny-beta-pod-cidr", "deny", "egress"),
            ),
            denied(a1, b2, 80),
            allowed(a1, c1, 80),
            denied(a1, "10.1.1.99", 80, why="an address in the CIDR without a pod"),
            denied(
                a1, INTERNET, 443, by=D(v, "admin", "alpha-egress", "deny-ext", "deny", "egress")
            ),
            allowed(a1, INTRANET, 443),
            denied(a1, "2001:db8::10", 443),
            allowed(a1, "2001:db9::1", 443),
        ]

    cases += both(
        "peer-networks-match-pod-ips-and-outside",
        "networks CIDRs match pod IPs as well as outside addresses, IPv4 and IPv6. " + v1n,
        "networks CIDRs match pod IPs as well as outside addresses, IPv4 and IPv6. " + v2n,
        pols,
        qs,
    )

    def pols(v):
        return [
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[
                    R("pass", NS({}), name="pass-pod-traffic"),
                    R("deny", NETS("0.0.0.0/0"), name="deny-everything-else"),
                ],
            )
        ]

    def qs(v):
        return [
            allowed(
                a1,
                b1,
                8080,
                by=[
                    D(v, "admin", "alpha-egress", "pass-pod-traffic", "pass", "egress"),
                    D(v, "default"),
                ],
            ),
            denied(
                a1,
                INTERNET,
                443,
                by=D(v, "admin", "alpha-egress", "deny-everything-else", "deny", "egress"),
            ),
            denied(
                a1,
                AGENT,
                9100,
                why="host-networked pods are not in namespaces peers; "
                "their (node) IP is in 0.0.0.0/0",
            ),
            denied(a1, NODE2, 6443),
            allowed(a1, "2001:db8::10", 443, why="0.0.0.0/0 is IPv4 only"),
        ]

    cases += both(
        "peer-networks-after-pass-of-pod-traffic",
        "The documented idiom: Pass pod traffic, then Deny 0.0.0.0/0. " + v1n,
        "The documented idiom: Pass pod traffic, then Deny 0.0.0.0/0. " + v2n,
        pols,
        qs,
    )

    svc = service(B, "web", {"app": "web"}, [(80, 8080, "TCP")], "10.96.0.20")

    def pols(v):
        return [
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("deny", NETS("10.96.0.0/12"), name="deny-service-cidr")],
            )
        ]

    def qs(v):
        return [
            undecided(
                a1,
                "svc/beta/web",
                80,
                why="whether a networks peer sees the "
                "Service's ClusterIP (before load-balancing) or only the endpoint pod IP "
                "is not specified; NPEP-133 implies the VIP cannot be selected, "
                "NPEP-126 lists SERVICE_CIDR as a useful networks value",
                check=False,
                nocheck_reason="the reference evaluator only sees the endpoint pod",
            ),
            allowed(a1, b1, 8080, why="direct to the pod IP, outside 10.96.0.0/12"),
        ]

    cases += both(
        "peer-networks-and-service-cluster-ip",
        "A networks peer holding the Service CIDR. NPEP-133 says of FQDN peers: 'ClusterIP "
        "Services can not be selected using their generated DNS record ... This is consistent "
        "with the behavior when selecting the Service VIP using the Network selector', i.e. "
        "the VIP is not selectable; but NPEP-126's networks example has a rule "
        "'allow-all-intra-cluster-traffic' to 'POD_CIDR, NODE_CIDR, SERVICE_CIDR' and says a "
        "serviceCIDR in networks 'will work'. Service beta/web: ClusterIP 10.96.0.20, port 80 "
        "-> targetPort 8080 on app=web (beta/b1).",
        "Same question for v1alpha2 (same NPEP text, the networks description is unchanged).",
        pols,
        qs,
        extra=[svc],
        src1=(NPEP_133, NPEP_126, V1_ANP),
        src2=(NPEP_133, NPEP_126, V2_TYPES),
    )

    v1nodes = (
        "Nodes 'selects the nodeIPs as the peer type by matching on the IPs present in "
        "the node.Status.Addresses field of the node. This field follows standard label "
        "selector semantics; if present but empty, it selects all Nodes' (experimental). "
        "NPEP-126: 'Traffic towards nodes here includes traffic towards host-networked "
        "pods on that node'."
    )

    def pols(v):
        return [
            Pol(
                "alpha-to-nodes",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[
                    R(
                        "deny",
                        NODES(ml(**{"node-role": "control-plane"})),
                        name="deny-control-plane",
                    ),
                    R("accept", NODES({}), PORT("TCP", 10250), name="accept-kubelet"),
                    R("deny", NODES({}), name="deny-nodes"),
                ],
            )
        ]

    def qs(v):
        return [
            denied(
                a1,
                NODE2,
                6443,
                by=D(v, "admin", "alpha-to-nodes", "deny-control-plane", "deny", "egress"),
            ),
            allowed(
                a1,
                NODE1,
                10250,
                by=D(v, "admin", "alpha-to-nodes", "accept-kubelet", "accept", "egress"),
            ),
            denied(
                a1, NODE1, 22, by=D(v, "admin", "alpha-to-nodes", "deny-nodes", "deny", "egress")
            ),
            denied(a1, NODE1_EXT, 22, why="the ExternalIP is in node.status.addresses too"),
            denied(a1, AGENT, 9100, why="host-networked pod on node-1: its IP is node-1's"),
            allowed(a1, AGENT, 10250),
            allowed(a1, INTERNET, 22, why="not a node address"),
            allowed(a1, b1, 8080, why="pods are not nodes"),
        ]

    cases += both(
        "peer-nodes",
        "Node peers. " + v1nodes,
        "Node peers. " + v1nodes,
        pols,
        qs,
        features=["EgressNodePeers"],
        src1=(V1_ANP, NPEP_126),
        src2=(V2_TYPES, NPEP_126),
    )

    def pols(v):
        return [
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("deny", NS({}), name="deny-to-pods")],
            )
        ]

    def qs(v):
        return [
            allowed(
                a1,
                AGENT,
                9100,
                why="'host-networked pods are not included in this type of peer'",
                by=D(v, "default"),
            ),
            denied(a1, b1, 8080),
            denied(a1, DNS, 53, "UDP"),
            allowed(a1, NODE2, 10250),
        ]

    cases += both(
        "peer-namespaces-exclude-host-network",
        "A namespaces peer does not match host-networked pods. " + v1q,
        "A namespaces peer does not match host-networked pods. " + v2q,
        pols,
        qs,
    )

    def pols(v):
        return [
            Pol(
                "beta-ingress",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("deny", NS({}), name="deny-from-pods")],
            )
        ]

    def qs(v):
        return [
            allowed(
                INTERNET, b1, 8080, why="ingress peers are namespaces/pods only", by=D(v, "default")
            ),
            allowed(AGENT, b1, 8080, why="host-networked source not matched"),
            allowed(NODE2, b1, 8080),
            denied(a1, b1, 8080),
            denied(b2, b1, 8080),
        ]

    cases += both(
        "ingress-peers-match-pods-only",
        "Ingress peers (AdminNetworkPolicyIngressPeer) are only namespaces and pods, "
        "which exclude host-networked pods: traffic from outside the cluster or from a "
        "node is never matched by an ANP ingress rule. " + v1q,
        "Ingress peers (ClusterNetworkPolicyIngressPeer) are only namespaces and pods, "
        "which exclude host-networked pods: traffic from outside the cluster or from a "
        "node is never matched by a CNP ingress rule. " + v2q,
        pols,
        qs,
        src1=(V1_SHARED,),
        src2=(V2_TYPES,),
    )
    return cases


# ================================================================ ports


def port_cases() -> list[Case]:
    cases = []
    v1q = (
        "Ports (AdminNetworkPolicyPort, exactly one of portNumber, namedPort, portRange): "
        "'Protocol is the network protocol (TCP, UDP, or SCTP) which traffic must match. If "
        "not specified, this field defaults to TCP'; PortRange is 'an inclusive range'; "
        "ingress ports are 'matched on the pods selected for this policy i.e the subject ... "
        "the destination port for the ingress traffic'; 'If Ports is not set then the rule "
        "does not filter traffic via port.'"
    )
    v2q = (
        "Protocols (ClusterNetworkPolicyProtocol, exactly one of tcp, udp, sctp, "
        "destinationNamedPort): destinationPort is a number or an inclusive range; "
        "'DestinationNamedPort selects a destination port on a pod based on the ContainerPort "
        "name'; 'If unspecified, protocol-specific attributes will not be used to match "
        "traffic.'"
    )

    def pols(v):
        return [
            Pol(
                "beta-ingress",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), PORT("UDP", 53), name="deny-udp-53")],
            ),
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("deny", NS(ml(team="c")), PORT("SCTP", 9003), name="deny-sctp-9003")],
            ),
        ]

    def qs(v):
        return [
            denied(a1, b1, 53, "UDP"),
            allowed(a1, b1, 53, "TCP"),
            allowed(a1, b1, 53, "SCTP"),
            denied(a1, c1, 9003, "SCTP"),
            allowed(a1, c1, 9003, "TCP"),
            allowed(a1, c1, 9004, "SCTP"),
        ]

    cases += both(
        "ports-protocol-must-match",
        "The protocol of a port entry must match. " + v1q,
        "The protocol of a protocols entry must match. " + v2q,
        pols,
        qs,
    )

    def pols(v):
        return [
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("deny", NS(ml(team="b")), RANGE("TCP", 8000, 8080), name="deny-range")],
            )
        ]

    def qs(v):
        return [
            denied(a1, b1, 8000),
            denied(a1, b1, 8080),
            allowed(a1, b1, 8081),
            allowed(a1, b1, 7999),
            allowed(a1, b1, 8050, "UDP"),
        ]

    cases += both(
        "ports-range-is-inclusive",
        "Port ranges include both ends. " + v1q,
        "Port ranges include both ends ('PortRange defines an inclusive range of ports "
        "from the assigned Start value to End value'). " + v2q,
        pols,
        qs,
        src1=(V1_SHARED,),
        src2=(V2_TYPES,),
    )

    def pols(v):
        raw = [
            ("raw", {"portNumber": {"port": 8080}}),
            ("raw", {"portRange": {"start": 9000, "end": 9100}}),
        ]
        return [
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("deny", NS(ml(team="b")), raw, name="deny-tcp-by-default")],
            )
        ]

    def qs(v):
        return [
            denied(a1, b1, 8080, "TCP"),
            allowed(a1, b1, 8080, "UDP"),
            denied(a1, b1, 9050, "TCP"),
            allowed(a1, b1, 9050, "SCTP"),
        ]

    cases += both(
        "ports-protocol-defaults-to-tcp",
        "v1alpha1 only: portNumber.protocol and portRange.protocol are optional with "
        "'+kubebuilder:default=TCP' ('If not specified, this field defaults to TCP'); "
        "the API server fills in TCP. v1alpha2 has no default: the protocol is the "
        "key (tcp/udp/sctp). " + v1q,
        "",
        pols,
        qs,
        versions=(1,),
        src1=(
            V1_SHARED,
            v1url("config/crd/experimental/policy.networking.k8s.io_adminnetworkpolicies.yaml"),
        ),
    )

    def pols(v):
        return [
            Pol(
                "beta-ingress",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), NAMED("web"), name="deny-web")],
            )
        ]

    def qs(v):
        return [
            denied(
                a1,
                b1,
                8080,
                why="b1's container port 'web' is TCP 8080",
                by=D(v, "admin", "beta-ingress", "deny-web", "deny", "ingress"),
            ),
            allowed(a1, b1, 80),
            allowed(a1, b2, 80, why="b2 has no port named web"),
            allowed(a1, b1, 8080, "UDP"),
        ]

    cases += both(
        "named-port-ingress-resolved-on-subject",
        "An ingress named port is resolved on the subject pod (the destination). "
        "'NamedPort selects a port on a pod(s) based on name' (experimental); the "
        "conformance test AdminNetworkPolicyIngressNamedPort relies on the pod spec "
        "port 'dns' being UDP 53. " + v1q,
        "An ingress named port is resolved on the subject pod (the destination). " + v2q,
        pols,
        qs,
        features=["NamedPorts"],
        src1=(V1_SHARED,),
        src2=(V2_TYPES, V2_OVERVIEW),
    )

    def pols(v):
        return [
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[
                    R("accept", NS({}), NAMED("web"), name="accept-web"),
                    R("deny", NS({}), name="deny-pods"),
                ],
            )
        ]

    def qs(v):
        return [
            allowed(
                a1, b1, 8080, by=D(v, "admin", "alpha-egress", "accept-web", "accept", "egress")
            ),
            denied(a1, b1, 80, why="b1's 'web' is 8080, not 80"),
            allowed(a1, c1, 80),
            denied(a1, c1, 8080),
            denied(a1, b2, 80, why="b2 has no port named web"),
            denied(a2, a1, 9090),
        ]

    cases += both(
        "named-port-egress-resolved-on-destination",
        "An egress named port is resolved on each destination pod, so the same name "
        "means different numbers per destination. " + v1q,
        "An egress named port is resolved on each destination pod. " + v2q,
        pols,
        qs,
        features=["NamedPorts"],
        src1=(V1_SHARED,),
        src2=(V2_TYPES, V2_OVERVIEW),
    )

    def pols(v):
        return [
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("deny", NS({}), NAMED("dns"), name="deny-dns-port")],
            )
        ]

    def qs(v):
        return [
            denied(a1, DNS, 53, "UDP"),
            allowed(a1, DNS, 53, "TCP", why="TCP 53 is named dns-tcp on coredns"),
            denied(a1, b1, 53, "UDP"),
            allowed(a1, c1, 53, "UDP", why="c1 has no port 'dns'"),
        ]

    cases += both(
        "named-port-carries-its-protocol",
        "A named port matches only the protocol of the container port of that name. " + v1q,
        "A named port matches only the protocol of the container port of that name. " + v2q,
        pols,
        qs,
        features=["NamedPorts"],
    )
    return cases


# ================================================================ both directions


def direction_cases() -> list[Case]:
    cases = []
    v1q = (
        "Each rule applies to one direction of its subject: 'Ingress is the list of Ingress "
        "rules to be applied to the selected pods', 'Egress ... to the selected pods'. A Deny "
        "means 'Pods will never receive traffic which has been matched by a \"Deny\" rule' "
        "(AdminNetworkPolicyRuleActionDeny), whatever allowed the source's egress."
    )
    v2q = (
        "Egress Accept: 'No further egress ClusterNetworkPolicy or NetworkPolicy rules will be "
        "processed but any ingress rules at the destination do apply'; ingress Accept: 'No "
        "further ingress ClusterNetworkPolicy or NetworkPolicy rules will be processed' "
        "(action)."
    )

    def pols(v):
        return [
            Pol(
                "alpha-egress-accept",
                "admin",
                1,
                NS(ml(team="a")),
                egress=[R("accept", NS(ml(team="b")), name="accept-to-beta")],
            ),
            Pol(
                "beta-ingress-deny",
                "admin",
                2,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), name="deny-from-alpha")],
            ),
        ]

    def qs(v):
        return [
            denied(
                a1,
                b1,
                8080,
                why="the egress Accept (priority 1) does not override the "
                "destination's ingress Deny (priority 2): each direction is decided on "
                "its own",
                by=D(v, "admin", "beta-ingress-deny", "deny-from-alpha", "deny", "ingress"),
            ),
            allowed(b1, a1, 80),
        ]

    cases += both(
        "egress-allow-does-not-override-ingress-deny",
        "Traffic needs both the source's egress and the destination's ingress. " + v1q,
        "Traffic needs both the source's egress and the destination's ingress. " + v2q,
        pols,
        qs,
    )

    def pols(v):
        return [
            Pol(
                "beta-ingress-accept",
                "admin",
                1,
                NS(ml(team="b")),
                ingress=[R("accept", NS(ml(team="a")), name="accept-from-alpha")],
            ),
            Pol(
                "default",
                "baseline",
                None if v == 1 else 10,
                NS(ml(team="a")),
                egress=[R("deny", NS(ml(team="b")), name="deny-to-beta")],
            ),
        ]

    nps = [NPOL(B, "deny-all", {}, ["Ingress"])]

    def qs(v):
        return [
            denied(
                a1,
                b1,
                8080,
                why="the admin ingress Accept decides beta's ingress only; "
                "alpha's egress is denied by the baseline",
                by=D(v, "baseline", "default", "deny-to-beta", "deny", "egress"),
            ),
            denied(c1, b1, 8080, by=D(v, "networkpolicy", "beta/deny-all", direction="ingress")),
        ]

    cases += both(
        "ingress-allow-does-not-override-egress-deny",
        "Traffic needs both the source's egress and the destination's ingress. " + v1q,
        "Traffic needs both the source's egress and the destination's ingress. " + v2q,
        pols,
        qs,
        nps=nps,
    )

    def pols(v):
        return [
            Pol(
                "alpha-egress-accept",
                "admin",
                1,
                NS(ml(team="a")),
                egress=[R("accept", NS(ml(team="b")), name="accept-to-beta")],
            )
        ]

    nps = [NPOL(B, "deny-all", {}, ["Ingress"])]

    def qs(v):
        return [
            denied(a1, b1, 8080, by=D(v, "networkpolicy", "beta/deny-all", direction="ingress")),
            allowed(a1, c1, 80),
        ]

    cases += both(
        "egress-allow-and-networkpolicy-at-destination",
        "An egress Allow does not open the destination's NetworkPolicy. " + v1q,
        "An egress Accept does not open the destination's NetworkPolicy ('any ingress "
        "rules at the destination do apply'). " + v2q,
        pols,
        qs,
        nps=nps,
    )
    return cases


# ================================================================ hairpin


def hairpin_cases() -> list[Case]:
    svc = service(A, "web", {"app": "web"}, [(80, 80, "TCP")], "10.96.0.10")

    def pols(v):
        return [
            Pol(
                "isolate-alpha",
                "admin",
                10,
                NS(ml(team="a")),
                ingress=[R("deny", NS({}), name="deny-from-pods")],
            )
        ]

    def qs(v):
        if v == 2:
            return [
                allowed(
                    a1, a1, 80, why="'A Pod connecting to its own Pod IP is not subject to CNP'"
                ),
                denied(
                    a1,
                    "svc/alpha/web",
                    80,
                    why="'A Pod connecting to a Service IP that the "
                    "service proxy load-balances back to the same Pod is subject to "
                    "ClusterNetworkPolicy' (the Service's only endpoint is a1)",
                    by=D(v, "admin", "isolate-alpha", "deny-from-pods", "deny", "ingress"),
                ),
                denied(a2, a1, 80),
                denied(a2, "svc/alpha/web", 80),
            ]
        return [
            undecided(
                a1,
                a1,
                80,
                why="v1alpha1 does not say whether a pod's traffic to its own "
                "IP is subject to AdminNetworkPolicy (v1alpha2 added the rule in 2026)",
            ),
            undecided(
                a1,
                "svc/alpha/web",
                80,
                why="hairpin through a Service: not specified for v1alpha1",
                check=False,
            ),
            denied(a2, "svc/alpha/web", 80),
            denied(a2, a1, 80),
        ]

    return both(
        "hairpin-traffic",
        "v1alpha1 says nothing about hairpin (self) traffic; the v1alpha2 rule was only written "
        "down in 2026 (commit 2089511, site-src/api-overview.md). Traffic to the same pod "
        "from another pod, directly or through the Service, is decided normally.",
        "'ClusterNetworkPolicy is logically enforced outside the Pod network namespace ... A Pod "
        "connecting to its own Pod IP is not subject to CNP. A Pod connecting to a Service IP "
        "that the service proxy load-balances back to the same Pod is subject to "
        "ClusterNetworkPolicy ... a Pod reaching itself by its Pod IP and that same Pod reaching "
        "itself through a Service IP can behave differently, and this is expected' "
        "(site-src/api-overview.md, commit 2089511). Service alpha/web (10.96.0.10, TCP 80 -> "
        "80) selects app=web, i.e. only alpha/a1 in alpha.",
        pols,
        qs,
        extra=[svc],
        src1=(V1_OVERVIEW,),
        src2=(V2_OVERVIEW,),
    )


# ================================================================ same priority


def same_priority_cases() -> list[Case]:
    cases = []
    v1q = (
        "'If two (or more) policies with the same priority could both match a connection, "
        "then the implementation can apply any of the matching policies to the connection, and "
        "there is no way for the user to reliably determine which one it will choose' "
        "(spec.priority)."
    )
    v2q = (
        "'If two (or more) policies in the same tier with the same priority could match a "
        "connection, then the implementation can apply any of the matching policies to the "
        "connection, and there is no way for the user to reliably determine which one it will "
        "choose' (spec.priority)."
    )

    def pols(v):
        return [
            Pol(
                "x-deny-alpha",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), name="deny-alpha")],
            ),
            Pol(
                "y-accept-all",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("accept", NS({}), name="accept-all")],
            ),
        ]

    def qs(v):
        return [
            undecided(
                a1,
                b1,
                8080,
                why="x-deny-alpha and y-accept-all (both priority 10) "
                "match and disagree: implementation-defined",
            ),
            allowed(
                c1,
                b1,
                8080,
                why="only y-accept-all matches gamma",
                by=D(v, "admin", "y-accept-all", "accept-all", "accept", "ingress"),
            ),
            allowed(b1, a1, 80),
        ]

    cases += both(
        "same-priority-conflict",
        "Two admin policies at one priority disagree. " + v1q,
        "Two Admin-tier policies at one priority disagree. " + v2q,
        pols,
        qs,
    )

    def pols(v):
        return [
            Pol(
                "x-deny-alpha",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), name="deny-alpha")],
            ),
            Pol(
                "z-deny-a-and-c",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[
                    R(
                        "deny",
                        NS(sel(exprs=[{"key": "team", "operator": "In", "values": ["a", "c"]}])),
                        name="deny-a-and-c",
                    )
                ],
            ),
        ]

    def qs(v):
        return [
            denied(a1, b1, 8080, why="both priority-10 policies match, and both deny"),
            denied(c1, b1, 8080),
            allowed(b2, b1, 8080),
        ]

    cases += both(
        "same-priority-agreeing",
        "Ties are harmless when every matching policy gives the same answer. " + v1q,
        "Ties are harmless when every matching policy gives the same answer. " + v2q,
        pols,
        qs,
    )

    def pols_nb(v):
        return [
            Pol(
                "x-accept-alpha",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("accept", NS(ml(team="a")), name="accept-alpha")],
            ),
            Pol(
                "y-pass-alpha",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("pass", NS(ml(team="a")), name="pass-alpha")],
            ),
        ]

    def qs_nb(v):
        return [
            allowed(
                a1,
                b1,
                8080,
                why="Accept and Pass disagree, but Pass leads to no "
                "NetworkPolicy and no baseline, i.e. to the default allow: either choice "
                "allows",
            )
        ]

    cases += both(
        "same-priority-accept-vs-pass-same-outcome",
        "Accept and Pass tie at one priority but lead to the same result. " + v1q,
        "Accept and Pass tie at one priority but lead to the same result. " + v2q,
        pols_nb,
        qs_nb,
    )

    def pols_b(v):
        return [
            *pols_nb(v),
            Pol(
                "default",
                "baseline",
                None if v == 1 else 10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), name="deny-alpha")],
            ),
        ]

    def qs_b(v):
        return [
            undecided(
                a1,
                b1,
                8080,
                why="x-accept-alpha allows; y-pass-alpha leads to the "
                "baseline, which denies: implementation-defined",
            ),
            allowed(c1, b1, 8080),
        ]

    cases += both(
        "same-priority-accept-vs-pass-different-outcome",
        "Accept and Pass tie at one priority and lead to different results. " + v1q,
        "Accept and Pass tie at one priority and lead to different results. " + v2q,
        pols_b,
        qs_b,
    )

    def pols(v):
        return [
            Pol(
                "admin-pass-alpha",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("pass", NS(ml(team="a")), name="pass-alpha")],
            ),
            Pol(
                "default",
                "baseline",
                None if v == 1 else 10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), name="deny-alpha")],
            ),
        ]

    def qs(v):
        return [
            denied(
                a1,
                b1,
                8080,
                why="priorities only compare within a tier",
                by=D(v, "baseline", "default", "deny-alpha", "deny", "ingress"),
            )
        ]

    cases += both(
        "same-priority-number-in-different-tiers",
        "A BANP has no priority; the ANP's priority does not compete with it. " + v1q,
        "Admin priority 10 and "
        "Baseline priority 10 do not tie: 'Priority ... indicating the precedence of "
        "the policy within its tier'. " + v2q,
        pols,
        qs,
    )

    def pols(v):
        return [
            Pol(
                "x-alpha-egress-accept",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("accept", NS(ml(team="b")), name="accept-to-beta")],
            ),
            Pol(
                "y-beta-ingress-deny",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), name="deny-from-alpha")],
            ),
        ]

    def qs(v):
        return [
            denied(
                a1,
                b1,
                8080,
                why="the policies decide different directions (a1's "
                "egress, b1's ingress); the tie rule chooses among policies matching the "
                "same direction. Interpretation, see SEMANTICS.md",
            )
        ]

    cases += both(
        "same-priority-different-directions",
        "Same priority, different directions. " + v1q,
        "Same priority, different directions; 'any ingress rules at the "
        "destination do apply' after an egress Accept. " + v2q,
        pols,
        qs,
    )

    def pols(v):
        return [
            Pol(
                "baseline-deny-alpha",
                "baseline",
                10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="a")), name="deny-alpha")],
            ),
            Pol(
                "baseline-accept-alpha",
                "baseline",
                10,
                NS(ml(team="b")),
                ingress=[R("accept", NS(ml(team="a")), name="accept-alpha")],
            ),
        ]

    def qs(v):
        return [
            undecided(a1, b1, 8080, why="two Baseline policies at priority 10 disagree"),
            allowed(c1, b1, 8080),
        ]

    cases += both(
        "same-priority-baseline-conflict",
        "",
        "Several Baseline policies can now exist, so they can tie too. " + v2q,
        pols,
        qs,
        versions=(2,),
    )
    return cases


# ================================================================ baseline


def baseline_cases() -> list[Case]:
    cases = []

    def pols(v):
        return [
            Pol(
                "baseline-accept-alpha",
                "baseline",
                5,
                NS(ml(team="b")),
                ingress=[R("accept", NS(ml(team="a")), name="accept-alpha")],
            ),
            Pol(
                "baseline-deny-gamma",
                "baseline",
                10,
                NS(ml(team="b")),
                ingress=[R("deny", NS(ml(team="c")), name="deny-gamma")],
            ),
            Pol("zero-trust", "baseline", 20, NS({}), ingress=[R("deny", NS({}), name="deny-all")]),
        ]

    nps = [NPOL(C, "allow-all-ingress", {}, ["Ingress"], ingress=[{}])]

    def qs(v):
        return [
            allowed(
                a1,
                b1,
                8080,
                by=D(v, "baseline", "baseline-accept-alpha", "accept-alpha", "accept", "ingress"),
            ),
            denied(
                c1,
                b1,
                8080,
                by=D(v, "baseline", "baseline-deny-gamma", "deny-gamma", "deny", "ingress"),
            ),
            denied(b2, b1, 8080, by=D(v, "baseline", "zero-trust", "deny-all", "deny", "ingress")),
            denied(a2, a1, 80),
            denied(b1, DNS, 53, "UDP"),
            allowed(
                a1, c1, 80, by=D(v, "networkpolicy", "gamma/allow-all-ingress", direction="ingress")
            ),
            allowed(INTERNET, b1, 8080, why="ingress peers match pods only"),
        ]

    cases += both(
        "several-baseline-policies",
        "",
        "v1alpha2 allows several Baseline policies ordered by priority: 'Allowing multiple "
        "ClusterNetworkPolicy resources with tier=Baseline by using the same priority field as "
        "for tier=Admin' (blog post); 'Make BANP non-singleton and apply spec.priority field to "
        "it' (NPEP-285). A NetworkPolicy still overrides them for the pods it selects.",
        pols,
        qs,
        nps=nps,
        versions=(2,),
        src2=(V2_BLOG, NPEP_285, V2_TYPES),
    )

    def pols(v):
        return [
            Pol(
                "default",
                "baseline",
                None,
                NS({}),
                ingress=[
                    R("accept", NS(ml(team="a")), name="accept-alpha"),
                    R("deny", NS({}), name="deny-all"),
                ],
            )
        ]

    nps = [NPOL(C, "allow-all-ingress", {}, ["Ingress"], ingress=[{}])]

    def qs(v):
        return [
            allowed(a1, b1, 8080),
            denied(c1, b1, 8080),
            denied(b2, b1, 8080),
            allowed(
                b1, c2, 80, by=D(v, "networkpolicy", "gamma/allow-all-ingress", direction="ingress")
            ),
            allowed(a2, a1, 80),
        ]

    cases += both(
        "baseline-singleton-default",
        "The v1alpha1 BANP is a singleton named 'default' (CEL rule self.metadata.name == "
        "'default': 'Only one baseline admin network policy with metadata.name=\"default\" can "
        "be created in the cluster'); it has no priority field and rules in order. A "
        "NetworkPolicy overrides it for the pods it selects.",
        "",
        pols,
        qs,
        nps=nps,
        versions=(1,),
        src1=(V1_BANP,),
    )
    return cases


# ================================================================ domain names


def domain_cases() -> list[Case]:
    cases = []
    dq = (
        "DomainNames 'is only supported for Allow rules. In order to control access, "
        "DomainNames Allow rules should be used with a lower priority egress deny' (v1alpha1; "
        "v1alpha2 says Accept). NPEP-133 'Expected Behavior': 'A FQDN egress policy does not "
        "grant the workload permission to communicate with any in-cluster DNS services'; which "
        "IPs a name stands for is learned from DNS at run time ('Pods are expected to make a "
        "DNS query for a domain before sending traffic to it'), so whether an outside address "
        "matches is not decidable from manifests."
    )
    svc = service(B, "web", {"app": "web"}, [(8080, 8080, "TCP")], "10.96.0.20")

    def pols(v):
        return [
            Pol(
                "alpha-allowlist",
                "admin",
                55,
                NS(ml(team="a")),
                egress=[
                    R(
                        "accept",
                        DOMAINS("*.example.com", "example.org"),
                        PORT("TCP", 443),
                        name="allow-example",
                    ),
                    R(
                        "accept",
                        DOMAINS("web.beta.svc.cluster.local"),
                        PORT("TCP", 8080),
                        name="allow-beta-web-by-name",
                    ),
                    R("deny", NETS("0.0.0.0/0"), name="default-deny"),
                ],
            )
        ]

    def qs(v):
        return [
            undecided(
                a1,
                INTERNET,
                443,
                why="depends on what *.example.com and example.org resolve to at run time",
            ),
            denied(
                a1,
                INTERNET,
                80,
                why="the domainNames rule only covers TCP 443",
                by=D(v, "admin", "alpha-allowlist", "default-deny", "deny", "egress"),
            ),
            denied(
                a1,
                DNS,
                53,
                "UDP",
                why="NPEP-133: a FQDN policy does not grant access to in-cluster DNS",
            ),
            denied(a1, b1, 8080),
            denied(
                a1,
                "svc/beta/web",
                8080,
                why="NPEP-133: 'ClusterIP Services can not be "
                "selected using their generated DNS record (for example "
                "my-svc.my-namespace.svc.cluster.local)'",
            ),
            allowed(b1, INTERNET, 443, why="beta is not a subject"),
        ]

    cases += both(
        "domain-names-allowlist",
        "An FQDN allowlist followed by a deny. " + dq,
        "An FQDN allowlist followed by a deny. " + dq,
        pols,
        qs,
        extra=[svc],
        features=["DomainNames"],
        src1=(V1_ANP, NPEP_133),
        src2=(V2_TYPES, NPEP_133),
    )

    def pols(v):
        return [
            Pol(
                "alpha-blocklist",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("deny", DOMAINS("blocked.example.com"), name="deny-by-name")],
            )
        ]

    def qs(v):
        return [
            undecided(
                a1,
                INTERNET,
                443,
                why="domainNames in a Deny rule: the spec supports "
                "domainNames only in Allow/Accept rules, the CRD does not reject this "
                "object, and no behaviour is defined",
            ),
            allowed(a1, b1, 8080, why="a pod IP is not an answer for an outside name"),
        ]

    cases += both(
        "domain-names-in-deny-rule",
        "DomainNames in a Deny rule. The v0.1.7 CRD has no CEL rule tying domainNames to the "
        "Allow action (the only CEL rule on the egress rule is the namedPort one), so this "
        "object is accepted. NPEP-133: 'Safely enforcing Deny rules based on FQDN selectors is "
        "difficult as there is no guarantee a Network Policy plugin is aware of all IPs backing "
        "a FQDN policy.' " + dq,
        "DomainNames in a Deny rule; the v1alpha2 CRD does not reject it either. " + dq,
        pols,
        qs,
        features=["DomainNames"],
        src1=(V1_ANP, NPEP_133),
        src2=(V2_TYPES, NPEP_133),
    )

    def pols(v):
        return [
            Pol(
                "baseline-allowlist",
                "baseline",
                10,
                NS(ml(team="a")),
                egress=[
                    R("accept", DOMAINS("*.example.com"), PORT("TCP", 443), name="allow-example"),
                    R("deny", NETS("0.0.0.0/0"), name="default-deny"),
                ],
            )
        ]

    nps = [NPOL(A, "db-egress-anywhere", ml(app="db"), ["Egress"], egress=[{}])]

    def qs(v):
        return [
            undecided(a1, INTERNET, 443, why="depends on DNS"),
            denied(a1, INTERNET, 80),
            allowed(
                a2,
                INTERNET,
                80,
                why="alpha/a2 is selected by a NetworkPolicy for "
                "egress: the Baseline tier is not consulted",
                by=D(v, "networkpolicy", "alpha/db-egress-anywhere", direction="egress"),
            ),
        ]

    cases += both(
        "domain-names-in-baseline-tier",
        "",
        "v1alpha2 accepts domainNames in the Baseline tier: 'Supporting domainNames matching for "
        "egress rules in ClusterNetworkPolicy with tier=Baseline' (blog post; NPEP-285 'it makes "
        "sense to allow it to make the API more uniform'), although NPEP-133 still says "
        "'Currently only Admin tier of ClusterNetworkPolicy is the intended scope'. In v1alpha1 "
        "the BANP egress peer has no domainNames field (see spec-validation-v1alpha1.yaml). " + dq,
        pols,
        qs,
        nps=nps,
        versions=(2,),
        features=["DomainNames"],
        src2=(V2_BLOG, NPEP_285, NPEP_133),
    )
    return cases


# ================================================================ fail closed


def fail_closed_cases() -> list[Case]:
    cases = []
    q1 = (
        "'Exactly one of the fields must be set for a given peer and this is enforced by the "
        "validation rules on the CRD. If an implementation sees no fields are set then it can "
        "infer that the deployed CRD is of an incompatible version with an unknown field. In "
        'that case it should fail closed. For "Allow" rules, "fail closed" means: "treat '
        'the rule as matching no traffic". For "Deny" and "Pass" rules, "fail closed" '
        "means: \"treat the rule as a 'Deny all' rule\".' (AdminNetworkPolicyIngressPeer/"
        'EgressPeer; v1alpha2 says "Accept".) The peer here holds only a field this API '
        "version does not know (futurePeer), as an object written for a newer CRD would look "
        "to an older reader. (Submitted to an API server with this CRD, the unknown field is "
        "pruned and the empty peer is rejected by minProperties: see the validation files.)"
    )
    unknown = RAWPEER({"futurePeer": {"matchLabels": {"team": "a"}}})

    def pols(v):
        return [
            Pol(
                "beta-ingress",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[
                    R("accept", unknown, name="accept-unknown"),
                    R("deny", NS(ml(team="a")), name="deny-alpha"),
                ],
            )
        ]

    def qs(v):
        return [
            denied(
                a1,
                b1,
                8080,
                why="the Allow/Accept rule with the unknown peer matches "
                "nothing; the next rule denies",
                by=D(v, "admin", "beta-ingress", "deny-alpha", "deny", "ingress"),
            ),
            allowed(c1, b1, 8080),
        ]

    cases += both(
        "fail-closed-allow-with-unknown-peer",
        q1,
        q1,
        pols,
        qs,
        src1=(V1_SHARED, V1_ANP),
        src2=(V2_TYPES,),
    )

    def pols(v):
        return [
            Pol(
                "beta-ingress",
                "admin",
                10,
                NS(ml(team="b")),
                ingress=[R("deny", unknown, name="deny-unknown")],
            ),
            Pol(
                "alpha-egress",
                "admin",
                10,
                NS(ml(team="a")),
                egress=[R("pass", RAWPEER({"futurePeer": {}}), name="pass-unknown")],
            ),
        ]

    def qs(v):
        return [
            denied(c1, b1, 8080, why="Deny with an unknown peer: 'Deny all'"),
            denied(c2, b2, 80),
            denied(a1, c1, 80, why="Pass with an unknown peer: 'Deny all'"),
            denied(a1, INTERNET, 443, why="Pass with an unknown peer in egress: 'Deny all'"),
            allowed(b1, c1, 80),
            allowed(c1, c2, 80),
        ]

    cases += both(
        "fail-closed-deny-and-pass-with-unknown-peer",
        q1,
        q1,
        pols,
        qs,
        src1=(V1_SHARED, V1_ANP),
        src2=(V2_TYPES,),
    )
    return cases


# ================================================================ user stories (v1alpha2 docs)


def story_cases() -> list[Case]:
    import yaml as _yaml
    from gen_conformance import git_show
    from gen_lib import V2_COMMIT

    cases = []

    def story(n):
        return [
            d
            for d in _yaml.safe_load_all(
                git_show(V2_COMMIT, f"site-src/user-story-examples/user-story-{n}.yaml")
            )
            if d
        ]

    base = [
        namespace("sensitive-ns"),
        namespace("foo-ns-1"),
        namespace("foo-ns-2"),
        namespace("bar-ns-1"),
        namespace("monitoring-ns"),
        namespace("kube-system"),
        pod("sensitive-ns", "s1", {"app": "vault"}, "10.2.0.11", [("https", 8443, "TCP")]),
        pod("sensitive-ns", "s2", {"app": "vault"}, "10.2.0.12", [("https", 8443, "TCP")]),
        pod("foo-ns-1", "f1", {"app": "foo"}, "10.2.1.11", [("http", 8080, "TCP")]),
        pod("foo-ns-2", "f2", {"app": "foo"}, "10.2.2.11", [("http", 8080, "TCP")]),
        pod(
            "bar-ns-1",
            "pub",
            {"app": "svc-pub"},
            "10.2.3.11",
            [("http", 8080, "TCP"), ("web-alt", 8443, "TCP"), ("dns", 53, "UDP")],
        ),
        pod(
            "bar-ns-1",
            "other",
            {"app": "other"},
            "10.2.3.12",
            [("http", 8080, "TCP"), ("web-alt", 8443, "TCP")],
        ),
        pod("monitoring-ns", "prom", {"app": "prometheus"}, "10.2.4.11"),
        pod(
            "kube-system",
            "kube-dns",
            {"app": "kube-dns"},
            "10.2.5.10",
            [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")],
        ),
    ]
    note = (
        " Cluster: namespaces sensitive-ns (pods s1, s2), foo-ns-1 (f1), foo-ns-2 (f2), "
        "bar-ns-1 (pub {app=svc-pub; web-alt=TCP 8443}, other {app=other; web-alt=TCP "
        "8443}), monitoring-ns (prom), kube-system (kube-dns {app=kube-dns}, labelled as the "
        "story expects)."
    )
    src = lambda n: [v2url(f"site-src/user-story-examples/user-story-{n}.yaml"), V2_STORIES]  # noqa: E731
    fs1, fs2, s1, s2, pub, other = (
        "foo-ns-1/f1",
        "foo-ns-2/f2",
        "sensitive-ns/s1",
        "sensitive-ns/s2",
        "bar-ns-1/pub",
        "bar-ns-1/other",
    )

    cases.append(
        Case(
            name="user-story-1-deny-at-cluster-level",
            description="Story 1: 'As a cluster admin, I want to apply non-overridable deny rules "
            "to certain pod(s) and(or) Namespace(s) that isolate the selected resources from all "
            "other cluster internal traffic.' The example CNP denies ingress to sensitive-ns from "
            "namespaces matchLabels {} ('Match all namespaces'), sensitive-ns included; outside "
            "sources are not pods and are not matched." + note,
            manifests=base + story(1),
            version=2,
            source=src(1),
            expect=[
                denied(fs1, s1, 8443),
                denied(s2, s1, 8443, why="its own namespace is matched too"),
                allowed(s1, fs1, 8080, why="the policy has no egress rules"),
                allowed(INTERNET, s1, 8443, why="ingress peers match pods only"),
                allowed(fs1, fs2, 8080),
            ],
        )
    )
    cases.append(
        Case(
            name="user-story-2-allow-at-cluster-level",
            description="Story 2: 'apply non-overridable allow rules ... allowing egress traffic "
            "to kube-dns pods, and ingress traffic from pods in monitoring-ns for all ports and "
            "protocols'. foo-ns-1 has a NetworkPolicy denying all ingress and egress; the Admin "
            "Accepts win over it ('a developer CANNOT override these rules')." + note,
            manifests=[*base, NPOL("foo-ns-1", "deny-all", {}, ["Ingress", "Egress"]), *story(2)],
            version=2,
            source=src(2),
            expect=[
                allowed("monitoring-ns/prom", fs1, 8080),
                allowed(fs1, "kube-system/kube-dns", 53, "UDP"),
                allowed(fs1, "kube-system/kube-dns", 53, "TCP"),
                denied(
                    fs2, fs1, 8080, by=by("networkpolicy", "foo-ns-1/deny-all", direction="ingress")
                ),
                denied(
                    fs1, pub, 8080, by=by("networkpolicy", "foo-ns-1/deny-all", direction="egress")
                ),
            ],
        )
    )
    deny_bar = render(
        Pol(
            "no-bar-ns-1",
            "admin",
            30,
            NS({}),
            egress=[R("deny", NS(ns_name("bar-ns-1")), name="deny-to-bar")],
        ),
        2,
    )
    cases.append(
        Case(
            name="user-story-3-delegate-to-networkpolicy",
            description="Story 3: 'egress traffic destined for the service svc-pub in namespace "
            "bar-ns-1 on TCP port 8080, the named port web-alt and UDP port 53 is delegated to the "
            "k8s network policies implemented in foo-ns-1 and foo-ns-2. If no k8s network policies "
            "match the delegated traffic, the traffic will be allowed.' Added here: a "
            "lower-priority Admin Deny of all egress to bar-ns-1 (which the Pass skips) and a "
            "NetworkPolicy in foo-ns-1 admitting egress to bar-ns-1 on TCP 8080 only." + note,
            manifests=[
                *base,
                NPOL(
                    "foo-ns-1",
                    "egress-bar-8080",
                    {},
                    ["Egress"],
                    egress=[
                        {
                            "to": [{"namespaceSelector": ns_name("bar-ns-1")}],
                            "ports": [{"protocol": "TCP", "port": 8080}],
                        }
                    ],
                ),
                *story(3),
                deny_bar,
            ],
            version=2,
            source=src(3),
            features=["NamedPorts"],
            expect=[
                allowed(
                    fs1,
                    pub,
                    8080,
                    by=by("networkpolicy", "foo-ns-1/egress-bar-8080", direction="egress"),
                ),
                denied(
                    fs1,
                    pub,
                    53,
                    "UDP",
                    why="passed to foo-ns-1's NetworkPolicy, which admits TCP 8080 only",
                ),
                allowed(fs2, pub, 53, "UDP", why="passed; foo-ns-2 has no NetworkPolicy: allowed"),
                allowed(fs2, pub, 8443, why="named port web-alt is TCP 8443 on pub"),
                denied(
                    fs2, pub, 9090, by=by("admin", "no-bar-ns-1", "deny-to-bar", "Deny", "egress")
                ),
                denied(fs2, other, 8443, why="other is not app=svc-pub: not passed"),
                denied(fs2, other, 8080),
            ],
        )
    )
    cases.append(
        Case(
            name="user-story-5-default-guardrails",
            description="Story 5: 'change the default security model for my cluster, so that all "
            "intra-cluster traffic (except for certain essential traffic) is blocked by default. "
            "Namespace owners will need to use NetworkPolicies to explicitly allow known traffic.' "
            "foo-ns-1 admits ingress from foo-ns-2 with a NetworkPolicy." + note,
            manifests=[
                *base,
                NPOL(
                    "foo-ns-1",
                    "from-foo-ns-2",
                    {},
                    ["Ingress"],
                    ingress=[{"from": [{"namespaceSelector": ns_name("foo-ns-2")}]}],
                ),
                *story(5),
            ],
            version=2,
            source=src(5),
            expect=[
                allowed(
                    fs2,
                    fs1,
                    8080,
                    by=by("networkpolicy", "foo-ns-1/from-foo-ns-2", direction="ingress"),
                ),
                denied(
                    s1,
                    fs1,
                    8080,
                    by=by("networkpolicy", "foo-ns-1/from-foo-ns-2", direction="ingress"),
                ),
                denied(fs1, fs2, 8080, by=by("baseline", "default", None, "Deny", "ingress")),
                denied(s1, s2, 8443),
                allowed(INTERNET, fs2, 8080, why="ingress peers match pods only"),
            ],
        )
    )
    return cases


# ================================================================ files


def spec_files():
    hdr = (
        "Derived from the upstream specification text (API types, CRDs, site docs, NPEPs) of "
        "kubernetes-sigs/network-policy-api; v1alpha1 at v0.1.7, v1alpha2 at main 0eec1b0. "
        "Generated by tests/tiers/tools/generate.py; do not edit by hand."
    )
    files = [
        ("spec-evaluation-order.yaml", V2_TYPES, evaluation_order()),
        ("spec-pass.yaml", V2_TYPES, pass_cases()),
        ("spec-no-implicit-isolation.yaml", V2_OVERVIEW, isolation_cases()),
        ("spec-rule-order-and-priority.yaml", V2_TYPES, order_cases()),
        ("spec-subjects.yaml", V2_TYPES, subject_cases()),
        ("spec-peers.yaml", V2_TYPES, peer_cases()),
        ("spec-ports.yaml", V2_TYPES, port_cases()),
        ("spec-direction.yaml", V2_TYPES, direction_cases()),
        ("spec-hairpin.yaml", V2_OVERVIEW, hairpin_cases()),
        ("spec-same-priority.yaml", V2_TYPES, same_priority_cases()),
        ("spec-baseline.yaml", V2_BLOG, baseline_cases()),
        ("spec-domain-names.yaml", NPEP_133, domain_cases()),
        ("spec-fail-closed.yaml", V2_TYPES, fail_closed_cases()),
        ("v1alpha2-user-stories.yaml", V2_STORIES, story_cases()),
    ]
    out = [(f, hdr, [src] if isinstance(src, str) else src, cases) for f, src, cases in files]
    return out + validation_files()
