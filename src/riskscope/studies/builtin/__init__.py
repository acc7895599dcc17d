"""Built-in studies; importing this package registers them."""

from riskscope.studies.builtin import train

__all__ = ["train"]
