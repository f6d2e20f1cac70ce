"""Forms of campaign pages: ``public`` (pages emails link to), ``secretariat`` (back office)."""
