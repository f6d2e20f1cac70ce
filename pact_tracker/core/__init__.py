"""Pieces shared by every domain: column types, mixins, the activity log, permissions."""
