"""``python -m simulate`` is the ``simulate`` command."""

from simulate.cli.app import main

if __name__ == "__main__":
    main()
