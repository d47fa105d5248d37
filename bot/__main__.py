"""`python -m bot` runs the `qotd` command line."""

from bot.cli import main

main()
