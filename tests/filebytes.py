"""Input files built byte by byte: PNGs Pillow will not write, damaged files, a PDF."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOR_TYPE_GREY, COLOR_TYPE_RGB = 0, 2


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and a correct CRC."""
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(width: int, height: int, bit_depth: int, color_type: int, raw: bytes) -> bytes:
    """A whole PNG whose IHDR says ``width``×``height`` and whose IDAT is ``raw`` deflated."""
    return png_of_stream(width, height, bit_depth, color_type, zlib.compress(raw))


def png_of_stream(
    width: int, height: int, bit_depth: int, color_type: int, compressed: bytes
) -> bytes:
    """A whole PNG around an already deflated image stream."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", compressed) + chunk(b"IEND", b"")


def png_16bit(values: np.ndarray) -> bytes:
    """A 16-bit PNG of ``values``: (H, W) grey or (H, W, 3) RGB, any integers up to 65535."""
    values = np.asarray(values, dtype=">u2")
    height, width = values.shape[:2]
    color_type = COLOR_TYPE_RGB if values.ndim == 3 else COLOR_TYPE_GREY
    rows = b"".join(b"\x00" + values[y].tobytes() for y in range(height))  # filter 0 per row
    return png(width, height, 16, color_type, rows)


def decompression_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid, tiny PNG whose header claims ``width``×``height`` RGB pixels."""
    return png(width, height, 8, COLOR_TYPE_RGB, b"\x00" * 1000)


def chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(type, offset of the chunk, data length) for every chunk of a PNG."""
    offset = len(SIGNATURE)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        yield data[offset + 4 : offset + 8], offset, length
        offset += 12 + length


def corrupt_idat(data: bytes) -> bytes:
    """A PNG with 16 bytes inverted in the middle of its second IDAT chunk (CRCs untouched)."""
    idats = [(offset, length) for kind, offset, length in chunks(data) if kind == b"IDAT"]
    offset, length = idats[min(1, len(idats) - 1)]
    start = offset + 8 + length // 2
    damaged = bytearray(data)
    damaged[start : start + 16] = bytes(b ^ 0xFF for b in damaged[start : start + 16])
    return bytes(damaged)


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
