"""`pip install .` into a fresh virtual environment gives `kmeans_core` and a working
`kmeans-compress` command.

Made fast, without changing what is checked, and without the network:

* the environment is made with ``--system-site-packages --without-pip``: it sees the
  numpy, Pillow and pip already installed instead of downloading them (and skips the
  copy of pip that ``venv`` would otherwise install, the slowest step);
* pip runs with ``--no-build-isolation --no-deps --no-index``: it builds with the
  setuptools already installed (requirements-dev.txt pins it) instead of fetching one
  into a throwaway build environment, and installs nothing but this project.

The sources are copied first, so the build leaves nothing in the checkout, and every
command runs outside it, so nothing can be imported from the checkout by accident.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180  # seconds: a build on a busy machine


def run(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT
    )


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtual environment with this project installed by `pip install .`."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "kmeans_core", source / "kmeans_core", ignore=shutil.ignore_patterns("__pycache__")
    )
    env = base / "venv"
    made = run(
        sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", env, cwd=base
    )
    assert made.returncode == 0, made.stderr
    python = env / "bin" / "python"
    installed = run(
        python,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        source,
        cwd=base,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return env


def test_kmeans_compress_is_installed_and_works(venv, tmp_path, coffee):
    command = venv / "bin" / "kmeans-compress"
    assert command.is_file()
    photo = tmp_path / "cup.png"
    Image.fromarray(np.ascontiguousarray(coffee[100:228, 200:328])).save(photo)
    out = tmp_path / "cup-k8.png"
    done = run(command, photo, "-k", 8, "-o", out, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["width"], report["height"], report["colors_used"]) == (128, 128, 8)
    assert Image.open(out).mode == "P" and report["png_bytes"] == out.stat().st_size

    helped = run(command, "--help", cwd=tmp_path)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: kmeans-compress ")
    failed = run(command, tmp_path / "missing.jpg", "-o", out, cwd=tmp_path)
    assert failed.returncode == 2 and failed.stderr.startswith("error: ")
    assert len(failed.stderr.splitlines()) == 1


def test_the_package_is_the_engine_alone_from_site_packages(venv, tmp_path):
    probe = (
        "import importlib.metadata as m, json, kmeans_core;"
        "files = m.distribution('kmeans-image-compression').files;"
        "print(kmeans_core.__file__);"
        "print(json.dumps(sorted({f.parts[0] for f in files})))"
    )
    done = run(venv / "bin" / "python", "-c", probe, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    location, tops = done.stdout.splitlines()
    assert Path(location).is_relative_to(venv) and "site-packages" in location
    # the package, its .dist-info, and the command (recorded as ../../../bin/kmeans-compress)
    top_levels = {name for name in json.loads(tops) if not name.endswith(".dist-info")}
    assert top_levels == {"kmeans_core", ".."}
    api = run(
        venv / "bin" / "python",
        "-c",
        "from kmeans_core import quantize, encode_indexed_png; import numpy as np;"
        "r = quantize(np.zeros((4, 4, 3), np.uint8), k=2, seed=0);"
        "print(len(encode_indexed_png(r.palette, r.labels)) > 0)",
        cwd=tmp_path,
    )
    assert api.stdout.strip() == "True", api.stderr
