"""Built-in studies; importing this package registers them."""

from riskscope.studies.builtin import decomposition, train

__all__ = ["decomposition", "train"]
