"""Spellings of names: which words a search for a name should also find.

The hand-kept groups of ``corpus/_variants.txt`` (:mod:`.variants`), the name keys that make
Latin and Persian spellings of one name meet (:mod:`.keys`: :func:`~.keys.name_keys`,
:func:`~.keys.same_name`), the groups an index makes with them (:mod:`.spellings`), and the
register of people, places, organisations and events (:mod:`.register`) whose names
:mod:`.mentions` finds in a passage's words. Exports
:class:`Variants`, :func:`load_variants` and :func:`variants_from_manifest`.
"""

from search_app.names.variants import Variants, load_variants, variants_from_manifest

__all__ = ["Variants", "load_variants", "variants_from_manifest"]
