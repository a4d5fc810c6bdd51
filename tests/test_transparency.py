"""Transparency kept: alpha cut at 50 %, one transparent palette entry (PNG tRNS), K-Means on
the opaque pixels only, 32-bit arithmetic; --background and the app's fill composite instead.

Every PNG written is read back with Pillow, and its alpha compared with the input's."""

from __future__ import annotations

import base64
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps
from streamlit.runtime.media_file_manager import MediaFileManager

from dashboard.analysis import SCATTER_POINTS, scatter_sample
from kmeans_core import CompressionReport, Settings, encode_indexed_png, load_image, quantize
from kmeans_core.cli import main
from kmeans_core.decoding import to_rgb_and_alpha, to_rgb_array
from kmeans_core.loading import load_image_with_alpha
from kmeans_core.metrics import squared_error
from kmeans_core.png import write_indexed_png
from kmeans_core.transparency import (
    ALPHA_CUT,
    dither_keeping_alpha,
    entry_alpha,
    opaque_colors,
    quantize_keeping_alpha,
    transparent_mask,
    uncomposite,
)
from tests import filebytes
from tests.app_support import PAGE_FILES, assert_healthy, metrics, new_app, open_page_file, upload
from tests.test_large_images import decode_bound_mib, peak_rss_mib

WHITE = (255, 255, 255)
SUPERSAMPLE = 4


# --- the logo: shapes on a transparent background, anti-aliased edges ------------------------


def logo(size: tuple[int, int] = (240, 150)) -> Image.Image:
    """An RGBA logo: a red disc, a blue bar, a yellow triangle and a soft grey shadow on a
    transparent background, drawn at 4× and reduced, so every edge is anti-aliased."""
    width, height = size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE
    big = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    shadow = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(shadow).rounded_rectangle(
        (width * 0.46, height * 0.62, width * 0.96, height * 0.92), radius=60, fill=(40, 40, 40, 90)
    )
    big.alpha_composite(shadow)
    draw = ImageDraw.Draw(big)
    w, h = width, height
    draw.ellipse((w * 0.04, h * 0.08, w * 0.40, h * 0.84), fill=(214, 40, 57, 255))
    draw.rounded_rectangle(
        (w * 0.44, h * 0.18, w * 0.94, h * 0.56), radius=40, fill=(29, 78, 216, 255)
    )
    triangle = [(w * 0.30, h * 0.95), (w * 0.50, h * 0.45), (w * 0.70, h * 0.95)]
    draw.polygon(triangle, fill=(250, 204, 21, 255))
    return big.resize(size, Image.Resampling.LANCZOS)


def png_of(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def logo_rgba() -> np.ndarray:
    pixels = np.asarray(logo())
    alpha = pixels[:, :, 3]
    # a real test image: transparent, opaque and partly transparent (edges, shadow) pixels
    assert (alpha == 0).mean() > 0.2 and (alpha == 255).mean() > 0.3
    assert ((alpha > 0) & (alpha < ALPHA_CUT)).any()
    assert ((alpha >= ALPHA_CUT) & (alpha < 255)).any()
    return pixels


@pytest.fixture(scope="module")
def logo_file(tmp_path_factory, logo_rgba) -> Path:
    path = tmp_path_factory.mktemp("logo") / "logo.png"
    path.write_bytes(png_of(Image.fromarray(logo_rgba, "RGBA")))
    return path


def read_rgba(path_or_bytes) -> np.ndarray:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with Image.open(source) as image:
        assert image.mode == "P"
        return np.asarray(image.convert("RGBA"))


def png_chunk_types(data: bytes) -> list[bytes]:
    return [kind for kind, _offset, _length in filebytes.chunks(data)]


def over_white(rgba: np.ndarray) -> np.ndarray:
    """colour·a + 255·(1 − a), rounded: the colour a kept pixel of partial alpha takes."""
    colour, alpha = rgba[:, :, :3].astype(np.int64), rgba[:, :, 3:4].astype(np.int64)
    return ((colour * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def assert_transparency_kept(source: np.ndarray, written: np.ndarray) -> None:
    """Transparent stays transparent, opaque stays opaque; alpha is cut at 50 %."""
    alpha_in, alpha_out = source[:, :, 3], written[:, :, 3]
    assert (alpha_out[alpha_in == 0] == 0).all()
    assert (alpha_out[alpha_in == 255] == 255).all()
    np.testing.assert_array_equal(alpha_out, np.where(alpha_in < ALPHA_CUT, 0, 255))


def run_main(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- the PNG writer: tRNS right after PLTE ----------------------------------------------------


def test_the_writer_puts_trns_right_after_plte_without_its_trailing_255s():
    palette = np.array([[255, 255, 255], [200, 0, 0], [0, 0, 200], [0, 200, 0]], np.uint8)
    indices = np.array([[0, 1, 2, 3], [3, 2, 1, 0]], np.uint8)
    data = write_indexed_png(palette, indices, alpha=np.array([0, 128, 255, 255], np.uint8))
    assert png_chunk_types(data) == [b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"]
    ((offset, length),) = [(o, n) for kind, o, n in filebytes.chunks(data) if kind == b"tRNS"]
    assert data[offset + 8 : offset + 8 + length] == bytes([0, 128])  # 255s at the end: implied
    with Image.open(io.BytesIO(data)) as image:
        rgba = np.asarray(image.convert("RGBA"))
    np.testing.assert_array_equal(rgba[:, :, :3], palette[indices])
    np.testing.assert_array_equal(rgba[:, :, 3], np.array([0, 128, 255, 255])[indices])


def test_an_all_opaque_alpha_writes_the_same_file_as_none():
    palette = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    indices = np.array([[0, 1]], np.uint8)
    opaque = write_indexed_png(palette, indices, alpha=np.full(2, 255, np.uint8))
    assert opaque == write_indexed_png(palette, indices)
    assert b"tRNS" not in png_chunk_types(opaque)


def test_the_writer_refuses_an_alpha_of_the_wrong_length():
    with pytest.raises(ValueError, match="one value per palette entry"):
        write_indexed_png(np.zeros((3, 3), np.uint8), np.zeros((1, 1), np.uint8), alpha=[0, 255])


def test_encoding_drops_unused_entries_and_puts_the_transparent_one_first():
    palette = np.array([[10, 10, 10], [20, 20, 20], [30, 30, 30], [255, 255, 255]], np.uint8)
    labels = np.array([[0, 2, 3], [3, 2, 0]], np.uint8)  # entry 1 unused
    data = encode_indexed_png(palette, labels, alpha=entry_alpha(4))
    with Image.open(io.BytesIO(data)) as image:
        assert image.info["transparency"] == 0  # one tRNS byte: entry 0 transparent
        assert len(image.getpalette()) // 3 == 3
        rgba = np.asarray(image.convert("RGBA"))
    np.testing.assert_array_equal(rgba[:, :, :3], palette[labels])
    np.testing.assert_array_equal(rgba[:, :, 3], np.where(labels == 3, 0, 255))


# --- the arithmetic: 32 bits a pixel and a palette entry ---------------------------------------


def test_the_arithmetic_counts_alpha():
    report = CompressionReport(200, 100, 17, alpha=True)
    assert report.bits_per_color == 32
    assert report.bits_original == 32 * 200 * 100
    assert report.bits_palette == 32 * 17
    assert report.bits_per_index == math.ceil(math.log2(17)) == 5
    assert report.bits_compressed == 32 * 17 + 200 * 100 * 5
    assert report.ratio == pytest.approx(640_000 / 100_544)


def test_the_plain_arithmetic_is_unchanged():
    report = CompressionReport(128, 128, 16)
    assert (report.bits_per_color, report.alpha) == (24, False)
    assert (report.bits_original, report.bits_compressed) == (393_216, 65_920)
    assert report.ratio == pytest.approx(5.965, abs=1e-3)


# --- decoding: the alpha channel beside the composited pixels ---------------------------------


def test_the_alpha_channel_comes_with_the_pixels_composited_over_white(logo_file, logo_rgba):
    decoded = load_image_with_alpha(logo_file)
    np.testing.assert_array_equal(decoded.alpha, logo_rgba[:, :, 3])
    np.testing.assert_array_equal(decoded.pixels, load_image(logo_file))  # as before
    np.testing.assert_array_equal(decoded.pixels, over_white(logo_rgba))
    assert decoded.size == (240, 150)


def test_an_image_with_nothing_under_the_cut_is_opaque():
    rgba = np.asarray(logo()).copy()
    rgba[:, :, 3] = np.maximum(rgba[:, :, 3], ALPHA_CUT)  # partly transparent, never under 50 %
    decoded = load_image_with_alpha(png_of(Image.fromarray(rgba, "RGBA")))
    assert decoded.alpha is None
    np.testing.assert_array_equal(decoded.pixels, over_white(rgba))


def test_an_opaque_image_has_no_alpha(coffee_png):
    decoded = load_image_with_alpha(coffee_png)
    assert decoded.alpha is None
    np.testing.assert_array_equal(decoded.pixels, load_image(coffee_png))


@pytest.mark.parametrize("tile_pixels", [7, 97, 1 << 20])
@pytest.mark.parametrize("turn", [1, 6, 7])
def test_alpha_tiles_turn_and_reduce_as_the_colours_do(turn, tile_pixels):
    exif = Image.Exif()
    exif[0x0112] = turn
    stored = Image.open(io.BytesIO(png_of(logo((90, 60)), exif=exif)))
    stored.load()
    upright = ImageOps.exif_transpose(stored)
    rgb, alpha = to_rgb_and_alpha(stored, tile_pixels=tile_pixels)
    np.testing.assert_array_equal(alpha, np.asarray(upright.getchannel("A")))
    np.testing.assert_array_equal(rgb, to_rgb_array(stored, tile_pixels=tile_pixels))
    size = (upright.width // 3, upright.height // 3)  # an exact 1/3: one Pillow resize's pixels
    rgb, alpha = to_rgb_and_alpha(stored, size=size, tile_pixels=tile_pixels)
    whole = upright.getchannel("A").resize(size, Image.Resampling.BOX)
    np.testing.assert_array_equal(alpha, np.asarray(whole))
    np.testing.assert_array_equal(rgb, to_rgb_array(stored, size=size, tile_pixels=tile_pixels))


def test_a_reduced_image_keeps_alpha_box_filtered(logo_rgba):
    decoded = load_image_with_alpha(png_of(Image.fromarray(logo_rgba, "RGBA")), fit_pixels=60 * 40)
    assert decoded.pixels.shape == (38, 61, 3) and decoded.alpha.shape == (38, 61)
    assert decoded.size == (240, 150)
    full = Image.fromarray(logo_rgba[:, :, 3]).resize((61, 38), Image.Resampling.BOX)
    assert np.abs(decoded.alpha.astype(int) - np.asarray(full)).max() <= 1


def test_uncompositing_recovers_the_original_as_shown_over_any_colour(logo_rgba):
    """The original's preview: colours under partial alpha recovered from the composite, so
    that over a checkerboard it looks as the original does (within rounding)."""
    recovered = np.asarray(uncomposite(over_white(logo_rgba), logo_rgba[:, :, 3]))
    np.testing.assert_array_equal(recovered[:, :, 3], logo_rgba[:, :, 3])
    for grey in (0, 128, 204):
        on = Image.new("RGBA", (240, 150), (grey, grey, grey, 255))
        want = np.asarray(Image.alpha_composite(on, Image.fromarray(logo_rgba, "RGBA")))
        got = np.asarray(Image.alpha_composite(on, Image.fromarray(recovered, "RGBA")))
        assert np.abs(want.astype(int) - got.astype(int)).max() <= 2


# --- K-Means on the opaque pixels, one transparent entry -------------------------------------


def test_k_means_clusters_only_the_opaque_pixels(logo_file):
    decoded = load_image_with_alpha(logo_file)
    transparent = transparent_mask(decoded.alpha)
    result = quantize_keeping_alpha(decoded.pixels, transparent, settings=Settings(k=16))
    opaque_only = quantize(np.ascontiguousarray(decoded.pixels[~transparent][None]), 16)
    np.testing.assert_array_equal(result.palette[:-1], opaque_only.palette)
    assert result.wcss_history == opaque_only.wcss_history
    np.testing.assert_array_equal(result.labels[~transparent], opaque_only.labels[0])
    assert result.palette[-1].tolist() == list(WHITE)
    assert (result.labels[transparent] == len(result.palette) - 1).all()
    assert result.pixel_counts[-1] == transparent.sum()
    assert result.pixel_counts.sum() == result.pixels
    assert result.distinct_colors == len(opaque_colors(decoded.pixels, transparent))


def test_the_error_is_of_the_image_as_it_looks_on_the_background(logo_file):
    decoded = load_image_with_alpha(logo_file)
    result = quantize_keeping_alpha(decoded.pixels, transparent_mask(decoded.alpha))
    shown = result.palette[result.labels]  # the transparent entry's colour is the background
    assert result.squared_error == squared_error(decoded.pixels, shown)


def test_opaque_colours_are_counted_without_the_transparent_pixels():
    pixels = np.array([[[1, 2, 3], [255, 255, 255], [1, 2, 3]], [[9, 9, 9], [255] * 3, [7, 7, 7]]])
    transparent = np.array([[False, True, False], [False, True, True]])
    colors = opaque_colors(pixels.astype(np.uint8), transparent)
    assert colors.colors.tolist() == [[1, 2, 3], [9, 9, 9]]
    assert colors.counts.tolist() == [2, 1]


@pytest.mark.parametrize("side", [40, 1800], ids=["sorted", "by table"])
def test_opaque_colours_of_a_photo_sized_image_match_a_count_of_the_opaque_pixels(side):
    rng = np.random.default_rng(8)
    pixels = rng.integers(0, 4, (side, side, 3), dtype=np.uint8) * 60
    transparent = rng.random((side, side)) < 0.3
    transparent[0, 0] = True  # the stand-in is the first opaque pixel, not the first pixel
    colors = opaque_colors(pixels, transparent)
    expected, counts = np.unique(pixels[~transparent], axis=0, return_counts=True)
    assert colors.colors.tolist() == expected.tolist()
    assert colors.counts.tolist() == counts.tolist()


def test_an_image_that_is_all_transparent_has_no_opaque_colours():
    colors = opaque_colors(np.zeros((4, 5, 3), np.uint8), np.ones((4, 5), bool))
    assert len(colors) == 0 and colors.total == 0


def test_at_k_256_a_transparent_image_gets_255_colours_and_the_transparent_entry():
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)  # 2,304 colours
    transparent = np.zeros((48, 48), bool)
    transparent[:8] = True
    result = quantize_keeping_alpha(pixels, transparent, settings=Settings(k=256))
    assert len(result.palette) == 256 and result.colors_used == 256
    png = encode_indexed_png(result.palette, result.labels, alpha=entry_alpha(256))
    written = read_rgba(png)
    assert (written[:8, :, 3] == 0).all() and (written[8:, :, 3] == 255).all()


def test_a_fully_transparent_image_is_one_transparent_entry():
    pixels = np.full((6, 5, 3), 255, np.uint8)
    result = quantize_keeping_alpha(pixels, np.ones((6, 5), bool))
    assert result.palette.tolist() == [list(WHITE)] and result.colors_used == 1
    written = read_rgba(encode_indexed_png(result.palette, result.labels, alpha=entry_alpha(1)))
    assert (written[:, :, 3] == 0).all()


def test_dithering_keeps_transparent_pixels_transparent(logo_file):
    decoded = load_image_with_alpha(logo_file)
    transparent = transparent_mask(decoded.alpha)
    result = quantize_keeping_alpha(decoded.pixels, transparent)
    labels = dither_keeping_alpha(decoded.pixels, result.palette, transparent)
    last = len(result.palette) - 1
    assert (labels[transparent] == last).all() and (labels[~transparent] < last).all()


# --- the command line --------------------------------------------------------------------------


def test_the_cli_keeps_a_logos_transparency(logo_file, logo_rgba, tmp_path, capsys):
    output = tmp_path / "logo-k8.png"
    code, out, err = run_main(capsys, logo_file, "-k", 8, "-o", output, "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    data = output.read_bytes()
    assert b"tRNS" in png_chunk_types(data)
    written = read_rgba(output)
    assert_transparency_kept(logo_rgba, written)
    opaque = logo_rgba[:, :, 3] >= ALPHA_CUT
    # kept pixels of partial alpha: their colour over white, to K-Means' palette
    assert np.abs(written[opaque, :3].astype(int) - over_white(logo_rgba)[opaque]).mean() < 8
    assert report["alpha"] is True and report["colors_used"] == 9  # 8 colours + transparent
    assert report["palette"][-1] == [255, 255, 255] and len(report["palette"]) == 9
    assert report["palette_alpha"] == [255] * 8 + [0]
    height, width = logo_rgba.shape[:2]
    assert report["bits_original"] == 32 * width * height
    assert report["bits_compressed"] == 32 * 9 + width * height * 4  # ⌈log2 9⌉ = 4
    assert report["ratio"] == pytest.approx(report["bits_original"] / report["bits_compressed"])
    shown = np.ascontiguousarray(written[:, :, :3])  # the transparent entry: white
    want = squared_error(load_image(logo_file), shown) / (width * height)
    assert report["mse"] == pytest.approx(want)


def test_background_white_composites_as_before(logo_file, tmp_path, capsys):
    output = tmp_path / "flat.png"
    code, out, _ = run_main(capsys, logo_file, "-o", output, "--background", "white", "--json")
    assert code == 0
    report = json.loads(out)
    image = load_image(logo_file)  # composited over white: the former behaviour
    before = quantize(image, 16)
    assert output.read_bytes() == encode_indexed_png(before.palette, before.labels)
    assert b"tRNS" not in png_chunk_types(output.read_bytes())
    assert report["alpha"] is False and report["bits_original"] == 24 * image[:, :, 0].size
    assert report["mse"] == pytest.approx(before.mse)


def test_background_black_composites_over_black(logo_file, logo_rgba, tmp_path, capsys):
    output = tmp_path / "on-black.png"
    code, _, _ = run_main(capsys, logo_file, "-o", output, "--background", "#000000")
    assert code == 0
    with Image.open(output) as written:
        assert "transparency" not in written.info
        rgb = np.asarray(written.convert("RGB"))
    assert (rgb[logo_rgba[:, :, 3] == 0] < 40).all()  # the background is now near black


@pytest.mark.parametrize("colour", ["nope", "#12345", "rgb(1,2)", ""])
def test_a_bad_background_is_one_line_and_exit_2(colour, logo_file, tmp_path, capsys):
    code, out, err = run_main(capsys, logo_file, "-o", tmp_path / "x.png", "--background", colour)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: --background") and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_a_bad_background_is_refused_before_a_batch_folder_is_made(logo_file, tmp_path, capsys):
    folder = tmp_path / "out"
    code, _, err = run_main(capsys, logo_file, "--out-dir", folder, "--background", "nope")
    assert code == 2 and err.startswith("error: --background") and not folder.exists()


def test_an_opaque_image_says_no_alpha_and_is_written_as_before(tmp_path, capsys, coffee):
    source = tmp_path / "crop.png"
    Image.fromarray(np.ascontiguousarray(coffee[:64, :96])).save(source)
    output = tmp_path / "out.png"
    code, out, _ = run_main(capsys, source, "-o", output, "--json")
    assert code == 0 and json.loads(out)["alpha"] is False
    before = quantize(load_image(source), 16)
    assert output.read_bytes() == encode_indexed_png(before.palette, before.labels)


def test_the_cli_dithers_keeping_transparency(logo_file, logo_rgba, tmp_path, capsys):
    output = tmp_path / "dithered.png"
    code, out, _ = run_main(capsys, logo_file, "-k", 4, "-o", output, "--dither", "--json")
    assert code == 0 and json.loads(out)["alpha"] is True
    assert_transparency_kept(logo_rgba, read_rgba(output))


# --- every kind of transparency: palette (tRNS), grey + alpha, RGBA -------------------------


def palette_with_transparency(rgba: np.ndarray) -> Image.Image:
    """The logo as a P-mode image: 64 RGBA palette entries (written as tRNS in a PNG)."""
    quantized = Image.fromarray(rgba, "RGBA").quantize(64, method=Image.Quantize.FASTOCTREE)
    assert quantized.mode == "P" and quantized.palette.mode == "RGBA"
    return quantized


@pytest.mark.parametrize("mode", ["P", "LA", "RGBA"])
def test_every_kind_of_transparency_is_kept(mode, logo_rgba, tmp_path, capsys):
    image = {
        "P": palette_with_transparency(logo_rgba),
        "LA": Image.fromarray(logo_rgba, "RGBA").convert("LA"),
        "RGBA": Image.fromarray(logo_rgba, "RGBA"),
    }[mode]
    source = tmp_path / f"{mode}.png"
    image.save(source)  # Pillow writes a P image's tRNS from its info
    with Image.open(source) as reopened:
        assert reopened.mode == mode
        assert mode != "P" or "transparency" in reopened.info  # tRNS: an alpha an entry
        rgba = np.asarray(reopened.convert("RGBA"))
    decoded = load_image_with_alpha(source)
    np.testing.assert_array_equal(decoded.alpha, rgba[:, :, 3])
    np.testing.assert_array_equal(decoded.pixels, load_image(source))
    output = tmp_path / f"{mode}-out.png"
    code, out, _ = run_main(capsys, source, "-k", 6, "-o", output, "--json")
    assert code == 0 and json.loads(out)["alpha"] is True
    assert_transparency_kept(rgba, read_rgba(output))


def test_a_gif_with_a_transparent_index_is_kept(logo_rgba, tmp_path, capsys):
    source = tmp_path / "logo.gif"
    palette_with_transparency(logo_rgba).save(source)  # GIF: one transparent index
    with Image.open(source) as reopened:
        rgba = np.asarray(reopened.convert("RGBA"))
    output = tmp_path / "gif-out.png"
    code, _, _ = run_main(capsys, source, "-o", output)
    assert code == 0
    assert_transparency_kept(rgba, read_rgba(output))


# --- memory: a 40-megapixel RGBA PNG, alpha kept, within the decoding bound ------------------


def test_memory_decoding_a_40mp_rgba_png_keeping_alpha(tmp_path):
    source = tmp_path / "rgba-40mp.png"
    source.write_bytes(filebytes.big_image("RGBA", (8000, 5000)))
    code = (
        "from kmeans_core.loading import load_image_with_alpha; load_image_with_alpha(sys.argv[1])"
    )
    peak = peak_rss_mib(code, [str(source)], tmp_path / "log.txt")
    bound = decode_bound_mib(8000 * 5000)
    print(f"load_image_with_alpha, RGBA 8000×5000: peak {peak:.0f} MiB (bound {bound:.0f})")
    assert peak < bound


# --- the app --------------------------------------------------------------------------------


@pytest.fixture
def downloads(monkeypatch) -> dict[str, object]:
    """File name -> the callable a deferred download button would run on its click."""
    made: dict[str, object] = {}
    add = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **options):
        made[file_name] = data_callable
        return add(self, data_callable, mimetype, coordinates, file_name, **options)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return made


@pytest.mark.usefixtures("navigation_mode")
def test_the_app_keeps_transparency_and_fills_it_when_asked(logo_file, logo_rgba, downloads):
    at = new_app()
    upload(at, "logo.png", logo_file.read_bytes())
    assert_healthy(at)
    assert not at.main.error
    png = downloads["logo-k16.png"]()
    assert b"tRNS" in png_chunk_types(png)
    assert_transparency_kept(logo_rgba, read_rgba(png))
    height, width = logo_rgba.shape[:2]
    shown = metrics(at)
    (ratio_card,) = [m for m in at.main.metric if m.label == "Compression ratio"]
    colours = int(shown["Colours"])
    assert colours == 17  # 16 colours and the transparent entry
    ratio = 32 * width * height / (32 * colours + width * height * math.ceil(math.log2(colours)))
    assert shown["Compression ratio"] == f"{ratio:.2f}×"
    assert "32-bit RGBA" in ratio_card.proto.delta
    palette_json = json.loads(downloads["logo-k16.json"]())
    assert [c["alpha"] for c in palette_json["colors"]].count(0) == 1
    (original,), (compressed,) = (image.value for image in at.main.image)
    # the compressed preview: an indexed PNG with tRNS; the original's: RGBA, as it is
    preview = read_rgba(base64.b64decode(compressed.split(",", 1)[1]))
    assert set(np.unique(preview[:, :, 3])) == {0, 255}
    with Image.open(io.BytesIO(base64.b64decode(original.split(",", 1)[1]))) as image:
        np.testing.assert_array_equal(np.asarray(image.getchannel("A")), logo_rgba[:, :, 3])
    assert any("checkerboard" in c.value for c in at.main.caption)

    at.radio(key="transparency").set_value("fill")
    at.run()
    assert_healthy(at)
    flat = downloads["logo-k16.png"]()
    assert b"tRNS" not in png_chunk_types(flat)
    before = quantize(load_image(logo_file), 16)  # composited over white, as before
    assert flat == encode_indexed_png(before.palette, before.labels)
    assert metrics(at)["Compression ratio"] == f"{CompressionReport(width, height, 16).ratio:.2f}×"


@pytest.mark.usefixtures("navigation_mode")
def test_every_page_takes_a_transparent_image(logo_file):
    at = new_app()
    upload(at, "logo.png", logo_file.read_bytes())
    for page in PAGE_FILES:
        open_page_file(at, page)
        assert not at.main.error, page


@pytest.mark.parametrize("opaque_rows", [0, 3, 40, 100])
def test_the_3d_view_draws_opaque_pixels_only(opaque_rows):
    transparent = np.ones((100, 300), bool)
    transparent[:opaque_rows] = False
    drawn = scatter_sample(transparent.size, transparent)
    assert len(drawn) == min(SCATTER_POINTS, opaque_rows * 300) == len(set(drawn.tolist()))
    assert not transparent.ravel()[drawn].any()
