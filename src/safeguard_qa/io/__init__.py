"""Returns in and out: blank templates, CSV and XLSX returns, and writing returns back."""

from safeguard_qa.io.tabular import read_tabular_return
from safeguard_qa.io.template import TEMPLATE_FORMATS, write_template
from safeguard_qa.io.writers import RETURN_FORMATS, write_return

__all__ = [
    "RETURN_FORMATS",
    "TEMPLATE_FORMATS",
    "read_tabular_return",
    "write_return",
    "write_template",
]
