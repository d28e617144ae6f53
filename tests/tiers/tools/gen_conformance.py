"""Cases transcribed from the upstream conformance suite of kubernetes-sigs/network-policy-api.

Reads the test files and their manifests from a git snapshot of the repository
(``NPAPI_REPO``, default /work/.mirror/kubernetes-sigs+network-policy-api/repo) at
two commits: v0.1.7 (v1alpha1 ANP/BANP) and main 0eec1b0 (v1alpha2 CNP).

The expected verdicts are parsed from the tests' ``PokeServer(..., expected)``
calls, so they are the conformance suite's own answers; the tests' mutations of
the policies (rule swaps, priority change, namespace relabelling, NetworkPolicy
deletion, added CIDR rule) are replayed here, one case per state.

The StatefulSets of conformance/base/manifests.yaml become plain Pods with fixed
IPs (two replicas each, named like the StatefulSet pods), the host-networked
``centaur`` pods get their node's IP, and two Nodes labelled
kubernetes.io/os=linux are added for the node-peer tests.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess

import yaml
from gen_lib import V1_COMMIT, V2_COMMIT, Case, Q, namespace, node_obj, pod, url

REPO = os.environ.get("NPAPI_REPO", "/work/.mirror/kubernetes-sigs+network-policy-api/repo")
PFX = "network-policy-conformance-"
# Default of the suite's --host-network-port-range (conformance/utils/suite/suite.go at main).
HOST_PORTS = list(range(34345, 34345 + 8))
NODE_IPS = {"kind-worker": "172.18.0.3", "kind-worker2": "172.18.0.4"}
HOUSE_IPS = {
    "gryffindor": "10.244.1.",
    "slytherin": "10.244.2.",
    "hufflepuff": "10.244.3.",
    "ravenclaw": "10.244.4.",
}


def git_show(commit: str, path: str) -> str:
    return subprocess.run(
        ["git", "-C", REPO, "show", f"{commit}:{path}"], check=True, capture_output=True, text=True
    ).stdout


def templ(text: str) -> str:
    return re.sub(
        r"\{\{\s*index \.HostNetworkPorts (\d+)\s*\}\}",
        lambda m: str(HOST_PORTS[int(m.group(1))]),
        text,
    )


def load_yaml(commit: str, path: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(templ(git_show(commit, path))) if d]


def base_cluster(commit: str) -> list[dict]:
    """Namespaces, Pods (from the StatefulSets) and Nodes of conformance/base/manifests.yaml."""
    out: list[dict] = []
    nodes = []
    for name, ip in NODE_IPS.items():
        nodes.append(
            node_obj(
                name,
                {"kubernetes.io/os": "linux", "kubernetes.io/hostname": name},
                [("InternalIP", ip), ("Hostname", name)],
            )
        )
    pods = []
    for d in load_yaml(commit, "conformance/base/manifests.yaml"):
        if d["kind"] == "Namespace":
            out.append(namespace(d["metadata"]["name"], d["metadata"].get("labels")))
        elif d["kind"] == "StatefulSet":
            t = d["spec"]["template"]
            ns = d["metadata"]["namespace"]
            house = ns[len(PFX) :]
            ports = [
                (p.get("name"), p["containerPort"], p.get("protocol", "TCP"))
                for c in t["spec"]["containers"]
                for p in c.get("ports") or []
            ]
            hn = bool(t["spec"].get("hostNetwork"))
            for i in range(d["spec"]["replicas"]):
                name = f"{d['metadata']['name']}-{i}"
                if hn:
                    node = list(NODE_IPS)[i]
                    pods.append(
                        pod(
                            ns,
                            name,
                            t["metadata"]["labels"],
                            NODE_IPS[node],
                            ports,
                            host_network=True,
                            node=node,
                        )
                    )
                else:
                    pods.append(
                        pod(
                            ns, name, t["metadata"]["labels"], HOUSE_IPS[house] + str(10 + i), ports
                        )
                    )
    return out + pods + nodes


# ---------------------------------------------------------------- parsing the Go tests

EV = re.compile(
    r'(?P<run>t\.Run\("(?P<title>(?:[^"\\]|\\.)*)")'
    r"|(?P<getpod>(?P<gv>\w+)\s*:?=\s*kubernetes\.GetPod\(t, s\.Client, "
    r'"(?P<gns>[^"]+)", "(?P<gname>[^"]+)")'
    r'|(?P<objkey>client\.ObjectKey\{\s*Namespace:\s*"(?P<kns>[^"]+)",\s*'
    r'Name:\s*"(?P<kname>[^"]+)",?\s*\},\s*(?P<kv>\w+)\))'
    r"|(?P<poke>kubernetes\.PokeServer\(t, s\.ClientSet, &s\.KubeConfig, "
    r'"(?P<cns>[^"]+)", "(?P<cpod>[^"]+)", "(?P<proto>\w+)",\s*'
    r"(?P<sv>\w+)\.Status\.PodIP, int32\((?P<port>[^()]*(?:\[\d+\])?)\),\s*"
    r"s\.TimeoutConfig(?:\.RequestTimeout)?,\s*(?P<exp>true|false)\))"
    r"|(?P<patch>PatchClusterNetworkPolicy\(|PatchNamespace\(|s\.Client\.Patch\(ctx"
    r"|s\.Client\.Delete\(ctx)"
)


def parse_test(commit: str, path: str, test_var: str) -> list[tuple]:
    """Events of one ConformanceTest var: ('run', title), ('patch',), ('poke', ...)."""
    src = git_show(commit, path)
    start = src.index(f"var {test_var} = suite.ConformanceTest{{")
    nxt = src.find("\nvar ", start + 10)
    src = src[start : nxt if nxt > 0 else len(src)]
    # Comments would otherwise be parsed (the inline-CIDR test quotes YAML in comments).
    src = re.sub(r"//[^\n]*", "", src)
    pods: dict[str, tuple[str, str]] = {}
    events: list[tuple] = []
    for m in EV.finditer(src):
        if m.group("run"):
            events.append(("run", m.group("title")))
        elif m.group("getpod"):
            pods[m.group("gv")] = (m.group("gns"), m.group("gname"))
        elif m.group("objkey"):
            pods[m.group("kv")] = (m.group("kns"), m.group("kname"))
        elif m.group("poke"):
            port_expr = m.group("port")
            hp = re.fullmatch(r"s\.HostNetworkPorts\[(\d+)\]", port_expr)
            port = HOST_PORTS[int(hp.group(1))] if hp else int(port_expr)
            sns, sname = pods[m.group("sv")]
            events.append(
                (
                    "poke",
                    m.group("cns"),
                    m.group("cpod"),
                    m.group("proto").upper(),
                    sns,
                    sname,
                    port,
                    m.group("exp") == "true",
                )
            )
        elif m.group("patch"):
            events.append(("patch",))
    return events


def segments(events: list[tuple]) -> list[list[tuple]]:
    """Split into states: a new state starts at every patch/delete."""
    segs: list[list[tuple]] = [[]]
    title = None
    for e in events:
        if e[0] == "run":
            title = e[1]
        elif e[0] == "patch":
            segs.append([])
        else:
            segs[-1].append((title, *e[1:]))
    return segs


# ---------------------------------------------------------------- mutations


def find(manifests: list[dict], kind: str, name: str, ns: str | None = None) -> dict:
    for m in manifests:
        if (
            m["kind"] == kind
            and m["metadata"]["name"] == name
            and (ns is None or m["metadata"].get("namespace") == ns)
        ):
            return m
    raise KeyError((kind, name))


def swap(kind: str, name: str, direction: str, i: int, j: int):
    def f(ms):
        rules = find(ms, kind, name)["spec"][direction]
        rules[i], rules[j] = rules[j], rules[i]

    f.__doc__ = f"{direction}[{i}] and {direction}[{j}] of {name} swapped"
    return f


def set_action(kind, name, direction, i, action):
    def f(ms):
        find(ms, kind, name)["spec"][direction][i]["action"] = action

    f.__doc__ = f"{direction}[{i}].action of {name} set to {action}"
    return f


def set_priority(kind, name, prio):
    def f(ms):
        find(ms, kind, name)["spec"]["priority"] = prio

    f.__doc__ = f"priority of {name} set to {prio}"
    return f


def delete(kind, name, ns=None):
    def f(ms):
        ms.remove(find(ms, kind, name, ns))

    f.__doc__ = f"{kind} {ns + '/' if ns else ''}{name} deleted"
    return f


def set_ns_labels(ns, labels):
    def f(ms):
        find(ms, "Namespace", ns)["metadata"]["labels"] = dict(labels)

    f.__doc__ = f"labels of namespace {ns} replaced by {labels}"
    return f


def insert_cidr_rule(kind, name, version):
    def f(ms):
        ips = [
            find(ms, "Pod", n)["status"]["podIP"] + "/32"
            for n in ("luna-lovegood-0", "cedric-diggory-0")
        ]
        rule = {
            "name": "allow-egress-to-specific-podIPs",
            "action": "Allow" if version == 1 else "Accept",
            "to": [{"networks": ips}],
        }
        find(ms, kind, name)["spec"]["egress"].insert(0, rule)

    f.__doc__ = (
        f"rule allow-egress-to-specific-podIPs (networks: the /32 of luna-lovegood-0 and "
        f"cedric-diggory-0) inserted at egress[0] of {name}"
    )
    return f


def named_port(kind, name, direction, i, port_name, version):
    def f(ms):
        rule = find(ms, kind, name)["spec"][direction][i]
        if version == 1:
            rule["ports"] = [{"namedPort": port_name}]
        else:
            rule["protocols"] = [{"destinationNamedPort": port_name}]

    f.__doc__ = f"ports of {direction}[{i}] of {name} replaced by the named port {port_name!r}"
    return f


def noop(ms):
    """(no change)"""


# ---------------------------------------------------------------- one test -> cases

SEM_V1 = (
    "v1alpha1 (adminnetworkpolicy_types.go): rules are evaluated in order ('a rule that "
    "appears at the top ... would take the highest precedence'); Allow 'allows the selected "
    "traffic (even if it would otherwise have been denied by NetworkPolicy)', Deny 'denies the "
    "selected traffic', Pass 'instructs the selected traffic to skip any remaining ANP rules' "
    "and go to NetworkPolicy, then BaselineAdminNetworkPolicy; traffic no layer decides is "
    "allowed (the suite expects it to connect)."
)
SEM_V2 = (
    "v1alpha2 (clusternetworkpolicy_types.go): rules are evaluated in order ('a rule that "
    "appears at the top ... would take the highest precedence'); Accept and Deny are final "
    "for the direction; 'Pass: Skips all further ClusterNetworkPolicy rules in the current "
    "tier ... and passes evaluation to the next tier'; 'If a given connection wasn't "
    "allowed or denied by any of the tiers, the default kubernetes policy is applied, which "
    "says that all pods can communicate with each other.'"
)


def conformance_cases(
    *,
    version: int,
    test_file: str,
    test_var: str,
    manifests: list[str],
    states: list,
    prefix: str,
    skip_states: tuple = (),
    extra: dict | None = None,
    features: list[str] | None = None,
    intro: str = "",
) -> list[Case]:
    """states[i] mutates the cluster for segment i (cumulative, like the suite)."""
    commit = V1_COMMIT if version == 1 else V2_COMMIT
    cluster = base_cluster(commit)
    for mpath in manifests:
        cluster += load_yaml(commit, mpath)
    events = parse_test(commit, test_file, test_var)
    segs = segments(events)
    assert len(segs) == len(states), (test_var, len(segs), len(states))
    cases: list[Case] = []
    applied: list[str] = []
    seen_states: dict[str, Case] = {}
    for idx, (seg, mutate) in enumerate(zip(segs, states, strict=False)):
        mutate(cluster)
        if mutate is not noop:
            applied.append(mutate.__doc__)
        key = yaml.safe_dump(cluster, sort_keys=True)
        queries = []
        titles = []
        for title, cns, cpod, proto, sns, sname, port, exp in seg:
            if title not in titles:
                titles.append(title)
            to = f"{sns}/{sname}"
            queries.append(Q(f"{cns}/{cpod}", to, port, proto, "allowed" if exp else "denied"))
            if sns.endswith("forbidden-forrest"):
                ip = find(cluster, "Pod", sname, sns)["status"]["podIP"]
                queries.append(Q(f"{cns}/{cpod}", ip, port, proto, "allowed" if exp else "denied"))
        for q in (extra or {}).get(idx, []):
            queries.append(q)
        if idx in skip_states:
            continue
        if key in seen_states:  # e.g. a namespace label restored: same state as before
            c = seen_states[key]
            for q in queries:
                if all(
                    (q.frm, q.to, q.port, q.protocol) != (o.frm, o.to, o.port, o.protocol)
                    for o in c.expect
                ):
                    c.expect.append(q)
            continue
        state_txt = (
            "initial state of the test manifests"
            if not applied
            else "after the test's mutations: " + "; ".join(applied)
        )
        desc = (
            f"{intro} Conformance test {test_var} ({test_file} at "
            f"{'v0.1.7' if version == 1 else 'main ' + V2_COMMIT[:7]}), {state_txt}. "
            f"Sub-tests: " + " / ".join(f"'{t}'" for t in titles) + ". Expected verdicts "
            "are the suite's PokeServer expectations (true = connects). "
            + (SEM_V1 if version == 1 else SEM_V2)
        )
        c = Case(
            name=f"{prefix}-s{idx}" if len(states) > 1 else prefix,
            description=desc.strip(),
            manifests=copy.deepcopy(cluster),
            expect=queries,
            version=version,
            features=features,
            source=[url(commit, test_file)]
            + [url(commit, m) for m in manifests]
            + [url(commit, "conformance/base/manifests.yaml")],
        )
        seen_states[key] = c
        cases.append(c)
    return cases
