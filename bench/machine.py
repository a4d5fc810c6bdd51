"""What the benchmark ran on: CPU, cores, memory, OS, library versions, date."""

from __future__ import annotations

import datetime
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def describe_machine() -> list[tuple[str, str]]:
    """(what, value) pairs describing this machine and its software."""
    facts = [
        ("CPU", _cpu_model()),
        ("Cores", f"{os.cpu_count()} logical"),
        ("RAM", _memory()),
        ("OS", _os_name()),
        ("Load average at start", "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())),
        ("Python", platform.python_version()),
        *((name, _version(name)) for name in ("numpy", "pillow", "scikit-learn")),
        ("Date", datetime.datetime.now().astimezone().isoformat(timespec="seconds")),
    ]
    threads = [f"{name}={os.environ[name]}" for name in THREAD_VARIABLES if name in os.environ]
    if threads:
        facts.append(("Thread settings", " ".join(threads)))
    return facts


def _cpu_model() -> str:
    for line in _read_lines("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory() -> str:
    for line in _read_lines("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    return "unknown"


def _os_name() -> str:
    for line in _read_lines("/etc/os-release"):
        if line.startswith("PRETTY_NAME="):
            return f"{line.split('=', 1)[1].strip().strip(chr(34))}, {platform.platform()}"
    return platform.platform()


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []
