"""Forms of commitments, one module per audience."""
