"""Deterministic synthetic clusters for benchmarking netverify.

Writes plain manifests, the way ``kubectl get -o yaml`` dumps look, to a folder::

    OUT/namespaces.yaml          Namespaces (labels team, env)
    OUT/workloads/<ns>.yaml      Deployments / StatefulSets / Jobs with replicas
    OUT/pods/<ns>.yaml           the running Pods (ownerReferences, status.podIP)
    OUT/policies/<ns>.yaml       NetworkPolicies

Each workload's real pods are in ``pods/``, so netverify models every pod
(the workload templates are then only ownership information) and ``--pods``
is the number of pods netverify sees.  Peer tools that expand workloads into
pods themselves (NCA) should be given ``namespaces.yaml``, ``pods/`` and
``policies/`` only.

Shapes, chosen to resemble real clusters:

- infrastructure: ``kube-system`` (CoreDNS), ``ingress-nginx``, ``monitoring``
  (Prometheus StatefulSet);
- app namespaces ``<team>-<env>`` holding web / api / worker / cache / db /
  queue workloads whose pods carry ``app``, ``tier``, ``team``, ``env``,
  ``version`` (plus keys no policy reads, like ``pod-template-hash``);
- per-pod variation: deployments caught mid-rollout (two ReplicaSets, the new
  one at another version and sometimes with the ``http`` named port moved),
  canary deployments (``track: canary``), StatefulSet pods (each with its own
  ``statefulset.kubernetes.io/pod-name``, which a policy pins), debug pods and
  Job pods, and pod IPs on per-node /24s of which a few are "quarantined" by an
  ipBlock ``except``;
- policies per namespace: default-deny (ingress and egress), DNS egress to
  kube-system on UDP/TCP 53, ingress-controller and Prometheus ingress
  (namespaceSelector + podSelector, named ports), tier-to-tier rules with
  matchExpressions (In / NotIn / Exists), cross-namespace API ranges
  (``endPort``), internet egress (ipBlock 0.0.0.0/0 except private ranges), a
  legacy external database range; then per-workload policies up to
  ``--policies``.

``--no-pod-ipblocks`` leaves out the one ipBlock that covers pod IPs, so that
every ipBlock only matches addresses outside the cluster (what NCA assumes).

Run ``python benchmarks/generate.py --pods 1000 --policies 200 --out /tmp/c``;
it prints what it wrote and the number of pod classes netverify finds.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Dumper = yaml.SafeDumper

Obj = dict[str, Any]

TEAMS = ("payments", "search", "checkout", "identity", "catalog", "shipping", "ads",
         "reviews", "analytics", "notify", "billing", "media")
ENVS = ("prod", "staging", "dev")
HASH_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # what Kubernetes uses for generated names
PRIVATE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
POD_SUPERNET = "10.244.0.0/14"


@dataclass(frozen=True)
class Template:
    base: str
    tier: str
    ports: tuple[tuple[str, int, str], ...]  # (name, number, protocol)
    kind: str


TEMPLATES = {
    "web": Template("web", "frontend", (("http", 8080, "TCP"), ("metrics", 9090, "TCP")),
                    "Deployment"),
    "api": Template("api", "backend", (("http", 8080, "TCP"), ("grpc", 9000, "TCP"),
                                       ("metrics", 9090, "TCP")), "Deployment"),
    "worker": Template("worker", "worker", (("metrics", 9090, "TCP"),), "Deployment"),
    "cache": Template("cache", "cache", (("redis", 6379, "TCP"),), "Deployment"),
    "db": Template("db", "db", (("postgres", 5432, "TCP"), ("metrics", 9187, "TCP")),
                   "StatefulSet"),
    "queue": Template("queue", "queue", (("amqp", 5672, "TCP"), ("metrics", 15692, "TCP")),
                      "StatefulSet"),
}
TEMPLATE_WEIGHTS = {"web": 3, "api": 4, "worker": 3, "cache": 1, "db": 1, "queue": 1}
DEPLOY_REPLICAS = (1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8)
STS_REPLICAS = (1, 2, 3, 3)


@dataclass
class Workload:
    ns: str
    name: str
    tier: str
    kind: str
    labels: dict[str, str]
    ports: tuple[tuple[str, int, str], ...]
    pods: list[Obj] = field(default_factory=list)


@dataclass
class Namespace:
    name: str
    team: str
    env: str
    labels: dict[str, str]
    workloads: list[Workload] = field(default_factory=list)
    bare_pods: list[Obj] = field(default_factory=list)

    def by_tier(self, tier: str) -> list[Workload]:
        return [w for w in self.workloads if w.tier == tier and not w.name.endswith("-canary")]


class Generator:
    def __init__(self, pods: int, policies: int, namespaces: int | None, seed: int,
                 pod_ipblocks: bool) -> None:
        self.n_pods = pods
        self.n_policies = policies
        self.n_namespaces = namespaces or max(5, pods // 100 + 3)
        self.rng = random.Random(seed)
        self.pod_ipblocks = pod_ipblocks
        self.namespaces: list[Namespace] = []
        self.workload_objs: dict[str, list[Obj]] = defaultdict(list)
        self.policy_objs: dict[str, list[Obj]] = defaultdict(list)
        self.policy_count = 0
        n_nodes = min(1024, max(3, pods // 40))
        self.nodes = [ipaddress.ip_network(f"10.{244 + i // 256}.{i % 256}.0/24")
                      for i in range(n_nodes)]
        self.next_host = [10] * n_nodes
        k = max(1, n_nodes // 16)
        self.quarantined = sorted(self.rng.sample(range(n_nodes), min(k, 3)))
        self.pods_made = 0

    # -- helpers -------------------------------------------------------------

    def hash(self, n: int) -> str:
        return "".join(self.rng.choice(HASH_CHARS) for _ in range(n))

    def pod_ip(self) -> str:
        i = self.rng.randrange(len(self.nodes))
        h = self.next_host[i]
        self.next_host[i] += 1
        if h > 250:  # node full: spill to the next one
            for j in range(len(self.nodes)):
                if self.next_host[j] <= 250:
                    i, h = j, self.next_host[j]
                    self.next_host[j] += 1
                    break
        return str(self.nodes[i].network_address + h)

    def make_pod(self, ns: str, name: str, labels: dict[str, str],
                 ports: tuple[tuple[str, int, str], ...],
                 owner: tuple[str, str, str] | None) -> Obj:
        meta: Obj = {"name": name, "namespace": ns, "labels": dict(labels),
                     "uid": f"{self.hash(8)}-{self.hash(4)}"}
        if owner is not None:
            api, kind, oname = owner
            meta["ownerReferences"] = [{"apiVersion": api, "kind": kind, "name": oname,
                                        "uid": f"{self.hash(8)}-{self.hash(4)}",
                                        "controller": True, "blockOwnerDeletion": True}]
        ip = self.pod_ip()
        containers = [{
            "name": "main", "image": _image(labels.get("app", name)),
            "ports": [{"name": pn, "containerPort": num, "protocol": proto}
                      for pn, num, proto in ports],
        }]
        self.pods_made += 1
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                "spec": {"containers": containers, "nodeName": "node"},
                "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}}

    @staticmethod
    def template_obj(kind: str, ns: str, name: str, labels: dict[str, str], replicas: int,
                     ports: tuple[tuple[str, int, str], ...]) -> Obj:
        api = "batch/v1" if kind == "Job" else "apps/v1"
        spec: Obj = {
            "selector": {"matchLabels": {"app": labels["app"]}},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [{
                    "name": "main", "image": _image(labels["app"]),
                    "ports": [{"name": pn, "containerPort": num, "protocol": proto}
                              for pn, num, proto in ports]}]},
            },
        }
        if kind == "Job":
            del spec["selector"]
            spec["template"]["spec"]["restartPolicy"] = "Never"
        else:
            spec["replicas"] = replicas
        if kind == "StatefulSet":
            spec["serviceName"] = name
        return {"apiVersion": api, "kind": kind,
                "metadata": {"name": name, "namespace": ns, "labels": {"app": labels["app"]}},
                "spec": spec}

    # -- topology ------------------------------------------------------------

    def build(self) -> None:
        self.infra()
        n_app = max(1, self.n_namespaces - 3)
        budget = self.n_pods - self.pods_made
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(n_app)]
        total = sum(weights)
        shares = [int(budget * w / total) for w in weights]
        for i in range(budget - sum(shares)):
            shares[i % n_app] += 1
        used: dict[str, int] = defaultdict(int)
        for i in range(n_app):
            team = TEAMS[(i // len(ENVS)) % len(TEAMS)]
            env = ENVS[i % len(ENVS)]
            base = f"{team}-{env}"
            used[base] += 1
            name = base if used[base] == 1 else f"{base}-{used[base]}"
            labels = {"team": team, "env": env}
            if self.rng.random() < 0.3:
                labels["istio-injection"] = "enabled"  # noise: no policy reads it
            ns = Namespace(name, team, env, labels)
            self.namespaces.append(ns)
            self.populate(ns, shares[i])
        self.policies()

    def infra(self) -> None:
        ks = Namespace("kube-system", "platform", "prod", {})
        ing = Namespace("ingress-nginx", "platform", "prod", {"team": "platform"})
        mon = Namespace("monitoring", "platform", "prod", {"team": "platform"})
        self.namespaces += [ks, ing, mon]
        self.add_workload(ks, "coredns", "dns", "Deployment",
                          {"k8s-app": "kube-dns", "app": "coredns"},
                          (("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")),
                          2)
        self.add_workload(ing, "ingress-nginx-controller", "edge", "Deployment",
                          {"app.kubernetes.io/name": "ingress-nginx",
                           "app.kubernetes.io/component": "controller",
                           "app": "ingress-nginx"},
                          (("http", 80, "TCP"), ("https", 443, "TCP")), 2)
        self.add_workload(mon, "prometheus", "monitoring", "StatefulSet",
                          {"app": "prometheus"}, (("web", 9090, "TCP"),), 2)

    def add_workload(self, ns: Namespace, name: str, tier: str, kind: str,
                     labels: dict[str, str], ports: tuple[tuple[str, int, str], ...],
                     replicas: int, *, rollout: bool = False) -> Workload:
        w = Workload(ns.name, name, tier, kind, labels, ports)
        ns.workloads.append(w)
        self.workload_objs[ns.name].append(
            self.template_obj(kind, ns.name, name, labels, replicas, ports))
        if kind == "StatefulSet":
            rev = self.hash(10)
            for i in range(replicas):
                pl = {**labels, "controller-revision-hash": f"{name}-{rev}",
                      "statefulset.kubernetes.io/pod-name": f"{name}-{i}"}
                w.pods.append(self.make_pod(ns.name, f"{name}-{i}", pl, ports,
                                            ("apps/v1", "StatefulSet", name)))
            return w
        sets: list[tuple[dict[str, str], tuple[tuple[str, int, str], ...], int]]
        if rollout and replicas >= 2:
            old = self.rng.randint(1, replicas - 1)
            v = int(labels.get("version", "v1")[1:])
            new_labels = {**labels, "version": f"v{v + 1}"}
            new_ports = ports
            if self.rng.random() < 0.5:  # the new version moved its http port
                new_ports = tuple((pn, 8081 if pn == "http" else num, pr)
                                  for pn, num, pr in ports)
            sets = [(labels, ports, old), (new_labels, new_ports, replicas - old)]
        else:
            sets = [(labels, ports, replicas)]
        for lab, prt, n in sets:
            h = self.hash(10)
            rs = f"{name}-{h}"
            for _ in range(n):
                w.pods.append(self.make_pod(ns.name, f"{rs}-{self.hash(5)}",
                                            {**lab, "pod-template-hash": h}, prt,
                                            ("apps/v1", "ReplicaSet", rs)))
        return w

    def populate(self, ns: Namespace, budget: int) -> None:
        counters: dict[str, int] = defaultdict(int)
        order = ["web", "api", "db", "cache", "worker", "queue"]
        bases = list(TEMPLATE_WEIGHTS)
        wts = list(TEMPLATE_WEIGHTS.values())
        left = budget
        # A debug pod and a migration Job pod in some namespaces.
        extras = []
        if budget >= 8 and self.rng.random() < 0.4:
            extras.append("debug")
        if budget >= 8 and self.rng.random() < 0.3:
            extras.append("job")
        left -= len(extras)
        while left > 0:
            base = order.pop(0) if order else self.rng.choices(bases, wts)[0]
            t = TEMPLATES[base]
            name = f"{base}-{counters[base]}"
            counters[base] += 1
            reps = self.rng.choice(STS_REPLICAS if t.kind == "StatefulSet" else DEPLOY_REPLICAS)
            canary = (t.kind == "Deployment" and base in ("web", "api") and left > reps + 1
                      and self.rng.random() < 0.12)
            reps = min(reps, left - (1 if canary else 0))
            if reps <= 0:
                break
            labels = {"app": name, "tier": t.tier, "team": ns.team, "env": ns.env,
                      "version": f"v{self.rng.randint(1, 4)}",
                      "app.kubernetes.io/part-of": ns.team}
            rollout = t.kind == "Deployment" and self.rng.random() < 0.15
            self.add_workload(ns, name, t.tier, t.kind, labels, t.ports, reps, rollout=rollout)
            left -= reps
            if canary:
                cl = {**labels, "track": "canary",
                      "version": f"v{int(labels['version'][1:]) + 1}"}
                self.add_workload(ns, f"{name}-canary", t.tier, "Deployment", cl, t.ports, 1)
                left -= 1
        if "debug" in extras:
            n = f"debug-{self.hash(5)}"
            ns.bare_pods.append(self.make_pod(ns.name, n, {"run": n}, (), None))
        if "job" in extras and ns.by_tier("db"):
            db = ns.by_tier("db")[0].name
            job = f"{db}-migrate"
            labels = {"app": job, "job-name": job, "tier": "job", "team": ns.team,
                      "env": ns.env}
            self.workload_objs[ns.name].append(
                self.template_obj("Job", ns.name, job, labels, 1, ()))
            ns.bare_pods.append(self.make_pod(ns.name, f"{job}-{self.hash(5)}", labels, (),
                                              ("batch/v1", "Job", job)))
        elif "job" in extras:
            n = f"debug-{self.hash(5)}"
            ns.bare_pods.append(self.make_pod(ns.name, n, {"run": n}, (), None))

    # -- policies ------------------------------------------------------------

    def policy(self, ns: str, name: str, selector: Obj, *, ingress: list[Obj] | None = None,
               egress: list[Obj] | None = None) -> Obj:
        types = []
        spec: Obj = {"podSelector": selector}
        if ingress is not None:
            types.append("Ingress")
            if ingress:
                spec["ingress"] = ingress
        if egress is not None:
            types.append("Egress")
            if egress:
                spec["egress"] = egress
        spec["policyTypes"] = types
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": name, "namespace": ns}, "spec": spec}

    @staticmethod
    def ns_sel(name: str) -> Obj:
        return {"matchLabels": {"kubernetes.io/metadata.name": name}}

    def base_policies(self, ns: Namespace) -> list[Obj]:
        """This namespace's standard policies, most important first."""
        n = ns.name
        out: list[Obj] = []
        if n == "kube-system":
            out.append(self.policy(n, "default-deny-ingress", {}, ingress=[]))
            out.append(self.policy(n, "allow-dns", {"matchLabels": {"k8s-app": "kube-dns"}},
                                   ingress=[{"from": [{"namespaceSelector": {}}],
                                             "ports": [{"protocol": "UDP", "port": 53},
                                                       {"protocol": "TCP", "port": 53}]}]))
            return out
        if n in ("ingress-nginx", "monitoring"):
            return out
        tcp = "TCP"
        out.append(self.policy(n, "default-deny-all", {}, ingress=[], egress=[]))
        out.append(self.policy(n, "allow-dns-egress", {}, egress=[{
            "to": [{"namespaceSelector": self.ns_sel("kube-system"),
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]))
        out.append(self.policy(n, "allow-from-ingress-controller",
                               {"matchLabels": {"tier": "frontend"}}, ingress=[{
            "from": [{"namespaceSelector": self.ns_sel("ingress-nginx"),
                      "podSelector": {"matchLabels": {
                          "app.kubernetes.io/name": "ingress-nginx"}}}],
            "ports": [{"protocol": tcp, "port": "http"}]}]))
        scrape_from: list[Obj] = [{
            "namespaceSelector": {"matchLabels": {"team": "platform"}, "matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "In",
                 "values": ["monitoring"]}]},
            "podSelector": {"matchLabels": {"app": "prometheus"}}}]
        if self.pod_ipblocks:
            # A node-local agent scrapes from the pod network, except quarantined nodes.
            scrape_from.append({"ipBlock": {"cidr": POD_SUPERNET, "except": [
                str(self.nodes[i]) for i in self.quarantined]}})
        out.append(self.policy(n, "allow-prometheus-scrape", {"matchExpressions": [
            {"key": "app", "operator": "Exists"}]}, ingress=[{
                "from": scrape_from, "ports": [{"port": "metrics"}]}]))
        out.append(self.policy(n, "allow-frontend-to-backend",
                               {"matchLabels": {"tier": "backend"}}, ingress=[{
            "from": [{"podSelector": {"matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["frontend", "backend"]}]}}],
            "ports": [{"port": "http"}, {"protocol": tcp, "port": 9000}]}]))
        envs = ["prod"] if ns.env == "prod" else ["staging", "dev"]
        out.append(self.policy(n, "allow-backend-egress", {"matchLabels": {"tier": "backend"}},
                               egress=[
            {"to": [{"podSelector": {"matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["cache", "db", "queue"]}]}}],
             "ports": [{"port": 5432}, {"port": 6379}, {"port": 5672}]},
            {"to": [{"namespaceSelector": {"matchExpressions": [
                {"key": "env", "operator": "In", "values": envs},
                {"key": "team", "operator": "NotIn", "values": [ns.team]}]},
                     "podSelector": {"matchLabels": {"tier": "backend"}, "matchExpressions": [
                         {"key": "version", "operator": "NotIn", "values": ["v1"]}]}}],
             "ports": [{"protocol": tcp, "port": 8080, "endPort": 8090}]},
            {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE)}}],
             "ports": [{"protocol": tcp, "port": 443}]},
        ]))
        out.append(self.policy(n, "allow-frontend-egress", {"matchLabels": {"tier": "frontend"}},
                               egress=[{"to": [{"podSelector": {"matchLabels": {
                                   "tier": "backend"}}}], "ports": [{"port": "http"}]}]))
        out.append(self.policy(n, "allow-db-ingress", {"matchLabels": {"tier": "db"}}, ingress=[
            {"from": [{"podSelector": {"matchLabels": {"tier": "backend"}}},
                      {"podSelector": {"matchExpressions": [
                          {"key": "job-name", "operator": "Exists"}]}}],
             "ports": [{"port": "postgres"}, {"port": 9187}]},
            {"from": [{"podSelector": {"matchLabels": {"tier": "db"}}}],
             "ports": [{"port": 5432}]}]))
        out.append(self.policy(n, "allow-cross-namespace-api",
                               {"matchLabels": {"tier": "backend"}}, ingress=[{
            "from": [{"namespaceSelector": {"matchExpressions": [
                {"key": "env", "operator": "In", "values": envs},
                {"key": "team", "operator": "Exists"}]},
                      "podSelector": {"matchLabels": {"tier": "backend"}}}],
            "ports": [{"protocol": tcp, "port": 8080, "endPort": 8090}]}]))
        out.append(self.policy(n, "allow-worker-egress", {"matchLabels": {"tier": "worker"}},
                               egress=[
            {"to": [{"podSelector": {"matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["queue", "cache"]}]}}],
             "ports": [{"port": 5672}, {"port": 6379}]},
            {"to": [{"ipBlock": {"cidr": "172.20.0.0/16", "except": ["172.20.5.0/24"]}}],
             "ports": [{"protocol": tcp, "port": 5432, "endPort": 5439}]},
            {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE)}}],
             "ports": [{"protocol": tcp, "port": 443}]},
        ]))
        out.append(self.policy(n, "allow-queue-ingress", {"matchLabels": {"tier": "queue"}},
                               ingress=[{"from": [{"podSelector": {"matchExpressions": [
                                   {"key": "tier", "operator": "In",
                                    "values": ["backend", "worker"]}]}}],
                                   "ports": [{"port": "amqp"}]}]))
        out.append(self.policy(n, "allow-cache-ingress", {"matchLabels": {"tier": "cache"}},
                               ingress=[{"from": [{"podSelector": {"matchExpressions": [
                                   {"key": "tier", "operator": "In",
                                    "values": ["backend", "worker"]},
                                   {"key": "track", "operator": "NotIn",
                                    "values": ["canary"]}]}}],
                                   "ports": [{"protocol": tcp, "port": "redis"}]}]))
        dbs = ns.by_tier("db")
        if dbs:
            out.append(self.policy(n, "allow-primary-writes", {"matchLabels": {
                "statefulset.kubernetes.io/pod-name": f"{dbs[0].name}-0"}}, ingress=[{
                    "from": [{"namespaceSelector": {"matchLabels": {"team": ns.team}},
                              "podSelector": {"matchLabels": {"tier": "backend"}}}],
                    "ports": [{"port": 5432}]}]))
        out.append(self.policy(n, "allow-onprem-admin", {"matchLabels": {"tier": "backend"}},
                               ingress=[{"from": [{"ipBlock": {
                                   "cidr": "192.168.0.0/16", "except": ["192.168.100.0/24"]}}],
                                   "ports": [{"protocol": tcp, "port": 8443}]}]))
        return out

    def extra_policy(self, ns: Namespace, w: Workload, k: int) -> Obj:
        """One per-workload policy of a randomly chosen shape."""
        rng = self.rng
        same = [x for x in ns.workloads if x is not w]
        others = [x for x in self.namespaces if x.workloads and x is not ns
                  and x.name not in ("kube-system", "ingress-nginx", "monitoring")]
        shape = rng.random()
        sel = {"matchLabels": {"app": w.labels["app"]}}
        if w.tier == "frontend" or w.tier == "backend":
            sel_ports: list[Obj] = [{"port": "http"}]
        elif w.ports:
            pn, num, proto = rng.choice(w.ports)
            sel_ports = [{"protocol": proto, "port": num if rng.random() < 0.5 else pn}]
        else:
            sel_ports = [{"protocol": "TCP", "port": rng.choice((8000, 8443, 9443))}]
        if shape < 0.35 and same:
            y = rng.choice(same)
            return self.policy(ns.name, f"allow-{w.name}-from-{y.name}-{k}", sel, ingress=[{
                "from": [{"podSelector": {"matchLabels": {"app": y.labels.get("app", y.name)}}}],
                "ports": sel_ports}])
        if shape < 0.55 and others:
            o = rng.choice(others)
            return self.policy(ns.name, f"allow-{w.name}-from-{o.team}-{k}", sel, ingress=[{
                "from": [{"namespaceSelector": {"matchLabels": {"team": o.team}},
                          "podSelector": {"matchExpressions": [
                              {"key": "tier", "operator": "In",
                               "values": rng.sample(["frontend", "backend", "worker"], 2)},
                              {"key": "track", "operator": "NotIn", "values": ["canary"]}]}}],
                "ports": sel_ports}])
        if shape < 0.75 and others:
            o = rng.choice(others)
            ys = [x for x in o.workloads if x.ports]
            if ys:
                y = rng.choice(ys)
                pn, num, proto = rng.choice(y.ports)
                return self.policy(ns.name, f"egress-{w.name}-to-{o.name}-{y.name}-{k}", sel,
                                   egress=[{"to": [{"namespaceSelector": self.ns_sel(o.name),
                                                    "podSelector": {"matchLabels": {
                                                        "app": y.labels.get("app", y.name)}}}],
                                            "ports": [{"protocol": proto, "port": num}]}])
        if shape < 0.88:
            v = w.labels.get("version", "v1")
            lo = rng.choice((8000, 8100, 8200, 9000))
            return self.policy(ns.name, f"allow-{w.name}-{v}-range-{k}", {
                "matchLabels": {"app": w.labels["app"]},
                "matchExpressions": [{"key": "version", "operator": "In", "values": [v]}]},
                ingress=[{"from": [{"podSelector": {"matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["frontend", "backend"]},
                    {"key": "env", "operator": "Exists"}]}}],
                    "ports": [{"protocol": "TCP", "port": lo, "endPort": lo + 99}]}])
        return self.policy(ns.name, f"allow-{w.name}-udp-{k}", sel, ingress=[{
            "from": [{"namespaceSelector": {"matchLabels": {"env": ns.env}}}],
            "ports": [{"protocol": "UDP", "port": rng.choice((514, 4789, 8125))}]}],
            egress=[{"to": [{"namespaceSelector": {"matchLabels": {"env": ns.env}},
                             "podSelector": {"matchLabels": {"tier": "worker"}}}],
                     "ports": [{"protocol": "UDP", "port": 8125}]}])

    def policies(self) -> None:
        per_ns = {ns.name: self.base_policies(ns) for ns in self.namespaces}
        budget = self.n_policies
        level = 0
        deepest = max(len(v) for v in per_ns.values())
        while budget > 0 and level < deepest:  # breadth first: every ns gets its deny first
            for ns in self.namespaces:
                pols = per_ns[ns.name]
                if level < len(pols) and budget > 0:
                    self.policy_objs[ns.name].append(pols[level])
                    budget -= 1
            level += 1
        apps = [(ns, w) for ns in self.namespaces for w in ns.workloads
                if ns.name not in ("kube-system", "ingress-nginx", "monitoring")]
        k = 0
        while budget > 0 and apps:
            ns, w = self.rng.choice(apps)
            self.policy_objs[ns.name].append(self.extra_policy(ns, w, k))
            k += 1
            budget -= 1

    # -- output --------------------------------------------------------------

    def write(self, out: Path, *, with_workloads: bool = True) -> dict[str, int]:
        if out.exists():
            shutil.rmtree(out)
        for sub in ("pods", "policies") + (("workloads",) if with_workloads else ()):
            (out / sub).mkdir(parents=True)
        ns_objs = [{"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": ns.name, **({"labels": ns.labels} if ns.labels else {})}}
                   for ns in self.namespaces]
        _dump(out / "namespaces.yaml", ns_objs)
        counts = {"namespaces": len(ns_objs), "pods": 0, "policies": 0, "workloads": 0}
        for ns in self.namespaces:
            pods = [p for w in ns.workloads for p in w.pods] + ns.bare_pods
            counts["pods"] += len(pods)
            _dump(out / "pods" / f"{ns.name}.yaml", pods)
            if with_workloads and self.workload_objs[ns.name]:
                counts["workloads"] += len(self.workload_objs[ns.name])
                _dump(out / "workloads" / f"{ns.name}.yaml", self.workload_objs[ns.name])
            if self.policy_objs[ns.name]:
                counts["policies"] += len(self.policy_objs[ns.name])
                _dump(out / "policies" / f"{ns.name}.yaml", self.policy_objs[ns.name])
        if with_workloads:
            routes = _routes(self.namespaces)
            counts["services"] = sum(1 for o in routes if o["kind"] == "Service")
            counts["ingresses"] = sum(1 for o in routes if o["kind"] == "Ingress")
            _dump(out / "workloads" / "routes.yaml", routes)
        return counts


def tier_policies(anps: int, banp: bool, cnps: int) -> list[Obj]:
    """Platform guardrails over the generated cluster, as a platform team writes them.

    AdminNetworkPolicies (v1alpha1), one per (team, env) in turn: production databases
    and caches refuse dev namespaces, monitoring is passed on to the namespaces' own
    policies, the cloud metadata address is denied, the ingress controller is allowed
    on the named http port.  The BaselineAdminNetworkPolicy denies ingress from other
    teams where no NetworkPolicy decides.  ClusterNetworkPolicies (v1alpha2) of both
    tiers do the same for a tier label, at priorities of their own.
    """
    out: list[Obj] = []
    pairs = [(team, env) for team in TEAMS for env in ENVS]

    def ns(**labels: str) -> Obj:
        return {"matchLabels": labels}

    for i in range(anps):
        team, env = pairs[i % len(pairs)]
        out.append({
            "apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
            "metadata": {"name": f"guard-{team}-{env}-{i}"},
            "spec": {
                "priority": 10 + i,
                "subject": {"pods": {"namespaceSelector": ns(team=team, env=env),
                                     "podSelector": {"matchExpressions": [
                                         {"key": "tier", "operator": "In",
                                          "values": ["data", "cache"]}]}}},
                "ingress": [
                    {"name": "monitoring-decides", "action": "Pass",
                     "from": [{"namespaces": ns(**{"kubernetes.io/metadata.name":
                                                   "monitoring"})}]},
                    {"name": "no-dev", "action": "Deny",
                     "from": [{"namespaces": ns(env="dev")}]},
                    {"name": "edge", "action": "Allow",
                     "from": [{"namespaces": ns(**{"kubernetes.io/metadata.name":
                                                   "ingress-nginx"})}],
                     "ports": [{"namedPort": "http"}]}],
                "egress": [
                    {"name": "no-metadata", "action": "Deny",
                     "to": [{"networks": ["169.254.169.254/32"]}]}]}})
    if banp:
        out.append({
            "apiVersion": "policy.networking.k8s.io/v1alpha1",
            "kind": "BaselineAdminNetworkPolicy", "metadata": {"name": "default"},
            "spec": {"subject": {"namespaces": {"matchExpressions": [
                        {"key": "team", "operator": "Exists"}]}},
                     "ingress": [{"name": "other-teams", "action": "Deny",
                                  "from": [{"namespaces": {"matchExpressions": [
                                      {"key": "team", "operator": "NotIn",
                                       "values": ["platform"]}]}}]}]}})
    tiers = ("web", "api", "worker", "queue")
    for i in range(cnps):
        tier = tiers[i % len(tiers)]
        team = TEAMS[i % len(TEAMS)]
        baseline = i % 3 == 2
        out.append({
            "apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
            "metadata": {"name": f"{'baseline' if baseline else 'admin'}-{tier}-{team}-{i}"},
            "spec": {
                "tier": "Baseline" if baseline else "Admin",
                "priority": 100 + i,
                "subject": {"pods": {"namespaceSelector": ns(team=team),
                                     "podSelector": ns(tier=tier)}},
                "ingress": [{"name": "same-team", "action": "Accept",
                             "from": [{"namespaces": ns(team=team)}]}] if baseline else [
                    {"name": "no-staging-to-prod", "action": "Deny",
                     "from": [{"namespaces": ns(env="staging")}],
                     "protocols": [{"tcp": {"destinationPort": {
                         "range": {"start": 1, "end": 1024}}}}]}],
                "egress": [{"name": "no-smtp", "action": "Deny",
                            "to": [{"networks": ["0.0.0.0/0"]}],
                            "protocols": [{"tcp": {"destinationPort": {"number": 25}}}]}]}})
    return out


def _image(app: str) -> str:
    # The controller's real image, so that netverify recognises it (paths, NV608).
    if app == "ingress-nginx":
        return "registry.k8s.io/ingress-nginx/controller:v1.10.1"
    return f"registry.example.com/{app}:1.0"


def _routes(namespaces: list[Namespace]) -> list[Obj]:
    """A Service per web and api workload and an Ingress per namespace routing to them."""
    out: list[Obj] = []
    for ns in namespaces:
        backends = []
        for tier in ("frontend", "backend"):
            ws = ns.by_tier(tier)
            if not ws or not ws[0].ports:
                continue
            w = ws[0]
            out.append({"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": w.name, "namespace": ns.name},
                        "spec": {"selector": {"app": w.labels["app"]},
                                 "ports": [{"name": "http", "port": 80,
                                            "targetPort": w.ports[0][0]}]}})
            backends.append(("/" if tier == "frontend" else "/api", w.name))
        if not backends or ns.team == "platform":
            continue
        host = f"{ns.name}.example.com"
        out.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": ns.name, "namespace": ns.name},
            "spec": {"ingressClassName": "nginx",
                     "tls": [{"hosts": [host], "secretName": f"{ns.name}-tls"}],
                     "rules": [{"host": host, "http": {"paths": [
                         {"path": path, "pathType": "Prefix",
                          "backend": {"service": {"name": name, "port": {"number": 80}}}}
                         for path, name in backends]}}]}})
    return out


def _dump(path: Path, objs: list[Obj]) -> None:
    with path.open("w", encoding="utf-8") as f:
        yaml.dump_all(objs, f, Dumper=_Dumper, sort_keys=False, default_flow_style=False)


def generate(out: Path | str, *, pods: int, policies: int, namespaces: int | None = None,
             seed: int = 1, pod_ipblocks: bool = True, with_workloads: bool = True,
             anps: int = 0, banp: bool = False, cnps: int = 0,
             json_list: Path | str | None = None) -> dict[str, int]:
    """Write one synthetic cluster to ``out`` (replacing it); returns object counts.

    ``anps``, ``banp`` and ``cnps`` add cluster-wide policies (``OUT/tiers.yaml``).
    ``json_list`` also writes the same objects, in the same order, as one
    ``kubectl get -o json`` List (indented by four, as kubectl prints it).
    """
    g = Generator(pods, policies, namespaces, seed, pod_ipblocks)
    g.build()
    counts = g.write(Path(out), with_workloads=with_workloads)
    tiered = tier_policies(anps, banp, cnps)
    if tiered:
        _dump(Path(out) / "tiers.yaml", tiered)
        counts["cluster_policies"] = len(tiered)
    if json_list is not None:
        write_json_list(Path(out), Path(json_list))
    return counts


def write_json_list(folder: Path, target: Path) -> None:
    """The manifests under ``folder`` (in the order netverify reads them) as one List."""
    import json

    items: list[Obj] = []
    for f in sorted(folder.rglob("*.yaml")):
        with f.open(encoding="utf-8") as fh:
            items.extend(d for d in yaml.load_all(fh, Loader=yaml.CSafeLoader) if d)
    with target.open("w", encoding="utf-8") as fh:
        json.dump({"apiVersion": "v1", "kind": "List", "items": items,
                   "metadata": {"resourceVersion": ""}}, fh, indent=4)
        fh.write("\n")


def class_counts(path: Path | str) -> dict[str, float]:
    """Load ``path`` with netverify and count pods, pod classes (and time the load)."""
    from netverify.engines.classes import pod_classes
    from netverify.loader import load_cluster

    t0 = time.perf_counter()
    cluster = load_cluster([str(path)])
    t1 = time.perf_counter()
    pc = pod_classes(cluster)
    return {"pods": len(cluster.pods), "policies": len(cluster.policies),
            "pod_classes": len(pc.members), "load_s": t1 - t0,
            "classes_s": time.perf_counter() - t1}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--policies", type=int, default=200)
    ap.add_argument("--namespaces", type=int, default=None,
                    help="total namespaces, 3 of them infrastructure (default pods/100+3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="folder to (re)write")
    ap.add_argument("--no-pod-ipblocks", action="store_true",
                    help="no ipBlock covers pod IPs (for comparisons with NCA)")
    ap.add_argument("--no-workloads", action="store_true",
                    help="write Namespaces, Pods and NetworkPolicies only")
    ap.add_argument("--no-classes", action="store_true",
                    help="do not load the result with netverify")
    ap.add_argument("--json", metavar="FILE",
                    help="also write everything as one kubectl-style JSON List to FILE")
    ap.add_argument("--anps", type=int, default=0,
                    help="AdminNetworkPolicies (v1alpha1) to add (OUT/tiers.yaml)")
    ap.add_argument("--banp", action="store_true", help="add the BaselineAdminNetworkPolicy")
    ap.add_argument("--cnps", type=int, default=0,
                    help="ClusterNetworkPolicies (v1alpha2, both tiers) to add")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    counts = generate(a.out, pods=a.pods, policies=a.policies, namespaces=a.namespaces,
                      seed=a.seed, pod_ipblocks=not a.no_pod_ipblocks,
                      with_workloads=not a.no_workloads, anps=a.anps, banp=a.banp,
                      cnps=a.cnps, json_list=a.json)
    print(f"wrote {a.out}: {counts['namespaces']} namespaces, {counts['workloads']} "
          f"workload objects, {counts['pods']} pods, {counts['policies']} policies "
          f"in {time.perf_counter() - t0:.1f}s")
    if not a.no_classes:
        c = class_counts(a.out)
        print(f"netverify: {c['pods']} pods, {c['policies']} policies, "
              f"{c['pod_classes']} pod classes (load {c['load_s']:.2f}s, "
              f"classes {c['classes_s']:.2f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
