"""Batch mode, run as a real subprocess: ``python -m kmeans_core A B … --out-dir DIR``."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from kmeans_core import encode_indexed_png, load_image, quantize
from tests.test_cli import ROOT, TIMEOUT, run_cli


@pytest.fixture
def folder(tmp_path, coffee):
    """Three real images (PNG, JPEG, WebP) and one file that is not an image."""
    images = tmp_path / "in"
    images.mkdir()
    crops = {
        "cup.png": coffee[100:228, 200:328],
        "rim.jpg": coffee[0:96, 0:160],
        "saucer.webp": coffee[250:350, 300:420],
    }
    for name, pixels in crops.items():
        Image.fromarray(np.ascontiguousarray(pixels)).save(images / name)
    (images / "notes.png").write_bytes(b"not a picture at all\n")
    return images


def test_a_folder_with_one_bad_file(folder, tmp_path):
    out = tmp_path / "out"
    inputs = sorted(folder.iterdir())
    done = run_cli(*inputs, "--out-dir", out, "-k", 8, "--json", "--jobs", 2)
    assert done.returncode == 2
    errors = done.stderr.splitlines()
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith(f"error: {folder / 'notes.png'}: ")
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    good = [p for p in inputs if p.name != "notes.png"]
    assert sorted(r["input"] for r in reports) == sorted(map(str, good))
    assert sorted(p.name for p in out.iterdir()) == ["cup.png", "rim.png", "saucer.png"]
    for report in reports:
        source = folder / report["input"].rsplit("/", 1)[-1]
        written = out / f"{source.stem}.png"
        assert report["output"] == str(written) and report["k"] == 8
        image = load_image(source)
        result = quantize(image, k=8, seed=0)  # the CLI's defaults: seed 0
        assert written.read_bytes() == encode_indexed_png(result.palette, result.labels)
        assert report["png_bytes"] == written.stat().st_size


def test_one_job_gives_the_same_files_as_two(folder, tmp_path):
    inputs = sorted(p for p in folder.iterdir() if p.name != "notes.png")
    for jobs in (1, 2):
        done = run_cli(*inputs, "--out-dir", tmp_path / f"jobs{jobs}", "--jobs", jobs)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert len(done.stdout.splitlines()) == len(inputs)  # one line a file
    for name in ("cup.png", "rim.png", "saucer.png"):
        assert (tmp_path / "jobs1" / name).read_bytes() == (tmp_path / "jobs2" / name).read_bytes()


def test_two_inputs_with_one_stem_do_not_overwrite_each_other(folder, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "cup.jpg").write_bytes((folder / "rim.jpg").read_bytes())
    done = run_cli(folder / "cup.png", other / "cup.jpg", "--out-dir", tmp_path / "out")
    assert done.returncode == 2
    (error,) = done.stderr.splitlines()
    assert error.startswith(f"error: {other / 'cup.jpg'}: ") and "rename" in error
    assert load_image(tmp_path / "out" / "cup.png").shape == (128, 128, 3)  # the first one


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "x.png"], "use --out-dir DIR for several"),
        (["--out-dir", "DIR", "--jobs", "0"], "--jobs must be at least 1"),
    ],
)
def test_bad_batch_options_give_one_error_line(folder, tmp_path, extra, message):
    extra = [str(tmp_path / "d") if a == "DIR" else a for a in extra]
    done = run_cli(folder / "cup.png", folder / "rim.jpg", *extra)
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: ") and message in line


def test_out_dir_that_is_a_file_is_refused(folder, tmp_path):
    target = tmp_path / "taken"
    target.write_text("a file")
    done = run_cli(folder / "cup.png", "--out-dir", target)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: --out-dir {target} is a file; give a folder"]


def test_a_terminal_gets_a_progress_bar_on_stderr(folder, tmp_path):
    """stderr on a pseudo-terminal: the bar is drawn, counted to the end, then cleared."""
    leader, follower = pty.openpty()
    inputs = sorted(folder.iterdir())
    with subprocess.Popen(
        [sys.executable, "-m", "kmeans_core", *map(str, inputs), "--out-dir", tmp_path / "o"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=follower,
    ) as process:
        os.close(follower)
        stdout, _ = process.communicate(timeout=TIMEOUT)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
    os.close(leader)
    assert process.returncode == 2
    text = seen.decode()
    assert "0/4 files" in text and "4/4 files" in text and text.endswith("\r\x1b[K")
    assert text.count("error: ") == 1
    assert len(stdout.splitlines()) == 3
