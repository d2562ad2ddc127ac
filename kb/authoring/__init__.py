"""Writing new entries: the `kb new` prompts, a light catalogue of existing entries, similar-entry search."""
