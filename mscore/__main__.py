"""``python -m mscore ...``: the same as the ``mscore`` command (works from a source checkout)."""
import sys

from mscore.cli import main

sys.exit(main())
