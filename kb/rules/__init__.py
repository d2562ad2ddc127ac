"""The rules run over a loaded knowledge base, in order. Each returns diagnostics.

A rule is a function `(KnowledgeBase) -> Iterable[Diagnostic]`; `kb.knowledgebase.load`
accepts a custom list, which is how an organisation adds its own checks.
"""

from kb.rules.consistency import check_consistency
from kb.rules.identity import check_identity
from kb.rules.lifecycle import check_lifecycle
from kb.rules.references import check_references

RULES = [check_identity, check_lifecycle, check_consistency, check_references]

__all__ = ["RULES", "check_consistency", "check_identity", "check_lifecycle", "check_references"]
