"""What netverify should say about each malformed policy of NCA's bad-path corpus.

``k8s_testcases/network-policy-checks-bad-path/`` holds 88 policy files; its
scheme gives, per file, ``expectedError: 0|1`` (whether NCA rejects it).  This
table adds, for every file, the field the file is about (the field netverify's
``ManifestError`` must name) and, where netverify's judgement differs from
NCA's, why.  The rules quoted are the API server's
(``pkg/apis/networking/validation/validation.go``, ``ValidateNetworkPolicy``,
and the JSON decoding of ``k8s.io/api/networking/v1`` types).
"""

from __future__ import annotations

from dataclasses import dataclass

# File -> the field path (a suffix of ``ManifestError.field``) the error must name.
ERROR_FIELD: dict[str, str] = {
    "api_version_wrong_value.yaml": "apiVersion",
    "metadata_does_not_exist.yaml": "metadata",
    "metadata_wrong_type.yaml": "metadata",
    "metadata_with_no_value.yaml": "metadata",
    "metadata_is_null.yaml": "metadata",
    "metadata_empty_map.yaml": "metadata.name",
    "metadata_name_does_not_exist.yaml": "metadata.name",
    "metadata_name_wrong_type.yaml": "metadata.name",
    "metadata_name_has_no_value.yaml": "metadata.name",
    "metadata_name_null.yaml": "metadata.name",
    "metadata_namespace_wrong_type.yaml": "metadata.namespace",
    "spec_wrong_type.yaml": "spec",
    "spec_wrong_keys.yaml": "spec",
    "spec_podselector_wrong_type.yaml": "spec.podSelector",
    "spec_podselector_wrong_keys.yaml": "spec.podSelector",
    "spec_policytypes_wrong_values.yaml": "spec.policyTypes[0]",
    "spec_policytypes_wrong_type.yaml": "spec.policyTypes",
    "spec_egress_wrong_keys.yaml": "spec.egress[0]",
    "spec_egress_wrong_type.yaml": "spec.egress",
    "spec_ingress_wrong_keys.yaml": "spec.ingress[0]",
    "spec_ingress_wrong_type.yaml": "spec.ingress",
    "matchexpressions_wrong_keys.yaml": "spec.podSelector.matchExpressions[0]",
    "matchexpressions_wrong_type.yaml": "spec.podSelector.matchExpressions",
    "matchlabels_wrong_type.yaml": "spec.podSelector.matchLabels",
    "matchlabels_wrong_key_form.yaml": "spec.podSelector.matchLabels",
    "matchlabels_wrong_key_form2.yaml": "spec.podSelector.matchLabels",
    "matchlabels_wrong_value_label_form.yaml": "spec.podSelector.matchLabels.app",
    "matchlabels_empty_value_label.yaml": "spec.podSelector.matchLabels.app",
    "matchlabels_wrong_value_label_form2.yaml": "spec.podSelector.matchLabels.app",
    "matchlabels_wrong_value_label_type.yaml": "spec.podSelector.matchLabels.app",
    "matchexpressions_key_wrong_type.yaml": "spec.podSelector.matchExpressions[0].key",
    "matchexpressions_key_does_not_exist.yaml": "spec.podSelector.matchExpressions[0].key",
    "matchexpressions_key_null.yaml": "spec.podSelector.matchExpressions[0].key",
    "matchexpressions_key_has_no_value.yaml": "spec.podSelector.matchExpressions[0].key",
    "matchexpressions_key_wrong_value_form.yaml": "spec.podSelector.matchExpressions[0].key",
    "matchexpressions_key_wrong_value_form2.yaml": "spec.podSelector.matchExpressions[0].key",
    "matchexpressions_operator_wrong_type.yaml": "spec.podSelector.matchExpressions[0].operator",
    "matchexpressions_operator_wrong_value.yaml": "spec.podSelector.matchExpressions[0].operator",
    "matchexpressions_operator_has_no_value.yaml": "spec.podSelector.matchExpressions[0].operator",
    "matchexpressions_operator_null.yaml": "spec.podSelector.matchExpressions[0].operator",
    "matchexpressions_operator_missing.yaml": "spec.podSelector.matchExpressions[0].operator",
    "matchexpressions_values_wrong_type.yaml": "spec.podSelector.matchExpressions[0].values",
    "matchexpressions_values_wrong_form.yaml": "spec.podSelector.matchExpressions[0].values",
    "matchexpressions_values_no_match_with_operator.yaml":
        "spec.podSelector.matchExpressions[0].values",
    "matchexpressions_values_no_match_with_operator2.yaml":
        "spec.podSelector.matchExpressions[0].values",
    "ports_wrong_type.yaml": "spec.ingress[1].ports",
    "ports_wrong_keys.yaml": "spec.ingress[1].ports[0]",
    "peers_wrong_type.yaml": "spec.ingress[1].from",
    "peers_wrong_keys.yaml": "spec.ingress[1].from[0]",
    "port_wrong_type.yaml": "spec.ingress[0].ports[0].port",
    "port_wrong_range.yaml": "spec.ingress[0].ports[0].port",
    "port_wrong_label_form1.yaml": "spec.ingress[0].ports[0].port",
    "port_wrong_label_form2.yaml": "spec.ingress[0].ports[0].port",
    "protocol_wrong_value.yaml": "spec.ingress[0].ports[0].protocol",
    "protocol_wrong_type.yaml": "spec.ingress[0].ports[0].protocol",
    # The five endport_* files write ``ipBlock: {cidr: 10.0.0.0}``: a bare address, which
    # ValidateIPBlock rejects too (IsValidCIDR / ParseCIDRSloppy need a prefix length), and
    # netverify reports that first.  ``test_bad_path_endport_rules`` checks the endPort
    # rules themselves on a copy of the text with the cidr made valid.
    "endport_wrong_type.yaml": "spec.ingress[0].from[0].ipBlock.cidr",
    "endport_cannot_be_defined.yaml": "spec.ingress[0].from[0].ipBlock.cidr",
    "endport_cannot_be_defined2.yaml": "spec.ingress[0].from[0].ipBlock.cidr",
    "endport_less_than_port.yaml": "spec.ingress[0].from[0].ipBlock.cidr",
    "endport_wrong_range.yaml": "spec.ingress[0].from[0].ipBlock.cidr",
    "ipblock_wrong_keys.yaml": "spec.ingress[0].from[0].ipBlock",
    "ipblock_cannot_be_defined.yaml": "spec.ingress[0].from[0]",
    "ipblock_wrong_type.yaml": "spec.ingress[0].from[0].ipBlock",
    "ipblock_empty.yaml": "spec.ingress[0].from[0].ipBlock.cidr",
    "ipblock_cidr_is_none.yaml": "spec.ingress[0].from[0].ipBlock.cidr",
    "ipblock_cidr_wrong_type.yaml": "spec.ingress[0].from[0].ipBlock.cidr",
    "ipblock_bad_cidr.yaml": "spec.ingress[0].from[0].ipBlock.cidr",
    "ipblock_bad_cidr_2.yaml": "spec.ingress[0].from[0].ipBlock.cidr",
    "ipblock_bad_cidr_3.yaml": "spec.ingress[0].from[0].ipBlock.cidr",
    "ipblock_except_wrong_type.yaml": "spec.ingress[0].from[0].ipBlock.except",
    "peer_namespaceselector_wrong_type.yaml": "spec.egress[0].to[0].namespaceSelector",
    "peer_namespaceselector_wrong_keys.yaml": "spec.egress[0].to[0].namespaceSelector",
    "peer_no_specified_fields.yaml": "spec.egress[0].to[0]",
    "peer_podselector_wrong_type.yaml": "spec.ingress[0].from[0].podSelector",
    "peer_podselector_wrong_keys.yaml": "spec.ingress[0].from[0].podSelector",
    "mixed_ipv4_cidr_ipv6_except.yaml": "spec.ingress[0].from[0].ipBlock.except[0]",
    "mixed_ipv6_cidr_ipv4_except.yaml": "spec.ingress[0].from[0].ipBlock.except[0]",
}

# endport_* file -> the endPort rule it is about (checked once its cidr is made valid).
ENDPORT_FIELD = "spec.ingress[0].ports[0].endPort"
ENDPORT_FILES = (
    "endport_wrong_type.yaml",  # endPort: UDP (not an integer)
    "endport_cannot_be_defined.yaml",  # endPort with a named port
    "endport_cannot_be_defined2.yaml",  # endPort without port
    "endport_less_than_port.yaml",  # endPort 50 < port 53
    "endport_wrong_range.yaml",  # endPort 0 (< port 53, and not a valid port number)
)


@dataclass(frozen=True)
class Divergence:
    """netverify and NCA disagree on a file; ``netverify_right`` says who follows upstream."""

    reason: str
    netverify_right: bool


def _k8s_accepts(reason: str) -> Divergence:
    return Divergence("NCA rejects this file but the Kubernetes API server accepts it, and so "
                      "does netverify: " + reason, netverify_right=True)


def _netverify_warns(reason: str) -> Divergence:
    return Divergence("NCA and the Kubernetes API server reject this file; netverify loads it "
                      "with a warning by design: " + reason, netverify_right=True)


def _netverify_bug(reason: str) -> Divergence:
    return Divergence("netverify bug (reported): it accepts this file but the Kubernetes API "
                      "server rejects it: " + reason, netverify_right=False)


_PODSELECTOR_OPTIONAL = (
    "spec.podSelector is optional (k8s.io/api networking/v1 NetworkPolicySpec: 'This field "
    "is optional. If it is not specified, it defaults to an empty selector'; it is a "
    "non-pointer LabelSelector, so a missing or null value decodes to {}), and "
    "ValidateNetworkPolicySpec accepts an empty selector. netverify reads it as {} "
    "(every pod of the namespace)."
)

DIVERGENCES: dict[str, Divergence] = {
    "metadata_wrong_keys.yaml": _k8s_accepts(
        "metadata.namespaceSelector is an unknown ObjectMeta field; ValidateObjectMeta has no "
        "rule against it and the API server's default field validation (Warn) drops it with a "
        "warning (only fieldValidation=Strict, e.g. kubectl --validate=strict, rejects it). "
        "It cannot change what the policy allows, so netverify ignores it."),
    "spec_empty_map.yaml": _k8s_accepts(_PODSELECTOR_OPTIONAL),
    "spec_podselector_does_not_exist.yaml": _k8s_accepts(_PODSELECTOR_OPTIONAL),
    "spec_podselector_has_no_value.yaml": _k8s_accepts(_PODSELECTOR_OPTIONAL),
    "spec_podselector_null.yaml": _k8s_accepts(_PODSELECTOR_OPTIONAL),
    "spec_policytypes_missing_egress.yaml": _k8s_accepts(
        "ValidateNetworkPolicySpec only checks that policyTypes has at most two entries, each "
        "Ingress or Egress; egress rules in a policy whose policyTypes is [Ingress] are valid "
        "and have no effect (the policy does not isolate egress). netverify keeps policyTypes "
        "as written and ignores the egress rules."),
    "spec_policytypes_missing_ingress.yaml": _k8s_accepts(
        "ValidateNetworkPolicySpec only checks that policyTypes has at most two entries, each "
        "Ingress or Egress; ingress rules in a policy whose policyTypes is [Egress] are valid "
        "and have no effect. netverify keeps policyTypes as written and ignores them."),
    # netverify warns about invalid names instead of rejecting the file: a name does not
    # change reachability, and test data often carries names the API server would refuse.
    "metadata_wrong_form.yaml": _netverify_warns(
        "ValidateNetworkPolicyName = NameIsDNSSubdomain rejects 'metadata_name_test7'; "
        "netverify loads it with a warning because the name does not change reachability."),
    "metadata_name_long.yaml": _netverify_warns(
        "NameIsDNSSubdomain allows at most 253 characters; netverify loads it with a warning "
        "because the name does not change reachability."),
}

ACCEPTED_BY_NCA = ("networkPolicy_no_error.yaml", "mixed_ipv4_ipv6_policy.yaml")
