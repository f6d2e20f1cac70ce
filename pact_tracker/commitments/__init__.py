"""commitments."""
