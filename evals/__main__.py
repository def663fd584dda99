"""`python -m evals`: replay every conversation and print the table."""

import sys

from evals.runner import main

if __name__ == "__main__":
    sys.exit(main())
