"""The web layer stays thin: one access dependency on every route but the public ones, no
body read by hand, and every API body documented in /openapi.json."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

import snicert.web
from snicert.web.app import create_app

# Open to everyone, on purpose: the public's pages and API, signing in and registering,
# the complaint form (anyone may complain) and the health check.
PUBLIC = {
    ("GET", "/"),
    ("GET", "/api/docs"),
    ("GET", "/verify"),
    ("GET", "/verify/{number}"),
    ("GET", "/directory"),
    ("GET", "/api/v1/certificates/{number}"),
    ("GET", "/api/v1/directory"),
    ("GET", "/api/v1/keys"),
    ("GET", "/api/v1/agreement"),
    ("GET", "/api/v1/skm"),
    ("GET", "/skm"),
    ("GET", "/complaints/new"),
    ("POST", "/complaints/new"),
    ("GET", "/complaints/{code}"),
    ("POST", "/api/v1/complaints"),
    ("GET", "/api/v1/complaints/{code}"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/register"),
    ("POST", "/register"),
    ("GET", "/healthz"),
}
# Where a body may be read by hand: the access dependency (the CSRF token of a page's
# form, parsed by FastAPI already) and the one form whose files are named by the case's
# findings (`file.<id>`), which no declared parameter can take.
HAND_READ = {("access.py", "caller"), ("applicant.py", "answers_page")}
BODY_READS = {"form", "json", "body", "stream"}


def _routes(routes: list) -> Iterator[APIRoute]:
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        elif hasattr(r, "original_router"):  # an included router (FastAPI >= 0.13x)
            yield from _routes(r.original_router.routes)


def _guarded(dependant: Dependant) -> bool:
    """Whether `snicert.web.access.allow` made one of the route's dependencies."""
    return any(hasattr(d.call, "roles") or _guarded(d) for d in dependant.dependencies)


def test_every_route_but_the_public_ones_goes_through_the_access_dependency() -> None:
    routes = list(_routes(create_app().routes))
    assert len(routes) > 150  # the walk reaches the included routers
    seen = {(m, r.path) for r in routes for m in r.methods}
    open_ = {(m, r.path) for r in routes if not _guarded(r.dependant) for m in r.methods} - {
        ("HEAD", p) for _, p in PUBLIC
    }
    assert open_ == PUBLIC
    assert seen >= PUBLIC


def _reads(tree: ast.AST, where: str = "") -> Iterator[tuple[str, int]]:
    """(innermost enclosing function, line) of every awaited `<x>.form()`, `.json()`,
    `.body()` or `.stream()`: reading a request's body by hand."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _reads(node, node.name)
            continue
        if (
            isinstance(node, ast.Await)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr in BODY_READS
        ):
            yield where, node.lineno
        yield from _reads(node, where)


def test_no_route_reads_a_body_by_hand() -> None:
    found = set()
    for path in Path(snicert.web.__file__).parent.rglob("*.py"):
        for fn, line in _reads(ast.parse(path.read_text(), str(path))):
            found.add((path.name, fn))
            assert (path.name, fn) in HAND_READ, f"{path}:{line} reads a body by hand in {fn}"
    assert found == HAND_READ  # the walk finds what it must (and an allowance is not stale)


def test_every_api_body_and_every_refusal_is_documented() -> None:
    spec = create_app().openapi()
    missing, undocumented = [], []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method in ("post", "put", "patch"):
                body = op.get("requestBody", {}).get("content", {})
                if not any("schema" in c for c in body.values()):
                    missing.append(f"{method.upper()} {path}")
            problem = op["responses"].get("422", {}).get("content", {})
            if "Problem" not in str(problem):
                undocumented.append(f"{method.upper()} {path}")
    assert missing == []
    assert undocumented == []
