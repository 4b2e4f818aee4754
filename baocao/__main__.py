"""``python -m baocao``: the ``baocao`` command."""

from baocao.cli import main

if __name__ == "__main__":
    main()
