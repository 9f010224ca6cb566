"""What a printer's preflight checks in an insert's PDF: PDF/X-4 label, boxes, fonts, colours."""

import io
import xml.etree.ElementTree as ET

import pikepdf

PDFXID = "{http://www.npes.org/pdfx/ns/id/}GTS_PDFXVersion"
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
RGB_OPERATORS = {"rg", "RG"}
RGB_SPACES = {"/DeviceRGB", "/CalRGB", "/RGB"}


def is_pdfx(data: bytes) -> bool:
    """Whether the PDF says it is PDF/X-4 and carries the output intent a printer needs."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return pdfx_version(pdf) == "PDF/X-4" and has_output_intent(pdf)


def pdfx_version(pdf: pikepdf.Pdf) -> str:
    """The PDF/X identification of the XMP metadata, where PDF/X-4 puts it; "" if none."""
    if "/Metadata" not in pdf.Root:
        return ""
    root = ET.fromstring(pdf.Root.Metadata.read_bytes())
    element = root.find(f".//{PDFXID}")
    return (element.text or "").strip() if element is not None else ""


def has_output_intent(pdf: pikepdf.Pdf) -> bool:
    return any(
        intent.get("/S") == "/GTS_PDFX" and "/DestOutputProfile" in intent
        for intent in pdf.Root.get("/OutputIntents", [])
    )


def preflight_errors(data: bytes) -> list[str]:
    """Everything in the PDF a PDF/X-4 preflight would reject, in French; empty if nothing."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        errors = []
        if pdfx_version(pdf) != "PDF/X-4":
            errors.append("Le PDF ne s'identifie pas comme PDF/X-4 (métadonnées XMP).")
        errors += output_intent_errors(pdf)
        errors += box_errors(pdf) + font_errors(pdf) + colour_errors(pdf)
        return errors


def output_intent_errors(pdf: pikepdf.Pdf) -> list[str]:
    if not has_output_intent(pdf):
        return ["Le PDF n'a pas d'intention de sortie GTS_PDFX avec son profil ICC."]
    errors = []
    for intent in pdf.Root.OutputIntents:
        profile = intent.get("/DestOutputProfile")
        if profile is None:
            continue
        # A CMYK profile declared with another channel count is refused by RIPs.
        channels = int(profile.get("/N", 0))
        if channels != 4 or profile.read_bytes()[16:20] != b"CMYK":
            errors.append(
                f"Le profil ICC de l'intention de sortie déclare {channels} composantes : "
                "il faut un profil CMJN à 4 composantes."
            )
    return errors


def box_errors(pdf: pikepdf.Pdf) -> list[str]:
    errors = []
    for number, page in enumerate(pdf.pages, 1):
        if "/TrimBox" not in page.obj:
            errors.append(f"Page {number} : pas de TrimBox (format de coupe).")
        elif not inside(page.trimbox, page.bleedbox) or not inside(page.bleedbox, page.mediabox):
            errors.append(f"Page {number} : TrimBox, BleedBox et MediaBox mal emboîtées.")
    return errors


def inside(inner, outer) -> bool:
    x0, y0, x1, y1 = (float(value) for value in inner)
    a0, b0, a1, b1 = (float(value) for value in outer)
    return a0 <= x0 and b0 <= y0 and x1 <= a1 and y1 <= b1


def font_errors(pdf: pikepdf.Pdf) -> list[str]:
    missing = set()
    for page in pdf.pages:
        for font in page.resources.get("/Font", {}).values():
            if font.get("/Subtype") == "/Type3":
                continue  # its glyphs are drawings inside the file
            described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = described.get("/FontDescriptor", {})
            if not any(key in descriptor for key in FONT_FILES):
                missing.add(str(font.get("/BaseFont", "?"))[1:])
    return [f"Police non incorporée : {name}." for name in sorted(missing)]


def colour_errors(pdf: pikepdf.Pdf) -> list[str]:
    """RGB anywhere the pages draw: colour operators, colour spaces, images, forms within."""
    errors: set[str] = set()
    for number, page in enumerate(pdf.pages, 1):
        found: set[str] = set()
        stream_colours(page, page.resources, found, set())
        errors.update(f"Page {number} : couleur RVB ({what})." for what in found)
    return sorted(errors)


def stream_colours(container, resources, found: set[str], seen: set) -> None:
    """Add to `found` what draws in RGB in one content stream and the forms it paints."""
    for operands, operator in pikepdf.parse_content_stream(container):
        name = str(operator)
        if name in RGB_OPERATORS:
            found.add(f"opérateur {name}")
        elif name in ("cs", "CS") and is_rgb(operands[0], resources):
            found.add(f"espace {operands[0]}")
        elif name == "Do":
            xobject = resources.XObject[operands[0]]
            if xobject.get("/Subtype") == "/Image":
                if is_rgb(xobject.get("/ColorSpace"), resources):
                    found.add("image")
            elif xobject.objgen not in seen:
                seen.add(xobject.objgen)
                stream_colours(xobject, xobject.get("/Resources", resources), found, seen)


def is_rgb(space, resources) -> bool:
    """Whether a colour space (a name, a resource name or an array) paints in RGB."""
    if space is None:
        return False
    if isinstance(space, pikepdf.Name):
        if str(space) in RGB_SPACES:
            return True
        named = resources.get("/ColorSpace", {}).get(space)
        return named is not None and is_rgb(named, resources)
    if isinstance(space, pikepdf.Array) and len(space):
        family = str(space[0])
        if family == "/ICCBased":
            return int(space[1].get("/N", 0)) == 3
        if family == "/Indexed":
            return is_rgb(space[1], resources)
        if family in ("/Separation", "/DeviceN"):
            # Their alternate space is what a RIP without the named inks uses.
            return is_rgb(space[2], resources)
        return family in RGB_SPACES
    return False
