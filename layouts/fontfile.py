"""TrueType subsets for a PDF: only the glyphs a text uses, each keeping its glyph id."""

import struct
from functools import cache
from itertools import pairwise
from pathlib import Path

# What a PDF's embedded TrueType program needs (PDF 32000-1, 9.9): no cmap, since the PDF maps
# codes to glyph ids itself; hinting tables if the font has any, since glyphs may call them.
KEPT_TABLES = (b"head", b"hhea", b"maxp", b"hmtx", b"loca", b"glyf", b"cvt ", b"fpgm", b"prep")
# Composite glyph flags (OpenType spec, 'glyf' table).
ARGS_ARE_WORDS = 0x0001
HAS_SCALE = 0x0008
MORE_COMPONENTS = 0x0020
HAS_XY_SCALE = 0x0040
HAS_TWO_BY_TWO = 0x0080
# The sfnt checksum of a whole font plus head.checksumAdjustment makes this constant.
CHECKSUM_MAGIC = 0xB1B0AFBA


class TrueTypeFile:
    """A TrueType font's glyph outlines, read once, from which subsets are cut in bytes.

    Cutting by hand rather than with fontTools' subsetter: a subset per insert and per face is
    built in a millisecond this way, against a fifth of a second, which is the render's budget.
    """

    def __init__(self, path: Path):
        data = path.read_bytes()
        count = struct.unpack(">H", data[4:6])[0]
        self.tables = {}
        for index in range(count):
            record = data[12 + 16 * index : 28 + 16 * index]
            tag, _, offset, length = struct.unpack(">4sIII", record)
            self.tables[tag] = data[offset : offset + length]
        glyph_count = struct.unpack(">H", self.tables[b"maxp"][4:6])[0]
        loca = self.tables[b"loca"]
        if struct.unpack(">h", self.tables[b"head"][50:52])[0] == 1:  # long offsets
            offsets = struct.unpack(f">{glyph_count + 1}I", loca[: 4 * glyph_count + 4])
        else:
            short = struct.unpack(f">{glyph_count + 1}H", loca[: 2 * glyph_count + 2])
            offsets = tuple(2 * offset for offset in short)
        glyf = self.tables[b"glyf"]
        self.glyphs = [glyf[start:end] for start, end in pairwise(offsets)]

    def closure(self, glyph_ids) -> set[int]:
        """The glyphs and every glyph their composites are built from (é is e plus an accent)."""
        keep, todo = set(), [0, *glyph_ids]  # glyph 0, .notdef, is required
        while todo:
            glyph_id = todo.pop()
            if glyph_id in keep or glyph_id >= len(self.glyphs):
                continue
            keep.add(glyph_id)
            todo.extend(components(self.glyphs[glyph_id]))
        return keep

    def subset(self, glyph_ids) -> bytes:
        """A font program with the outlines of `glyph_ids` only; every other glyph is empty, so
        glyph ids (and the advance widths in hmtx) stay those of the whole font."""
        keep = self.closure(glyph_ids)
        glyf, loca = bytearray(), []
        for glyph_id, glyph in enumerate(self.glyphs):
            loca.append(len(glyf))
            if glyph_id in keep:
                glyf += glyph + b"\0" * (-len(glyph) % 4)
        loca.append(len(glyf))
        tables = {tag: self.tables[tag] for tag in KEPT_TABLES if tag in self.tables}
        tables[b"glyf"] = bytes(glyf)
        tables[b"loca"] = struct.pack(f">{len(loca)}I", *loca)
        head = bytearray(tables[b"head"])
        head[8:12] = b"\0\0\0\0"  # checksumAdjustment, set once the file is whole
        head[50:52] = struct.pack(">h", 1)  # long loca offsets
        tables[b"head"] = bytes(head)
        return sfnt(tables)


def components(glyph: bytes) -> list[int]:
    """The glyph ids a composite glyph is built from; none for a simple glyph."""
    if len(glyph) < 10 or struct.unpack(">h", glyph[:2])[0] >= 0:
        return []
    found, position = [], 10
    while True:
        flags, glyph_id = struct.unpack(">HH", glyph[position : position + 4])
        found.append(glyph_id)
        position += 4 + (4 if flags & ARGS_ARE_WORDS else 2)
        if flags & HAS_SCALE:
            position += 2
        elif flags & HAS_XY_SCALE:
            position += 4
        elif flags & HAS_TWO_BY_TWO:
            position += 8
        if not flags & MORE_COMPONENTS:
            return found


def checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def sfnt(tables: dict[bytes, bytes]) -> bytes:
    """A TrueType file of `tables`, directory sorted by tag, every table 4-byte aligned."""
    tags = sorted(tables)
    selector = max(len(tags).bit_length() - 1, 0)
    search_range = 16 * (1 << selector)
    header = struct.pack(
        ">IHHHH", 0x00010000, len(tags), search_range, selector, 16 * len(tags) - search_range
    )
    offset = 12 + 16 * len(tags)
    directory, body, head_offset = [], [], 0
    for tag in tags:
        data = tables[tag]
        if tag == b"head":
            head_offset = offset
        directory.append(struct.pack(">4sIII", tag, checksum(data), offset, len(data)))
        body.append(data + b"\0" * (-len(data) % 4))
        offset += len(body[-1])
    font = bytearray(header + b"".join(directory) + b"".join(body))
    adjustment = (CHECKSUM_MAGIC - checksum(bytes(font))) & 0xFFFFFFFF
    font[head_offset + 8 : head_offset + 12] = struct.pack(">I", adjustment)
    return bytes(font)


@cache
def truetype_file(path: Path) -> TrueTypeFile:
    return TrueTypeFile(path)
