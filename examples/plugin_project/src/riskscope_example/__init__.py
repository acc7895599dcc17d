"""An example outside project: its own model family and its own riskscope study."""
