"""The layers hold: no cycle, no import hidden in a function, sources without the ORM, the
layout engine pure, the product away from the sandbox.

pyproject.toml's import-linter contracts check the layer order (`uv run lint-imports`); these
tests check what import-linter does not see: imports written inside functions, the cycles they
hide, and Django's ORM named by its sub-package.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("newsroom", "results", "layouts")

# Imports inside a function that stay, each for its reason. An import written in a function to
# dodge a cycle is a cycle: the layers make none necessary.
OPTIONAL_IMPORTS = {
    # (module path, imported module): why it is imported late.
    ("newsroom/celery.py", "django.conf"): "the Celery app is made before Django is set up; "
    "the workers' logging reads its settings once they are",
}


def product_files(*folders):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imported_modules(folder):
    for path in product_files(folder):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                yield path, [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, [node.module]


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path):
    """(imported project module, node) for each import of `path`, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        yield node, names


def imports_inside_functions(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    yield from (alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom):
                    yield "." * node.level + (node.module or "")


def test_no_product_module_imports_the_sandbox():
    for folder in PRODUCT:
        for path, names in imported_modules(folder):
            assert not any(n == "sandbox" or n.startswith("sandbox.") for n in names), path


def test_the_layout_engine_uses_neither_the_orm_nor_settings():
    """layouts/ is a pure library, not a rung of results' layers: models (profiles, estimates),
    day (composition) and editions (rendering) all use it, and it uses none of them."""
    for path, names in imported_modules("layouts"):
        if path.name == "apps.py":
            continue
        assert not any(n.startswith(("django", "results")) for n in names), path


def test_only_the_pdf_module_hands_documents_to_weasyprint():
    # layouts/pdf.py gives every render the URL fetcher that refuses anything but the
    # product's own files; a document built elsewhere would fetch whatever it names.
    for folder in ("newsroom", "results", "layouts", "sandbox"):
        for path, names in imported_modules(folder):
            if path != ROOT / "layouts" / "pdf.py":
                assert "weasyprint" not in names, path


def test_the_upstream_sources_use_neither_the_orm_nor_the_models():
    """Sources talk HTTP or read files and return plain records; storing them is store/'s."""
    clients = {path.name for path in product_files("results/sources")}
    assert {"arpent.py", "education.py", "inserjeunes.py", "client.py"} <= clients
    for path, names in imported_modules("results/sources"):
        assert not any(n.startswith("django.db") for n in names), path
    for path in product_files("results/sources"):
        for _node, names in project_imports(path):
            assert not any(n.startswith(("results.models", "results.audit")) for n in names), path


def test_no_product_module_imports_inside_a_function():
    found = {
        (str(path.relative_to(ROOT)), name)
        for path in product_files(*PRODUCT)
        for name in imports_inside_functions(path)
    }
    assert found == set(OPTIONAL_IMPORTS)


def test_no_product_modules_import_each_other_in_a_cycle():
    modules = {module_name(path): path for path in product_files(*PRODUCT)}
    edges = {name: set() for name in modules}
    for name, path in modules.items():
        for _node, imported in project_imports(path):
            for target in imported:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges[name].add(target)
    assert find_cycle(edges) == []


def find_cycle(edges):
    """One cycle of modules (its path), or [] if the graph has none: a depth-first search."""
    state, stack = {}, []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[module] = "done"
        stack.pop()
        return []

    for module in sorted(edges):
        if module not in state and (cycle := visit(module)):
            return cycle
    return []


def top_level_names(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    ]


def test_one_name_one_meaning_across_the_product():
    """No two modules define the same public name: a task is not named like the function it
    calls, a dataclass not like a model. (Each management command is a `Command`, by Django.)"""
    defined = {}
    for path in product_files(*PRODUCT):
        if "management" in path.parts:
            continue
        for name in top_level_names(path):
            defined.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in defined.items() if len(paths) > 1} == {}


def test_the_upstream_clients_are_sources_on_one_base():
    """The error base, constructor, from_settings and closing are written once, in
    sources/client.py; each client holds only what is its own."""
    from results.sources import arpent, education, inserjeunes
    from results.sources.client import UpstreamClient, UpstreamError

    clients = [arpent.ArpentClient, education.EducationClient, inserjeunes.InserJeunesClient]
    errors = [arpent.ArpentError, education.OpenDataError, inserjeunes.InserJeunesError]
    for client in clients:
        assert issubclass(client, UpstreamClient)
        assert not {"from_settings", "close", "__enter__", "__exit__"} & set(vars(client))
    for error in errors:
        assert issubclass(error, UpstreamError) and "__init__" not in vars(error)


def test_the_long_tasks_share_one_claim_heartbeat_and_retry_wrapper():
    tree = ast.parse((ROOT / "results" / "tasks.py").read_text())
    calls = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]
    assert calls.count("claim") == 1
    assert calls.count("keeping_alive") == 1
    assert calls.count("token") == 1


def test_the_readme_is_a_door_under_15_kb_whose_links_lead_somewhere():
    readme = ROOT / "README.md"
    assert readme.stat().st_size <= 15 * 1024
    for target in re.findall(r"\]\(([^)#]+)\)", readme.read_text()):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), target


def test_every_page_of_docs_links_only_to_what_exists():
    for page in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([^)#]+)\)", page.read_text()):
            if not target.startswith(("http://", "https://")):
                assert (page.parent / target).exists(), (page.name, target)
