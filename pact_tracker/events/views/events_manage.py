"""Pages: see the package docstring."""
