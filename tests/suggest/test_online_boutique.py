"""A real application: Online Boutique's call graph as intent, compared with its authors' policies.

The flows file was written by hand from the application's documentation
(fixtures/suggest/online-boutique/README.md).  The suggestion must be proved, and
``diff`` against the authors' own NetworkPolicies must show the one place they differ
among existing pods: the authors open ``frontend`` to every pod and port.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from netverify.loader import load_cluster, load_text
from netverify.ports import PortSet, Protocol
from netverify.queries.diff import diff
from netverify.suggest import suggest
from netverify.suggest.flows_file import read_flows

HERE = Path(__file__).resolve().parents[2] / "fixtures" / "suggest" / "online-boutique"


def test_online_boutique_suggestion_is_proved_and_differs_from_the_authors_only_at_frontend(
        ) -> None:
    app = load_cluster([str(HERE / "manifests.yaml")])
    assert not app.policies
    r = suggest(app, read_flows(str(HERE / "flows.csv")))
    assert r.proved, (r.checks, r.mismatches)
    assert r.pod_pairs == 12 * 12
    ours = replace(app, policies=load_text("---\n".join(t for _, t in r.documents),
                                           "s.yaml").policies)
    authors = load_cluster([str(HERE / "manifests.yaml"), str(HERE / "authors-policies.yaml")])
    d = diff(authors, ours, timeout_ms=60_000)
    assert {x.dst for x in d.rows} == {"default/frontend"}
    assert all(x.added.is_empty for x in d.rows)  # nothing the authors deny is opened
    loadgen = next(x for x in d.rows if x.src == "default/loadgenerator")
    assert loadgen.removed == PortSet.all().difference(PortSet.of(Protocol.TCP, 8080))
