"""Built-in studies; importing this package registers them."""

from riskscope.studies.builtin import certified_optimum  # noqa: F401
from riskscope.studies.builtin import decomposition  # noqa: F401
from riskscope.studies.builtin import train  # noqa: F401
