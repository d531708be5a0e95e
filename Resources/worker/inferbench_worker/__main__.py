"""`python -m inferbench_worker`: serve the protocol on stdin/stdout."""

import sys

from .protocol import main

if __name__ == "__main__":
    sys.exit(main())
