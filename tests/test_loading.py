"""load_image: every bad input is one clear ImageError; every good one becomes 8-bit RGB."""

import io
import json
import re
import struct

import numpy as np
import pytest
from PIL import Image, ImageOps

from dashboard.sidebar import UPLOAD_TYPES
from kmeans_core import ImageError, cli, load_image
from kmeans_core.decoding import composite, to_rgb_array
from kmeans_core.loading import fitted_size, load_image_fitted
from tests import app_support, filebytes

# "<what is wrong>; <what to do>." in one line
ADVICE = re.compile(r"^[A-Z/][^\n\r]*; (choose|check|re-export|downscale|name) [^\n\r;]*\.$")
ORIENTATION = 0x0112


def encode(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def assert_one_line_advice(error):
    message = str(error)
    assert isinstance(error, ImageError) and isinstance(error, ValueError)
    assert "\n" not in message and "Traceback" not in message
    assert ADVICE.match(message), message


def refused(source, **options):
    with pytest.raises(ImageError) as caught:
        load_image(source, **options)
    assert_one_line_advice(caught.value)
    return str(caught.value)


def colourful(height=6, width=9, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


# --- bad input -------------------------------------------------------------------------------


def test_bad_bytes_raise_image_error(bad_input):
    _, data = bad_input
    refused(data)


def test_bad_files_raise_image_error(bad_input, tmp_path):
    name, data = bad_input
    path = tmp_path / ("photo.jpg" if "JPEG" in name else "photo.png")
    path.write_bytes(data)
    assert refused(path) == refused(data)
    assert refused(str(path)) == refused(data)


def test_bad_input_messages_say_what_is_wrong(bad_inputs):
    assert "empty" in refused(bad_inputs["empty"])
    assert "damaged" in refused(bad_inputs["truncated JPEG"])
    assert "damaged" in refused(bad_inputs["truncated PNG"])
    assert "damaged" in refused(bad_inputs["corrupt PNG"])
    for kind in ("random bytes", "text", "PDF"):
        assert "not an image" in refused(bad_inputs[kind])
    assert "too large" in refused(bad_inputs["decompression bomb"])


@pytest.mark.parametrize("name", ["document.pdf", "photo.png", "photo.jpg", "photo"])
def test_a_pdf_is_refused_whatever_its_name(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(filebytes.MINIMAL_PDF)
    assert "not an image" in refused(path)


def test_bomb_header_is_refused_before_decoding():
    """Its IHDR claims 30000×30000; the data could not fill even one row."""
    bomb = filebytes.decompression_bomb(30_000, 30_000)
    assert len(bomb) < 100
    assert "900 megapixels" in refused(bomb)
    assert "8000×8000" in refused(filebytes.decompression_bomb(8_000, 8_000))  # over 50 MP


def stated_sizes(message):
    """The image size and the limit a message states, in pixels."""
    found = re.search(
        r"= ([\d,.]+) (mega)?pixels, over the limit of ([\d,.]+) (mega)?pixels", message
    )
    assert found, message
    scale = [1e6 if unit else 1 for unit in (found[2], found[4])]
    return float(found[1].replace(",", "")) * scale[0], float(found[3].replace(",", "")) * scale[1]


def test_image_over_the_pixel_limit(tmp_path):
    data = encode(Image.new("RGB", (100, 100), (1, 2, 3)), "PNG")
    message = refused(data, max_pixels=1000)
    assert "100×100" in message
    size, limit = stated_sizes(message)
    assert size == 10_000 and limit == 1000, message
    assert "100×100" in refused(data, max_pixels=9_999)
    assert load_image(data, max_pixels=10_000).shape == (100, 100, 3)


def test_missing_path(tmp_path):
    missing = tmp_path / "nowhere" / "photo.png"
    message = refused(missing)
    assert "no file" in message and str(missing) in message
    assert refused(str(missing)) == message


def test_directory(tmp_path):
    assert "folder" in refused(tmp_path)


# --- conversions ---------------------------------------------------------------------------


def test_result_is_contiguous_uint8_rgb(coffee_png):
    image = load_image(coffee_png)
    assert image.dtype == np.uint8 and image.shape == (400, 600, 3)
    assert image.flags.c_contiguous


def test_grey_l():
    grey = np.array([[0, 1, 128], [200, 254, 255]], dtype=np.uint8)
    loaded = load_image(encode(Image.fromarray(grey, "L"), "PNG"))
    np.testing.assert_array_equal(loaded, np.repeat(grey[:, :, None], 3, axis=2))


def test_one_bit():
    bits = np.array([[0, 255, 0], [255, 255, 0]], dtype=np.uint8)
    image = Image.fromarray(bits, "L").convert("1")
    assert image.mode == "1"
    loaded = load_image(encode(image, "PNG"))
    np.testing.assert_array_equal(loaded, np.repeat(bits[:, :, None], 3, axis=2))


def palette_image(indexes, colours):
    image = Image.fromarray(np.asarray(indexes, dtype=np.uint8), "P")
    image.putpalette(np.asarray(colours, dtype=np.uint8).tobytes())
    return image


def test_palette_png():
    colours = np.array([[255, 0, 0], [0, 128, 255], [7, 8, 9]], dtype=np.uint8)
    indexes = np.array([[0, 1, 2], [2, 1, 0]])
    data = encode(palette_image(indexes, colours), "PNG")
    assert Image.open(io.BytesIO(data)).mode == "P"
    np.testing.assert_array_equal(load_image(data), colours[indexes])


def test_palette_gif_with_a_transparent_entry_is_composited_over_white():
    colours = np.array([[255, 0, 0], [0, 0, 255], [10, 200, 30]], dtype=np.uint8)
    indexes = np.array([[0, 1], [2, 0]])
    data = encode(palette_image(indexes, colours), "GIF", transparency=0)
    opened = Image.open(io.BytesIO(data))
    assert opened.mode == "P" and opened.info["transparency"] == 0
    expected = colours[indexes]
    expected[indexes == 0] = 255
    np.testing.assert_array_equal(load_image(data), expected)


def test_palette_png_with_partial_alpha():
    colours = np.array([[255, 0, 0], [0, 0, 255]], dtype=np.uint8)
    data = encode(palette_image([[0, 1]], colours), "PNG", transparency=bytes([128, 255]))
    np.testing.assert_array_equal(load_image(data), [[[255, 127, 127], [0, 0, 255]]])


def over_white(colour, alpha):
    """colour·a + 255·(1 - a), a = alpha/255, rounded (255 is odd: never a tie)."""
    return round((colour * alpha + 255 * (255 - alpha)) / 255)


def test_rgba_is_composited_over_white():
    pixels = np.array(
        [
            [[255, 0, 0, 0], [255, 0, 0, 128], [10, 20, 30, 255]],
            [[0, 0, 255, 64], [9, 9, 9, 1], [200, 100, 0, 254]],
        ],
        dtype=np.uint8,
    )
    loaded = load_image(encode(Image.fromarray(pixels, "RGBA"), "PNG"))
    assert loaded[0, 0].tolist() == [255, 255, 255]  # fully transparent: white
    assert loaded[0, 1].tolist() == [255, 127, 127]  # half-transparent red: pink
    assert loaded[0, 2].tolist() == [10, 20, 30]  # opaque: unchanged
    expected = [[[over_white(int(c), int(p[3])) for c in p[:3]] for p in row] for row in pixels]
    np.testing.assert_array_equal(loaded, expected)


def test_grey_with_alpha_is_composited_over_white():
    pixels = np.array([[[0, 0], [100, 128], [50, 255]]], dtype=np.uint8)
    loaded = load_image(encode(Image.fromarray(pixels, "LA"), "PNG"))
    grey = [255, over_white(100, 128), 50]
    assert grey[1] == 177
    np.testing.assert_array_equal(loaded, [[[g, g, g] for g in grey]])


@pytest.mark.parametrize(
    ("cmyk", "rgb"),
    [
        ((0, 0, 0, 0), (255, 255, 255)),
        ((0, 255, 255, 0), (255, 0, 0)),
        ((255, 0, 255, 0), (0, 255, 0)),
        ((0, 0, 0, 255), (0, 0, 0)),
    ],
)
def test_cmyk_jpeg(cmyk, rgb):
    data = encode(Image.new("CMYK", (16, 16), cmyk), "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    loaded = load_image(data)
    assert loaded.shape == (16, 16, 3)
    assert np.abs(loaded.astype(int) - rgb).max() <= 6


GREY_16 = np.array([[0, 10_000, 65_535], [257 * 128, 128, 129]])


def test_sixteen_bit_grey_png_by_pillow():
    data = encode(Image.fromarray(GREY_16.astype(np.uint16)), "PNG")
    assert data[24] == 16  # bit depth in IHDR
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    loaded = load_image(data)
    assert loaded[0, 1].tolist() == [39, 39, 39]  # round(10000 / 257), not clipped to 255
    expected = np.rint(GREY_16 / 257).astype(np.uint8)  # 128 -> 0, 129 -> 1
    np.testing.assert_array_equal(loaded, np.repeat(expected[:, :, None], 3, axis=2))


def test_sixteen_bit_grey_png_by_hand():
    loaded = load_image(filebytes.png_16bit(GREY_16))
    np.testing.assert_array_equal(loaded[:, :, 0], np.rint(GREY_16 / 257))
    np.testing.assert_array_equal(loaded[:, :, 0], loaded[:, :, 2])


def test_sixteen_bit_rgb_png():
    exact = np.array([[[0, 257 * 7, 65_535], [257 * 128, 257 * 255, 257]]])
    np.testing.assert_array_equal(load_image(filebytes.png_16bit(exact)), exact // 257)
    values = np.random.default_rng(4).integers(0, 65_536, (5, 6, 3))
    values[0, 0] = [10_000, 200, 65_280]
    loaded = load_image(filebytes.png_16bit(values))
    assert loaded.shape == (5, 6, 3)
    # each channel within one level of value / 257 (Pillow keeps the high byte)
    assert np.abs(loaded - values / 257).max() < 1


def test_gif_gives_its_first_frame():
    first = Image.new("RGB", (4, 3), (255, 0, 0))
    second = Image.new("RGB", (4, 3), (0, 0, 255))
    data = encode(first, "GIF", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).n_frames == 2
    loaded = load_image(data)
    assert loaded.shape == (3, 4, 3)
    assert np.all(loaded == [255, 0, 0])


@pytest.mark.parametrize(
    ("orientation", "turns"),
    [(1, 0), (3, 2), (6, -1), (8, 1)],
    ids=["upright", "upside down", "rotate 90 cw", "rotate 90 ccw"],
)
def test_exif_orientation_png(orientation, turns):
    pixels = colourful(height=3, width=2)
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    data = encode(Image.fromarray(pixels), "PNG", exif=exif)
    np.testing.assert_array_equal(load_image(data), np.rot90(pixels, turns))


def test_exif_orientation_jpeg():
    """A 2-wide, 3-tall JPEG (in 16-pixel blocks, so it survives compression) tagged
    Orientation 6 is shown rotated 90° clockwise: 3 wide, 2 tall."""
    blocks = np.array(
        [[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [255, 255, 0]], [[0, 0, 0], [255, 255, 255]]],
        dtype=np.uint8,
    )
    pixels = blocks.repeat(16, axis=0).repeat(16, axis=1)
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    data = encode(Image.fromarray(pixels), "JPEG", quality=95, exif=exif)
    assert Image.open(io.BytesIO(data)).size == (32, 48)
    loaded = load_image(data)
    assert loaded.shape == (32, 48, 3)
    centres = loaded[8::16, 8::16].astype(int)
    assert np.abs(centres - np.rot90(blocks, -1)).max() <= 12


@pytest.mark.parametrize(
    ("format", "options"),
    [("PNG", {}), ("WEBP", {"lossless": True}), ("TIFF", {}), ("BMP", {})],
)
def test_lossless_formats_are_exact(format, options):
    pixels = colourful(height=7, width=5)
    data = encode(Image.fromarray(pixels), format, **options)
    assert Image.open(io.BytesIO(data)).format == format
    np.testing.assert_array_equal(load_image(data), pixels)


def test_lossy_webp_and_jpeg_are_close():
    pixels = np.full((32, 32, 3), (200, 60, 30), dtype=np.uint8)
    for format in ("WEBP", "JPEG"):
        loaded = load_image(encode(Image.fromarray(pixels), format, quality=95))
        assert np.abs(loaded.astype(int) - pixels).max() <= 6


@pytest.mark.parametrize(
    ("name", "image", "options"),
    [
        ("photo.png", Image.fromarray(colourful()), {}),
        ("photo.jpg", Image.fromarray(colourful()), {"quality": 90}),
        ("photo.webp", Image.fromarray(colourful()), {"quality": 80}),
        ("photo.tif", Image.fromarray(colourful()), {}),
        ("photo.bmp", Image.fromarray(colourful()), {}),
        ("photo.gif", Image.fromarray(colourful()).convert("P"), {}),
        ("photo.png", Image.fromarray(colourful(), "RGB").convert("RGBA"), {}),
    ],
)
def test_bytes_and_path_agree(tmp_path, name, image, options):
    path = tmp_path / name
    image.save(path, **options)
    from_bytes = load_image(path.read_bytes())
    np.testing.assert_array_equal(load_image(path), from_bytes)
    np.testing.assert_array_equal(load_image(str(path)), from_bytes)
    with open(path, "rb") as stream:
        np.testing.assert_array_equal(load_image(stream), from_bytes)


def test_samples_by_bytes_and_by_path_agree(coffee_png, rocket_jpeg):
    np.testing.assert_array_equal(
        load_image(filebytes.SAMPLES / "coffee.png"), load_image(coffee_png)
    )
    rocket = load_image(filebytes.SAMPLES / "rocket.jpg")
    np.testing.assert_array_equal(rocket, load_image(rocket_jpeg))
    assert rocket.shape == (427, 640, 3)


# --- reduced to fit a pixel budget ------------------------------------------------------------


def box_reduced(pixels, size):
    """What a box filter makes of ``pixels`` at ``size`` (width, height), by Pillow."""
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BOX))


@pytest.mark.parametrize(
    ("size", "fit", "fitted"),
    [
        ((400, 300), 120_000, (400, 300)),
        ((400, 300), 40_000, (230, 173)),
        ((1, 900), 30, (1, 30)),
        ((900, 1), 30, (30, 1)),
    ],
)
def test_fitted_size(size, fit, fitted):
    assert fitted_size(size, fit) == fitted
    width, height = fitted
    assert width * height <= max(fit, 1)


def test_an_image_within_the_budget_is_loaded_as_it_is():
    data = encode(Image.fromarray(colourful(30, 40)), "PNG")
    pixels, size = load_image_fitted(data, 30 * 40)
    assert size == (40, 30)
    np.testing.assert_array_equal(pixels, load_image(data))


def test_a_larger_rgb_image_is_box_reduced():
    pixels = colourful(60, 80)
    data = encode(Image.fromarray(pixels), "PNG")
    reduced, size = load_image_fitted(data, 1200)  # 4800 pixels -> 40×30
    assert size == (80, 60)
    assert reduced.shape == (30, 40, 3) and reduced.flags.c_contiguous
    np.testing.assert_array_equal(reduced, box_reduced(pixels, (40, 30)))


def test_a_tall_image_is_reduced_band_by_band_as_in_one_resize():
    """Over 256 output rows the reduction runs in bands; at an exact scale of 1/2 every band
    must give the rows that one Pillow resize of the whole image gives."""
    pixels = colourful(1100, 1200)
    data = encode(Image.fromarray(pixels), "PNG")
    reduced, size = load_image_fitted(data, 600 * 550)
    assert size == (1200, 1100) and reduced.shape == (550, 600, 3)
    np.testing.assert_array_equal(reduced, box_reduced(pixels, (600, 550)))


def test_a_transparent_image_is_composited_then_reduced():
    rgba = np.dstack([colourful(40, 40), np.full((40, 40, 1), 128, dtype=np.uint8)])
    data = encode(Image.fromarray(rgba, "RGBA"), "PNG")
    reduced, size = load_image_fitted(data, 400)
    assert size == (40, 40)
    np.testing.assert_array_equal(reduced, box_reduced(load_image(data), (20, 20)))


def test_the_size_before_reduction_is_after_the_exif_orientation():
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # stored 40 wide, 20 tall; shown 20 wide, 40 tall
    data = encode(Image.fromarray(colourful(20, 40)), "PNG", exif=exif)
    reduced, size = load_image_fitted(data, 200)
    assert size == (20, 40)
    assert reduced.shape == (20, 10, 3)


def test_the_pixel_limit_still_applies_before_decoding():
    with pytest.raises(ImageError, match="over the limit"):
        load_image_fitted(filebytes.decompression_bomb(10_000, 6_000), fit_pixels=1000)


# --- compositing inside Pillow, a tile at a time -------------------------------------------


def numpy_over_white(rgba):
    """The loader's former compositing, in integers on the whole array: the oracle."""
    pixels = np.asarray(rgba).astype(np.uint32)
    alpha = pixels[:, :, 3:4]
    return ((pixels[:, :, :3] * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def every_colour_and_alpha():
    """256×256 RGBA pixels: every (channel value, alpha) pair, in each channel."""
    value, alpha = np.mgrid[0:256, 0:256].astype(np.uint8)
    return np.dstack([value, 255 - value, value // 2 + 64, alpha])


def test_pillow_compositing_equals_the_former_numpy_result_pixel_for_pixel():
    rgba = every_colour_and_alpha()
    np.testing.assert_array_equal(
        np.asarray(composite(Image.fromarray(rgba, "RGBA"))), numpy_over_white(rgba)
    )
    loaded = load_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    np.testing.assert_array_equal(loaded, numpy_over_white(rgba))


def test_grey_alpha_and_palette_alpha_equal_the_former_numpy_result():
    rgba = every_colour_and_alpha()
    grey = Image.fromarray(rgba[:, :, [0, 3]], "LA")
    np.testing.assert_array_equal(
        load_image(encode(grey, "PNG")), numpy_over_white(grey.convert("RGBA"))
    )
    colours = np.random.default_rng(5).integers(0, 256, (256, 3), dtype=np.uint8)
    indexes = np.arange(256 * 64, dtype=np.uint32).reshape(64, 256) % 256
    alphas = bytes(range(256))  # tRNS: entry i has alpha i
    data = encode(palette_image(indexes, colours), "PNG", transparency=alphas)
    expected = np.dstack([colours[indexes], np.asarray(list(alphas), dtype=np.uint8)[indexes]])
    np.testing.assert_array_equal(load_image(data), numpy_over_white(expected))


def test_a_transparent_colour_of_an_rgb_or_grey_png_becomes_the_background():
    rgb = Image.new("RGB", (3, 1), (10, 20, 30))
    rgb.putpixel((1, 0), (1, 2, 3))
    loaded = load_image(encode(rgb, "PNG", transparency=(1, 2, 3)))
    assert loaded.tolist() == [[[10, 20, 30], [255, 255, 255], [10, 20, 30]]]
    grey = Image.new("L", (2, 1), 7)
    grey.putpixel((1, 0), 9)
    assert load_image(encode(grey, "PNG", transparency=9)).tolist() == [[[7] * 3, [255] * 3]]


def test_transparency_composited_over_another_background():
    pixels = np.array([[[255, 0, 0, 0], [255, 0, 0, 255], [200, 100, 50, 128]]], dtype=np.uint8)
    data = encode(Image.fromarray(pixels, "RGBA"), "PNG")
    loaded = load_image(data, background=(0, 0, 0))
    assert loaded[0, 0].tolist() == [0, 0, 0] and loaded[0, 1].tolist() == [255, 0, 0]
    # colour·a + 0·(1 - a), a = 128/255
    assert loaded[0, 2].tolist() == [round(c * 128 / 255) for c in (200, 100, 50)]
    fitted, _ = load_image_fitted(data, 3, background=(0, 0, 0))
    np.testing.assert_array_equal(fitted, loaded)


@pytest.mark.parametrize("background", [(0, 0), (0, 0, 256), "white", (0.5, 0, 0)])
def test_a_wrong_background_is_the_callers_error_not_the_files(background):
    data = encode(Image.new("RGBA", (2, 2)), "PNG")
    with pytest.raises(ValueError, match="background must be") as caught:
        load_image(data, background=background)
    assert not isinstance(caught.value, ImageError)
    with pytest.raises(ValueError, match="background must be"):
        load_image_fitted(data, 1, background=background)


def test_a_float_tiff_in_0_to_1_is_scaled_to_255():
    values = np.array([[0.0, 0.5, 1.0], [np.nan, 0.25, 0.999]], dtype=np.float32)
    loaded = load_image(encode(Image.fromarray(values, "F"), "TIFF"))
    np.testing.assert_array_equal(loaded[:, :, 0], [[0, 128, 255], [0, 64, 255]])
    np.testing.assert_array_equal(loaded[:, :, 0], loaded[:, :, 2])


# --- tiles: the same pixels as the whole image at once --------------------------------------

TINY_TILE = 7 * 5  # source pixels a tile: many tiles even on a small image
# 6: tiles of 6 pixels of one row (a row cut across); 50: two whole rows of 23 or 17
TILE_SIZES = (6, 50)
BANDS = ("across", "down", "radial")


def upright_rgb(image):
    """What the tiles must add up to: Pillow's own orientation and conversion, whole."""
    return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))


@pytest.mark.parametrize("tile_pixels", TILE_SIZES)
@pytest.mark.parametrize("turn", range(1, 9))
@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "L", "CMYK"])
def test_tiles_orient_and_convert_as_pillow_does_on_the_whole_image(turn, mode, tile_pixels):
    pixels = np.dstack([colourful(23, 17, seed=turn), colourful(23, 17, seed=9)[:, :, :1]])
    image = Image.fromarray(pixels, "RGBA")
    image = {
        "RGB": image.convert("RGB"),
        "RGBA": image.point(lambda v: 255 if v > 200 else v),  # alpha opaque, partial, clear
        "P": image.convert("RGB").quantize(64),
        "L": image.convert("L"),
        "CMYK": image.convert("CMYK"),
    }[mode]
    exif = Image.Exif()
    exif[ORIENTATION] = turn
    # Pillow turns a TIFF upright itself while loading it: PNG, and JPEG for CMYK
    data = encode(image, "JPEG" if mode == "CMYK" else "PNG", exif=exif)
    stored = Image.open(io.BytesIO(data))
    stored.load()
    assert stored.getexif().get(ORIENTATION, 1) == turn
    expected = upright_rgb(stored)
    if mode == "RGBA":
        expected = numpy_over_white(ImageOps.exif_transpose(stored))
    loaded = to_rgb_array(stored, tile_pixels=tile_pixels)
    np.testing.assert_array_equal(loaded, expected)
    np.testing.assert_array_equal(load_image(data), expected)


@pytest.mark.parametrize("tile_pixels", TILE_SIZES)
@pytest.mark.parametrize("turn", range(1, 9))
def test_reduced_tiles_of_a_turned_image_match_one_resize(turn, tile_pixels):
    """At an exact scale of 1/3, tiles give the pixels that one Pillow resize gives."""
    exif = Image.Exif()
    exif[ORIENTATION] = turn
    stored = Image.open(io.BytesIO(encode(Image.fromarray(colourful(30, 21)), "PNG", exif=exif)))
    stored.load()
    assert stored.getexif().get(ORIENTATION, 1) == turn
    upright = ImageOps.exif_transpose(stored)
    size = (upright.width // 3, upright.height // 3)
    reduced = to_rgb_array(stored, size=size, tile_pixels=tile_pixels)
    np.testing.assert_array_equal(reduced, box_reduced(np.asarray(upright), size))


def test_reduced_tiles_at_any_scale_stay_within_one_level_of_one_resize():
    """On a photo-like (smooth) image. A source row centred exactly on the edge between two
    output rows is averaged into one or the other by the last bit of a float, in Pillow's
    own resize too; on random pixels that alone can move a whole output row."""
    image = Image.merge("RGB", [filebytes.gradient((151, 203), kind) for kind in BANDS])
    pixels = np.asarray(image)
    for size in [(100, 134), (37, 50), (150, 202), (1, 1)]:
        reduced = to_rgb_array(image, size=size, tile_pixels=TINY_TILE * 13)
        difference = np.abs(reduced.astype(int) - box_reduced(pixels, size)).max()
        assert difference <= 1, (size, difference)


def test_a_very_wide_image_is_cut_across_its_rows_too():
    pixels = colourful(2, 5000, seed=8)
    image = Image.fromarray(pixels)
    np.testing.assert_array_equal(to_rgb_array(image, tile_pixels=64), pixels)
    reduced = to_rgb_array(image, size=(2500, 1), tile_pixels=64)
    np.testing.assert_array_equal(reduced, box_reduced(pixels, (2500, 1)))


# --- phone photos: AVIF and HEIC ----------------------------------------------------------

PHONE_FORMATS = ["AVIF", "HEIF"]
PHONE_SUFFIXES = {"AVIF": ".avif", "HEIF": ".heic"}


def blocks_photo(orientation):
    """A 2-wide, 3-tall grid of coloured 32-pixel blocks, tagged with ``orientation``."""
    blocks = np.array(
        [[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [255, 255, 0]], [[0, 0, 0], [255, 255, 255]]],
        dtype=np.uint8,
    )
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return blocks, Image.fromarray(blocks.repeat(32, axis=0).repeat(32, axis=1)), exif.tobytes()


@pytest.mark.parametrize("format", PHONE_FORMATS)
@pytest.mark.parametrize(("orientation", "turns"), [(1, 0), (6, -1), (8, 1), (3, 2)])
def test_phone_formats_load_with_their_size_and_orientation(format, orientation, turns):
    blocks, image, exif = blocks_photo(orientation)
    data = encode(image, format, quality=90, exif=exif)
    assert Image.open(io.BytesIO(data)).format == format
    loaded = load_image(data)
    upright = np.rot90(blocks, turns)
    assert loaded.shape == (upright.shape[0] * 32, upright.shape[1] * 32, 3)
    assert np.abs(loaded[16::32, 16::32].astype(int) - upright).max() <= 12


@pytest.mark.parametrize("format", PHONE_FORMATS)
def test_phone_formats_by_path_with_their_usual_names(format, tmp_path):
    _, image, _ = blocks_photo(1)
    for suffix in {"AVIF": [".avif"], "HEIF": [".heic", ".heif"]}[format]:
        path = tmp_path / f"photo{suffix}"
        image.save(path, format, quality=90)
        assert load_image(path).shape == (96, 64, 3)


def with_stated_size(data, width, height):
    """The file with its HEIF/AVIF image size property ('ispe') changed; pixels untouched."""
    at = data.index(b"ispe") + 8  # after the box type and its version and flags
    return data[:at] + struct.pack(">II", width, height) + data[at + 8 :]


@pytest.mark.parametrize("format", PHONE_FORMATS)
def test_a_phone_photo_over_the_pixel_limit_is_refused_from_its_header(format):
    _, image, _ = blocks_photo(1)
    claimed = with_stated_size(encode(image, format, quality=90), 12_000, 12_000)
    assert len(claimed) < 20_000  # it could never hold 144 MP of pixels
    assert "12000×12000 = 144.0 megapixels" in refused(claimed)
    # a little over the limit: still from the header, never decoded
    assert "over the limit" in refused(with_stated_size(claimed, 96, 64), max_pixels=96 * 64 - 1)


@pytest.mark.parametrize("format", PHONE_FORMATS)
def test_a_damaged_phone_photo_is_one_clear_error(format):
    _, image, _ = blocks_photo(1)
    data = encode(image, format, quality=90)
    assert "damaged" in refused(data[: len(data) // 2])
    assert "damaged" in refused(data[: len(data) - 200])


@pytest.mark.parametrize("format", PHONE_FORMATS)
def test_the_command_line_takes_phone_photos(format, tmp_path, capsys):
    _, image, exif = blocks_photo(6)
    source, output = tmp_path / f"photo{PHONE_SUFFIXES[format]}", tmp_path / "out.png"
    image.save(source, format, quality=90, exif=exif)
    assert cli.main([str(source), "-o", str(output), "-k", "8", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["width"], report["height"]) == (96, 64)  # turned upright
    with Image.open(output) as written:
        assert written.size == (96, 64) and written.mode == "P"


@pytest.mark.usefixtures("navigation_mode")
@pytest.mark.parametrize("format", PHONE_FORMATS)
def test_the_app_takes_phone_photos(format):
    assert PHONE_SUFFIXES[format].lstrip(".") in UPLOAD_TYPES
    _, image, _ = blocks_photo(1)
    at = app_support.new_app()
    name = f"phone{PHONE_SUFFIXES[format]}"
    app_support.upload(at, name, encode(image, format, quality=90), f"image/{format.lower()}")
    app_support.assert_healthy(at)
    assert not at.main.error
    assert name in app_support.header(at) and "64×96" in app_support.header(at)
