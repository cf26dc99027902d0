"""Start the Seq2Seq Playground desktop app: ``python main.py [model.keras | data file]``."""

import sys

from playground.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
