"""`python -m kmeans_core` run as a real subprocess: its report, its PNG, its errors."""

import itertools
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kmeans_core import load_image
from kmeans_core.metrics import squared_error

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60  # seconds; a hang fails the test instead of stalling the run

REPORT_KEYS = {
    "width",
    "height",
    "k",
    "colors_used",
    "iterations",
    "converged",
    "wcss",
    "wcss_history",
    "palette",
    "warm_start",
    "exercise",
    "mse",
    "psnr",
    "bits_original",
    "bits_compressed",
    "ratio",
    "png_bytes",
    "input_bytes",
    "seconds",
}


def run_cli(*args):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "kmeans_core", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=TIMEOUT,
    )


@pytest.fixture
def crop_128(tmp_path, coffee):
    """A 128×128 crop of the coffee photo, saved as PNG."""
    path = tmp_path / "crop.png"
    Image.fromarray(np.ascontiguousarray(coffee[100:228, 200:328])).save(path)
    return path


def json_report(*args):
    done = run_cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    report = json.loads(lines[0])
    assert isinstance(report, dict)
    return report


def test_json_report_is_consistent_with_itself_and_the_png(crop_128, tmp_path):
    out = tmp_path / "out.png"
    report = json_report(crop_128, "-k", 16, "-o", out, "--seed", 0)
    assert report.keys() >= REPORT_KEYS
    width, height, pixels = report["width"], report["height"], 128 * 128
    assert (width, height, report["k"]) == (128, 128, 16)
    assert report["colors_used"] == 16 == len(report["palette"])

    history = report["wcss_history"]
    assert isinstance(history, list) and report["iterations"] == len(history) - 1 >= 1
    assert all(b <= a * (1 + 1e-9) for a, b in itertools.pairwise(history))
    assert report["converged"] is True
    assert report["mse"] == report["wcss"] / pixels  # RGB space: the WCSS is the squared error
    assert report["psnr"] == pytest.approx(10 * math.log10(255**2 / (report["mse"] / 3)))

    bits_per_index = math.ceil(math.log2(report["colors_used"]))
    assert report["bits_original"] == 24 * pixels == 393_216
    assert report["bits_compressed"] == 24 * report["colors_used"] + pixels * bits_per_index
    assert report["ratio"] == report["bits_original"] / report["bits_compressed"]
    assert round(report["ratio"], 3) == 5.965

    assert report["png_bytes"] == out.stat().st_size
    assert report["input_bytes"] == crop_128.stat().st_size
    assert isinstance(report["seconds"], float) and report["seconds"] >= 0

    written = Image.open(out)
    assert written.format == "PNG" and written.mode == "P" and written.size == (128, 128)
    palette = np.array(written.getpalette(), dtype=np.uint8).reshape(-1, 3)
    assert palette.tolist() == report["palette"]  # [r, g, b] each; all 16 used, in order
    decoded = np.asarray(written.convert("RGB"))
    assert squared_error(load_image(crop_128), decoded) == report["wcss"]


def test_128_by_128_at_k_16_has_ratio_5_965(tmp_path):
    """Any 128×128 image that uses 16 colours: 393,216 bits against 384 + 65,536."""
    pixels = np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)
    source = tmp_path / "noise.png"
    Image.fromarray(pixels).save(source)
    report = json_report(source, "-k", 16, "-o", tmp_path / "out.png", "--seed", 1)
    assert report["colors_used"] == 16
    assert (report["bits_original"], report["bits_compressed"]) == (393_216, 65_920)
    assert f"{report['ratio']:.3f}" == "5.965"


def test_fewer_colours_than_k_reports_infinite_psnr_as_null(tmp_path):
    colours = np.array([[0, 0, 0], [255, 0, 0], [0, 0, 255]], dtype=np.uint8)
    source = tmp_path / "three.png"
    Image.fromarray(colours[np.arange(60).reshape(6, 10) % 3]).save(source)
    out = tmp_path / "out.png"
    report = json_report(source, "-k", 8, "-o", out)
    assert report["fewer_colors_than_k"] is True
    assert (report["colors_used"], report["mse"], report["psnr"]) == (3, 0, None)
    assert report["bits_compressed"] == 24 * 3 + 60 * 2
    np.testing.assert_array_equal(np.asarray(Image.open(out).convert("RGB")), load_image(source))


def test_human_output(crop_128, tmp_path):
    out = tmp_path / "out.png"
    done = run_cli(crop_128, "-k", 16, "-o", out, "--seed", 0)
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == 4, done.stdout
    assert lines[0].startswith(f"{crop_128}: 128×128, ") and lines[0].endswith("-> 16")
    assert lines[1].startswith("K-Means: ") and "converged" in lines[1]
    assert "MSE " in lines[1] and "PSNR " in lines[1] and lines[1].endswith(" dB")
    assert lines[2].startswith("bits: 393,216 -> 65,920 (ratio 5.965); PNG ")
    assert f"PNG {out.stat().st_size:,} bytes from {crop_128.stat().st_size:,}" in lines[2]
    assert lines[3].startswith(f"wrote {out} in ")
    assert Image.open(out).mode == "P"


def test_human_output_when_the_image_is_kept(tmp_path):
    source = tmp_path / "flat.png"
    Image.new("RGB", (5, 4), (9, 99, 199)).save(source)
    done = run_cli(source, "-k", 4, "-o", tmp_path / "out.png")
    assert done.returncode == 0
    assert "kept as it is" in done.stdout and "PSNR ∞" in done.stdout


def assert_clean_failure(done, out):
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert len(lines[0]) > len("error: ") + 10
    assert done.stdout == ""
    assert not out.exists()


def test_bad_input_file_fails_cleanly(bad_input, tmp_path):
    name, data = bad_input
    source = tmp_path / ("in.jpg" if "JPEG" in name else "in.png")
    source.write_bytes(data)
    out = tmp_path / "out.png"
    assert_clean_failure(run_cli(source, "-k", 8, "-o", out), out)
    assert_clean_failure(run_cli(source, "-k", 8, "-o", out, "--json"), out)


def test_missing_input_fails_cleanly(tmp_path):
    out = tmp_path / "out.png"
    done = run_cli(tmp_path / "missing.jpg", "-k", 8, "-o", out)
    assert_clean_failure(done, out)
    assert "missing.jpg" in done.stderr


def test_directory_as_input_fails_cleanly(tmp_path):
    out = tmp_path / "out.png"
    assert_clean_failure(run_cli(tmp_path, "-k", 8, "-o", out), out)


def test_image_over_max_pixels_fails_cleanly(crop_128, tmp_path):
    out = tmp_path / "out.png"
    done = run_cli(crop_128, "-k", 8, "-o", out, "--max-pixels", 1000)
    assert_clean_failure(done, out)
    assert "128×128" in done.stderr


@pytest.mark.parametrize("k", [0, 257])
def test_k_out_of_range_fails_cleanly(crop_128, tmp_path, k):
    out = tmp_path / "out.png"
    done = run_cli(crop_128, "-k", k, "-o", out)
    assert_clean_failure(done, out)
    assert "-k" in done.stderr
