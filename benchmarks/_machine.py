"""Helpers shared by the benchmarks: wait for a quiet machine, measure who else used the CPU."""

from __future__ import annotations

import os
import time


def load_average() -> float:
    return os.getloadavg()[0]


def others_cores(seconds: float = 10.0) -> float:
    """CPU cores used by processes other than this one, over the next ``seconds`` (we sleep)."""
    busy, own = busy_seconds(), time.process_time()
    time.sleep(seconds)
    return max(busy_seconds() - busy - (time.process_time() - own), 0.0) / seconds


def wait_for_quiet(limit: float, max_wait: int = 1800, max_others: float = 0.15) -> float:
    """Wait until the machine is quiet; returns the 1-minute load average.

    Quiet: other processes used at most ``max_others`` cores over 10 s, and (the first time in
    this process, when none of the load can be our own) the 1-minute load average is at most
    ``limit``. The load average alone would count this process's previous runs.
    """
    global _first
    if limit <= 0:  # do not wait (a shared machine: timings are then interleaved, see TurnTaking)
        return load_average()
    waited = 0.0
    while waited < max_wait:
        others = others_cores()
        waited += 10
        if others <= max_others and (not _first or load_average() <= limit):
            break
        print(f"  busy (load {load_average():.2f}, other processes {others:.2f} cores): "
              "waiting", flush=True)
        time.sleep(50)
        waited += 50
    _first = False
    return load_average()


_first = True


def busy_seconds() -> float:
    """CPU seconds all processes have spent busy since boot (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Contention:
    """Context manager: CPU cores used by this process and by *others* while the block ran.

    ``foreign_cores`` near 0 means the machine was ours; a timing taken while other processes
    used a sizeable fraction of a core is not comparable.
    """

    def __enter__(self) -> "Contention":
        self.t, self.busy, self.own = time.perf_counter(), busy_seconds(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        wall = time.perf_counter() - self.t
        own = time.process_time() - self.own
        self.own_cores = own / wall
        self.foreign_cores = max(busy_seconds() - self.busy - own, 0.0) / wall


def source_state() -> dict:
    """The commit measured, and which files under src/ differ from it (uncommitted edits)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                  timeout=30).stdout.rstrip("\n")
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "--short", "HEAD").strip(),
            "uncommitted_src": [line[3:] for line in git("status", "--porcelain", "src").splitlines()]}


def bertkit_clipping() -> str:
    """How bertkit's ``create_optimizer`` clips gradients, read from the optimizer it builds."""
    from bertkit.training.optimization import create_optimizer

    optimizer = create_optimizer(1e-3)
    if getattr(optimizer, "global_clipnorm", None):
        return f"global norm {optimizer.global_clipnorm:g}"
    if getattr(optimizer, "clipnorm", None):
        return f"each tensor to norm {optimizer.clipnorm:g} (Keras clipnorm)"
    return "none"


class TurnTaking:
    """Runs that take turns: only the run holding the turn computes, the others wait.

    Each run is a thread that calls ``acquire(name)`` first, ``step(name)`` before each training
    step (after its batch is ready) and ``leave(name)`` at the end. Every ``steps_per_turn``
    steps the turn passes to the next run, round robin. ``clock(name)`` is the time ``name`` has
    held the turn: its own compute time, as if it had run alone, but measured under the same
    drifting host speed as the others (this machine's speed drifts by tens of percent over
    minutes, so runs timed one after the other are not comparable).
    """

    def __init__(self, names, steps_per_turn: int = 1) -> None:
        import threading

        self.active = list(names)
        self.k = max(int(steps_per_turn), 1)
        self.turn = self.active[0] if self.active else None
        self.cond = threading.Condition()
        self.busy = dict.fromkeys(self.active, 0.0)
        self.since: dict = {}
        self.count = dict.fromkeys(self.active, 0)
        self.turns = dict.fromkeys(self.active, 0)

    def acquire(self, name) -> None:
        with self.cond:
            while self.turn != name:
                self.cond.wait()
        self.since[name] = time.perf_counter()
        self.turns[name] += 1

    def _pass(self, name, leave: bool) -> None:
        self.busy[name] += time.perf_counter() - self.since.pop(name)
        with self.cond:
            i = self.active.index(name)
            following = self.active[(i + 1) % len(self.active)]
            if leave:
                self.active.remove(name)
            self.turn = None if following == name and leave else following
            self.cond.notify_all()

    def step(self, name) -> None:
        self.count[name] += 1
        if self.count[name] % self.k == 0 and len(self.active) > 1:
            self._pass(name, leave=False)
            self.acquire(name)

    def leave(self, name) -> None:
        if name in self.since:
            self._pass(name, leave=True)

    def clock(self, name) -> float:
        held = time.perf_counter() - self.since[name] if name in self.since else 0.0
        return self.busy[name] + held
