"""Lexicon sentiment for French and Italian: VADER's rules with each language's words.

VADER (``vaderSentiment``) scores English. For French and Italian the toolkit uses the same
rule set - a valence per word or short phrase, degree adverbs that boost or damp the next
sentiment word, negation within the three preceding words (one flip, x -0.74), a contrast word
("mais", "ma", "però") that halves what comes before and boosts what follows (x1.5), emphasis from
"!", and VADER's normalisation ``s / sqrt(s**2 + 15)`` - with each language's lexicon:

* French: the lexicon of ``vaderSentiment-fr`` (package ``vadersentiment-fr``, MIT, about 9,100
  entries, a French adaptation of VADER's), overlaid by ``lexicons/fr_service.tsv`` (customer-
  service words and phrases it misses or scores the other way: "toujours pas", "injoignable",
  "impeccable", ...).
* Italian: ``lexicons/it.tsv``, written for this toolkit (no Italian lexicon that installs offline
  fits: see ``docs/languages.md``).

The lexicon files are plain text a linguist can edit without touching code. Accuracy of the sign
on the labelled sets in ``tests/data/`` is in ``docs/languages.md``.

Examples
--------
>>> italian_analyzer().polarity_scores("Servizio pessimo, sono molto deluso")["compound"] < -0.5
True
>>> french_analyzer().polarity_scores("Merci, problème réglé !")["compound"] > 0.5
True
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from importlib import resources
from pathlib import Path

__all__ = ["LexiconAnalyzer", "french_analyzer", "italian_analyzer", "read_lexicon"]

_B_INCR = 0.293
_N_SCALAR = -0.74
_LEXICONS = Path(__file__).with_name("lexicons")
_TOKEN = re.compile(r"[^\W_]+|[\U0001F300-\U0001FAFF\u2600-\u27BF]\uFE0F?|[.,;:!?()]", re.UNICODE)
_BREAK = frozenset(".,;:!?()")


def _fold(word: str) -> str:
    """Lower case without accents, so "déçu" and "decu" are one key."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tokens(text: str) -> list[str]:
    return [_fold(t) for t in _TOKEN.findall(text.replace("’", "'"))]


def read_lexicon(path: str | Path) -> dict[str, float]:
    """Read a lexicon file: ``forms<TAB>valence`` lines, forms comma-separated; ``#`` comments.

    Keys are folded (lower case, no accents) and phrases are joined by single spaces.

    Examples
    --------
    >>> lexicon = read_lexicon(_LEXICONS / "it.tsv")
    >>> lexicon["pessima"], lexicon["grazie mille"]
    (-3.0, 1.6)
    """
    out: dict[str, float] = {}
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        forms, _, valence = line.rpartition("\t")
        for form in forms.split(","):
            key = " ".join(t for t in _tokens(form) if t not in _BREAK)
            if key:
                out[key] = float(valence)
    return out


class LexiconAnalyzer:
    """VADER's rules with a given language's lexicon, negations, degree adverbs and contrast words.

    Parameters
    ----------
    lexicon
        Folded word or phrase (up to 3 words) -> valence on VADER's -4..+4 scale.
    negations
        Words that flip the valence of a sentiment word up to three words after them.
    boosters
        Degree adverbs -> +0.293 (boost) or -0.293 (damp), applied to the next sentiment words.
    contrasts
        "but"-words: valences before them count half, after them 1.5 times.

    Examples
    --------
    >>> a = LexiconAnalyzer({"bon": 1.9}, negations={"pas"}, boosters={"tres": 0.293})
    >>> a.polarity_scores("très bon")["compound"] > a.polarity_scores("bon")["compound"] > 0
    True
    >>> a.polarity_scores("pas bon")["compound"] < 0
    True
    """

    def __init__(
        self,
        lexicon: dict[str, float],
        *,
        negations: set[str] | frozenset[str] = frozenset(),
        boosters: dict[str, float] | None = None,
        contrasts: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.lexicon = lexicon
        self.negations = frozenset(_fold(w) for w in negations)
        self.boosters = {_fold(k): v for k, v in (boosters or {}).items()}
        self.contrasts = frozenset(_fold(w) for w in contrasts)

    def _valences(self, words: list[str]) -> list[float]:
        valences = [0.0] * len(words)
        i = 0
        while i < len(words):
            for size in (3, 2, 1):
                phrase = " ".join(words[i : i + size])
                if len(words) - i >= size and phrase in self.lexicon and words[i] not in _BREAK:
                    break
            else:
                i += 1
                continue
            valence = self.lexicon[phrase]
            window = words[max(0, i - 3) : i]
            if any(w in _BREAK for w in window):  # negation and degree stop at punctuation
                window = window[max(j for j, w in enumerate(window) if w in _BREAK) + 1 :]
            for distance, word in enumerate(reversed(window)):
                boost = self.boosters.get(word, 0.0) * (1.0, 0.95, 0.9)[distance]
                valence += boost if valence > 0 else -boost
            if any(w in self.negations for w in window) and not any(
                w in self.negations for w in phrase.split()
            ):
                valence *= _N_SCALAR
            valences[i] = valence
            i += size
        for i, word in enumerate(words):
            if word in self.contrasts:
                valences = [v * 0.5 for v in valences[:i]] + [v * 1.5 for v in valences[i:]]
                break
        return valences

    def polarity_scores(self, text: str) -> dict[str, float]:
        """``{"compound": score}`` with score in [-1, 1], as VADER's ``polarity_scores``."""
        total = sum(self._valences(_tokens(text)))
        if total:
            total += math.copysign(min(text.count("!"), 4) * 0.292, total)
        compound = total / math.sqrt(total * total + 15)
        return {"compound": round(max(-1.0, min(1.0, compound)), 4)}


_FR_NEGATIONS = {"ne", "n", "pas", "jamais", "plus", "rien", "aucun", "aucune", "sans", "ni", "personne"}
_FR_BOOSTERS = {
    **dict.fromkeys(
        ["tres", "trop", "vraiment", "tellement", "totalement", "completement", "absolument",
         "extremement", "hyper", "super", "vachement", "carrement", "beaucoup", "si", "grave",
         "franchement", "particulierement", "encore"],
        _B_INCR,
    ),
    **dict.fromkeys(["assez", "plutot", "peu", "legerement", "presque", "un peu"], -_B_INCR),
}
_IT_NEGATIONS = {"non", "mai", "nessuno", "nessuna", "nessun", "niente", "nulla", "senza", "neanche", "nemmeno"}
_IT_BOOSTERS = {
    **dict.fromkeys(
        ["molto", "troppo", "davvero", "veramente", "proprio", "tanto", "tantissimo", "assolutamente",
         "estremamente", "super", "totalmente", "completamente", "cosi", "sempre", "decisamente",
         "vivamente", "ancora"],
        _B_INCR,
    ),
    **dict.fromkeys(["abbastanza", "poco", "piuttosto", "quasi", "leggermente"], -_B_INCR),
}


@functools.cache
def french_analyzer() -> LexiconAnalyzer:
    """The French analyser: ``vaderSentiment-fr``'s lexicon plus ``lexicons/fr_service.tsv``."""
    base = resources.files("vaderSentiment_fr").joinpath("fr_lexicon.txt").read_text(encoding="utf-8")
    lexicon: dict[str, float] = {}
    for line in base.splitlines():
        word, sep, valence = line.strip().partition("->")
        key = " ".join(_tokens(word))
        if sep and key:
            lexicon[key] = float(valence.split("->")[0])
    lexicon.update(read_lexicon(_LEXICONS / "fr_service.tsv"))
    return LexiconAnalyzer(
        lexicon, negations=_FR_NEGATIONS, boosters=_FR_BOOSTERS, contrasts={"mais", "pourtant", "cependant"}
    )


@functools.cache
def italian_analyzer() -> LexiconAnalyzer:
    """The Italian analyser: ``lexicons/it.tsv``."""
    return LexiconAnalyzer(
        read_lexicon(_LEXICONS / "it.tsv"),
        negations=_IT_NEGATIONS,
        boosters=_IT_BOOSTERS,
        contrasts={"ma", "pero", "tuttavia", "eppure"},
    )
