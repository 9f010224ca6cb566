"""What a value may never do to the files the product renders: run as a spreadsheet formula,
break out of a CSS string or a PDF's metadata, or make WeasyPrint fetch a file or a URL."""

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pikepdf
import pytest
from PIL import Image

from layouts.compose import compose
from layouts.paginate import paginate
from layouts.pdf import ForbiddenResource, OwnFiles, Part, css_string, render_part, render_pdf
from layouts.profile import TABLOID
from tests.layouts.test_layouts_pdf import realistic_rows


def png_bytes():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def image_server():
    """A local HTTP server serving a PNG at any path, and the paths it was asked for."""
    asked = []
    body = png_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", asked
    server.shutdown()
    server.server_close()


def images_in(pdf_bytes):
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        return sum(len(page.get_images()) for page in pdf.pages)


def test_the_insert_renderer_fetches_neither_urls_nor_files_outside_the_product(
    image_server, tmp_path
):
    base, asked = image_server
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes())
    pagination = paginate(TABLOID, compose(realistic_rows(20, 3)), title="Titre")
    # As if some value had become markup in the document's head.
    head = (
        f'<link rel="stylesheet" href="{base}/style.css">'
        f'<style>.page {{ background-image: url("{secret.as_uri()}"); }}'
        f'.title {{ background-image: url("{base}/tracker.png"); }}</style>'
    )
    part = Part(pagination.pages, TABLOID, pagination.pages_count, "", head, pdfx=False)
    pdf = render_part(part)
    assert asked == []
    assert images_in(pdf) == 0


def test_the_fetcher_refuses_other_files_and_urls_with_a_clear_error(tmp_path):
    fetcher = OwnFiles()
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/font.ttf",
        "data:image/png;base64,iVBORw0KGgo=",
        "file://remote-host/srv/fonts/RobotoCondensed-Regular.ttf",
    ):
        with pytest.raises(ForbiddenResource, match="Ressource refusée"):
            fetcher.fetch(url)


def test_the_fetcher_opens_the_fonts_and_the_renders_own_icc_profile(tmp_path):
    from layouts.measure import REGULAR_FONT

    profile = tmp_path / "printer.icc"
    profile.write_bytes(b"icc")
    fetcher = OwnFiles(profile)
    assert fetcher.fetch(profile.as_uri()).read() == b"icc"
    assert fetcher.fetch(REGULAR_FONT.as_uri()).read() == REGULAR_FONT.read_bytes()
    with pytest.raises(ForbiddenResource):
        fetcher.fetch((tmp_path / "other.icc").as_uri())


def test_a_css_string_cannot_be_ended_by_a_value():
    assert css_string('Le "Canard" \\ </style><img src=x>') == (
        '"Le \\22 Canard\\22  \\5c  \\3c /style\\3e \\3c img src=x\\3e "'
    )
    assert css_string("Ligne un\nligne deux") == '"Ligne un ligne deux"'


def test_the_pdf_metadata_holds_plain_text_only():
    title = "Résultats\x01 du\x1b[31m Gard\u200b\n<b>session</b>"
    pagination = paginate(TABLOID, compose(realistic_rows(20, 3)), title=title)
    pdf = render_pdf(pagination)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert str(document.docinfo["/Title"]) == "Résultats du [31m Gard <b>session</b>"
