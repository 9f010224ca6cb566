"""Small greyscale PNG pictures of an insert's pages, for the editors' version list."""

import io
import threading

import pypdfium2
from PIL import Image

# PDFium crashes if two threads call it at once, even on different documents (pypdfium2's
# "Incompatibility with Threading"): one render at a time per process. Any other PDFium user
# in this process must hold this lock too.
PDFIUM_LOCK = threading.Lock()
# pypdfium2 sizes the bitmap as ceil(page width × scale); aiming this far under the wanted
# width keeps a floating-point excess from adding a column of pixels.
WIDTH_MARGIN_PX = 0.001


def page_thumbnails(pdf: bytes, width_px: int = 200) -> list[bytes]:
    """One PNG per page, `width_px` wide, the page's proportions kept; greyscale is enough to
    recognise a page and halves the files."""
    return [png(image) for image in page_images(pdf, width_px)]


def page_images(pdf: bytes, width_px: int) -> list[Image.Image]:
    with PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(pdf)
        except pypdfium2.PdfiumError as error:
            raise ValueError("Ce fichier n'est pas un PDF lisible.") from error
        try:
            return [page_image(page, width_px) for page in document]
        finally:
            document.close()


def page_image(page: pypdfium2.PdfPage, width_px: int) -> Image.Image:
    scale = (width_px - WIDTH_MARGIN_PX) / page.get_width()
    try:
        # convert() copies the pixels out of PDFium's bitmap before the page is closed.
        return page.render(scale=scale, grayscale=True).to_pil().convert("L")
    finally:
        page.close()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
