"""``python -m simulate`` is the ``simulate`` command."""

from simulate.cli import main

if __name__ == "__main__":
    main()
