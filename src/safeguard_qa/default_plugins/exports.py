"""Built-in export formats: CSV, JUnit XML, Markdown and XLSX (issue 4)."""
