"""One-letter ASR slips: a text lemma within a small Damerau-Levenshtein distance of a phrase
word counts as that word («дарогавато» for «дороговато»).

Phrase words of 6+ letters are registered when a phrase is built (:meth:`Phrase.of`), with
their delete-neighbourhood (symmetric delete, as in SymSpell): a text word is then checked by
looking up its own deletions, never by comparing it with every phrase word. Results are
memoised per text word, so a re-scoring run pays for each distinct word once.

Distance 1 for words of 6–8 letters, 2 for 9+; shorter words, numbers and `none` lists are
never fuzzy. A text word that is itself a dictionary word (pymorphy3 knows it: «остановить»
next to «установить») is a different word, not a slip, and is not matched.
"""

from __future__ import annotations

from itertools import combinations

MIN_LEN = 6  # phrase words shorter than this are never matched approximately
LONG_LEN = 9  # from this length on, two edits are allowed
MEMO_MAX = 200_000

_spellings: dict[str, str] = {}  # registered spelling (lemma or surface form) → phrase lemma
_deletes: dict[str, set[str]] = {}  # a spelling with letters deleted → spellings
_memo: dict[str, tuple[str, ...]] = {}
GENERATION = [0]  # bumped whenever a spelling is registered (cached segment variants go stale)


def max_distance(word: str) -> int:
    n = len(word)
    return 2 if n >= LONG_LEN else 1 if n >= MIN_LEN else 0


def register(spelling: str, lemma: str) -> None:
    """Let text words close to ``spelling`` read as ``lemma``."""
    d = max_distance(spelling)
    if not d or spelling in _spellings or not spelling.isalpha():
        return
    _spellings[spelling] = lemma
    for variant in _deletions(spelling, d):
        _deletes.setdefault(variant, set()).add(spelling)
    _memo.clear()
    GENERATION[0] += 1


def variants(word: str) -> tuple[str, ...]:
    """Phrase lemmas (other than ``word`` itself) that ``word`` may be a one-letter slip of."""
    found = _memo.get(word)
    if found is None:
        if len(_memo) >= MEMO_MAX:
            _memo.clear()
        found = _memo[word] = _lookup(word)
    return found


def distance(a: str, b: str) -> int:
    """Optimal-string-alignment (restricted Damerau-Levenshtein) distance."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _deletions(word: str, d: int) -> set[str]:
    out = {word}
    for k in range(1, min(d, len(word) - 1) + 1):
        for drop in combinations(range(len(word)), k):
            out.add("".join(ch for i, ch in enumerate(word) if i not in drop))
    return out


def _lookup(word: str) -> tuple[str, ...]:
    if len(word) < MIN_LEN - 1 or not word.isalpha() or not _spellings:
        return ()
    candidates: set[str] = set()
    for variant in _deletions(word, 2 if len(word) >= LONG_LEN - 2 else 1):
        candidates.update(_deletes.get(variant, ()))
    lemmas = sorted({
        _spellings[s] for s in candidates
        if _spellings[s] != word and distance(word, s) <= max_distance(s)
    })
    if lemmas and _known(word):
        return ()
    return tuple(lemmas)


def _known(word: str) -> bool:
    from scoring.text import morph

    return bool(morph().word_is_known(word))
