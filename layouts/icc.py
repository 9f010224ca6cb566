"""Checking a printer's ICC profile before it becomes a PDF/X output intent, and naming it."""

import io
import struct

from PIL import ImageCms

HEADER_SIZE = 128
TAG_ENTRY_SIZE = 12

# What an editor may upload by mistake, named the way the desk says it.
COLOUR_SPACES = {
    b"RGB ": "RVB (écran)",
    b"GRAY": "niveaux de gris",
    b"Lab ": "Lab",
    b"XYZ ": "XYZ",
}
DEVICE_CLASSES = {
    b"mntr": "écran",
    b"scnr": "scanner",
    b"link": "lien entre deux espaces",
    b"spac": "conversion d'espace",
    b"abst": "abstrait",
    b"nmcl": "couleurs nommées",
}


def icc_profile_errors(data: bytes) -> list[str]:
    """Why `data` cannot be a newspaper printer's output intent, in French for the upload form;
    empty when it can."""
    if not data:
        return ["Le fichier est vide."]
    if data[36:40] != b"acsp":
        return ["Ce fichier n'est pas un profil ICC (signature « acsp » absente de l'en-tête)."]
    declared = struct.unpack(">I", data[:4])[0]
    if len(data) < HEADER_SIZE + 4:
        return [f"Le profil ICC est incomplet : {len(data)} octets, moins que son seul en-tête."]
    # A profile cut short in an upload or a mail is caught here.
    if declared != len(data):
        return [
            f"Le profil ICC est incomplet ou abîmé : son en-tête annonce {declared} octets, "
            f"le fichier en contient {len(data)}."
        ]
    errors = []
    space = data[16:20]
    if space != b"CMYK":
        name = COLOUR_SPACES.get(space, space.decode("latin-1").strip())
        errors.append(
            f"Le profil ICC décrit des couleurs en {name}, pas en CMJN : il faut le profil "
            "de sortie CMJN de l'imprimeur (papier journal)."
        )
    device_class = data[12:16]
    if device_class != b"prtr":
        name = DEVICE_CLASSES.get(device_class, device_class.decode("latin-1").strip())
        errors.append(
            f"Le profil ICC est un profil « {name} », pas un profil de sortie "
            "(imprimante ou presse)."
        )
    if not errors:
        errors += _table_errors(data) or _unreadable(data)
    return errors


def _table_errors(data: bytes) -> list[str]:
    count = struct.unpack(">I", data[HEADER_SIZE : HEADER_SIZE + 4])[0]
    table_end = HEADER_SIZE + 4 + count * TAG_ENTRY_SIZE
    if table_end > len(data) or any(
        offset + size > len(data)
        for offset, size in struct.iter_unpack(">4xII", data[HEADER_SIZE + 4 : table_end])
    ):
        return ["Le profil ICC est abîmé : sa table des balises dépasse la fin du fichier."]
    # Device to PCS and back, at least perceptually: what a RIP converts colours with.
    missing = [tag for tag in (b"A2B0", b"B2A0") if not _tag(data, tag)]
    if missing:
        names = ", ".join(tag.decode() for tag in missing)
        return [f"Le profil ICC n'a pas les tables de conversion d'un profil de sortie ({names})."]
    return []


def _unreadable(data: bytes) -> list[str]:
    # WeasyPrint reads the profile through Pillow's LittleCMS: what it refuses would make every
    # later render fail, so it is refused at upload instead.
    try:
        ImageCms.ImageCmsProfile(io.BytesIO(data))
    except (OSError, ImageCms.PyCMSError):
        return ["Le profil ICC est illisible : son contenu est abîmé."]
    return []


def icc_description(data: bytes) -> str:
    """The profile's own name (its `desc` tag), e.g. "ISOnewspaper26v4"; "" if it has none."""
    tag = _tag(data, b"desc")
    if tag[:4] == b"desc" and len(tag) >= 12:
        # ICC v2 textDescriptionType: an ASCII count (with its NUL), then the text.
        count = struct.unpack(">I", tag[8:12])[0]
        return tag[12 : 12 + count].split(b"\0")[0].decode("latin-1").strip()
    if tag[:4] == b"mluc" and len(tag) >= 16:
        return _first_mluc_string(tag)
    return ""


def _first_mluc_string(tag: bytes) -> str:
    # ICC v4 multiLocalizedUnicodeType: records of (language, country, length, offset) pointing
    # at UTF-16BE strings; the first record is the profile maker's own name for it.
    records, record_size = struct.unpack(">II", tag[8:16])
    if records < 1 or record_size < 12 or len(tag) < 16 + 12:
        return ""
    length, offset = struct.unpack(">II", tag[20:28])
    text = tag[offset : offset + length]
    return text.decode("utf-16-be", errors="replace").strip("\0 ")


def _tag(data: bytes, signature: bytes) -> bytes:
    """The bytes of one tag, or b"" if the profile has no such tag or a broken table."""
    if len(data) < HEADER_SIZE + 4:
        return b""
    count = struct.unpack(">I", data[HEADER_SIZE : HEADER_SIZE + 4])[0]
    table = data[HEADER_SIZE + 4 : HEADER_SIZE + 4 + count * TAG_ENTRY_SIZE]
    for start in range(0, len(table) - TAG_ENTRY_SIZE + 1, TAG_ENTRY_SIZE):
        if table[start : start + 4] == signature:
            offset, size = struct.unpack(">II", table[start + 4 : start + 12])
            return data[offset : offset + size]
    return b""
