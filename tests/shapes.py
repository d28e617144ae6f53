"""Inputs of the shapes that used to make commands hang: many peers, many ports.

Small versions only: the tests check answers and bounds, ``benchmarks/`` times the
large ones.
"""

from __future__ import annotations

from typing import Any

from tests.support import ns, pod, policy

Manifest = dict[str, Any]


def many_peers(n: int, *, locked: bool = True, noise: int = 10) -> list[Manifest]:
    """``a/t`` admits ``n`` peers (pods of namespace ``b`` with ``client=c<i>``) on TCP 80.

    ``locked``: every pod of ``b`` is isolated for egress and no egress rule admits
    ``a/t``, so every family is "none" and nothing can reach ``a/t`` (exit 1), yet
    each family needs the solver.  ``noise`` egress policies in ``b`` give it work.
    """
    docs: list[Manifest] = [ns("a"), ns("b", team="b"), ns("c", team="c"),
                            pod("a", "t", {"app": "t"}),
                            pod("b", "s0", {"client": "c0"}), pod("b", "s1", {"app": "x"}),
                            pod("c", "u", {"app": "u"})]
    peer = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "b"}},
             "podSelector": {"matchLabels": {"client": f"c{i}"}}} for i in range(n)]
    docs.append(policy("a", "in", {"podSelector": {"matchLabels": {"app": "t"}},
                                   "ingress": [{"from": peer, "ports": [{"port": 80}]}]}))
    if locked:
        docs.append(policy("b", "lock", {"podSelector": {}, "policyTypes": ["Egress"]}))
    for k in range(noise):
        docs.append(policy("b", f"out{k}", {
            "podSelector": {"matchLabels": {"client": f"c{k}"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"team": "c"}}}],
                        "ports": [{"port": 1000 + k, "endPort": 2000 + k}]}]}))
    return docs


def many_ports(entries: list[Manifest], egress: list[Manifest] | None = None,
               container_ports: list[Manifest] | None = None) -> list[Manifest]:
    """``demo/server`` admits ``demo/client`` on ``entries``; the client's egress allows
    ``egress`` (default: the same entries) to the server."""
    return [ns("demo"),
            pod("demo", "client", {"app": "client"}),
            pod("demo", "server", {"app": "server"},
                ports=container_ports or [{"containerPort": 8080, "name": "http"}]),
            policy("demo", "in", {"podSelector": {"matchLabels": {"app": "server"}},
                                  "ingress": [{"from": [{"podSelector": {
                                      "matchLabels": {"app": "client"}}}],
                                      "ports": entries}]}),
            policy("demo", "out", {"podSelector": {"matchLabels": {"app": "client"}},
                                   "policyTypes": ["Egress"],
                                   "egress": [{"to": [{"podSelector": {
                                       "matchLabels": {"app": "server"}}}],
                                       "ports": entries if egress is None else egress}]})]
