"""What `inferbench agent` costs while it waits: CPU time and resident memory.

Starts the agent on a fresh database with a queue and conditions that keep it waiting (an idle
threshold no machine reaches), samples its /proc entry for --seconds (Linux), and prints the share
of one core it used and its resident memory. The worker is not running while the agent waits.

    python3 bench/agent_overhead.py --seconds 60
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--binary", type=Path, default=ROOT / "bin" / "inferbench")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        agent = subprocess.Popen(
            [str(args.binary), "agent", "--db", str(Path(tmp) / "a.db"), "--model", "gpt2", "--idle", "10000h"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)  # past start-up: flags, database, queue
            c0, t0 = cpu_seconds(agent.pid), time.monotonic()
            peak = 0
            while time.monotonic() - t0 < args.seconds:
                peak = max(peak, rss_bytes(agent.pid))
                time.sleep(0.5)
            used, wall = cpu_seconds(agent.pid) - c0, time.monotonic() - t0
            workers = children(agent.pid)
        finally:
            agent.send_signal(signal.SIGINT)
            agent.wait(timeout=30)
    print(f"agent waiting for {wall:.0f} s: {100 * used / wall:.3f}% of one core, "
          f"resident memory up to {peak / 1e6:.1f} MB, worker processes alive: {len(workers)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
