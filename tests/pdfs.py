"""What the tests read of a PDF, as a printer's check does: its text, extracted by pdftotext."""

import subprocess


def pdf_text(path, *, layout=False):
    """The text of the PDF at `path`. Without `layout`, each column's text comes whole, one
    column after the other; with it, the columns stay side by side, line by line, as printed."""
    options = ["-layout"] if layout else []
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_words(path):
    """The PDF's text with every run of spaces and line ends made one space: for a phrase that
    a narrow column may wrap."""
    return " ".join(pdf_text(path).split())
