"""``python -m nianbao``: the same as the ``nianbao`` command."""

from nianbao.cli import main

main()
