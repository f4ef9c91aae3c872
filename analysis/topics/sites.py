"""Named sites learned from the period's own messages, then found wherever they are mentioned.

A compound is named with its suffix in one message (保利西海岸小区, 恒基凯旋门三期) and without it in
the next (保利西海岸配套幼儿园迟迟不开园); jieba cannot tell the second is a place. Every site name
rebuilt in any message of the period is therefore looked for in all of them (Aho–Corasick over the
title and the opening of the body, one pass per message), so the second message names the site too
and the "two sites, two issues" rule can apply to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import ahocorasick

from analysis.messages import Message
from analysis.topics.terms import BODY_CHARS, Terms, core, site_key

# A shorter name is too often part of an unrelated word to be looked for on its own.
MIN_LOOKUP_CHARS = 3
_SPACE = re.compile(r"\s+")


def _lookup_names(node_terms: Sequence[Terms]) -> dict[str, str]:
    """Name as written (core, or the site key itself) → site key, for every site in the period."""
    names: dict[str, str] = {}
    for terms in node_terms:
        for place in terms.places:
            key = site_key(place)
            if not key:
                continue
            for name in (core(place), key):
                if len(name) >= MIN_LOOKUP_CHARS:
                    names.setdefault(name, key)
    return names


def with_named_sites(
    node_terms: Sequence[Terms], messages: Sequence[Message]
) -> tuple[list[Terms], list[set[str]]]:
    """Each message's terms with the period's site names it mentions added, and its site keys."""
    names = _lookup_names(node_terms)
    sites = [{k for p in t.places if (k := site_key(p))} for t in node_terms]
    if not names:
        return list(node_terms), sites
    automaton = ahocorasick.Automaton()
    for name, key in names.items():
        automaton.add_word(name, (name, key))
    automaton.make_automaton()
    out: list[Terms] = []
    for terms, message, keys in zip(node_terms, messages, sites, strict=True):
        text = _SPACE.sub("", message.title) + "\n" + _SPACE.sub("", message.body)[:BODY_CHARS]
        found = {hit for _end, hit in automaton.iter(text)}
        written = "".join(terms.places)
        extra = sorted({name for name, _key in found if name not in written})
        keys.update(key for _name, key in found)
        out.append(replace(terms, places=terms.places + extra) if extra else terms)
    return out, sites


# A trigram followed by this many different names is a developer's brand or a district
# (碧桂园南城首府, 碧桂园天玺湾, 碧桂园中央花园 …), not a site.
BRAND_NAMES = 3


def brand_grams(sites: Sequence[set[str]]) -> set[str]:
    """Trigrams (and two-character names) that begin many different site names: they say whose or
    where, not which site.

    Only what follows counts: a brand or district comes first in a name; what precedes a name is
    often a stray word the segmenter glued on (在丽发, 到丽发), which must not make 丽发 a brand.
    """
    followers: dict[str, set[str]] = {}
    for keys in sites:
        for key in keys:
            for size in (2, 3):
                for i in range(len(key) - size):
                    followers.setdefault(key[i : i + size], set()).add(key[i + size :])
    return {gram for gram, after in followers.items() if len(after) >= BRAND_NAMES}
