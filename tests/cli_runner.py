"""Run the `riskscope` command line in-process and capture its exit code and output."""

import sys

from riskscope.cli.main import main


def run_cli(args, capsys):
    argv = sys.argv
    sys.argv = ["riskscope", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    finally:
        sys.argv = argv
    captured = capsys.readouterr()
    return code, captured.out, captured.err
