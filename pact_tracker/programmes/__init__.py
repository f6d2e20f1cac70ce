"""Programmes: thematic programmes and the commitment proposals they offer."""
