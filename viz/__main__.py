"""`python -m autograd_core.viz ...` runs the `autograd-graph` command line."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
