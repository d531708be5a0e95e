"""Executes a notebook headless and fails on the first cell that raises.

Usage: python notebooks/execute.py NOTEBOOK [--out EXECUTED.ipynb]
The notebook reads INFERBENCH_CSV and INFERBENCH_FIGURES from the environment.
"""

import argparse
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook", type=Path)
    ap.add_argument("--out", type=Path, help="where to write the executed notebook")
    args = ap.parse_args()
    nb = nbformat.read(args.notebook, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(args.notebook.parent.parent)}})
    try:
        client.execute()
    except CellExecutionError as e:
        print(f"{args.notebook}: a cell failed:\n{e}", file=sys.stderr)
        return 1
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, args.out)
    print(f"{args.notebook}: {len(nb.cells)} cells executed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
