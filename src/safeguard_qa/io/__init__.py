"""Returns in and out: blank templates, CSV and XLSX returns, and writing returns back."""
