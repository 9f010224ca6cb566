"""The product reaches the sandbox only over HTTP, and the layout engine stays pure."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(folder):
    for path in (ROOT / folder).rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                yield path, [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, [node.module]


def test_no_product_module_imports_the_sandbox():
    for folder in ("newsroom", "results", "layouts"):
        for path, names in imported_modules(folder):
            assert not any(n == "sandbox" or n.startswith("sandbox.") for n in names), path


def test_the_layout_engine_uses_neither_the_orm_nor_settings():
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
