"""A Kubernetes API server on 127.0.0.1 that serves recorded responses to the real kubectl.

Discovery (``/version``, ``/api``, ``/apis``, ``/api/v1``, ``/apis/GROUP/VERSION``) comes
from ``recorded/discovery.json``, trimmed from a kind v1.31 cluster's answers (legacy
discovery: kubectl falls back to it when the server does not offer the aggregated form).
Lists are answered as the API server answers ``GET /api/v1/pods``: a typed list
(``PodList``) whose items carry neither ``kind`` nor ``apiVersion``, built from manifests.
``forbidden`` resources answer 403 with the Status an RBAC denial returns; ``unavailable``
discovery paths 503, as an aggregated API whose server is down does.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

RECORDED = Path(__file__).parent / "recorded" / "discovery.json"


@dataclass
class FakeCluster:
    """What the server holds: objects by (group, plural), and resources that refuse lists."""

    objects: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    forbidden: set[tuple[str, str]] = field(default_factory=set)
    unavailable: set[str] = field(default_factory=set)  # discovery paths answering 503
    requests: list[str] = field(default_factory=list)
    discovery: dict[str, Any] = field(
        default_factory=lambda: json.loads(RECORDED.read_text(encoding="utf-8")))

    def add_manifests(self, texts: Iterable[str]) -> None:
        """File every object of ``texts`` (YAML) under its resource, from discovery."""
        by_kind = {}
        for path, doc in self.discovery.items():
            if not path.startswith(("/api/", "/apis/")) or "resources" not in doc:
                continue
            group_version = doc["groupVersion"]
            group = group_version.rpartition("/")[0]
            for r in doc["resources"]:
                by_kind[(group, r["kind"])] = r["name"]
        for text in texts:
            for obj in yaml.safe_load_all(text):
                if not obj:
                    continue
                group = obj["apiVersion"].rpartition("/")[0]
                plural = by_kind[(group, obj["kind"])]
                self.objects.setdefault((group, plural), []).append(obj)

    def _resource(self, path: str) -> tuple[str, str, str, str] | None:
        """(group, version, plural, kind) of a list path, or None."""
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) == 3:
            group, version, plural = "", parts[1], parts[2]
            doc = self.discovery.get(f"/api/{version}")
        elif parts[0] == "apis" and len(parts) == 4:
            group, version, plural = parts[1], parts[2], parts[3]
            doc = self.discovery.get(f"/apis/{group}/{version}")
        else:
            return None
        for r in (doc or {}).get("resources", []):
            if r["name"] == plural:
                return group, version, plural, r["kind"]
        return None

    def answer(self, path: str) -> tuple[int, dict[str, Any]]:
        """Status code and JSON body for ``GET path``."""
        self.requests.append(path)
        if path in self.unavailable:  # an aggregated API server that is down
            return 503, _status(503, "ServiceUnavailable", "service unavailable")
        if path in self.discovery:
            return 200, self.discovery[path]
        found = self._resource(path)
        if found is None:
            return 404, _status(404, "NotFound", "the server could not find the requested "
                                                 "resource")
        group, version, plural, kind = found
        if (group, plural) in self.forbidden:
            where = f'in API group "{group}" at the cluster scope'
            qualified = f"{plural}.{group}" if group else plural
            return 403, _status(403, "Forbidden", f'{qualified} is forbidden: User "alice" '
                                f'cannot list resource "{plural}" {where}')
        items = []
        for obj in self.objects.get((group, plural), []):
            item = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
            items.append(item)
        api_version = f"{group}/{version}" if group else version
        return 200, {"kind": f"{kind}List", "apiVersion": api_version,
                     "metadata": {"resourceVersion": "1"}, "items": items}


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


@contextmanager
def serve(cluster: FakeCluster, kubeconfig: Path) -> Iterator[str]:
    """Serve ``cluster`` on 127.0.0.1 and write a kubeconfig (context ``fake``) for it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            code, body = cluster.answer(urlparse(self.path).path)
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": url}}],
        "users": [{"name": "alice", "user": {}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "alice"}},
                     {"name": "other", "context": {"cluster": "fake", "user": "alice",
                                                   "namespace": "x"}}],
    }))
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
