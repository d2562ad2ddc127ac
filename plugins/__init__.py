"""MkDocs adapters over the `kb` package. Domain rules live in `kb/`, not here."""
