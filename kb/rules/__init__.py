"""The rules run over a loaded knowledge base, in order. Each returns diagnostics.

A rule is a function `(KnowledgeBase) -> Iterable[Diagnostic]`; `defectkb.knowledgebase.load`
accepts a custom list, which is how an organisation adds its own checks.
"""

from defectkb.rules.consistency import check_consistency
from defectkb.rules.content import check_content
from defectkb.rules.duplicates import check_duplicates
from defectkb.rules.identity import check_identity
from defectkb.rules.lifecycle import check_lifecycle
from defectkb.rules.references import check_references

RULES = [check_identity, check_lifecycle, check_consistency, check_references, check_duplicates,
         check_content]

__all__ = ["RULES", "check_consistency", "check_content", "check_duplicates", "check_identity", "check_lifecycle",
           "check_references"]
