"""Which placement of the measuring process narrows the spread of dispatch-bound decode.

Where a model is small enough that the host CPU launching kernels bounds each token, the host's own
state moves the result: reruns of gpt2 fp16 on an H200 spread ±25%, and repetitions inside one run
step between two levels. This runs one configuration in fresh `inferbench run` processes under
several placements, interleaved round by round so that a drift of the host meets all of them:

- default: no affinity set;
- gpu-node: the CPUs of the GPU's NUMA node (where its PCIe root is);
- whole-core: one core of that node with its SMT siblings, so nothing else shares the core;
- other-node: the CPUs of another NUMA node;
- nice: default affinity, scheduling priority raised by 10 (needs the privilege; skipped without).

A placement that does not exist on the machine (one node, no SMT siblings in this process's
affinity) is left out and said so. For each it prints the median decode tokens/s over processes,
the spread between processes (coefficient of variation), the median spread of repetitions inside
a process, how many runs Inferbench judged a level shift, and the most CPU time a hypervisor took
from the machine during one run (steal time in /proc/stat: in a virtual machine, the host's own
load shows there, or, when siblings of a shared core are busy, nowhere).

    python bench/hostnoise.py --binary bin/inferbench --rounds 3 --db /tmp/hostnoise.db -- \\
        --model gpt2 --precision fp16 --context 512 --generate 64 --repeats 24
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
SYS_CPU = Path("/sys/devices/system/cpu")


def parse_cpu_list(text: str) -> set[int]:
    """The kernel's CPU list syntax: "0-3,8,10-11"."""
    cpus: set[int] = set()
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def node_of(cpu: int) -> int | None:
    for entry in (SYS_CPU / f"cpu{cpu}").glob("node*"):
        return int(entry.name[4:])
    return None


def siblings_of(cpu: int) -> set[int]:
    path = SYS_CPU / f"cpu{cpu}" / "topology" / "thread_siblings_list"
    return parse_cpu_list(path.read_text()) if path.exists() else {cpu}


def gpu_node() -> int | None:
    """The NUMA node of the first NVIDIA GPU, from its PCI device; None when not known."""
    try:
        bus = subprocess.run(["nvidia-smi", "--query-gpu=pci.bus_id", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30).stdout.split()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None
    # nvidia-smi prints an 8-digit domain ("00000000:19:00.0"); sysfs uses 4.
    dom, _, rest = bus.lower().partition(":")
    path = Path("/sys/bus/pci/devices") / f"{dom[-4:]}:{rest}" / "numa_node"
    try:
        node = int(path.read_text())
    except (OSError, ValueError):
        return None
    return node if node >= 0 else None


@dataclass
class Placement:
    name: str
    cpus: set[int] | None = None  # None: inherit this process's affinity
    nice: int = 0

    def describe(self) -> str:
        where = "inherited affinity" if self.cpus is None else f"CPUs {format_cpus(self.cpus)}"
        return where + (f", nice {self.nice:+d}" if self.nice else "")

    def preexec(self) -> Callable[[], None]:
        def apply() -> None:
            if self.cpus is not None:
                os.sched_setaffinity(0, self.cpus)
            if self.nice:
                os.nice(self.nice)
        return apply


def format_cpus(cpus: set[int]) -> str:
    out: list[str] = []
    run: list[int] = []
    for c in sorted(cpus):
        if run and c != run[-1] + 1:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
            run = []
        run.append(c)
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ",".join(out)


def placements(allowed: set[int], gnode: int | None, notes: list[str]) -> list[Placement]:
    nodes: dict[int | None, set[int]] = {}
    for c in allowed:
        nodes.setdefault(node_of(c), set()).add(c)
    out = [Placement("default")]
    home = nodes.get(gnode) if gnode is not None else None
    if home:
        out.append(Placement("gpu-node", home))
        whole = next((siblings_of(c) for c in sorted(home) if len(siblings_of(c)) > 1 and siblings_of(c) <= allowed), None)
        if whole:
            out.append(Placement("whole-core", whole))
        else:
            notes.append("whole-core left out: no core of the GPU's node has all its SMT siblings in this affinity")
        others = [cpus for n, cpus in nodes.items() if n != gnode]
        if others:
            out.append(Placement("other-node", max(others, key=len)))
        else:
            notes.append("other-node left out: every allowed CPU is on the GPU's node")
    else:
        notes.append("gpu-node, whole-core and other-node left out: the GPU's NUMA node is not known here")
    try:
        pid = os.fork()
        if pid == 0:
            try:
                os.nice(-10)
                os._exit(0)
            except PermissionError:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            out.append(Placement("nice", None, -10))
        else:
            notes.append("nice left out: raising priority needs a privilege this process lacks")
    except OSError as e:
        notes.append(f"nice left out: {e}")
    return out


@dataclass
class Result:
    decode_tps: list[float] = field(default_factory=list)  # one per process: the run's stored figure
    within_cv: list[float] = field(default_factory=list)  # per process: spread of its repetitions
    level_shifts: int = 0
    steal: list[float] = field(default_factory=list)  # per process: share of CPU time the hypervisor took
    failures: int = 0


def cpu_times() -> list[int]:
    """The machine's total CPU times from /proc/stat (user nice system idle iowait irq softirq steal)."""
    with open("/proc/stat") as f:
        return [int(x) for x in f.readline().split()[1:9]]


def measure(binary: Path, db: Path, args: list[str], placement: Placement, res: Result) -> int | None:
    """Runs one process under the placement; the stored run's id, or None when it failed."""
    before = cpu_times()
    proc = subprocess.run([str(binary), "run", "--db", str(db), "--format", "json", "--wait", *args],
                          capture_output=True, text=True, preexec_fn=placement.preexec())
    delta = [b - a for a, b in zip(before, cpu_times())]
    res.steal.append(delta[7] / max(sum(delta), 1))
    if proc.returncode != 0:
        print(f"{placement.name}: inferbench run failed ({proc.returncode}): {proc.stderr.strip()[-400:]}",
              file=sys.stderr, flush=True)
        return None
    got = json.loads(proc.stdout)
    run = got[0] if isinstance(got, list) else got
    return int(run["run_id"])


def record(con: sqlite3.Connection, run_id: int, res: Result) -> None:
    tps, stability = con.execute("SELECT decode_tokens_per_sec, stability FROM runs WHERE id = ?", (run_id,)).fetchone()
    reps = [r[0] for r in con.execute(
        "SELECT decode_tokens_per_sec FROM samples WHERE run_id = ? AND decode_tokens_per_sec IS NOT NULL", (run_id,))]
    res.decode_tps.append(tps)
    if len(reps) > 1:
        res.within_cv.append(statistics.stdev(reps) / statistics.mean(reps))
    res.level_shifts += stability == "level shift"


def cv(xs: list[float]) -> float:
    return statistics.stdev(xs) / statistics.mean(xs) if len(xs) > 1 else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", type=Path, default=ROOT / "bin" / "inferbench")
    ap.add_argument("--db", type=Path, required=True, help="SQLite file the runs are stored in")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--budget-s", type=float, default=0, help="start no new round after this many seconds (0: no limit)")
    ap.add_argument("--placements", help="comma-separated: only these of the placements above")
    ap.add_argument("run_args", nargs=argparse.REMAINDER, help="-- then `inferbench run` flags")
    a = ap.parse_args()
    run_args = [x for x in a.run_args if x != "--"]
    allowed = os.sched_getaffinity(0)
    gnode = gpu_node()
    notes: list[str] = []
    places = placements(allowed, gnode, notes)
    if a.placements:
        wanted = a.placements.split(",")
        places = [p for p in places if p.name in wanted]
    print(f"allowed CPUs {format_cpus(allowed)} ({len(allowed)}); GPU's NUMA node {gnode}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for n in notes:
        print(f"note: {n}")
    for p in places:
        print(f"{p.name}: {p.describe()}")
    results = {p.name: Result() for p in places}
    start = time.time()
    for r in range(a.rounds):
        if r and a.budget_s and time.time() - start > a.budget_s:
            print(f"stopped after {r} rounds: the {a.budget_s:.0f} s budget is spent", flush=True)
            break
        # Rotate the order each round, so no placement always runs first after a pause.
        order = places[r % len(places):] + places[:r % len(places)]
        for p in order:
            run_id = measure(a.binary, a.db, run_args, p, results[p.name])
            if run_id is None:
                results[p.name].failures += 1
                continue
            with sqlite3.connect(a.db, timeout=60) as con:
                record(con, run_id, results[p.name])
            print(json.dumps({"round": r + 1, "placement": p.name, "run_id": run_id,
                              "decode_tps": results[p.name].decode_tps[-1], "steal": results[p.name].steal[-1],
                              "seconds": round(time.time() - start, 1)}), flush=True)
    print()
    print("| placement | processes | decode tokens/s, median | between processes, CV | inside a process, median CV | level shifts | steal, max |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p in places:
        res = results[p.name]
        if not res.decode_tps:
            print(f"| {p.name} | 0 | – | – | – | – ({res.failures} failed) | – |")
            continue
        inside = statistics.median(res.within_cv) if res.within_cv else float("nan")
        print(f"| {p.name} | {len(res.decode_tps)} | {statistics.median(res.decode_tps):.1f} | {cv(res.decode_tps):.1%} "
              f"| {inside:.1%} | {res.level_shifts} of {len(res.decode_tps)} | {max(res.steal):.2%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
