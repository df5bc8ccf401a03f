"""The command line: it parses and wires, and decides nothing else.

    entry.py      the console script: the click-free fast path first, else click
    table.py      the one option table both parsers are built from
    fastpath.py   a plain `dapr-aws [OPTIONS] [--] COMMAND`, parsed without click
    clickopts.py  click options built from the table
    commands.py   click's parser of every command
    run.py        the run commands wired: sources -> delivery -> process
    guard.py      the one mapping of exceptions to exit codes

May import every other package; never decides what one of them owns. Nothing imports
cli (but launcher/__main__.py).
"""
