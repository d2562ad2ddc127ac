"""Bringing tracker exports in (`kb import`) and the knowledge base out (`kb export`, api/entries.json)."""
