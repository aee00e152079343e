"""What the report says about the machine: CPU time of process trees, load, cores, commit.

CPU time comes from ``/proc/<pid>/stat`` (Linux): user + system time of a process and of
its children it has already waited for. Summed over a process and every live descendant,
that total only grows, also when a worker or a PostgreSQL backend exits during a run
(its time moves into its parent's "children" fields), so the difference between two
readings is the CPU the whole tree spent in between.
"""

import os
import platform
import resource
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# Fields of /proc/<pid>/stat after the command name: state is field 3 (index 0 here).
_PPID, _UTIME, _STIME, _CUTIME, _CSTIME = 1, 11, 12, 13, 14


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None  # gone, or not ours to read
    # The command name is in parentheses and may itself contain spaces or parentheses.
    return raw[raw.rindex(")") + 2 :].split()


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None:
                children[int(fields[_PPID])].append(int(entry.name))
    return children


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of ``root`` and all its descendants, live or reaped."""
    children = _children_by_parent()
    ticks = 0
    pending = [root]
    while pending:
        pid = pending.pop()
        fields = _stat_fields(pid)
        if fields is None:
            continue
        ticks += sum(int(fields[i]) for i in (_UTIME, _STIME, _CUTIME, _CSTIME))
        pending.extend(children.get(pid, []))
    return ticks / TICKS_PER_SECOND


def parent_of(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[_PPID])


def own_cpu_seconds() -> float:
    """This process's user + system CPU (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


@dataclass(frozen=True)
class MachineInfo:
    cores: int
    cpu_model: str
    memory_gb: float
    kernel: str
    python: str

    def describe(self) -> str:
        return (
            f"{self.cores} cores ({self.cpu_model}), {self.memory_gb:.0f} GB RAM, "
            f"Linux {self.kernel}, Python {self.python}"
        )


def machine_info() -> MachineInfo:
    models = []
    for line in (PROC / "cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            models.append(line.split(":", 1)[1].strip())
    memory_kb = 0
    for line in (PROC / "meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    return MachineInfo(
        cores=len(models) or (os.cpu_count() or 0),
        cpu_model=models[0] if models else platform.processor() or "unknown",
        memory_gb=memory_kb / 1024 / 1024,
        kernel=platform.release(),
        python=platform.python_version(),
    )


def git_commit(tree: Path) -> str:
    """The commit checked out in ``tree``, with ``+dirty`` when it has uncommitted changes."""
    commit = _git(tree, "rev-parse", "--short=12", "HEAD")
    dirty = _git(tree, "status", "--porcelain", "--untracked-files=no")
    return commit + ("+dirty" if dirty else "")


def _git(tree: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=tree, capture_output=True, text=True, check=False, timeout=30
    )
    return done.stdout.strip() if done.returncode == 0 else "unknown"
