"""``python -m kamlib``: the same command line as ``kam``."""

from kamlib.cli import main

main()
