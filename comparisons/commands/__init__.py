"""One module per ``handgrad`` sub-command, each with ``add_parser(commands)`` and ``run(args) -> int``.

A new command is a new module here plus its name in ``comparisons.cli.COMMANDS``.
"""
