"""Site pages as HTML/Markdown strings, computed from a loaded knowledge base.

Nothing here imports MkDocs: plugins/ hands these strings to MkDocs as virtual pages.
"""
