"""The `riskscope` command line (Ctrl-C during start-up: see `riskscope._startup`)."""
