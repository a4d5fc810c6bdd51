"""K-Means' PNG against JPEG, WebP and AVIF: SSIM against scikit-image, the bisections, the
page; every size, PSNR and SSIM recomputed here from files encoded and decoded again."""

from __future__ import annotations

import base64
import io
import math

import numpy as np
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from kmeans_core import encode_indexed_png, load_image, quantize
from kmeans_core.codecs import (
    available_codecs,
    encode,
    first_passing,
    largest_quality_within,
    match_codecs,
    measured,
    smallest_reaching_psnr,
)
from kmeans_core.ssim import ssim
from tests.app_support import ROOT, SAMPLES, TIMEOUT, assert_healthy, png_of_size, upload

from streamlit.testing.v1 import AppTest  # isort: skip


def oracle_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """scikit-image's SSIM with the settings of Wang et al. 2004."""
    return structural_similarity(
        a,
        b,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        data_range=255,
        channel_axis=-1 if a.ndim == 3 else None,
    )


def oracle_psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR over every channel value, written out independently of kmeans_core."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def pixels_of(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A 226×150 subsample of a real photo (odd sizes: the bands do not divide it)."""
    image = np.asarray(Image.open(SAMPLES / "chelsea.png").convert("RGB"))
    return np.ascontiguousarray(image[::2, ::2])


@pytest.fixture(scope="module")
def chart() -> np.ndarray:
    """A 400×250 reduction of the flat-colour sample."""
    image = Image.open(SAMPLES / "chart.png").convert("RGB")
    return np.asarray(image.resize((400, 250), Image.Resampling.BOX))


def distortions(image: np.ndarray) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    noise = rng.integers(-40, 41, image.shape)
    return {
        "noise": np.clip(image.astype(int) + noise, 0, 255).astype(np.uint8),
        "JPEG q10": pixels_of(encode(image, "JPEG", 10)),
        "shifted": np.roll(image, 3, axis=1),
        "inverted": 255 - image,
        "same": image.copy(),
    }


@pytest.mark.parametrize("kind", ["noise", "JPEG q10", "shifted", "inverted", "same"])
def test_ssim_matches_scikit_image(photo, kind):
    distorted = distortions(photo)[kind]
    assert ssim(photo, distorted) == pytest.approx(oracle_ssim(photo, distorted), abs=1e-9)


def test_ssim_matches_scikit_image_on_grey_tall_and_tiny_images(photo):
    grey = np.asarray(Image.fromarray(photo).convert("L"))
    tall = np.ascontiguousarray(np.concatenate([photo] * 3, axis=0))  # 450 rows: 4 bands
    for a in (grey, tall, photo[:11, :11]):
        b = np.clip(a.astype(int) + 25 * (np.indices(a.shape).sum(0) % 3 - 1), 0, 255)
        b = b.astype(np.uint8)
        assert ssim(a, b) == pytest.approx(oracle_ssim(a, b), abs=1e-9)
    assert ssim(photo, photo) == 1.0


def test_ssim_refuses_what_it_cannot_measure(photo):
    with pytest.raises(ValueError, match="shapes differ"):
        ssim(photo, photo[1:])
    with pytest.raises(ValueError, match="at least 11×11"):
        ssim(photo[:10], photo[:10])


@pytest.mark.parametrize("threshold", [-5, 0, 1, 37, 99, 100, 150])
def test_first_passing_finds_the_lowest_passing_integer(threshold):
    tried = []

    def passes(q: int) -> bool:
        tried.append(q)
        return q >= threshold

    found = first_passing(0, 100, passes)
    assert found == (None if threshold > 100 else max(threshold, 0))
    assert len(tried) <= 9  # a bisection, not a scan


def reference(image: np.ndarray, k: int = 16):
    result = quantize(image, k=k, seed=0)
    return measured(image, "K-Means PNG", None, encode_indexed_png(result.palette, result.labels))


@pytest.mark.parametrize("codec", available_codecs())
@pytest.mark.parametrize("image_name", ["photo", "chart"])
def test_same_size_is_the_highest_quality_no_larger_than_the_png(codec, image_name, request):
    image = request.getfixturevalue(image_name)
    png = reference(image)
    found = largest_quality_within(image, codec, png.size)
    if found is None:  # even the lowest quality is larger
        assert len(encode(image, codec, 0 if codec != "JPEG" else 1)) > png.size
        return
    again = encode(image, codec, found.quality)
    assert again == found.data and len(again) <= png.size
    if found.quality < 100:
        assert len(encode(image, codec, found.quality + 1)) > png.size
    decoded = pixels_of(again)
    assert found.psnr == pytest.approx(oracle_psnr(image, decoded), abs=1e-9)
    assert found.ssim == pytest.approx(oracle_ssim(image, decoded), abs=1e-9)
    assert found.bits_per_pixel == 8 * len(again) / (image.shape[0] * image.shape[1])


@pytest.mark.parametrize("codec", available_codecs())
def test_same_psnr_is_the_lowest_quality_reaching_the_pngs_psnr(codec, photo):
    png = reference(photo)
    assert png.psnr == pytest.approx(oracle_psnr(photo, pixels_of(png.data)), abs=1e-9)
    found = smallest_reaching_psnr(photo, codec, png.psnr)
    assert found is not None  # a photo at K = 16: every codec gets there
    decoded = pixels_of(encode(photo, codec, found.quality))
    assert oracle_psnr(photo, decoded) >= png.psnr
    assert found.ssim == pytest.approx(oracle_ssim(photo, decoded), abs=1e-9)
    below = found.quality - 1
    if below >= (1 if codec == "JPEG" else 0):
        assert oracle_psnr(photo, pixels_of(encode(photo, codec, below))) < png.psnr


def test_a_lossless_png_is_reached_by_no_lossy_codec():
    """Four flat colours at K = 16 stay exact: PSNR ∞, which no lossy quality reaches."""
    image = np.zeros((64, 96, 3), np.uint8)
    image[:, 32:] = (200, 30, 30)
    image[20:40, 50:] = (20, 120, 220)
    png = reference(image)
    assert math.isinf(png.psnr) and png.ssim == 1.0
    matches = match_codecs(image, png, codecs=("JPEG",))
    assert matches[0].same_psnr is None


def test_encode_refuses_unknown_codecs_and_qualities(photo):
    with pytest.raises(ValueError, match="codec must be one of"):
        encode(photo, "GIF", 50)
    with pytest.raises(ValueError, match="JPEG quality must be between 1 and 100"):
        encode(photo, "JPEG", 0)


# --- the page -------------------------------------------------------------------------------


def chart_upload() -> bytes:
    """The flat-colour sample at 300×188, as a PNG upload."""
    image = Image.open(SAMPLES / "chart.png").convert("RGB").resize((300, 188), Image.BOX)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def shown_rows(at: AppTest) -> list[dict]:
    return at.dataframe[0].value.to_dict("records")


def split(label: str) -> tuple[str, int]:
    """'WebP q42' -> ('WebP', 42)."""
    codec, quality = label.rsplit(" q", 1)
    return codec, int(quality)


def centre_crop(pixels: np.ndarray, side: int = 240) -> np.ndarray:
    height, width = pixels.shape[:2]
    left, top = max(0, (width - side) // 2), max(0, (height - side) // 2)
    return pixels[top : top + side, left : left + side]


def shown_crops(at: AppTest) -> list[np.ndarray]:
    """The 1:1 crops on the page, decoded from their data URLs."""
    return [
        pixels_of(base64.b64decode(img.url.split(",", 1)[1]))
        for image in at.main.image
        for img in image.proto.imgs
        if img.caption.startswith("1:1 crop")
    ]


def test_the_page_computes_only_on_its_button_and_its_numbers_hold(navigation_mode):
    data = chart_upload()
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    at.run()
    upload(at, "chart.png", data)
    at.switch_page("pages/codecs.py")
    at.run()
    assert_healthy(at)
    assert [t.value for t in at.main.title] == ["Is it good compression?"]
    (button,) = at.main.button
    assert button.label == f"Compare with {', '.join(available_codecs()[:-1])} and AVIF"
    assert not at.dataframe  # nothing heavy before the button

    button.click()
    at.run()
    assert_healthy(at)
    rows = {row["file"]: row for row in shown_rows(at)}
    image = load_image(data)
    png = reference(image)
    plain = rows["K-Means PNG"]
    assert plain["bytes"] == png.size
    assert plain["PSNR (dB)"] == round(oracle_psnr(image, pixels_of(png.data)), 2)
    assert plain["SSIM"] == round(oracle_ssim(image, pixels_of(png.data)), 4)
    assert plain["bits/pixel"] == round(8 * png.size / (300 * 188), 3)
    matched = [row for row in rows.values() if row["matched"] != "K-Means"]
    assert matched
    for row in matched:
        file = encode(image, *split(row["file"]))
        decoded = pixels_of(file)
        assert row["bytes"] == len(file)
        assert row["PSNR (dB)"] == round(oracle_psnr(image, decoded), 2)
        assert row["SSIM"] == round(oracle_ssim(image, decoded), 4)
        if row["matched"] == "at the PNG's size":
            assert len(file) <= png.size
        else:
            assert oracle_psnr(image, decoded) >= oracle_psnr(image, pixels_of(png.data))
    verdict = at.main.markdown[1].value
    assert "wins on this image" in verdict and "Why:" in verdict
    crops = shown_crops(at)
    assert len(crops) == 1 + 1 + len(matched) + 1  # PNG, dithered, the codecs, PNG again
    for file in [png.data] + [encode(image, *split(row["file"])) for row in matched]:
        assert any(np.array_equal(crop, centre_crop(pixels_of(file))) for crop in crops)

    at.run()  # a rerun keeps the comparison on screen, from the cache
    assert shown_rows(at) == list(rows.values())


def test_the_samples_include_a_flat_colour_image():
    chart = Image.open(ROOT / "samples" / "chart.png").convert("RGB")
    assert len(chart.getcolors(maxcolors=4096)) <= 4096
    assert "chart.png" in (ROOT / "samples" / "ATTRIBUTION.md").read_text()


def test_a_large_image_is_compared_on_a_reduced_copy_in_its_own_palette(monkeypatch, coffee_png):
    """Over COMPARE_PIXELS the page compares a reduced copy: the PNGs too are of that copy,
    every pixel at its nearest K-Means colour (the limit lowered here to keep it quick)."""
    from dashboard import analysis, codec_view
    from kmeans_core import Settings, assign_to_palette

    monkeypatch.setattr(codec_view, "COMPARE_PIXELS", 30_000)

    class Reports(list):
        """A progress bar that keeps what it is told."""

        def __call__(self, fraction: float, message: str) -> None:
            self.append((fraction, message))

        def notice(self, message: str) -> None:
            pass

    steps = Reports()
    photo = analysis._prepare(coffee_png, lambda f, m: None)
    result = analysis._compress(photo, Settings(), lambda f, m: None).result
    comparison = codec_view._compare(photo, result, Settings(), steps)
    assert comparison.reduced and comparison.width * comparison.height <= 30_000
    assert abs(comparison.width / comparison.height - 600 / 400) < 0.02
    reduced = np.asarray(
        Image.fromarray(photo.pixels).resize(
            (comparison.width, comparison.height), Image.Resampling.LANCZOS, reducing_gap=3
        )
    )
    png = encode_indexed_png(result.palette, assign_to_palette(reduced, result.palette))
    assert comparison.plain.size == len(png)
    assert comparison.plain.psnr == pytest.approx(oracle_psnr(reduced, pixels_of(png)), abs=1e-9)
    for shown in comparison.same_size.values():
        assert shown is None or shown.size <= len(png)
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] < 1
    for codec in available_codecs():  # every trial encoding is reported, in the slot
        assert any(m.startswith(f"{codec} at quality ") for _, m in steps)
    assert "wins on this image" in codec_view.verdict(comparison)


def test_an_image_smaller_than_the_ssim_window_gets_a_message(navigation_mode):
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    at.run()
    upload(at, "strip.png", png_of_size(40, 8, [(0, 0, 0), (250, 10, 10)]))
    at.switch_page("pages/codecs.py")
    at.run()
    assert_healthy(at)
    assert not at.main.button and not at.main.error
    assert "40×8 pixels" in at.main.info[0].value and "11×11" in at.main.info[0].value


def test_the_table_script_prints_each_file_once_matched(tmp_path, photo, capsys):
    from kmeans_core import codec_table

    path = tmp_path / "cat.png"
    Image.fromarray(np.ascontiguousarray(photo[:64, :96])).save(path)
    assert codec_table.main([str(path), "-k", "8"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| Image | File | Matched | Bytes |")
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    png = int(cells[0][3].replace(",", ""))
    assert cells[0][1:3] == ["K-Means PNG", ""]
    for image, label, how, size, *_ in cells[1:]:
        assert image == str(path) and how in ("same size", "same PSNR")
        if how == "same size":
            assert int(size.replace(",", "")) <= png
            assert len(encode(load_image(path), *split(label))) == int(size.replace(",", ""))


def test_the_table_script_refuses_a_bad_file_in_one_line(tmp_path, capsys):
    from kmeans_core import codec_table

    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    assert codec_table.main([str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1
    assert captured.err.startswith("error: ")
