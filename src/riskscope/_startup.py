"""Started as the `riskscope` program, Ctrl-C while the (slow) imports run exits with code 130
and one line, not a traceback. Imported first by `riskscope/__init__.py`, before anything heavy;
`riskscope.cli.main.main()` puts Python's own handler back once it starts (so an interrupted
run still marks itself interrupted and keeps what it finished). Library use is unaffected: the
handler is installed only when the program is `riskscope`.
"""

import os
import signal
import sys


def _quiet_interrupt(signum, frame):  # pragma: no cover - exercised by a subprocess test
    sys.stderr.write("riskscope: interrupted while starting; nothing was run\n")
    sys.stderr.flush()
    os._exit(130)


if os.path.basename(sys.argv[0] or "") == "riskscope" and \
        signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _quiet_interrupt)
