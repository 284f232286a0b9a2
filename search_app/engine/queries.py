"""The query language: what a user types, turned into a Whoosh query with guards.

All words must match unless ``OR`` says otherwise. ``"…"`` is an exact phrase: its words are
matched as written (no stemming, no variants). ``NOT word`` and ``-word`` exclude; ``title:`` and
``source:`` search those fields; ``word*`` matches words starting with ``word`` and ``word~``
(or ``word~2``) words within one (two) edits. With ``exact`` the whole query is matched as
written. Without it, each word (and each two words in a row) that is a name also matches its other
spellings: those of its group in the variants list and those the index groups with it by name key
(:mod:`search_app.names`), each weighted a little below the spelling as typed.

Anything that would be slow or ambiguous is refused with a :class:`QueryError` that says what to
change: over-long queries and words, deep nesting, leading wildcards, wide fuzzy distances.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.qparser import AndGroup, FuzzyTermPlugin, PlusMinusPlugin, QueryParser, syntax
from whoosh.qparser.plugins import (
    PhrasePlugin,
    Plugin,
    PrefixPlugin,
    RangePlugin,
    WildcardPlugin,
)

from search_app.config import Settings
from search_app.engine.analysis import EXACT, STEMMED, exact_words
from search_app.engine.schema import EXACT_FIELDS, query_schema
from search_app.names.spellings import NameLookup, hamza_key

DEFAULTS = Settings()

MAX_NESTING = 20
MAX_WORD_LENGTH = 100
MAX_FUZZY_DISTANCE = 2
#: A prefix or fuzzy word matching more index words than this searches only the most frequent.
MAX_EXPANSIONS = 100
#: Words with ``*``, ``?`` or ``~`` in one query: each stands for many words.
MAX_EXPANDING_WORDS = 5

#: The fields of a passage's own text (stemmed, and words as written).
TEXT_FIELDS = ("text", "text_exact")
#: The fields of its document's title, which every passage of a document repeats.
TITLE_FIELDS = ("title", "title_exact")

#: A fuzzy word's distance as typed: Whoosh reads only its first digit.
_FUZZY_DISTANCE = re.compile(r"(?<![\s\"])~([0-9]+)")
_EXCLUSION = re.compile(r"(?:^|[\s(])(?:-\S|NOT\b)")
_PLAIN_WORDS = re.compile(r"^[\w'’ʼ‘`.\s-]+$")


class QueryError(ValueError):
    """The query cannot be searched; the message says what to change."""


def stems(text: str) -> list[str]:
    """Return the stemmed terms of ``text``, as the ``text`` field indexes them."""
    return [token.text for token in STEMMED(text)]


def exact_terms(text: str) -> list[str]:
    """Return the terms of ``text`` as written, as the ``text_exact`` field indexes them."""
    return [token.text for token in EXACT(text)]


@dataclass(frozen=True)
class ParsedQuery:
    """A query ready to run, and what the page should tell the user about it."""

    text: str
    query: wq.Query
    exact: bool = False
    #: (word as typed, the other spellings also searched)
    variants: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: the typed words when the query is nothing but plain words (for "any word" and spelling)
    plain_words: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    #: the time limit ran out while listing the words of a prefix, wildcard or fuzzy word
    partial: bool = False


#: Nodes searched in the fields with words as written even in ordinary searches: a phrase is
#: exact, and prefixes and fuzzy words must be matched against whole words, not stems
#: (``investigat*`` must find "investigation", ``prisons*`` must not find "prisoners").
_WRITTEN = (
    PhrasePlugin.PhraseNode,
    WildcardPlugin.WildcardNode,
    PrefixPlugin.PrefixNode,
    FuzzyTermPlugin.FuzzyTermNode,
)


class _ExactFieldsPlugin(Plugin):
    """Send phrases, prefixes and fuzzy words (or, in exact mode, everything) to the fields with
    words as written."""

    def __init__(self, everything: bool) -> None:
        self.everything = everything

    def filters(self, parser: QueryParser) -> list:
        return [(self.to_exact_fields, 105)]  # after field names are assigned (100)

    def to_exact_fields(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        for node in group:
            if isinstance(node, syntax.GroupNode):
                self.to_exact_fields(parser, node)
            elif node.has_fieldname and (self.everything or isinstance(node, _WRITTEN)):
                name = node.fieldname or parser.fieldname
                if name in EXACT_FIELDS:
                    node.set_fieldname(EXACT_FIELDS[name], override=True)
        return group


def _parser(exact: bool) -> QueryParser:
    parser = QueryParser(
        "text_exact" if exact else "text", query_schema(), group=AndGroup
    )  # unknown field names (doc_id:, url:) stay plain words
    parser.remove_plugin_class(RangePlugin)  # [a TO z] ranges would list the whole vocabulary
    parser.add_plugin(FuzzyTermPlugin())
    # '-' excludes only at the start of a word: "anti-human" stays one search
    parser.add_plugin(
        PlusMinusPlugin(r"(?:(?<=[\s(])|^)\+(?=[\w\"(])", r"(?:(?<=[\s(])|^)-(?=[\w\"(])")
    )
    parser.add_plugin(_ExactFieldsPlugin(everything=exact))
    return parser


_PARSERS = {False: _parser(False), True: _parser(True)}


def _check_shape(q: str, max_length: int) -> None:
    if not q:
        raise QueryError("Type one or more words to search for.")
    if len(q) > max_length:
        raise QueryError(f"The query is {len(q)} characters long; the limit is {max_length}.")
    longest = max(q.split(), key=len)
    if len(longest) > MAX_WORD_LENGTH:
        raise QueryError(
            f"A word of {len(longest)} characters is too long to search; "
            f"the limit is {MAX_WORD_LENGTH}."
        )
    depth = deepest = 0
    for char in q:
        depth = max(0, depth + (char == "(") - (char == ")"))
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QueryError(f"The query nests parentheses {deepest} deep; the limit is {MAX_NESTING}.")
    for typed in _FUZZY_DISTANCE.finditer(q):
        if int(typed.group(1)) > MAX_FUZZY_DISTANCE:
            word = q[: typed.start()].split()[-1] if q[: typed.start()].split() else ""
            raise QueryError(
                f"{word}{typed.group(0)} is too fuzzy: use ~1 or ~{MAX_FUZZY_DISTANCE}, the most "
                "allowed."
            )


_QUOTED = re.compile(r'"[^"]*"?')
_TOKENS = re.compile(r"[()]|[^\s()]+")
_BINARY = {"AND", "OR"}


def _check_operators(q: str) -> None:
    """Refuse an operator without a word on each side it joins (``Raisi OR OR Montazeri``), which
    Whoosh would silently read as something else (all the words)."""
    tokens = _TOKENS.findall(_QUOTED.sub(" phrase ", q))
    for position, token in enumerate(tokens):
        if token not in _BINARY and token != "NOT":
            continue
        before = tokens[position - 1] if position else None
        after = tokens[position + 1] if position + 1 < len(tokens) else None
        word_after = after is not None and after not in _BINARY and after != ")"
        word_before = before is not None and before not in _BINARY | {"NOT", "("}
        if token == "NOT" and not word_after:
            raise QueryError("NOT is missing a word after it: write NOT and the word to leave out.")
        if token in _BINARY and not (word_before and word_after):
            side = (
                "before and after"
                if not (word_before or word_after)
                else ("before" if not word_before else "after")
            )
            raise QueryError(
                f"{token} is missing a word {side} it: put one word (or a group in parentheses) "
                f"on each side, e.g. Raisi {token} Montazeri."
            )


def _typed(node: wq.Query, text: str) -> str:
    """Return what the user typed for a query leaf (the parser analyzed its text)."""
    start, end = getattr(node, "startchar", None), getattr(node, "endchar", None)
    return text[start:end] if start is not None and end is not None else str(node.text)


def _check_leaves(query: wq.Query, text: str) -> None:
    expanding = [n for n in query.leaves() if isinstance(n, wq.Wildcard | wq.Prefix | wq.FuzzyTerm)]
    if len(expanding) > MAX_EXPANDING_WORDS:
        raise QueryError(
            f"The query has {len(expanding)} words with *, ? or ~; the limit is "
            f"{MAX_EXPANDING_WORDS}: each of them stands for many words."
        )
    if not _has_positive(query):
        raise QueryError(
            "The query only excludes words (NOT, -word): add at least one word to find."
        )
    for node in query.leaves():
        if isinstance(node, wq.Every):
            raise QueryError("A lone * would list every passage: type at least one word.")
        if isinstance(node, wq.Wildcard | wq.Prefix) and str(node.text)[:1] in {"*", "?", ""}:
            raise QueryError(
                f"Words cannot start with a wildcard ({node.text or '*'}): "
                "put at least one letter first."
            )
        if isinstance(node, wq.FuzzyTerm) and node.maxdist > MAX_FUZZY_DISTANCE:
            typed = f"{_typed(node, text)}~{node.maxdist}"
            raise QueryError(f"{typed} is too fuzzy: use ~1 or ~{MAX_FUZZY_DISTANCE}.")


#: Weight of a spelling the search added, against 1 for the spelling as typed: all else equal,
#: a passage with the name as typed ranks first (``Raisi`` opens on the English original, not
#: on the translation matched through رئیسی).
ADDED_SPELLING_BOOST = 0.9
#: Most words in a row looked up as one spelling of the variants list (the name keys look up
#: two: ``Gohar Dasht`` = ``Gohardasht``).
MAX_NAME_WORDS = 6


def _spelling_query(spelling: str, boost: float) -> tuple[tuple[str, ...], wq.Query | None]:
    """One spelling as a query: one word by its stem, several as an exact phrase."""
    terms = tuple(stems(spelling))
    if len(terms) == 1:
        return terms, wq.Term("text", terms[0], boost=boost)
    words = exact_terms(spelling)
    return terms, (wq.Phrase("text_exact", words, boost=boost) if len(words) > 1 else None)


def hamza_elsewhere(typed: str, lookup: NameLookup) -> list[str]:
    """Return the index's words that are ``typed`` with its hamza on another letter: هیئت for
    هیأت (the index reads أ as ا, so ``typed`` keeps what the index no longer has)."""
    key = hamza_key(typed)
    if key is None or not lookup.spellings.hamza:
        return []
    keyed = exact_terms(key)  # folded as the index folds; a bare hamza stays
    if len(keyed) != 1:
        return []
    own = exact_terms(typed)
    return [word for word in lookup.spellings.hamza.get(keyed[0], ()) if word not in own]


#: A quoted phrase as typed.
_QUOTED = re.compile(r'"([^"]*)"')


def _phrases_with_hamza_elsewhere(
    node: wq.Phrase, text: str, lookup: NameLookup, used: dict[str, tuple[str, ...]]
) -> list[wq.Query]:
    """Return ``node`` with each of its words that the index writes with the hamza on another
    letter replaced by that word, one word at a time (what was added goes into ``used``)."""
    for quoted in _QUOTED.findall(text):  # the parser does not say where a phrase stands
        words = exact_words(quoted)
        if [word for word, _start, _end in words] == list(node.words):
            break
    else:
        return []
    phrases: list[wq.Query] = []
    for number, (_word, start, end) in enumerate(words):
        typed = quoted[start:end]
        others = hamza_elsewhere(typed, lookup)
        if others:
            used[typed] = tuple(others)
        for other in others:
            replaced = [*node.words[:number], other, *node.words[number + 1 :]]
            boost = node.boost * ADDED_SPELLING_BOOST
            phrases.append(wq.Phrase(node.fieldname, replaced, slop=node.slop, boost=boost))
    return phrases


def _expand_variants(
    query: wq.Query, text: str, lookup: NameLookup
) -> tuple[wq.Query, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Add every other spelling of each word, and of words in a row, to the query; and the
    index's spellings with the hamza on another letter, of words and of phrases' words."""
    used: dict[str, tuple[str, ...]] = {}

    def alternatives(typed: str, analyzed: tuple[str, ...], keys: bool = True) -> list[wq.Query]:
        queries: dict[tuple[str, ...], wq.Query] = {}
        shown: list[str] = []
        spellings = lookup.others(typed, " ".join(analyzed), keys=keys)
        for spelling in [*spellings, *hamza_elsewhere(typed, lookup)]:
            terms, node = _spelling_query(spelling, ADDED_SPELLING_BOOST)
            if node is not None and terms != analyzed and terms not in queries:
                queries[terms] = node
                shown.append(spelling)
        if shown:
            used[typed] = tuple(shown)
        return list(queries.values())

    def is_word(node: wq.Query) -> bool:
        return isinstance(node, wq.Term) and node.fieldname == "text"

    def expand(node: wq.Query) -> wq.Query:
        if is_word(node):
            others = alternatives(_typed(node, text), (node.text,))
            return wq.Or([node, *others]) if others else node
        if isinstance(node, wq.Phrase) and node.fieldname == "text_exact":
            phrases = _phrases_with_hamza_elsewhere(node, text, lookup, used)
            return wq.Or([node, *phrases]) if phrases else node
        if not isinstance(node, wq.And):
            return node.apply(expand) if not node.is_leaf() else node
        children = list(node.children())
        result: list[wq.Query] = []
        i = 0
        while i < len(children):
            for width in range(min(MAX_NAME_WORDS, len(children) - i), 1, -1):
                run = children[i : i + width]
                if not all(is_word(c) and c.endchar is not None for c in run):
                    continue
                typed = text[run[0].startchar : run[-1].endchar]
                others = alternatives(typed, tuple(c.text for c in run), keys=width == 2)
                if others:
                    result.append(wq.Or([wq.And([expand(c) for c in run]), *others]))
                    i += width
                    break
            else:
                result.append(expand(children[i]))
                i += 1
        return wq.And(result)

    return expand(query), tuple(used.items())


def _has_positive(query: wq.Query) -> bool:
    """Tell whether a query asks for something, rather than only excluding."""
    if isinstance(query, wq.Not):
        return False
    if isinstance(query, wq.AndNot):
        return _has_positive(query.a)
    if query.is_leaf():
        return True
    return any(_has_positive(child) for child in query.children())


def _positive_terms(query: wq.Query) -> Iterator[wq.Term | wq.Phrase]:
    """Yield the words and phrases a query asks for, leaving out what it excludes (NOT, -word)."""
    if isinstance(query, wq.Not):
        return
    if isinstance(query, wq.AndNot):
        yield from _positive_terms(query.a)
        return
    if isinstance(query, wq.Term | wq.Phrase):
        yield query
        return
    for child in query.children():
        yield from _positive_terms(child)


def query_words(query: wq.Query) -> dict[tuple[str, str], float]:
    """Return the words a query asks for in the passage text and the title, as (field, term) ->
    boost: plain words, expansions, phrase words and the title's weighted words, leaving out
    what it excludes and other fields."""
    words: dict[tuple[str, str], float] = {}
    for node in _positive_terms(query):
        if node.fieldname not in TEXT_FIELDS + TITLE_FIELDS:
            continue
        texts = node.words if isinstance(node, wq.Phrase) else [node.text]
        for text in texts:
            key = (node.fieldname, text)
            words[key] = max(words.get(key, 0.0), node.boost)
    return words


def _with_title_boost(query: wq.Query, title_field: str, weight: float) -> wq.Query:
    terms = _positive_terms(query)
    words = {t.text for t in terms if isinstance(t, wq.Term) and t.fieldname in TEXT_FIELDS}
    if not words or weight <= 0:
        return query
    boost = wq.Or([wq.Term(title_field, word, boost=weight) for word in sorted(words)])
    return wq.AndMaybe(query, boost)


def parse(
    text: str,
    *,
    exact: bool = False,
    variants: NameLookup | None = None,
    max_length: int = 500,
    title_boost: float = DEFAULTS.title_boost,
) -> ParsedQuery:
    """Parse what the user typed.

    ``variants`` gives the other spellings of names (the list's and the index's own groups);
    ``title_boost`` weighs the query's words in a passage's document title (ranking only).

    :raises QueryError: for an empty, over-long, too deeply nested or too costly query.
    """
    text = text.strip()
    _check_shape(text, max_length)
    _check_operators(text)
    try:
        query = _PARSERS[exact].parse(text)
    except Exception as error:  # Whoosh's parser raises bare Exceptions on some input
        raise QueryError(f"The query cannot be read: {error}") from None
    if (query is wq.NullQuery or not list(query.leaves())) and _EXCLUSION.search(text):
        raise QueryError(
            "The query only excludes words (NOT, -word): add at least one word to find."
        )
    if query is wq.NullQuery or not list(query.leaves()):
        raise QueryError(
            "The query has no words that can be searched: common words such as 'the' or 'of' "
            "are skipped unless quoted."
        )
    _check_leaves(query, text)
    plain = isinstance(query, wq.Term | wq.And) and bool(_PLAIN_WORDS.match(text))
    used: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if variants and not exact:
        query, used = _expand_variants(query, text, variants)
    query = _with_title_boost(query, "title_exact" if exact else "title", title_boost)
    return ParsedQuery(
        text=text,
        query=query,
        exact=exact,
        variants=used,
        plain_words=tuple(text.split()) if plain else (),
    )
