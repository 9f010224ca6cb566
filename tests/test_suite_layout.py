"""The test suite's own shape: folders that mirror the code, and one shared test world.

A fixture that conftest.py provides and a module defines again shadows it for that module only:
the shared fixtures depending on it (`title` on `gard`) then silently follow the copy. A module
states what it adds under a name of its own (`gard_calendar(gard)`) instead.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# Top-level packages whose tests sit in a folder of the same name; results/ is split further,
# one folder per sub-package (sources, store, day, editions, deliberation, views).
PACKAGES = ("layouts", "sandbox", "newsroom")
NOT_PRODUCT = {"migrations", "management"}


def is_fixture(decorator):
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name == "fixture"


def fixtures_of(path):
    """The names of the fixtures a module defines at its top level or in its classes."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(is_fixture(decorator) for decorator in node.decorator_list)
    }


def shared_fixtures():
    return fixtures_of(TESTS / "conftest.py") | fixtures_of(ROOT / "conftest.py")


def suite_modules():
    return sorted(path for path in TESTS.rglob("*.py") if path.name != "conftest.py")


def product_subpackages():
    results = [
        path.parent.name
        for path in sorted((ROOT / "results").glob("*/__init__.py"))
        if path.parent.name not in NOT_PRODUCT
    ]
    return [*results, *PACKAGES]


def test_the_shared_fixtures_are_found():
    assert {"gard", "title", "editor", "title_admin", "upstream"} <= shared_fixtures()


def test_no_test_module_defines_again_a_fixture_conftest_provides():
    shared = shared_fixtures()
    copies = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in suite_modules()
        for name in sorted(fixtures_of(path) & shared)
    ]
    assert copies == [], "defined in tests/conftest.py already:\n" + "\n".join(copies)


def test_each_product_subpackage_has_its_test_folder():
    missing = [
        name
        for name in product_subpackages()
        if not (TESTS / name / "__init__.py").exists() or not list((TESTS / name).glob("test_*.py"))
    ]
    assert missing == [], f"no tests/<name>/ with an __init__.py and tests for: {missing}"


def test_every_test_folder_is_a_package():
    # pytest imports the tests as the `tests` package: a folder without __init__.py would give
    # its modules top-level names that clash between folders.
    folders = {path.parent for path in TESTS.rglob("test_*.py")}
    assert [str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists()] == []
