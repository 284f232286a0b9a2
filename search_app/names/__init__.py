"""Spellings of names: which words a search for a name should also find.

Today the hand-kept groups of ``corpus/_variants.txt`` (:mod:`.variants`). Exports
:class:`Variants`, :func:`load_variants` and :func:`variants_from_manifest`.
"""

from search_app.names.variants import Variants, load_variants, variants_from_manifest

__all__ = ["Variants", "load_variants", "variants_from_manifest"]
