"""Run a module as ``python -m`` would, then write the process's own peak memory to a file.

python -m bench.peak PEAK_FILE MODULE [ARGUMENTS...]

A child's ``ru_maxrss`` (from ``wait4``) starts at its parent's peak: Linux copies the
parent's memory counters on fork and folds them in at exec. So a benchmark that has grown
to 700 MB would report 700 MB for every child. ``VmHWM`` in ``/proc/self/status`` is the
peak of this process's own address space since exec: the memory the pipeline really used.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def peak_resident_kib() -> int:
    """This process's peak resident memory (VmHWM), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("/proc/self/status has no VmHWM line")


def main() -> int:
    peak_file, module, *arguments = sys.argv[1:]
    sys.argv = [module, *arguments]
    code = 0
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as finished:
        code = finished.code if isinstance(finished.code, int) else (finished.code is not None)
    finally:
        Path(peak_file).write_text(str(peak_resident_kib()))
    return code


if __name__ == "__main__":
    sys.exit(main())
