"""callqa scoring stage: Russian text layer, rubric, criteria with evidence, objections,
conversation metrics, per-manager aggregates.

Public entries: :func:`prepare_transcript` (fill lemmas once), :class:`Scorer` (``score``
a call, ``rubric_versions`` to register), :func:`score_call`, :func:`load_rubric`,
:func:`wilson`.
"""

from core.stats import wilson
from scoring.rubric import Rubric, check_rubric, load_rubric
from scoring.scorer import Scorer, score_call
from scoring.text import lemmatize, prepare_transcript

__all__ = [
    "Rubric", "Scorer", "check_rubric", "lemmatize", "load_rubric", "prepare_transcript",
    "score_call", "wilson",
]
