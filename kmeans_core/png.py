"""A small writer of palette-mode (indexed) PNG files.

Pillow's PNG writer tries every row filter on indexed images; the PNG specification
recommends no filtering for them, and on quantized photos it gives files about a fifth
smaller, twice as fast. The zlib stream is also compressed in parallel blocks (as pigz
does: each block primed with the previous 32 KiB and ended on a byte boundary), still one
standard stream, the same bytes whatever the number of threads.

Deflate is zlib-ng's (pip ``zlib-ng``), which writes standard zlib streams that any
decoder reads. At the same level 6 it is 2.4-3.7 times faster than the C library's zlib
(measured at K = 16, 17 and 64 on the indices of quantized 10-12 MP photos: 0.10-0.31 s
against 0.18-0.77 s, files 0.3-2.7 % smaller; on the bundled 0.1-0.3 MP samples at
K = 16: 1-2 ms against 3-5 ms, files 0.4-1.0 % larger, the flat-colour chart's 1.3 %
smaller).
"""

from __future__ import annotations

import os
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from zlib_ng import zlib_ng

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPE_PALETTE = 3
_BLOCK_BYTES = 1 << 20  # raw bytes per parallel deflate block
_WINDOW = 1 << 15  # deflate's window: each block is primed with this much of the previous


def bit_depth_for(colors: int) -> int:
    """The smallest PNG bit depth that can index ``colors`` palette entries."""
    for bits in (1, 2, 4, 8):
        if colors <= 1 << bits:
            return bits
    raise ValueError(f"an indexed PNG holds at most 256 colours, not {colors}")


def write_indexed_png(
    palette: np.ndarray,
    indices: np.ndarray,
    level: int = 6,
    *,
    alpha: np.ndarray | None = None,
) -> bytes:
    """PNG bytes for ``indices`` (H, W) < len(``palette``), ``palette`` (P, 3) uint8.

    ``alpha`` (P,) uint8, each entry's opacity (0: transparent, 255: opaque), goes into a
    tRNS chunk right after PLTE; none is written when every entry is opaque.
    """
    height, width = indices.shape
    bits = bit_depth_for(len(palette))
    header = struct.pack(">IIBBBBB", width, height, bits, _COLOR_TYPE_PALETTE, 0, 0, 0)
    transparency = _transparency(alpha, len(palette))
    return b"".join(
        [
            _SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"PLTE", np.ascontiguousarray(palette, dtype=np.uint8).tobytes()),
            _chunk(b"tRNS", transparency) if transparency else b"",
            _chunk(b"IDAT", _deflate(_scanlines(indices, bits), level)),
            _chunk(b"IEND", b""),
        ]
    )


def _transparency(alpha: np.ndarray | None, colors: int) -> bytes:
    """The tRNS chunk's data: one alpha byte an entry, without the trailing 255s (a decoder
    takes entries past the chunk's end as opaque); empty when every entry is opaque."""
    if alpha is None:
        return b""
    alpha = np.asarray(alpha, dtype=np.uint8).ravel()
    if len(alpha) != colors:
        raise ValueError(
            f"alpha must hold one value per palette entry ({colors}), not {len(alpha)}"
        )
    see_through = np.flatnonzero(alpha != 255)
    return alpha[: see_through[-1] + 1].tobytes() if len(see_through) else b""


def _scanlines(indices: np.ndarray, bits: int) -> bytes:
    """Rows of packed indices, each after a filter-type byte of 0 (no filter)."""
    height, width = indices.shape
    per_byte = 8 // bits
    padded_width = -(-width // per_byte) * per_byte
    values = np.zeros((height, padded_width), dtype=np.uint8)
    values[:, :width] = indices
    grouped = values.reshape(height, -1, per_byte)
    packed = np.zeros(grouped.shape[:2], dtype=np.uint8)
    for i in range(per_byte):  # the leftmost pixel goes in the highest bits
        packed |= grouped[:, :, i] << (8 - bits * (i + 1))
    rows = np.zeros((height, packed.shape[1] + 1), dtype=np.uint8)
    rows[:, 1:] = packed
    return rows.tobytes()


def _deflate(raw: bytes, level: int) -> bytes:
    """One zlib stream of ``raw``, compressed in parallel blocks when it is large."""
    if len(raw) <= 2 * _BLOCK_BYTES:
        return zlib_ng.compress(raw, level)
    starts = range(0, len(raw), _BLOCK_BYTES)
    view = memoryview(raw)

    def block(start: int) -> bytes:
        primer = bytes(view[max(0, start - _WINDOW) : start])
        options = {"zdict": primer} if primer else {}
        compressor = zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15, **options)
        last = start + _BLOCK_BYTES >= len(raw)
        body = compressor.compress(view[start : start + _BLOCK_BYTES])
        return body + compressor.flush(zlib_ng.Z_FINISH if last else zlib_ng.Z_SYNC_FLUSH)

    with ThreadPoolExecutor(max_workers=min(len(starts), os.cpu_count() or 1)) as pool:
        blocks = list(pool.map(block, starts))
    header = bytes([0x78, 0x9C])  # deflate, 32 KiB window, default compression
    return header + b"".join(blocks) + struct.pack(">I", zlib.adler32(raw))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
