"""Indexed PNGs read back with Pillow, the exercise's bit arithmetic, and palette files."""

import io
import json
import zlib

import numpy as np
import pytest
from PIL import Image

from kmeans_core import (
    CompressionReport,
    encode_indexed_png,
    hex_color,
    palette_to_gpl,
    palette_to_json,
    quantize,
)
from tests import filebytes

IHDR_BIT_DEPTH = 24  # 8 signature + 4 length + 4 type + 4 width + 4 height


def read_png(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def palette_of(image):
    return np.array(image.getpalette(), dtype=np.uint8).reshape(-1, 3)


def plte_entries(data):
    """Colours in the PLTE chunk, straight from the bytes."""
    (length,) = [n for kind, _, n in filebytes.chunks(data) if kind == b"PLTE"]
    return length // 3


def every_index_image(colours, shape=(12, 25), seed=0):
    """Labels that use each of ``colours`` palette entries at least once."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, colours, shape).astype(np.uint8)
    assert labels.size >= colours
    labels.flat[:colours] = np.arange(colours)
    return labels


def distinct_palette(colours, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.choice(1 << 24, colours, replace=False)
    return np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=1).astype(np.uint8)


@pytest.mark.parametrize("k", [2, 16, 64])
def test_quantized_photo_round_trips_through_an_indexed_png(small_photo, k):
    result = quantize(small_photo, k, seed=0)
    data = encode_indexed_png(result.palette, result.labels)
    assert data.startswith(filebytes.SIGNATURE)
    image = read_png(data)
    assert image.format == "PNG" and image.mode == "P"
    assert image.size == (result.width, result.height)
    used = result.palette[result.pixel_counts > 0]
    np.testing.assert_array_equal(palette_of(image), used)
    indexes = np.asarray(image)
    np.testing.assert_array_equal(palette_of(image)[indexes], result.image())
    np.testing.assert_array_equal(np.asarray(image.convert("RGB")), result.image())


@pytest.mark.parametrize(
    ("colours", "bit_depth"),
    [(1, 1), (2, 1), (3, 2), (4, 2), (5, 4), (16, 4), (17, 8), (256, 8)],
)
def test_bit_depth_is_the_smallest_the_colours_allow(colours, bit_depth):
    palette = distinct_palette(colours)
    labels = every_index_image(colours, shape=(20, 13))  # 13 wide: rows end mid-byte
    data = encode_indexed_png(palette, labels)
    assert data[12:16] == b"IHDR"
    assert data[IHDR_BIT_DEPTH] == bit_depth
    assert data[IHDR_BIT_DEPTH + 1] == 3  # colour type 3: indexed
    assert plte_entries(data) == colours
    image = read_png(data)
    np.testing.assert_array_equal(palette_of(image), palette)
    np.testing.assert_array_equal(np.asarray(image), labels)


def test_unused_palette_entries_are_dropped():
    palette = distinct_palette(16, seed=3)
    used = [2, 7, 11]
    labels = np.array([[2, 7], [11, 2], [7, 7]], dtype=np.uint8)
    data = encode_indexed_png(palette, labels)
    assert data[IHDR_BIT_DEPTH] == 2  # 3 colours: 2 bits, not the 4 of a 16-entry palette
    assert plte_entries(data) == 3
    image = read_png(data)
    np.testing.assert_array_equal(palette_of(image), palette[used])
    np.testing.assert_array_equal(palette_of(image)[np.asarray(image)], palette[labels])


@pytest.mark.parametrize(("k", "bit_depth"), [(2, 1), (4, 2), (16, 4), (256, 8)])
def test_quantized_photo_bit_depth(small_photo, k, bit_depth):
    result = quantize(small_photo, k, seed=1)
    assert result.colors_used == k
    data = encode_indexed_png(result.palette, result.labels)
    assert data[IHDR_BIT_DEPTH] == bit_depth
    assert plte_entries(data) == k


def idat_stream(data):
    return b"".join(
        data[offset + 8 : offset + 8 + length]
        for kind, offset, length in filebytes.chunks(data)
        if kind == b"IDAT"
    )


@pytest.mark.parametrize(("colours", "shape"), [(256, (1500, 1700)), (16, (2100, 2500))])
def test_large_image_round_trips(colours, shape):
    """Several megabytes of scanlines: one standard zlib stream (its checksum holds), decoded
    by Pillow to the same indexes, and the same bytes every time."""
    labels = np.random.default_rng(9).integers(0, colours, shape).astype(np.uint8)
    palette = distinct_palette(colours, seed=5)
    data = encode_indexed_png(palette, labels)
    bits = data[IHDR_BIT_DEPTH]
    rows = zlib.decompress(idat_stream(data))
    assert len(rows) == shape[0] * (1 + -(-shape[1] * bits // 8))
    image = read_png(data)
    np.testing.assert_array_equal(np.asarray(image), labels)
    np.testing.assert_array_equal(palette_of(image), palette)
    assert encode_indexed_png(palette, labels) == data


def test_exercise_arithmetic_128_by_128_with_16_colours():
    report = CompressionReport(width=128, height=128, colors=16)
    assert report.pixels == 16_384
    assert report.bits_original == 393_216  # 24 bits a pixel
    assert report.bits_per_index == 4
    assert report.bits_palette == 384  # 16 colours × 24 bits
    assert report.bits_indices == 65_536  # 16,384 pixels × 4 bits
    assert report.bits_compressed == 65_920
    assert round(report.ratio, 4) == 5.9650
    assert report.ratio == pytest.approx(5.96505, abs=5e-6)
    assert report.ratio == report.bits_original / report.bits_compressed


@pytest.mark.parametrize(
    ("colors", "bits_per_index"),
    [(1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (16, 4), (17, 5), (255, 8), (256, 8)],
)
def test_bits_per_index_is_ceil_log2_k(colors, bits_per_index):
    report = CompressionReport(width=10, height=3, colors=colors)
    assert report.bits_per_index == bits_per_index
    assert report.bits_compressed == 24 * colors + 30 * bits_per_index


def test_one_colour_costs_only_its_palette_entry():
    report = CompressionReport(width=50, height=40, colors=1)
    assert report.bits_indices == 0
    assert report.bits_compressed == 24
    assert report.ratio == 24 * 2000 / 24


def test_gimp_palette_parses_back(small_photo):
    result = quantize(small_photo, 8, seed=0)
    text = palette_to_gpl(result.palette, name="Coffee")
    lines = text.splitlines()
    assert lines[:4] == ["GIMP Palette", "Name: Coffee", "Columns: 8", "#"]
    rows = [line.split() for line in lines[4:]]
    assert len(rows) == len(result.palette)
    parsed = np.array([[int(v) for v in row[:3]] for row in rows], dtype=np.uint8)
    np.testing.assert_array_equal(parsed, result.palette)
    assert [row[3] for row in rows] == [hex_color(c) for c in result.palette]
    assert text.endswith("\n")


def test_json_palette_parses_back_with_shares_summing_to_1(small_photo):
    result = quantize(small_photo, 8, seed=0)
    colours = json.loads(palette_to_json(result.palette, result.pixel_counts))["colors"]
    assert [c["rgb"] for c in colours] == result.palette.tolist()
    assert [c["hex"] for c in colours] == [hex_color(c) for c in result.palette]
    assert [c["pixels"] for c in colours] == result.pixel_counts.tolist()
    assert sum(c["share"] for c in colours) == pytest.approx(1.0, abs=1e-12)
    for c in colours:
        assert c["share"] == c["pixels"] / result.pixels
        assert c["hex"] == "#" + "".join(f"{v:02x}" for v in c["rgb"])


def test_hex_color():
    assert hex_color((255, 0, 16)) == "#ff0010"
    assert hex_color(np.array([1, 2, 3], dtype=np.uint8)) == "#010203"


@pytest.mark.parametrize("labels", [[[0, 2]], [[-1, 0]]], ids=["past the end", "negative"])
def test_labels_that_do_not_index_the_palette_are_refused(labels):
    palette = np.array([[0, 0, 0], [255, 255, 255]], dtype=np.uint8)
    with pytest.raises(ValueError, match="index the palette"):
        encode_indexed_png(palette, np.array(labels, dtype=np.int16))
