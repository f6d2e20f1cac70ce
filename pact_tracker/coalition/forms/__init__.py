"""Forms of coalition, one module per audience."""
