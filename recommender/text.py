"""Text handling: tokenising and the analysers (input is plain text; callers convert HTML first).

The analysers are small picklable classes (not closures) so that a fitted
index can be saved with joblib.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from recommender.synonyms import SYNONYMS

LABEL_SEPARATOR = "\x1f"
#: scikit-learn's token pattern ``(?u)\b\w\w+\b`` without its ``\b``: a greedy ``\w\w+`` found left to right
#: only ever matches a whole run of word characters, so the tokens are the same, a quarter faster to find
_TOKEN_RE = re.compile(r"\w\w+")


def fold(word: str) -> str:
    """Light, predictable suffix folding (an S-stemmer, after Harman 1991).

    Only plural endings are folded: "allergies" -> "allergy", "infections" ->
    "infection".  Words ending in -is/-us/-ss/-ys (arthritis, virus, illness)
    are left alone; aggressive stemming merges unrelated medical words.
    """
    cached = _FOLD_CACHE.get(word)
    if cached is None:
        cached = _fold(word)
        if len(_FOLD_CACHE) < 1_000_000:
            _FOLD_CACHE[word] = cached
            if cached != word:
                shortest = _SHORTEST_FOLDED.get(cached)
                if shortest is None or (len(word), word) < (len(shortest), shortest):
                    _SHORTEST_FOLDED[cached] = word
    return cached


_FOLD_CACHE: dict[str, str] = {}
#: folded word -> the shortest (then first alphabetically) other word of ``_FOLD_CACHE`` that folds to it;
#: folded words in the order in which the first word folding to each was cached
_SHORTEST_FOLDED: dict[str, str] = {}


def _fold(word: str) -> str:
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("is", "us", "ss", "ys")):
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    return word[:-1]


def _phrase_table(synonyms: dict[str, str]) -> dict[str, list[tuple[tuple[str, ...], list[str]]]]:
    table: dict[str, list] = {}
    for phrase, canonical in synonyms.items():
        words = tuple(_TOKEN_RE.findall(phrase))
        table.setdefault(words[0], []).append((words, _TOKEN_RE.findall(canonical)))
    for entries in table.values():
        entries.sort(key=lambda e: -len(e[0]))  # longest phrase first
    return table


_PHRASES = _phrase_table(SYNONYMS)


def replace_phrases(tokens: list[str]) -> list[str]:
    """Rewrite every known variant (see :mod:`recommender.synonyms`) to its
    canonical form, longest phrase first."""
    if _PHRASES.keys().isdisjoint(tokens):
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for words, canonical in _PHRASES.get(tokens[i], ()):
            if tuple(tokens[i : i + len(words)]) == words:
                out.extend(canonical)
                i += len(words)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


#: scikit-learn's English stop words, less those that name a body part or a medical idea
#: ("back pain", "side effects", "blood thinners", "thick skin"); the rest carry no topic.
STOP_WORDS = ENGLISH_STOP_WORDS - {"back", "side", "thin", "thick"}


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens as every analyser sees them (no synonyms, stop words kept)."""
    return _TOKEN_RE.findall(text.lower())


class _WordCache(dict[str, str]):
    """Raw token -> what :func:`words` keeps of it with folding on: the folded word, or "" (a stop word or a
    number). A miss is worked out in Python once; every hit is a lookup in C."""

    def __missing__(self, token: str) -> str:
        word = "" if token in STOP_WORDS or token.isdigit() else fold(token)
        if len(self) < 1_000_000:
            self[token] = word
        return word


_WORD_CACHE = _WordCache()


def words(text: str, synonyms: bool = True, folding: bool = True) -> list[str]:
    """Lower-cased tokens, synonyms made canonical, stop words and bare
    numbers dropped, plurals folded."""
    tokens = _TOKEN_RE.findall(text.lower())
    if synonyms:
        tokens = replace_phrases(tokens)
    if not folding:
        return [t for t in tokens if t not in STOP_WORDS and not t.isdigit()]
    # One dict lookup per token in C (map, filter) instead of a set test, a digit test and a fold lookup
    # in Python: tokenising is most of a fit's time.
    return list(filter(None, map(_WORD_CACHE.__getitem__, tokens)))


class TermIds:
    """Numbers a fit's raw tokens (lower-cased, synonyms made canonical; stop words, numbers and plurals left
    as they are) and turns the numbers into ids in ``terms`` of the words :func:`words` keeps of them (-1
    where it keeps none); ``terms`` hands out the next id to an unseen word.

    Each token costs one C-level lookup (its number) and one array lookup (its term id); a number is turned
    into a word and a term, by ``map`` in C, the first time it is counted. The first words of the synonym
    phrases are numbered first, so a text that holds none of them (a number below theirs) is known to have
    no phrase to rewrite without a set test per token.
    """

    def __init__(self, terms: dict[str, int]) -> None:
        self.terms = terms
        self.numbers: defaultdict[str, int] = defaultdict()
        self.numbers.default_factory = self.numbers.__len__
        for word in _PHRASES:
            self.numbers[word]
        self._phrase_starts = len(self.numbers)
        self._table = np.zeros(0, dtype=np.int32)

    def numbered(self, texts: Sequence[str], synonyms: bool) -> tuple[np.ndarray, np.ndarray]:
        """The numbers of each text's raw tokens, one after another, and each text's count of them."""
        number = self.numbers.__getitem__
        token_lists = [_TOKEN_RE.findall(text.lower()) for text in texts]
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
        numbers = np.fromiter(map(number, chain.from_iterable(token_lists)), dtype=np.int32, count=lengths.sum())
        if not synonyms:
            return numbers, lengths
        owner = np.repeat(np.arange(len(token_lists)), lengths)
        with_phrases = np.unique(owner[numbers < self._phrase_starts]).tolist()
        if with_phrases:
            parts = np.split(numbers, np.cumsum(lengths)[:-1])
            for i in with_phrases:
                tokens = replace_phrases(token_lists[i])
                parts[i] = np.fromiter(map(number, tokens), dtype=np.int32, count=len(tokens))
                lengths[i] = len(tokens)
            numbers = np.concatenate(parts)
        return numbers, lengths

    def ids(self, numbers: np.ndarray) -> np.ndarray:
        """The term id (or -1) of each raw token number."""
        unseen = -2
        if len(self.numbers) > len(self._table):
            grown = np.full(len(self.numbers) - len(self._table), unseen, dtype=np.int32)
            self._table = np.concatenate([self._table, grown])
        ids = self._table[numbers]
        counted = np.zeros(len(self._table), dtype=bool)
        counted[numbers[ids == unseen]] = True
        first = np.flatnonzero(counted).tolist()
        if first:
            tokens = list(self.numbers)
            kept = list(map(_WORD_CACHE.__getitem__, map(tokens.__getitem__, first)))
            has_word = np.fromiter(map(bool, kept), dtype=bool, count=len(kept))
            table = np.full(len(kept), -1, dtype=np.int32)
            table[has_word] = np.fromiter(
                map(self.terms.__getitem__, filter(None, kept)), dtype=np.int32, count=int(has_word.sum())
            )
            self._table[first] = table
            ids = self._table[numbers]
        return ids


def ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    """Word n-grams joined by a space, as scikit-learn builds them."""
    low, high = ngram_range
    out = list(tokens) if low == 1 else []
    for n in range(max(2, low), high + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


class TextAnalyzer:
    """Analyser for prose fields: synonyms, tokens, stop words, folding, n-grams."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 1), synonyms: bool = True, folding: bool = True) -> None:
        self.ngram_range: tuple[int, int] = (ngram_range[0], ngram_range[1])
        self.synonyms = synonyms
        self.folding = folding

    def __call__(self, text: str) -> list[str]:
        return ngrams(words(text, self.synonyms, self.folding), self.ngram_range)

    @property
    def unigram_ids(self) -> bool:
        """Whether a fit may count raw tokens through :class:`TermIds` (unigrams of folded words)."""
        return self.folding and self.ngram_range == (1, 1)


class LabelAnalyzer:
    """Analyser for tags and categories.

    Each label yields one whole-label feature (``"=diabetes mellitus"``) so an
    exact shared label counts strongly, plus its folded words so
    "Diabetes Mellitus, Type 2" still overlaps "Diabetes Mellitus".
    Labels arrive joined by :data:`LABEL_SEPARATOR`.
    """

    def __init__(self, words: bool = True) -> None:
        self.words = words

    def __call__(self, joined: str) -> list[str]:
        out: list[str] = []
        for label in joined.split(LABEL_SEPARATOR):
            out.extend(self.label_features(label))
        return out

    def label_features(self, label: str) -> list[str]:
        """The features of one label: its whole-label feature, then its words (none for a label without any)."""
        tokens = words(label)
        if not tokens:
            return []
        return ["=" + " ".join(tokens), *tokens] if self.words else ["=" + " ".join(tokens)]

    def analyse_all(self, texts: Iterable[str]) -> list[list[str]]:
        """What calling the analyser on each text gives, each distinct label analysed once."""
        features = _LabelFeatures(self)
        lookup = features.__getitem__
        return [list(chain.from_iterable(map(lookup, joined.split(LABEL_SEPARATOR)))) for joined in texts]


class _LabelFeatures(dict[str, list[str]]):
    """Label -> :meth:`LabelAnalyzer.label_features`, worked out on a miss; a hit is a lookup in C."""

    def __init__(self, analyzer: LabelAnalyzer) -> None:
        super().__init__()
        self.analyzer = analyzer

    def __missing__(self, label: str) -> list[str]:
        features = self[label] = self.analyzer.label_features(label)
        return features


def join_labels(labels: Iterable[str]) -> str:
    """Join labels for :class:`LabelAnalyzer`."""
    return LABEL_SEPARATOR.join(labels)
