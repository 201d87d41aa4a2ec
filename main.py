"""Start ANN Studio's main window: ``python main.py``."""
import sys

from annstudio.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["gui"]))
