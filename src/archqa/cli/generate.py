"""`archqa generate` (filled in by the generate issue)."""
