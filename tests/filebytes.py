"""Input files built byte by byte: PNGs Pillow will not write, damaged files, a PDF; and
large images of every mode that stay small on disk (gradients and a transparent disc)."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

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


def png_of_rows(
    width: int, height: int, bit_depth: int, color_type: int, rows: Iterable[bytes]
) -> bytes:
    """A whole PNG whose rows (filter byte included) are deflated as they come, so a large
    image never needs its raw bytes in memory at once."""
    deflate = zlib.compressobj(6)
    compressed = b"".join(deflate.compress(row) for row in rows) + deflate.flush()
    return png_of_stream(width, height, bit_depth, color_type, compressed)


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


# --- large images of every mode, small on disk ------------------------------------------------

BIG_MODES = ("RGB", "RGBA", "LA", "P with transparency", "I;16", "RGB 16-bit", "CMYK")


def gradient(size: tuple[int, int], kind: str) -> Image.Image:
    """An 8-bit grey gradient across the image: "across", "down" or "radial"."""
    base = {
        "down": Image.linear_gradient("L"),
        "across": Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90),
        "radial": Image.radial_gradient("L"),
    }[kind]
    return base.resize(size, Image.Resampling.BILINEAR)


def disc_alpha(size: tuple[int, int]) -> Image.Image:
    """Opaque, with a fully transparent disc in the middle inside a half-transparent ring."""
    width, height = size
    alpha = Image.new("L", size, 255)
    draw = ImageDraw.Draw(alpha)
    radius, ring = min(size) // 3, max(1, min(size) // 60)
    for reach, value in ((radius + ring, 128), (radius, 0)):
        draw.ellipse(
            (width // 2 - reach, height // 2 - reach, width // 2 + reach, height // 2 + reach),
            fill=value,
        )
    return alpha


def big_image(mode: str, size: tuple[int, int]) -> bytes:
    """A file of ``size`` in one of :data:`BIG_MODES`: a PNG, or a JPEG for CMYK."""
    if mode == "RGB 16-bit":
        return _gradient_png_16bit(size, channels=3)
    if mode == "I;16":
        return _gradient_png_16bit(size, channels=1)
    across, down, radial = (gradient(size, kind) for kind in ("across", "down", "radial"))
    buffer = io.BytesIO()
    if mode == "CMYK":
        Image.merge("CMYK", [across, down, radial, disc_alpha(size)]).save(
            buffer, "JPEG", quality=90
        )
    elif mode == "P with transparency":
        indexes = Image.frombytes("P", size, radial.tobytes())
        indexes.putpalette(bytes(np.arange(256 * 3, dtype=np.uint8)[::-1]))
        alphas = bytes(min(255, 4 * i) for i in range(256))  # tRNS: entries 0-63 see-through
        indexes.save(buffer, "PNG", transparency=alphas)
    else:
        bands = {"RGB": [across, down, radial], "RGBA": [across, down, radial, disc_alpha(size)]}
        bands["LA"] = [down, disc_alpha(size)]
        Image.merge(mode, bands[mode]).save(buffer, "PNG")
    return buffer.getvalue()


def _gradient_png_16bit(size: tuple[int, int], *, channels: int) -> bytes:
    width, height = size
    across = np.linspace(0, 65_535, width).astype(">u2")
    up = b"\x02"  # PNG filter 2: each byte minus the one above, mostly zeros here

    def rows() -> Iterator[bytes]:
        previous = None
        for y in range(height):
            if channels == 1:
                row = across
            else:
                down = np.full(width, 65_535 * y // max(1, height - 1), ">u2")
                row = np.stack([across, down, across[::-1]], axis=1)
            raw = np.frombuffer(row.astype(">u2").tobytes(), dtype=np.uint8)
            yield b"\x00" + raw.tobytes() if previous is None else up + (raw - previous).tobytes()
            previous = raw

    color_type = COLOR_TYPE_RGB if channels == 3 else COLOR_TYPE_GREY
    return png_of_rows(width, height, 16, color_type, rows())
