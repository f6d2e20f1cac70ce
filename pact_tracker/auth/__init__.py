"""Signing in and out: passwords, server-side sessions, two-factor codes."""
