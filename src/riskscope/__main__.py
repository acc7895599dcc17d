"""`python -m riskscope` runs the command line."""

from riskscope.cli.main import main

main()
