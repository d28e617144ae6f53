"""Objects the CRDs reject (OpenAPI schema and CEL rules), and a few they accept on purpose.

Judged against the experimental-channel CRDs (the superset: nodes, domainNames and named
ports exist only there): v1alpha1 at v0.1.7, v1alpha2 at main 0eec1b0.  Each invalid case
holds one object and names the field the API server reports.
"""

from __future__ import annotations

import copy

from gen_lib import Case, allowed, denied, undecided, v1url, v2url

V1_CRD_ANP = v1url("config/crd/experimental/policy.networking.k8s.io_adminnetworkpolicies.yaml")
V1_CRD_BANP = v1url(
    "config/crd/experimental/policy.networking.k8s.io_baselineadminnetworkpolicies.yaml"
)
V1_TYPES = v1url("apis/v1alpha1/adminnetworkpolicy_types.go")
V1_BTYPES = v1url("apis/v1alpha1/baselineadminnetworkpolicy_types.go")
V1_SHARED = v1url("apis/v1alpha1/shared_types.go")
V2_CRD = v2url("config/crd/experimental/policy.networking.k8s.io_clusternetworkpolicies.yaml")
V2_CRD_STD = v2url("config/crd/standard/policy.networking.k8s.io_clusternetworkpolicies.yaml")
V2_TYPES = v2url("apis/v1alpha2/clusternetworkpolicy_types.go")

NSA = {"matchLabels": {"team": "a"}}


def anp(**spec_over) -> dict:
    spec = {
        "priority": 10,
        "subject": {"namespaces": NSA},
        "ingress": [{"name": "r", "action": "Deny", "from": [{"namespaces": {}}]}],
        "egress": [{"name": "e", "action": "Deny", "to": [{"namespaces": {}}]}],
    }
    spec.update(spec_over)
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "p"},
        "spec": spec,
    }


def banp(name="default", **spec_over) -> dict:
    spec = {
        "subject": {"namespaces": NSA},
        "ingress": [{"name": "r", "action": "Deny", "from": [{"namespaces": {}}]}],
        "egress": [{"name": "e", "action": "Deny", "to": [{"namespaces": {}}]}],
    }
    spec.update(spec_over)
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": spec,
    }


def cnp(tier="Admin", **spec_over) -> dict:
    spec = {
        "tier": tier,
        "priority": 10,
        "subject": {"namespaces": NSA},
        "ingress": [{"name": "r", "action": "Deny", "from": [{"namespaces": {}}]}],
        "egress": [{"name": "e", "action": "Deny", "to": [{"namespaces": {}}]}],
    }
    spec.update(spec_over)
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": "p"},
        "spec": spec,
    }


def with_path(obj: dict, path: list, value, delete: bool = False) -> dict:
    o = copy.deepcopy(obj)
    cur = o
    for p in path[:-1]:
        cur = cur[p]
    if delete:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return o


def inv(name, desc, obj, field, source) -> Case:
    return Case(
        name=name,
        description=desc,
        manifests=[obj],
        invalid={"kind": obj["kind"], "name": obj["metadata"]["name"], "field": field},
        source=source,
    )


def cidrs(n):
    return [f"10.{i}.0.0/16" for i in range(n)]


def domains(n):
    return [f"d{i}.example.com" for i in range(n)]


# ---------------------------------------------------------------- v1alpha1


def v1_cases() -> list[Case]:
    S1 = [V1_CRD_ANP, V1_TYPES]
    S1s = [V1_CRD_ANP, V1_SHARED]
    SB = [V1_CRD_BANP, V1_BTYPES]
    egress = lambda **r: [dict({"name": "e", "action": "Deny", "to": [{"namespaces": {}}]}, **r)]  # noqa
    ingress = lambda **r: [dict({"name": "r", "action": "Deny", "from": [{"namespaces": {}}]}, **r)]  # noqa
    many_rules = [
        {"name": f"r{i}", "action": "Deny", "from": [{"namespaces": {}}]} for i in range(101)
    ]
    c = [
        inv(
            "anp-priority-below-0",
            "spec.priority: '+kubebuilder:validation:Minimum=0' "
            "('Priority is a value from 0 to 1000').",
            anp(priority=-1),
            "spec.priority",
            S1,
        ),
        inv(
            "anp-priority-above-1000",
            "spec.priority: '+kubebuilder:validation:Maximum=1000'.",
            anp(priority=1001),
            "spec.priority",
            S1,
        ),
        inv(
            "anp-priority-missing",
            "spec.priority is required (the package marker "
            "'+kubebuilder:validation:Required' makes every field without +optional required; "
            "CRD required: [priority, subject]).",
            with_path(anp(), ["spec", "priority"], None, delete=True),
            "spec.priority",
            S1,
        ),
        inv(
            "anp-subject-missing",
            "spec.subject is required.",
            with_path(anp(), ["spec", "subject"], None, delete=True),
            "spec.subject",
            S1,
        ),
        inv(
            "anp-subject-empty",
            "AdminNetworkPolicySubject: 'Exactly one field must be set' (MinProperties=1).",
            anp(subject={}),
            "spec.subject",
            S1s,
        ),
        inv(
            "anp-subject-namespaces-and-pods",
            "AdminNetworkPolicySubject: 'Exactly one field must be set' (MaxProperties=1).",
            anp(subject={"namespaces": NSA, "pods": {"namespaceSelector": {}, "podSelector": {}}}),
            "spec.subject",
            S1s,
        ),
        inv(
            "anp-subject-pods-without-pod-selector",
            "NamespacedPod: podSelector is required.",
            anp(subject={"pods": {"namespaceSelector": NSA}}),
            "spec.subject.pods.podSelector",
            S1s,
        ),
        inv(
            "anp-too-many-ingress-rules",
            "spec.ingress: 'A total of 100 rules will be allowed "
            "in each ANP instance' (MaxItems=100): 101 rules.",
            anp(ingress=many_rules),
            "spec.ingress",
            S1,
        ),
        inv(
            "anp-too-many-egress-rules",
            "spec.egress: MaxItems=100: 101 rules.",
            anp(
                egress=[
                    {"name": f"e{i}", "action": "Deny", "to": [{"namespaces": {}}]}
                    for i in range(101)
                ]
            ),
            "spec.egress",
            S1,
        ),
        inv(
            "anp-rule-action-missing",
            "action is required.",
            anp(ingress=[{"name": "r", "from": [{"namespaces": {}}]}]),
            "spec.ingress[0].action",
            S1,
        ),
        inv(
            "anp-rule-action-accept",
            'Enum={"Allow", "Deny", "Pass"}: \'Accept\' is the v1alpha2 spelling.',
            anp(ingress=ingress(action="Accept")),
            "spec.ingress[0].action",
            S1,
        ),
        inv(
            "anp-rule-action-lowercase",
            "Enum values are case-sensitive: 'allow'.",
            anp(ingress=ingress(action="allow")),
            "spec.ingress[0].action",
            S1,
        ),
        inv(
            "anp-rule-from-empty",
            "from: 'This field must be defined and contain at least one item' (MinItems=1).",
            anp(ingress=ingress(**{"from": []})),
            "spec.ingress[0].from",
            S1,
        ),
        inv(
            "anp-rule-to-missing",
            "to is required.",
            anp(egress=[{"name": "e", "action": "Deny"}]),
            "spec.egress[0].to",
            S1,
        ),
        inv(
            "anp-rule-too-many-peers",
            "from: MaxItems=100: 101 peers.",
            anp(ingress=ingress(**{"from": [{"namespaces": {}}] * 101})),
            "spec.ingress[0].from",
            S1,
        ),
        inv(
            "anp-peer-empty",
            "AdminNetworkPolicyIngressPeer: 'Exactly one of the fields must "
            "be set for a given peer and this is enforced by the validation rules on the CRD' "
            "(MinProperties=1). An empty peer never reaches an implementation through this "
            "CRD; see spec-fail-closed.yaml for peers with unknown fields.",
            anp(ingress=ingress(**{"from": [{}]})),
            "spec.ingress[0].from[0]",
            S1s,
        ),
        inv(
            "anp-peer-two-fields",
            "AdminNetworkPolicyEgressPeer: MaxProperties=1.",
            anp(egress=egress(to=[{"namespaces": {}, "networks": ["10.0.0.0/8"]}])),
            "spec.egress[0].to[0]",
            S1,
        ),
        inv(
            "anp-ingress-peer-networks",
            "AdminNetworkPolicyIngressPeer has only namespaces and "
            "pods: 'networks' is an unknown field there. The API server prunes it (structural "
            "schema), leaving an empty peer that fails MinProperties=1 (kubectl's default "
            "strict field validation reports the unknown field first).",
            anp(ingress=ingress(**{"from": [{"networks": ["10.0.0.0/8"]}]})),
            "spec.ingress[0].from[0]",
            S1s,
        ),
        inv(
            "anp-pods-peer-without-namespace-selector",
            "v1alpha1 NamespacedPod: "
            "namespaceSelector has no +optional marker, so it is required (CRD required: "
            "[namespaceSelector, podSelector]); v1alpha2 made it optional.",
            anp(egress=egress(to=[{"pods": {"podSelector": {"matchLabels": {"app": "web"}}}}])),
            "spec.egress[0].to[0].pods.namespaceSelector",
            S1s,
        ),
        inv(
            "anp-networks-empty",
            "networks: MinItems=1.",
            anp(egress=egress(to=[{"networks": []}])),
            "spec.egress[0].to[0].networks",
            S1,
        ),
        inv(
            "anp-networks-too-many",
            "networks: 'Networks can have upto 25 CIDRs specified' (MaxItems=25): 26 CIDRs.",
            anp(egress=egress(to=[{"networks": cidrs(26)}])),
            "spec.egress[0].to[0].networks",
            S1,
        ),
        inv(
            "anp-networks-not-a-cidr",
            "CIDR: XValidation rule 'isCIDR(self)' ('Invalid CIDR "
            "format provided'): an address without a prefix length.",
            anp(egress=egress(to=[{"networks": ["10.0.0.1"]}])),
            "spec.egress[0].to[0].networks[0]",
            S1s,
        ),
        inv(
            "anp-networks-too-long",
            "CIDR: MaxLength=43.",
            anp(egress=egress(to=[{"networks": ["2001:0db8:0000:0000:0000:0000:0000:0000/128x"]}])),
            "spec.egress[0].to[0].networks[0]",
            S1s,
        ),
        inv(
            "anp-named-port-with-networks",
            "Egress rule XValidation: '!(self.to.exists(peer, "
            "has(peer.networks) || has(peer.nodes) || has(peer.domainNames)) && has(self.ports) "
            "&& self.ports.exists(port, has(port.namedPort)))' ('networks/nodes/domainNames peer "
            "cannot be set with namedPorts since there are no namedPorts for "
            "networks/nodes/domainNames'). Experimental channel only.",
            anp(
                egress=egress(
                    to=[{"namespaces": {}}, {"networks": ["10.0.0.0/8"]}],
                    ports=[{"namedPort": "web"}],
                )
            ),
            "spec.egress[0]",
            S1,
        ),
        inv(
            "anp-named-port-with-nodes",
            "Same CEL rule, nodes peer.",
            anp(egress=egress(to=[{"nodes": {}}], ports=[{"namedPort": "web"}])),
            "spec.egress[0]",
            S1,
        ),
        inv(
            "anp-named-port-with-domain-names",
            "Same CEL rule, domainNames peer (added to the rule in commit f797133, 2025-06).",
            anp(
                egress=[
                    {
                        "name": "e",
                        "action": "Allow",
                        "to": [{"domainNames": ["example.com"]}],
                        "ports": [{"namedPort": "https"}],
                    }
                ]
            ),
            "spec.egress[0]",
            S1,
        ),
        inv(
            "banp-named-port-with-networks",
            "BANP egress rule XValidation (networks/nodes only: the BANP has no domainNames).",
            banp(
                egress=[
                    {
                        "name": "e",
                        "action": "Deny",
                        "to": [{"networks": ["10.0.0.0/8"]}],
                        "ports": [{"namedPort": "web"}],
                    }
                ]
            ),
            "spec.egress[0]",
            SB,
        ),
        inv(
            "anp-ports-empty",
            "ports: MinItems=1 ('Disallow empty port list for ANP peers', commit a14d924).",
            anp(ingress=ingress(ports=[])),
            "spec.ingress[0].ports",
            S1,
        ),
        inv(
            "anp-ports-too-many",
            "ports: MaxItems=100: 101 entries.",
            anp(
                ingress=ingress(
                    ports=[
                        {"portNumber": {"protocol": "TCP", "port": 1000 + i}} for i in range(101)
                    ]
                )
            ),
            "spec.ingress[0].ports",
            S1,
        ),
        inv(
            "anp-port-two-fields",
            "AdminNetworkPolicyPort: 'Exactly one field must be set' (MaxProperties=1).",
            anp(
                ingress=ingress(
                    ports=[{"portNumber": {"protocol": "TCP", "port": 80}, "namedPort": "web"}]
                )
            ),
            "spec.ingress[0].ports[0]",
            S1s,
        ),
        inv(
            "anp-port-empty",
            "AdminNetworkPolicyPort: MinProperties=1.",
            anp(ingress=ingress(ports=[{}])),
            "spec.ingress[0].ports[0]",
            S1s,
        ),
        inv(
            "anp-port-number-zero",
            "Port.port: Minimum=1.",
            anp(ingress=ingress(ports=[{"portNumber": {"protocol": "TCP", "port": 0}}])),
            "spec.ingress[0].ports[0].portNumber.port",
            S1s,
        ),
        inv(
            "anp-port-number-too-high",
            "Port.port: Maximum=65535.",
            anp(ingress=ingress(ports=[{"portNumber": {"protocol": "TCP", "port": 65536}}])),
            "spec.ingress[0].ports[0].portNumber.port",
            S1s,
        ),
        inv(
            "anp-port-number-missing",
            "Port.port is required.",
            anp(ingress=ingress(ports=[{"portNumber": {"protocol": "UDP"}}])),
            "spec.ingress[0].ports[0].portNumber.port",
            S1s,
        ),
        inv(
            "anp-port-range-end-too-high",
            "PortRange.end: Maximum=65535.",
            anp(
                ingress=ingress(
                    ports=[{"portRange": {"protocol": "TCP", "start": 1, "end": 70000}}]
                )
            ),
            "spec.ingress[0].ports[0].portRange.end",
            S1s,
        ),
        inv(
            "anp-port-range-start-missing",
            "PortRange.start is required.",
            anp(ingress=ingress(ports=[{"portRange": {"protocol": "TCP", "end": 100}}])),
            "spec.ingress[0].ports[0].portRange.start",
            S1s,
        ),
        inv(
            "anp-domain-names-too-many",
            "domainNames: 'DomainNames can have up to 25 domain "
            "names specified in one rule' (MaxItems=25).",
            anp(egress=[{"name": "e", "action": "Allow", "to": [{"domainNames": domains(26)}]}]),
            "spec.egress[0].to[0].domainNames",
            S1,
        ),
        inv(
            "anp-domain-name-inner-wildcard",
            "DomainName pattern: \"'*' may only be specified as a prefix\".",
            anp(
                egress=[
                    {"name": "e", "action": "Allow", "to": [{"domainNames": ["www.*.example.com"]}]}
                ]
            ),
            "spec.egress[0].to[0].domainNames[0]",
            S1,
        ),
        inv(
            "anp-domain-name-partial-wildcard",
            'DomainName: "It does not support partial '
            "matches\": '*example.com' does not match the pattern.",
            anp(
                egress=[{"name": "e", "action": "Allow", "to": [{"domainNames": ["*example.com"]}]}]
            ),
            "spec.egress[0].to[0].domainNames[0]",
            S1,
        ),
        inv(
            "anp-domain-name-single-label",
            "DomainName pattern requires at least two labels: 'localhost' is rejected.",
            anp(egress=[{"name": "e", "action": "Allow", "to": [{"domainNames": ["localhost"]}]}]),
            "spec.egress[0].to[0].domainNames[0]",
            S1,
        ),
        inv(
            "anp-rule-name-too-long",
            "name: 'may be no more than 100 characters in length' (MaxLength=100): 101 characters.",
            anp(ingress=ingress(name="n" * 101)),
            "spec.ingress[0].name",
            S1,
        ),
        inv(
            "banp-name-not-default",
            "BANP XValidation on the object: "
            "\"self.metadata.name == 'default'\" ('Only one baseline admin network policy with "
            'metadata.name="default" can be created in the cluster\').',
            banp(name="extra"),
            "metadata.name",
            SB,
        ),
        inv(
            "banp-action-pass",
            'BaselineAdminNetworkPolicyRuleAction: Enum={"Allow", '
            '"Deny"}: no Pass in v1alpha1 BANP (v1alpha2 allows it in the Baseline tier).',
            banp(ingress=[{"name": "r", "action": "Pass", "from": [{"namespaces": {}}]}]),
            "spec.ingress[0].action",
            SB,
        ),
        inv(
            "banp-domain-names",
            "BaselineAdminNetworkPolicyEgressPeer has no domainNames field "
            "(NPEP-133: 'Currently only AdminNetworkPolicy is the intended scope'): pruned as "
            "unknown, the peer is empty and fails MinProperties=1.",
            banp(
                egress=[{"name": "e", "action": "Allow", "to": [{"domainNames": ["example.com"]}]}]
            ),
            "spec.egress[0].to[0]",
            SB,
        ),
        inv(
            "banp-subject-missing",
            "BANP spec.subject is required.",
            with_path(banp(), ["spec", "subject"], None, delete=True),
            "spec.subject",
            SB,
        ),
    ]
    # Accepted by the v0.1.7 CRD, with spec text that leaves the meaning open or decides it.
    from gen_spec import CLUSTER_NOTE, cluster

    rng = anp(
        ingress=[],
        egress=[
            {
                "name": "reversed",
                "action": "Deny",
                "to": [{"namespaces": {"matchLabels": {"team": "b"}}}],
                "ports": [{"portRange": {"protocol": "TCP", "start": 9000, "end": 8000}}],
            },
            {
                "name": "single",
                "action": "Deny",
                "to": [{"namespaces": {"matchLabels": {"team": "b"}}}],
                "ports": [{"portRange": {"protocol": "TCP", "start": 7000, "end": 7000}}],
            },
        ],
    )
    del rng["spec"]["ingress"]
    c.append(
        Case(
            name="anp-port-range-bounds-not-validated",
            description="v1alpha1 PortRange says 'the Start value must be less than End' and 'the "
            "End value must be greater than Start', but the v0.1.7 CRD has no rule enforcing it "
            "(v1alpha2 added the CEL rule 'self.start < self.end'), so both objects here are "
            "accepted. A reversed range (9000..8000): the API does not say whether it is empty or "
            "a mistake. A one-port range (7000..7000): 'PortRange defines an inclusive range of "
            "ports from the the assigned Start value to End value' includes 7000. " + CLUSTER_NOTE,
            manifests=[*cluster(), rng],
            version=1,
            source=[V1_SHARED, V1_CRD_ANP],
            expect=[
                undecided(
                    "alpha/a1",
                    "beta/b1",
                    8500,
                    why="reversed portRange (start > end) is "
                    "accepted by the v0.1.7 CRD; its meaning is not specified",
                ),
                denied("alpha/a1", "beta/b1", 7000),
                allowed("alpha/a1", "beta/b1", 7001),
            ],
        )
    )
    c[-1].expect[0].check = False
    return c


# ---------------------------------------------------------------- v1alpha2


def v2_cases() -> list[Case]:
    S = [V2_CRD, V2_TYPES]
    egress = lambda **r: [dict({"name": "e", "action": "Deny", "to": [{"namespaces": {}}]}, **r)]  # noqa
    ingress = lambda **r: [dict({"name": "r", "action": "Deny", "from": [{"namespaces": {}}]}, **r)]  # noqa
    tcp = lambda dp: {"tcp": {"destinationPort": dp}}  # noqa
    c = [
        inv(
            "cnp-priority-below-0",
            "spec.priority: Minimum=0.",
            cnp(priority=-1),
            "spec.priority",
            S,
        ),
        inv(
            "cnp-priority-above-1000",
            "spec.priority: Maximum=1000.",
            cnp(priority=1001),
            "spec.priority",
            S,
        ),
        inv(
            "cnp-priority-missing",
            "spec.priority is required, in both tiers (CRD required: [priority, subject, tier]).",
            with_path(cnp("Baseline"), ["spec", "priority"], None, delete=True),
            "spec.priority",
            S,
        ),
        inv(
            "cnp-tier-missing",
            "spec.tier is required.",
            with_path(cnp(), ["spec", "tier"], None, delete=True),
            "spec.tier",
            S,
        ),
        inv(
            "cnp-tier-lowercase",
            "Tier: Enum={\"Admin\", \"Baseline\"} (NPEP-285 drafts used 'admin'/'baseline').",
            cnp(tier="admin"),
            "spec.tier",
            S,
        ),
        inv(
            "cnp-tier-networkpolicy",
            "Tier: only Admin and Baseline; 'ClusterNetworkPolicy can "
            "use 2 of these tiers: Admin and Baseline.'",
            cnp(tier="NetworkPolicy"),
            "spec.tier",
            S,
        ),
        inv(
            "cnp-action-allow",
            'ClusterNetworkPolicyRuleAction: Enum={"Accept", "Deny", '
            "\"Pass\"}: 'Allow' is the v1alpha1 spelling.",
            cnp(ingress=ingress(action="Allow")),
            "spec.ingress[0].action",
            S,
        ),
        inv(
            "cnp-subject-empty",
            "ClusterNetworkPolicySubject: 'Exactly one field must be set' (MinProperties=1).",
            cnp(subject={}),
            "spec.subject",
            S,
        ),
        inv(
            "cnp-subject-namespaces-and-pods",
            "ClusterNetworkPolicySubject: MaxProperties=1.",
            cnp(subject={"namespaces": {}, "pods": {"podSelector": {}}}),
            "spec.subject",
            S,
        ),
        inv(
            "cnp-too-many-ingress-rules",
            "spec.ingress: 'A maximum of 25 rules is allowed in "
            "this block' (MaxItems=25; v1alpha1 allowed 100): 26 rules.",
            cnp(
                ingress=[
                    {"name": f"r{i}", "action": "Deny", "from": [{"namespaces": {}}]}
                    for i in range(26)
                ]
            ),
            "spec.ingress",
            S,
        ),
        inv(
            "cnp-too-many-egress-rules",
            "spec.egress: MaxItems=25: 26 rules.",
            cnp(
                egress=[
                    {"name": f"e{i}", "action": "Deny", "to": [{"namespaces": {}}]}
                    for i in range(26)
                ]
            ),
            "spec.egress",
            S,
        ),
        inv(
            "cnp-rule-from-empty",
            "from: MinItems=1.",
            cnp(ingress=ingress(**{"from": []})),
            "spec.ingress[0].from",
            S,
        ),
        inv(
            "cnp-rule-too-many-peers",
            "to: MaxItems=25 (v1alpha1: 100): 26 peers.",
            cnp(egress=egress(to=[{"namespaces": {}}] * 26)),
            "spec.egress[0].to",
            S,
        ),
        inv(
            "cnp-peer-empty",
            "ClusterNetworkPolicyIngressPeer: MinProperties=1 ('Exactly one "
            "of the fields must be set for a given peer and this is enforced by the validation "
            "rules on the CRD').",
            cnp(ingress=ingress(**{"from": [{}]})),
            "spec.ingress[0].from[0]",
            S,
        ),
        inv(
            "cnp-peer-two-fields",
            "ClusterNetworkPolicyEgressPeer: MaxProperties=1.",
            cnp(egress=egress(to=[{"namespaces": {}, "pods": {"podSelector": {}}}])),
            "spec.egress[0].to[0]",
            S,
        ),
        inv(
            "cnp-ingress-peer-networks",
            "Ingress peers have no networks field: pruned, the "
            "peer is empty and fails MinProperties=1.",
            cnp(ingress=ingress(**{"from": [{"networks": ["10.0.0.0/8"]}]})),
            "spec.ingress[0].from[0]",
            S,
        ),
        inv(
            "cnp-pods-peer-without-pod-selector",
            "NamespacedPod.podSelector is '+required'.",
            cnp(egress=egress(to=[{"pods": {"namespaceSelector": {}}}])),
            "spec.egress[0].to[0].pods.podSelector",
            S,
        ),
        inv(
            "cnp-protocols-empty",
            "protocols: MinItems=1.",
            cnp(ingress=ingress(protocols=[])),
            "spec.ingress[0].protocols",
            S,
        ),
        inv(
            "cnp-protocols-too-many",
            "protocols: MaxItems=25: 26 entries.",
            cnp(ingress=ingress(protocols=[tcp({"number": 1000 + i}) for i in range(26)])),
            "spec.ingress[0].protocols",
            S,
        ),
        inv(
            "cnp-protocol-entry-empty",
            "ClusterNetworkPolicyProtocol: 'Exactly one field must be set' (MinProperties=1).",
            cnp(ingress=ingress(protocols=[{}])),
            "spec.ingress[0].protocols[0]",
            S,
        ),
        inv(
            "cnp-protocol-entry-two-protocols",
            "ClusterNetworkPolicyProtocol: MaxProperties=1: tcp and udp in one entry.",
            cnp(
                ingress=ingress(
                    protocols=[
                        {
                            "tcp": {"destinationPort": {"number": 53}},
                            "udp": {"destinationPort": {"number": 53}},
                        }
                    ]
                )
            ),
            "spec.ingress[0].protocols[0]",
            S,
        ),
        inv(
            "cnp-protocol-entry-tcp-and-named-port",
            "ClusterNetworkPolicyProtocol: "
            "MaxProperties=1: tcp and destinationNamedPort in one entry.",
            cnp(
                ingress=ingress(
                    protocols=[
                        {"tcp": {"destinationPort": {"number": 80}}, "destinationNamedPort": "web"}
                    ]
                )
            ),
            "spec.ingress[0].protocols[0]",
            S,
        ),
        inv(
            "cnp-tcp-without-destination-port",
            "ClusterNetworkPolicyProtocolTCP: "
            "MinProperties=1, and destinationPort is its only field, so 'tcp: {}' (any TCP port) "
            "is rejected, although site-src/api-overview.md says 'If destinationPort is omitted, "
            "all ports for the specified protocol match'. NPEP-187: 'For now, it can be expressed "
            "as a port range that covers all ports (1-65535)'.",
            cnp(ingress=ingress(protocols=[{"tcp": {}}])),
            "spec.ingress[0].protocols[0].tcp",
            [*S, v2url("site-src/api-overview.md"), v2url("npeps/npep-187-ports-and-protocols.md")],
        ),
        inv(
            "cnp-destination-port-empty",
            "Port: 'You must specify either Port or Range' (MinProperties=1).",
            cnp(ingress=ingress(protocols=[{"udp": {"destinationPort": {}}}])),
            "spec.ingress[0].protocols[0].udp.destinationPort",
            S,
        ),
        inv(
            "cnp-destination-port-number-and-range",
            "Port: MaxProperties=1.",
            cnp(ingress=ingress(protocols=[tcp({"number": 80, "range": {"start": 1, "end": 2}})])),
            "spec.ingress[0].protocols[0].tcp.destinationPort",
            S,
        ),
        inv(
            "cnp-port-number-zero",
            "Port.number: Minimum=1.",
            cnp(ingress=ingress(protocols=[tcp({"number": 0})])),
            "spec.ingress[0].protocols[0].tcp.destinationPort.number",
            S,
        ),
        inv(
            "cnp-port-number-too-high",
            "Port.number: Maximum=65535.",
            cnp(ingress=ingress(protocols=[tcp({"number": 65536})])),
            "spec.ingress[0].protocols[0].tcp.destinationPort.number",
            S,
        ),
        inv(
            "cnp-port-range-start-equals-end",
            "PortRange XValidation 'self.start < self.end' "
            "('Start port must be less than End port'): a one-port range is rejected (v1alpha1 "
            "accepted it).",
            cnp(ingress=ingress(protocols=[tcp({"range": {"start": 80, "end": 80}})])),
            "spec.ingress[0].protocols[0].tcp.destinationPort.range",
            S,
        ),
        inv(
            "cnp-port-range-reversed",
            "PortRange XValidation 'self.start < self.end'.",
            cnp(
                ingress=ingress(
                    protocols=[
                        {"sctp": {"destinationPort": {"range": {"start": 9005, "end": 9003}}}}
                    ]
                )
            ),
            "spec.ingress[0].protocols[0].sctp.destinationPort.range",
            S,
        ),
        inv(
            "cnp-port-range-end-missing",
            "PortRange.end is '+required'.",
            cnp(ingress=ingress(protocols=[tcp({"range": {"start": 80}})])),
            "spec.ingress[0].protocols[0].tcp.destinationPort.range.end",
            S,
        ),
        inv(
            "cnp-unknown-protocol",
            "ClusterNetworkPolicyProtocol has tcp, udp, sctp and "
            "destinationNamedPort only; 'icmp' is pruned and the entry fails MinProperties=1 "
            "(NPEP-187: ICMP 'doesn't exist yet, but may be added').",
            cnp(ingress=ingress(protocols=[{"icmp": {"type": 8}}])),
            "spec.ingress[0].protocols[0]",
            S,
        ),
        inv(
            "cnp-named-port-with-networks",
            "Egress rule XValidation: '!(self.to.exists(peer, "
            "has(peer.networks) || has(peer.nodes) || has(peer.domainNames)) && "
            "has(self.protocols) && self.protocols.exists(protocol, "
            "has(protocol.destinationNamedPort)))'. Experimental channel only: the standard "
            "channel CRD at this commit has no such rule.",
            cnp(
                egress=egress(
                    to=[{"networks": ["10.0.0.0/8"]}], protocols=[{"destinationNamedPort": "web"}]
                )
            ),
            "spec.egress[0]",
            S,
        ),
        inv(
            "cnp-named-port-with-nodes",
            "Same CEL rule, nodes peer.",
            cnp(
                egress=egress(
                    to=[{"pods": {"podSelector": {}}}, {"nodes": {}}],
                    protocols=[{"destinationNamedPort": "web"}],
                )
            ),
            "spec.egress[0]",
            S,
        ),
        inv(
            "cnp-named-port-with-domain-names",
            "Same CEL rule, domainNames peer.",
            cnp(
                egress=[
                    {
                        "name": "e",
                        "action": "Accept",
                        "to": [{"domainNames": ["example.com"]}],
                        "protocols": [{"destinationNamedPort": "https"}],
                    }
                ]
            ),
            "spec.egress[0]",
            S,
        ),
        inv(
            "cnp-networks-not-a-cidr",
            "CIDR: 'isCIDR(self)'.",
            cnp(egress=egress(to=[{"networks": ["10.0.0.0/33"]}])),
            "spec.egress[0].to[0].networks[0]",
            S,
        ),
        inv(
            "cnp-networks-too-many",
            "networks: MaxItems=25: 26 CIDRs.",
            cnp(egress=egress(to=[{"networks": cidrs(26)}])),
            "spec.egress[0].to[0].networks",
            S,
        ),
        inv(
            "cnp-networks-empty",
            "networks: MinItems=1.",
            cnp(egress=egress(to=[{"networks": []}])),
            "spec.egress[0].to[0].networks",
            S,
        ),
        inv(
            "cnp-domain-names-too-many",
            "domainNames: MaxItems=25: 26 names.",
            cnp(egress=[{"name": "e", "action": "Accept", "to": [{"domainNames": domains(26)}]}]),
            "spec.egress[0].to[0].domainNames",
            S,
        ),
        inv(
            "cnp-domain-name-bad-wildcard",
            "DomainName pattern: '*' only as a whole-label prefix.",
            cnp(egress=[{"name": "e", "action": "Accept", "to": [{"domainNames": ["api.*"]}]}]),
            "spec.egress[0].to[0].domainNames[0]",
            S,
        ),
        inv(
            "cnp-rule-name-too-long",
            "name: MaxLength=100: 101 characters.",
            cnp(egress=egress(name="x" * 101)),
            "spec.egress[0].name",
            S,
        ),
    ]
    # Accepted objects worth knowing about.
    from gen_spec import CLUSTER_NOTE, cluster

    ok = cnp(
        "Baseline",
        priority=0,
        subject={"pods": {"podSelector": {"matchLabels": {"app": "web"}}}},
        ingress=[
            {
                "name": "pass-alpha",
                "action": "Pass",
                "from": [{"namespaces": {"matchLabels": {"team": "a"}}}],
            },
            {"name": "deny-rest", "action": "Deny", "from": [{"namespaces": {}}]},
        ],
    )
    ok["metadata"]["name"] = "web-baseline"
    del ok["spec"]["egress"]
    c.append(
        Case(
            name="cnp-accepted-shapes",
            description="Accepted by the v1alpha2 CRD, unlike v1alpha1: a Baseline policy with any "
            "name and a priority, Pass in the Baseline tier, and a pods subject without "
            "namespaceSelector (optional in v1alpha2; empty selects all namespaces). The subject "
            "is every app=web pod of the cluster. " + CLUSTER_NOTE,
            manifests=[*cluster(), ok],
            version=2,
            source=S,
            expect=[
                allowed("alpha/a2", "alpha/a1", 80, why="Baseline Pass: next tier is the default"),
                denied("beta/b2", "beta/b1", 8080),
                denied("beta/b2", "gamma/c1", 80),
                allowed("beta/b1", "beta/b2", 80, why="b2 (app=api) is not a subject"),
            ],
        )
    )
    return c


def validation_files():
    h1 = (
        "Validation of v1alpha1 AdminNetworkPolicy / BaselineAdminNetworkPolicy objects "
        "against the experimental-channel CRDs of v0.1.7 (OpenAPI schema and CEL rules). "
        "'invalid' names the field the API server would report. Generated by "
        "tests/tiers/tools/generate.py; do not edit by hand."
    )
    h2 = (
        "Validation of v1alpha2 ClusterNetworkPolicy objects against the experimental-channel "
        "CRD at main 0eec1b0 (OpenAPI schema and CEL rules). Generated by "
        "tests/tiers/tools/generate.py; do not edit by hand."
    )
    v1 = v1_cases()
    for c in v1:
        c.version = 1
    return [
        ("spec-validation-v1alpha1.yaml", h1, [V1_CRD_ANP, V1_CRD_BANP], v1),
        ("spec-validation-v1alpha2.yaml", h2, [V2_CRD, V2_CRD_STD], v2_cases()),
    ]
