"""The command line (`riskscope ...`)."""
