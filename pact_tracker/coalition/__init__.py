"""coalition."""
