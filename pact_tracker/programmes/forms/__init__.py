"""Forms of programmes, one module per audience."""
