"""CPU time of process trees, read from /proc (Linux).

`snapshot(roots)` sums user + system time of each root and all its descendants, plus
the time of children they have already reaped (cutime/cstime), so a backend that exited
between two snapshots is still counted once. The difference of two snapshots is the
CPU the server spent in between, whatever the load generator spent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, seconds of CPU incl. reaped children) of `pid`; None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) "
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return ppid, (utime + stime + cutime + cstime) / TICK


@dataclass
class Snapshot:
    per_pid: dict[int, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.per_pid.values())


def snapshot(roots: list[int]) -> Snapshot:
    """CPU seconds of every process in the trees under `roots`."""
    parents: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = _stat(int(entry))
            if found is not None:
                parents[int(entry)] = found
    children: dict[int, list[int]] = {}
    for pid, (ppid, _cpu) in parents.items():
        children.setdefault(ppid, []).append(pid)
    out = Snapshot()
    todo = [r for r in roots if r in parents]
    while todo:
        pid = todo.pop()
        out.per_pid[pid] = parents[pid][1]
        todo.extend(children.get(pid, []))
    return out


def spent(before: Snapshot, after: Snapshot) -> tuple[float, float]:
    """(CPU seconds spent between the snapshots, the busiest process's share of it)."""
    deltas = [cpu - before.per_pid.get(pid, 0.0) for pid, cpu in after.per_pid.items()]
    total = after.total - before.total
    return total, (max(deltas) / total if total > 0 and deltas else 0.0)
