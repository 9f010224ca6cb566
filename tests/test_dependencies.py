"""Honest dependencies: every package the code imports is declared in pyproject.toml, the
product's among the runtime dependencies, and the runtime holds no test or development tool.

A package that only arrives as another's dependency (Pillow through WeasyPrint, kombu through
Celery) works until that other package drops it or moves its bounds; declared, its lower bound
is ours and `uv lock` says when it no longer fits.
"""

import ast
import functools
import importlib.util
import logging
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import httpx2

from results.sources.client import UpstreamClient

# The nearest folder holding pyproject.toml: this file may move into a sub-folder of tests/.
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").exists())
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = tomllib.loads((ROOT / "uv.lock").read_text())

# What ships: its imports must be runtime dependencies (a production install leaves out dev).
PRODUCT = ("newsroom", "results", "layouts", "sandbox", "manage.py")
# What only developers and CI run: its imports may come from the dev group.
TOOLING = ("tests", "benchmarks", "scripts", "conftest.py")

# Runtime dependencies that no product module imports, each for its reason.
NOT_IMPORTED = {
    "psycopg": "Django's PostgreSQL backend loads it when DATABASE_URL names PostgreSQL",
    "whitenoise": "named in MIDDLEWARE and STORAGES by its dotted path",
    "django-storages": "named in STORAGES by its dotted path, when media go to a bucket",
    "gunicorn": "the Procfile's web process",
}


def normalized(name):
    """A distribution's name as packaging compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements):
    return {normalized(re.match(r"[A-Za-z0-9._-]+", spec).group()) for spec in requirements}


RUNTIME = declared(PYPROJECT["project"]["dependencies"])
DEV = declared(PYPROJECT["dependency-groups"]["dev"])


def python_files(*places):
    for place in places:
        path = ROOT / place
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def top_level_imports(path):
    """The top-level name of each absolute import in `path`, functions' bodies included."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.partition(".")[0]


def is_local(name, path):
    """The project's own packages, and modules beside the importing file (tests' helpers)."""
    return any(
        candidate.exists()
        for folder in (ROOT, path.parent)
        for candidate in (folder / name, folder / f"{name}.py")
    )


@functools.cache
def third_party_imports(*places):
    """{distribution name: files importing it}; an import no installed package provides maps
    to itself in brackets, so that it shows as undeclared rather than passing unseen."""
    providers = packages_distributions()
    found = {}
    for path in python_files(*places):
        for name in top_level_imports(path):
            if name in sys.stdlib_module_names or is_local(name, path):
                continue
            for distribution in providers.get(name, [f"[{name}]"]):
                found.setdefault(normalized(distribution), set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_package_the_product_imports_is_a_runtime_dependency():
    imported = third_party_imports(*PRODUCT)
    assert {name: files for name, files in imported.items() if name not in RUNTIME} == {}


def test_every_package_the_tests_benchmarks_and_scripts_import_is_declared():
    imported = third_party_imports(*TOOLING)
    assert {name: files for name, files in imported.items() if name not in RUNTIME | DEV} == {}


def test_the_runtime_dependencies_are_what_the_product_uses():
    """Test and development tools (a PDF reader for the tests, make run's process manager) sit
    in the dev group: production installs without it."""
    unused = RUNTIME - set(third_party_imports(*PRODUCT)) - set(NOT_IMPORTED)
    assert unused == set()


def test_no_package_is_declared_twice():
    assert RUNTIME & DEV == set()


def test_the_unmaintained_http_client_is_neither_locked_nor_installed():
    """httpx had no release after December 2024 and closed its issues in February 2026; its
    maintained fork, httpx2, keeps the API under its own name."""
    locked = {package["name"] for package in LOCK["package"]}
    assert "httpx2" in locked
    assert not {"httpx", "httpcore"} & locked
    assert importlib.util.find_spec("httpx") is None


def test_the_http_clients_request_lines_stay_out_of_the_logs(caplog):
    """httpx2 logs every request at INFO under its own logger's name: the settings quiet that
    name, as they quieted httpx's."""
    caplog.set_level(logging.INFO)
    upstream = httpx2.MockTransport(lambda request: httpx2.Response(200, json=[]))
    with UpstreamClient("http://upstream.test", transport=upstream) as client:
        assert client.http.get("/resultats").status_code == 200
    assert [record.name for record in caplog.records] == []
