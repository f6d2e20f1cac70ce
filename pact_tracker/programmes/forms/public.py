"""Forms of the programmes pages for the public audience."""
