"""`python -m schedule_mcp` runs the same CLI as the `schedule-mcp` console script."""

import sys

from schedule_mcp.cli import main

if __name__ == "__main__":
    sys.exit(main())
