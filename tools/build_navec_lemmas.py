"""Build ``scoring/resources/navec_lemmas.tar``: the content-word lemmas of navec's news
embeddings (natasha's ``navec_news_v1_1B_250K_300d_100q``, MIT licence), in navec's own format.

callqa looks vectors up by lemma only (pymorphy3 normal forms, ё folded to е), and only for
content words (:data:`scoring.examples.CONTENT_POS`), so the 250K word forms shrink to the
lemmas that can ever be asked for. The archive ships inside the callqa wheel; nothing is
downloaded at run time. Rebuild (once, with network) from the natasha wheel:

    pip download natasha==1.6.0 --no-deps -d /tmp/natasha
    unzip -o /tmp/natasha/natasha-1.6.0-py3-none-any.whl 'natasha/data/emb/*' -d /tmp/natasha
    python tools/build_navec_lemmas.py /tmp/natasha/natasha/data/emb/navec_news_v1_1B_250K_300d_100q.tar
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from navec import Navec  # noqa: E402
from navec.vocab import Vocab  # noqa: E402

from scoring import examples, text  # noqa: E402

CYRILLIC = re.compile(r"^[а-яё]+(-[а-яё]+)?$")


def main(src: str) -> None:
    full = Navec.load(src)
    best: dict[str, tuple[int, str]] = {}  # folded lemma -> (count, navec word)
    for word, count in zip(full.vocab.words, full.vocab.counts, strict=True):
        if not CYRILLIC.match(word):
            continue
        folded = word.replace("ё", "е")
        if text.lemma(word) != folded or not examples.is_content_lemma(folded):
            continue
        if folded not in best or count > best[folded][0]:
            best[folded] = (count, word)
    keys = sorted(best)
    sub = full.sampled([best[k][1] for k in keys])
    sub.vocab = Vocab(keys, [best[k][0] for k in keys])
    out = examples.NAVEC_PATH
    sub.dump(str(out))
    print(f"{len(keys)} lemmas of {len(full.vocab.words)} words -> {out} "
          f"({Path(str(out)).stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv[1])
