"""The common lexicon shared by every domain."""
