"""The `riskscope` command line: thin commands over studies, the store and reports.

Exit codes: 0 success; 1 some trials failed; 2 bad input (spec, arguments, store file);
130 interrupted (rerun the same command to resume).

Each command lives in its own module, named below and imported only when it is run or listed
(`LazyGroup`), so commands that do not train answer without importing torch.
"""

from __future__ import annotations

import signal
import sys
import threading

import click

from riskscope.cli.lazy_group import LazyGroup
from riskscope.cli.output import fail
from riskscope.core.errors import RiskscopeError

COMMANDS = {
    "studies": "riskscope.cli.listing:studies",
    "tasks": "riskscope.cli.listing:tasks",
    "run": "riskscope.cli.run_command:run",
    "ls": "riskscope.cli.runs:ls_",
    "show": "riskscope.cli.runs:show",
    "report": "riskscope.cli.runs:report",
    "describe": "riskscope.cli.describe:describe",
    "bundle": "riskscope.cli.bundle:bundle_cmd",
    "verify": "riskscope.cli.bundle:verify_cmd",
    "import": "riskscope.cli.bundle:import_cmd",
    "compare": "riskscope.cli.bundle:compare_cmd",
    "reproduce": "riskscope.cli.bundle:reproduce_cmd",
    "claims": "riskscope.cli.claims:claims_group",
    "probe": "riskscope.cli.probe:probe",
    "export": "riskscope.cli.export:export",
    "hub": "riskscope.cli.hub:hub",
    "publish": "riskscope.cli.publish:publish",
    "publish-claim": "riskscope.cli.publish:publish_claim",
    "pull": "riskscope.cli.pull:pull",
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="riskscope")
def cli() -> None:
    """riskscope: measure what deep-learning theory talks about, on real training runs."""


def main() -> None:
    if threading.current_thread() is threading.main_thread():  # see riskscope/_startup.py
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        fail("interrupted; finished trials are saved, rerun the same command to resume.", 130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except RiskscopeError as exc:
        fail(str(exc))
    except OSError as exc:  # a path that cannot be created, read or written
        where = exc.filename or "a file"
        fail(f"{where}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        fail("interrupted; rerun the same command to resume.", 130)
