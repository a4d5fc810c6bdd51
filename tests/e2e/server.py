"""Start and stop a real ``streamlit run streamlit_app.py`` server; read its memory.

Used by the e2e fixtures and by ``bench/soak.py``. Memory figures come from the kernel:
``VmRSS`` (resident now) and ``VmHWM`` (the peak resident size since the process started)
in ``/proc/PID/status``, read for the process that owns the listening socket, so a launcher
process in between (a shell, a wrapper script) is never measured by mistake.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
ENTRY_SCRIPT = "streamlit_app.py"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def memory_mb(pid: int) -> dict[str, float]:
    """``{"VmRSS": …, "VmHWM": …}`` of a process, in MiB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = int(value.split()[0]) / 1024  # the kernel reports kB
    return figures


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, parents first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        children.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on ``port`` (IPv4 and IPv6)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(inode)
    return inodes


def listening_pid(root_pid: int, port: int) -> int | None:
    """The process, ``root_pid`` or one of its descendants, that listens on ``port``."""
    inodes = _listening_inodes(port)
    for pid in _descendants(root_pid):
        try:
            links = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            return pid
    return None


class StreamlitServer:
    """``streamlit run streamlit_app.py`` (or another script) on a free 127.0.0.1 port, logs
    kept in a file."""

    def __init__(
        self,
        name: str = "server",
        log_dir: Path = ARTIFACTS,
        script: str = ENTRY_SCRIPT,
        *,
        options: Sequence[str] = (),
    ) -> None:
        """``script``: relative to the repository's root; ``options``: more ``streamlit run``
        flags (``--client.x value``), after ours."""
        self.name = name
        self.script = script
        self.options = list(options)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"streamlit-{name}.log"
        self.process: subprocess.Popen | None = None
        self.pid: int | None = None  # the process serving HTTP (see listening_pid)

    def start(self, timeout: float = 60) -> StreamlitServer:
        """Start the server and return once ``/_stcore/health`` answers ``ok``."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            self.script,
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            *self.options,
        ]
        log = self.log_path.open("wb")
        log.write(("+ " + " ".join(command) + "\n").encode())
        log.flush()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env
        )
        log.close()  # the child keeps its own copy of the descriptor
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.process.returncode} before it was "
                    f"healthy; see {self.log_path}:\n{self.log_tail()}"
                )
            if self._healthy():
                self.pid = listening_pid(self.process.pid, self.port)
                if self.pid is None:
                    raise RuntimeError(
                        f"no process under {self.process.pid} listens on "
                        f"port {self.port}: is another server using it?"
                    )
                return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"streamlit was not healthy after {timeout:.0f} s:\n{self.log_tail()}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                return response.read().strip() == b"ok"
        except OSError:
            return False

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def memory_mb(self) -> dict[str, float]:
        """The serving process's ``VmRSS`` (now) and ``VmHWM`` (peak so far), in MiB."""
        if not self.alive() or self.pid is None:
            raise RuntimeError(f"the streamlit server has stopped; see {self.log_path}")
        return memory_mb(self.pid)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the serving process has used since it started."""
        if not self.alive() or self.pid is None:
            raise RuntimeError(f"the streamlit server has stopped; see {self.log_path}")
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self, timeout: float = 15) -> None:
        """Stop the server (SIGTERM, then SIGKILL); safe to call twice."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def __enter__(self) -> StreamlitServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def write_figures(name: str, lines: list[str]) -> Path:
    """Print measured figures (``pytest -s`` shows them) and save them as
    ``test-artifacts/<name>``, replacing an older copy."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    path.write_text(text)
    return path


class RssSampler:
    """The server's resident memory (VmRSS, MiB), sampled every ``interval`` seconds on a
    thread of its own between ``start()`` and ``stop()``."""

    def __init__(self, server: StreamlitServer, interval: float = 0.2) -> None:
        self.server, self.interval = server, interval
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join()
        return self.samples

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append(self.server.memory_mb()["VmRSS"])
            except (OSError, RuntimeError):
                return  # the server stopped: the caller reports it
            self._stop.wait(self.interval)


def latency_summary(label: str, seconds: list[float]) -> str:
    """``label n=… p50 … s p95 … s max … s`` (numpy's linear-interpolation percentiles)."""
    if not seconds:
        return f"{label:<10} none"
    p50, p95 = np.percentile(seconds, [50, 95])
    return (
        f"{label:<10} n={len(seconds):<3} p50 {p50:5.1f} s   p95 {p95:5.1f} s   "
        f"max {max(seconds):5.1f} s"
    )
