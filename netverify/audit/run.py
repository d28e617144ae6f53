"""Run the registered rules over a cluster, apply suppressions, add the connectivity shown.

This is the audit's query: it returns an ``AuditReport`` (data only) and leaves
every presentation decision (which findings to print, how to draw the graph) to
the renderers.  Three things happen here and nowhere else:

- **Suppression.**  ``cluster.suppressions`` maps ``"Kind ns/name"`` (and
  ``"Namespace name"``) to the codes its ``netverify.io/ignore`` annotation
  silences (``*`` for all).  A finding is suppressed by its own object's
  annotation or by the annotation of the namespace the object lives in.  Rules
  name a pod by its workload (``audit/naming.py``), so the pods a workload stands
  for lend it their annotations: in a cluster dump the annotation sits on the pods
  (copied from the template), and ``Pod ns/web-7d9f8-abcde`` ignoring NV120 also
  silences NV120 on ``Deployment ns/web``.  One annotated pod is enough (its
  siblings come from the same template; during a rollout the newest template is the
  intent).  Suppressed findings are kept in the report, so every format can count
  them.
- **Severity filter.**  Findings below ``min_severity`` move to ``hidden``: not
  shown, but counted and still judged by ``--fail-on``.
- **Connectivity.**  The namespace matrix always, the workload matrix when it is
  small enough to read (``max_workloads`` groups).  Both are the *policy* answer:
  the report shows what the manifests allow, while what a CNI fails to enforce is
  the business of the CNI rules, which say so as findings.  (An effective matrix
  on a Flannel cluster would be "everything to everything" and hide the intent
  the reviewer is checking.)
- **Lint.**  Rules marked ``lint_only`` (the solver-heavy redundancy search, NV150-
  NV152) run only when named (``only``): ``lint`` names them, with NV102 and the tier
  rules.  They share one search per cluster (``audit/redundancy.py``) under the run's
  solver time limit, and what it leaves undecided goes to ``AuditReport.undecided``.
- **Coverage.**  Traffic policies of kinds netverify does not evaluate
  (``Cluster.coverage``) make the report incomplete, whichever rules ran: rule NV704
  names each one, and the matrices mark the cells they could change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from netverify.audit import redundancy
from netverify.audit.anchors import anchors
from netverify.audit.docs import rule_info
from netverify.audit.entry_points import entry_points
from netverify.audit.naming import workload_object
from netverify.audit.registry import all_rules
from netverify.deadline import DEFAULT_TIMEOUT_MS
from netverify.errors import QueryError
from netverify.model import Cluster
from netverify.queries.matrix import matrix
from netverify.results import AuditReport, Finding, MatrixResult, RuleInfo, Severity

MAX_WORKLOADS = 40  # beyond this a workload graph or table is no longer read by anyone
EVERY_RULE = "*"
# What ``netverify lint`` runs: selection that can never or does not apply, redundancy
# over every possible pod, and NetworkPolicy advice from the cluster-wide tiers.
LINT_RULES = ("NV102", "NV134", "NV135", "NV136", "NV150", "NV151", "NV152")


def audit(cluster: Cluster, *, only: Iterable[str] | None = None,
          inputs: Sequence[str] = (), min_severity: Severity | None = None,
          connectivity: bool = True, max_workloads: int = MAX_WORKLOADS,
          fail_on: Severity | None = None,
          timeout_ms: int = DEFAULT_TIMEOUT_MS) -> AuditReport:
    """Run every rule (or the ``only`` codes) and collect the findings.

    Rules marked ``lint_only`` run only when ``only`` names them.  ``timeout_ms``
    bounds the lint search's solver work (``--smt-timeout``).  ``connectivity=False``
    skips the matrices (formats that do not show them need not pay for the all-pairs
    computation).  ``fail_on`` is the gate the report is
    judged by (``--fail-on``; the exit status and every format use it).

    Raises:
        QueryError: when ``only`` names a code no rule has.
    """
    registry = all_rules()
    wanted = set(only) if only else None
    if wanted:
        unknown = sorted(wanted - {r.code for r in registry})
        if unknown:
            raise QueryError(f"unknown rule {', '.join(unknown)}",
                             hint=f"known rules: {', '.join(r.code for r in registry)}")
    rules: dict[str, RuleInfo] = {}
    found: list[Finding] = []
    with redundancy.session(timeout_ms):
        for rule_cls in registry:
            if (rule_cls.code not in wanted) if wanted else rule_cls.lint_only:
                continue
            rules[rule_cls.code] = rule_info(rule_cls)
            found.extend(rule_cls().check(cluster))
        undecided = redundancy.undecided()
    found.sort(key=lambda f: (rules[f.code].severity.rank, f.code, f.object, f.path,
                              f.message))
    shown: list[Finding] = []
    hidden: list[Finding] = []
    suppressed: list[Finding] = []
    suppressions = effective_suppressions(cluster)
    for f in found:
        if is_suppressed(f, suppressions):
            suppressed.append(f)
        elif min_severity is not None and rules[f.code].severity.rank > min_severity.rank:
            hidden.append(f)
        else:
            shown.append(f)
    summary = {"namespaces": len(cluster.namespaces), "pods": len(cluster.pods),
               "workloads": len({p.group for p in cluster.pods}),
               "services": len(cluster.services), "policies": len(cluster.policies),
               "ingresses": len(cluster.ingresses)}
    by_ns: MatrixResult | None = None
    by_workload: MatrixResult | None = None
    if connectivity:
        by_ns = matrix(cluster, by="namespace", policy_only=True)
        if summary["workloads"] <= max_workloads:
            by_workload = matrix(cluster, by="workload", policy_only=True)
    return AuditReport(findings=tuple(shown), rules=rules, suppressed=tuple(suppressed),
                       hidden=tuple(hidden), min_severity=min_severity, inputs=tuple(inputs),
                       cluster_summary=summary, connectivity=by_ns,
                       workload_connectivity=by_workload, coverage=cluster.coverage,
                       fail_on=fail_on, anchors=anchors(cluster), undecided=undecided,
                       entry_points=entry_points(cluster) if connectivity else ())


def lint(cluster: Cluster, *, only: Iterable[str] | None = None, inputs: Sequence[str] = (),
         min_severity: Severity | None = None, fail_on: Severity | None = Severity.INFO,
         timeout_ms: int = DEFAULT_TIMEOUT_MS) -> AuditReport:
    """Run the lint rules (``LINT_RULES``, or the ``only`` codes) as an audit without matrices.

    The default gate is ``info``: any finding fails.  Findings compare NetworkPolicies
    with each other and stay true whatever else the input holds; with policies to judge,
    objects netverify does not evaluate (another kind of policy could make more rules
    redundant) leave the report incomplete, and with none there is nothing to miss.

    >>> lint(cluster).findings  # doctest: +SKIP

    Raises:
        QueryError: when ``only`` names a code no rule has.
    """
    report = audit(cluster, only=only or LINT_RULES, inputs=inputs, min_severity=min_severity,
                   connectivity=False, fail_on=fail_on, timeout_ms=timeout_ms)
    if cluster.policies:
        return report
    return replace(report, coverage=cluster.coverage.affecting(()))


def effective_suppressions(cluster: Cluster) -> dict[str, frozenset[str]]:
    """``cluster.suppressions`` plus, per workload, the codes its pods' annotations silence.

    A pod that belongs to a workload (``Pod.workload``) and carries the annotation
    adds its codes to ``"Kind ns/workload"``: findings name such pods by their
    workload, and the annotation of a dumped pod is its template's.
    """
    out = dict(cluster.suppressions)
    for pod in cluster.pods:
        if pod.is_template or not (pod.workload and pod.workload_kind):
            continue
        codes = cluster.suppressions.get(f"{pod.kind} {pod.key}")
        if codes:
            key = workload_object(pod)
            out[key] = out.get(key, frozenset()) | codes
    return out


def namespace_of(obj: str) -> str | None:
    """The namespace a ``"Kind ns/name"`` (or ``"Namespace name"``) object lives in."""
    kind, _, rest = obj.partition(" ")
    if kind == "Namespace":
        return rest or None
    ns, slash, _ = rest.partition("/")
    return ns if slash else None


def is_suppressed(f: Finding, suppressions: Mapping[str, frozenset[str]]) -> bool:
    """True when the object's or its namespace's ``netverify.io/ignore`` covers the code."""
    keys = [f.object]
    ns = namespace_of(f.object)
    if ns is not None and f.object != f"Namespace {ns}":
        keys.append(f"Namespace {ns}")
    for key in keys:
        codes = suppressions.get(key)
        if codes and (f.code in codes or EVERY_RULE in codes):
            return True
    return False
