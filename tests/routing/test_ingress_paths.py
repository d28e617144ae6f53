"""Ingress paths the API server rejects are input errors; the ones it accepts are audited.

kubernetes pkg/apis/networking/validation, validateHTTPIngressPath: for pathType Exact
and Prefix, "must be an absolute path", and for each of ``invalidPathSequences = {"//",
"/./", "/../", "%2f", "%2F"}`` "must not contain '%s'", for each of
``invalidPathSuffixes = {"/..", "/."}`` "cannot end with '%s'"; for
ImplementationSpecific only "must be an absolute path" when the path is not empty.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.errors import ManifestError
from netverify.loader import load_text


def ingress(path: str, ptype: str) -> str:
    return f"""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web, namespace: shop}}
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: {path!r}
            pathType: {ptype}
            backend: {{service: {{name: web, port: {{number: 80}}}}}}
"""


REJECTED = [("/a//b", "must not contain '//'"), ("//", "must not contain '//'"),
            ("/a/./b", "must not contain '/./'"), ("/a/../b", "must not contain '/../'"),
            ("/a%2fb", "must not contain '%2f'"), ("/a%2Fb", "must not contain '%2F'"),
            ("/a/..", "cannot end with '/..'"), ("/a/.", "cannot end with '/.'")]


@pytest.mark.parametrize("ptype", ["Exact", "Prefix"])
@pytest.mark.parametrize(("path", "words"), REJECTED)
def test_exact_and_prefix_paths_the_api_server_rejects(path, ptype, words):
    with pytest.raises(ManifestError, match=r"spec\.rules\[0\]\.http\.paths\[0\]\.path") as e:
        load_text(ingress(path, ptype), "ing.yaml")
    assert words in str(e.value)


@pytest.mark.parametrize(("path", "words"), REJECTED)
def test_implementation_specific_accepts_them(path, words):
    """"case networking.PathTypeImplementationSpecific: if len(path.Path) > 0 { if
    !strings.HasPrefix(path.Path, "/") ... must be an absolute path"": nothing else."""
    (ing,) = load_text(ingress(path, "ImplementationSpecific"), "ing.yaml").ingresses
    assert ing.routes[0].matches[0].path == path


@pytest.mark.parametrize("ptype", ["Exact", "Prefix", "ImplementationSpecific"])
def test_a_relative_path_is_rejected_for_every_type(ptype):
    with pytest.raises(ManifestError, match="must start with /"):
        load_text(ingress("api", ptype), "ing.yaml")


@pytest.mark.parametrize("path", ["/a.b/c", "/a/b/", "/.well-known/x", "/a..b"])
def test_dots_inside_a_segment_are_fine(path):
    (ing,) = load_text(ingress(path, "Prefix"), "ing.yaml").ingresses
    assert ing.routes[0].matches[0].path == path


def test_cli_exit_2_names_file_document_object_and_field(tmp_path):
    f = tmp_path / "ing.yaml"
    f.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
                 + ingress("/a//b", "Prefix"))
    out = CliRunner().invoke(main, ["paths", "-f", str(f)])
    assert out.exit_code == 2, out.output
    text = out.output
    assert "ing.yaml" in text and "Ingress shop/web" in text
    assert "spec.rules[0].http.paths[0].path" in text and "'//'" in text
    assert "Traceback" not in text


def test_audit_reports_an_implementation_specific_path_with_double_slash(tmp_path):
    f = tmp_path / "ing.yaml"
    f.write_text(ingress("/static//assets", "ImplementationSpecific"))
    out = CliRunner().invoke(main, ["audit", "-f", str(f), "--format", "json"])
    assert "NV609" in out.output and "/static/assets" in out.output
