"""Evaluate rubric criteria on one call: verdict, points, evidence, confidence, Russian reason.

A criterion looks at the segments of its speaker inside its window. It is ``insufficient``
(not failed) when that speaker said too little there, when the speaker's channel is missing,
or when most of the words there were recognised with low confidence and nothing was found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from core.types import CallMeta, CallMetrics, CriterionResult, Evidence, ObjectionResult
from scoring import detectors, examples
from scoring.linear import FastLinear, turn_doc
from scoring.matcher import FUZZY_CONFIDENCE, Hit, SegmentWords, find, find_all_distinct, find_any
from scoring.metrics import count_questions
from scoring.rubric import SURFACE, Criterion, Rubric, Window

LOW_CONFIDENCE_SHARE = 0.5
# How sure each kind of evidence is (docs/scoring.md «Confidence and abstention"). A fail by
# absence («не найдено») is weaker than a fail by a violation found in the text; a verdict on a
# metric at its threshold, or resting on an objection whose handling the model barely decided,
# is weaker still. Low-ASR-confidence words and one-letter slips lower every kind.
CONF_PHRASE = 0.9  # a rubric phrase found
CONF_ONE_WORD = 0.7  # a single one-word phrase («качество», «удобно»): often incidental
CONF_SURFACE_VIOLATION = 0.95  # a `none` word form found in the speaker's own turn
CONF_NO_VIOLATION = 0.85  # nothing forbidden in enough words
# × for a violation that is one word of speech recognised from audio: Whisper writes a word it
# half heard as the nearest common one («блок» → «блин»), so such a fatal fail waits for the РОП
# (below the scorer's FATAL_CONFIDENCE) instead of zeroing the call; a phrase of several words
# is not made up that way.
HEARD_ONE_WORD = 0.9
CONF_METRIC = 0.8  # a metric condition holds / fails clearly
CONF_ABSENCE = 0.7  # nothing found (no phrase, no detector)
# A rubric `classifier:` (a turn classifier shipped with callqa, e.g. value statements): a turn
# it reads as the thing with this probability passes the criterion alone; a pass by phrases
# needs at least CLASSIFIER_CONFIRM from some turn («качество», «удобно» said in passing is no
# value presentation). Chosen on eval-dev and the demo split (docs/scoring.md).
CLASSIFIER_PASS = 0.8
CLASSIFIER_CONFIRM = 0.7
CLASSIFIER_MIN_WORDS = 6
BORDERLINE = 0.75  # × when a metric is one step from its threshold
NEAR_MISS = 0.85  # × when part of what is needed was found (some `all` groups, fewer `any` hits)
HANDLED = ("value", "question")
SPEAKER_RU = {"manager": "менеджера", "client": "клиента", "any": "собеседников"}


@dataclass(frozen=True, slots=True)
class CallContext:
    """What criteria may look at: segments (sorted, with lemmas), metadata, metrics, objections."""

    words: tuple[SegmentWords, ...]
    meta: CallMeta
    metrics: CallMetrics
    objections: tuple[ObjectionResult, ...]
    channels: int
    known_names: tuple[tuple[str, ...], ...] = ()  # company vocabulary names, as lemma sequences
    example_similarity: float = examples.DEFAULT_SIMILARITY  # scoring.example_similarity
    classifiers: Mapping[str, FastLinear] = field(default_factory=dict)  # rubric `classifier:` name → model

    def of_speaker(self, speaker: str) -> list[SegmentWords]:
        if speaker == "any":
            return [w for w in self.words if w.words]
        return [w for w in self.words if w.segment.speaker == speaker and w.words]


def evaluate(rubric: Rubric, ctx: CallContext, corrections=None) -> tuple[CriterionResult, ...]:
    """Every criterion's verdict; where ``corrections`` (a :class:`scoring.corrections.
    CorrectionModels`) holds a model for a criterion, its probability replaces the rule verdict."""
    if corrections is None or not corrections.models:
        return tuple(evaluate_criterion(c, ctx) for c in rubric.criteria)
    out = []
    for c in rubric.criteria:
        result, trace = evaluate_traced(c, ctx)
        if trace is not None and c.id in corrections.models:
            result = corrections.adjust(c, result, trace)
        out.append(result)
    return tuple(out)


def not_applicable_all(rubric: Rubric, reason: str) -> tuple[CriterionResult, ...]:
    return tuple(result_of(c, "not_applicable", reason) for c in rubric.criteria)


def insufficient_all(rubric: Rubric, reason: str) -> tuple[CriterionResult, ...]:
    return tuple(result_of(c, "insufficient", reason, confidence=0.0) for c in rubric.criteria)


def abstain_below(results: tuple[CriterionResult, ...], min_confidence: float) -> tuple[CriterionResult, ...]:
    """A pass/fail verdict less sure than ``min_confidence`` becomes ``insufficient`` (the
    РОП's queue, not counted in the score); the machine's guess stays in the reason."""
    if min_confidence <= 0:
        return results
    return tuple(_abstained(r) if r.verdict in ("pass", "fail") and r.confidence < min_confidence else r
                 for r in results)


def _abstained(r: CriterionResult) -> CriterionResult:
    guess = "выполнено" if r.verdict == "pass" else "не выполнено"
    reason = f"Недостаточно данных: {r.reason} (предположение машины: {guess}, уверенность {r.confidence:.2f})"
    return replace(r, verdict="insufficient", points=0.0, max_points=0.0, reason=reason)


def evaluate_criterion(c: Criterion, ctx: CallContext) -> CriterionResult:
    return evaluate_traced(c, ctx)[0]


@dataclass(frozen=True, slots=True)
class Trace:
    """What a pass/fail verdict rested on: the features of a correction model."""

    segments: tuple[SegmentWords, ...]  # the speaker's turns inside the window
    outcome: _Outcome
    low_share: float
    ctx: CallContext


def evaluate_traced(c: Criterion, ctx: CallContext) -> tuple[CriterionResult, Trace | None]:
    """The verdict and, for a pass/fail decided by the rules, what it rested on."""
    reason = _not_applicable_reason(c, ctx)
    if reason:
        return result_of(c, "not_applicable", reason), None
    speaker_segments = ctx.of_speaker(c.speaker)
    if not speaker_segments and c.min_words > 0:
        return result_of(c, "insufficient", f"Нет речи {SPEAKER_RU[c.speaker]} (канал отсутствует или пуст)", confidence=0.0), None
    segs = select_window(speaker_segments, c.window)
    n_words = sum(len(sw.words) for sw in segs)
    if n_words < c.min_words:
        return result_of(c, "insufficient", f"Слишком мало речи {SPEAKER_RU[c.speaker]} {c.window.describe()} ({n_words} сл.)", confidence=0.2), None
    low_share = _low_confidence_share(segs)
    outcome = _Outcome()
    _check_phrases(c, segs, outcome)
    if c.examples and not outcome.violation and not outcome.hits:
        _check_examples(c, segs, ctx, outcome)
    _check_metrics(c, segs, ctx, outcome)
    if c.detect and not outcome.violation and not (outcome.passed and (outcome.hits or outcome.detection)):
        outcome.passed, outcome.missing = False, "detect"  # with no phrases the detector decides
        _check_detector(c, segs, ctx, outcome)
    if c.detect == "recap" and outcome.passed and (detectors.client_put_off(ctx.words) or (
            outcome.detection is not None and detectors.put_off_after(ctx.words, outcome.detection.segment))):
        # docs/labelling.md: a call with nothing agreed has nothing to recap
        outcome.passed, outcome.missing, outcome.hits, outcome.detection = False, "agreement", (), None
        outcome.metric_note = "клиент ничего не согласовал: взял паузу или отказался"
    elif c.detect == "recap" and outcome.passed and not _explicit_recap(segs) and detectors.next_step(
            ctx.words, segs, *_objection_turns(ctx)) is None:
        # «итак», «записываю» with no step agreed: there is nothing to recap
        outcome.passed, outcome.missing, outcome.hits, outcome.detection = False, "agreement", (), None
        outcome.metric_note = "не согласован следующий шаг — подводить итог нечему"
    model = ctx.classifiers.get(c.classifier) if c.classifier else None
    if model is not None and not outcome.violation:
        _check_classifier(model, segs, outcome)
    if not outcome.passed and "not_cut_by_client" in c.applies_when and detectors.cut_by_client(ctx.words):
        return result_of(c, "not_applicable", "Не применимо: клиент закончил разговор сам"), None
    return _verdict(c, outcome, low_share), Trace(tuple(segs), outcome, low_share, ctx)


# An explicit recap («давайте резюмируем», «подведу итог», «ещё раз проговорю») passes on its own;
# a weak cue («итак», «записываю», «в итоге») or the repeated facts need an agreed next step.
EXPLICIT_RECAP = frozenset("резюмировать резюмирую итог подытожить подытожу проговорить повторить".split())


def _explicit_recap(segs: list[SegmentWords]) -> bool:
    return any(EXPLICIT_RECAP.intersection(sw.words) for sw in segs)


def _check_examples(c: Criterion, segs: list[SegmentWords], ctx: CallContext, out: _Outcome) -> None:
    """The criterion's examples: a segment close enough in meaning passes (scoring.examples)."""
    threshold = c.min_similarity if c.min_similarity is not None else ctx.example_similarity
    match = examples.find_similar(c.examples, segs, threshold)
    if match is None:
        out.passed, out.missing = False, "examples"
    else:
        out.passed, out.missing = True, ""
        out.detection = detectors.Detection(segs[match.position], examples.quote(match),
                                            examples.confidence(match.similarity, threshold))


def _check_classifier(model: FastLinear, segs: list[SegmentWords], out: _Outcome) -> None:
    """The turn most like the criterion's thing by the classifier: sure enough, it passes; a pass
    by phrases or a detector with no turn even half-likely becomes a fail."""
    rules_passed = out.passed and bool(out.hits or out.detection)
    enough = CLASSIFIER_CONFIRM if rules_passed else CLASSIFIER_PASS  # stop at the first turn that settles it
    best, best_p = None, 0.0
    for sw in segs:
        if len(sw.words) >= CLASSIFIER_MIN_WORDS:
            p = model.predict(turn_doc([sw.segment])).get("yes", 0.0)
            if p > best_p:
                best, best_p = sw, p
                if p >= enough:
                    break
    if best is not None and best_p >= CLASSIFIER_PASS:
        if not out.passed or not (out.hits or out.detection):
            out.hits, out.missing, out.passed = (), "", True
            out.detection = detectors.Detection(best, f"по смыслу: вероятность {best_p:.2f}", round(best_p, 3))
    elif out.passed and best_p < CLASSIFIER_CONFIRM:
        out.passed, out.missing, out.near_miss, out.detection = False, "classifier", True, None


# objections that put the matter off: after one of them a step the manager named is not agreed
PUT_OFF_KINDS = frozenset({"think_later", "need_consult", "send_offer"})


def _objection_turns(ctx: CallContext) -> tuple[frozenset[int], frozenset[int]]:
    """The client turns found to be objections, and those of them that put the matter off."""
    return (frozenset(o.segment_idx for o in ctx.objections),
            frozenset(o.segment_idx for o in ctx.objections if o.kind in PUT_OFF_KINDS))


def _check_detector(c: Criterion, segs: list[SegmentWords], ctx: CallContext, out: _Outcome) -> None:
    """The criterion's built-in detector: another way to pass when the phrases found nothing."""
    manager = ctx.of_speaker("manager")
    opening = manager[:2]
    if c.detect == "self_introduction":
        found = detectors.self_introduction(ctx.words, [s for s in segs if s in opening] or opening[:1],
                                            known_names=ctx.known_names)
    elif c.detect == "client_name":
        found = detectors.client_name(ctx.words, manager, opening)
    elif c.detect == "value_statement":
        found = detectors.value_statement(segs)
    elif c.detect == "recap":
        found = detectors.recap(ctx.words, segs[-3:])
    else:
        found = detectors.next_step(ctx.words, segs, *_objection_turns(ctx))
    if found is not None:
        out.passed, out.missing, out.detection = True, "", found


def select_window(segs: list[SegmentWords], w: Window) -> list[SegmentWords]:
    if not segs:
        return []
    if w.first_s is not None:
        limit = segs[0].segment.start_s + w.first_s
        return [s for s in segs if s.segment.start_s <= limit]
    if w.last_s is not None:
        limit = segs[-1].segment.end_s - w.last_s
        return [s for s in segs if s.segment.end_s >= limit]
    if w.first_turns is not None:
        return segs[: w.first_turns]
    if w.last_turns is not None:
        return segs[-w.last_turns:]
    return segs


@dataclass(slots=True)
class _Outcome:
    passed: bool = True
    hits: tuple[Hit, ...] = ()
    violation: Hit | None = None
    missing: str = ""
    objection: ObjectionResult | None = None
    metric_note: str = ""
    detection: detectors.Detection | None = None
    borderline: bool = False  # a metric one step from its threshold
    objection_confidence: float | None = None  # the least sure handling the verdict rests on
    near_miss: bool = False  # some of what was needed was found


def _check_phrases(c: Criterion, segs: list[SegmentWords], out: _Outcome) -> None:
    hits: list[Hit] = []
    if c.any:
        found = find_all_distinct(c.any, segs) if c.min_hits > 1 else [h for h in [find_any(c.any, segs)] if h]
        hits.extend(found)
        if len(found) < c.min_hits:
            out.passed, out.missing = False, "any"
            out.near_miss = bool(found)
    if c.all:
        found = _all_groups(c.all, segs)
        if found:
            hits.extend(found)
        else:
            out.passed, out.missing = False, "all"
            out.near_miss = any(find_any(g, segs) for g in c.all)
    out.hits = tuple(hits)
    if c.none:
        out.violation = _first_violation(c, segs)
        if out.violation:
            out.passed = False


def _all_groups(groups, segs: list[SegmentWords]) -> list[Hit] | None:
    """Hits of every group inside one turn, else inside two consecutive turns (latest wins).

    Keeping the groups close stops "монтаж" in one turn and "десять лет" in another from
    reading as "a meeting with a date"."""
    for span in (1, 2):
        for k in range(len(segs) - span, -1, -1):
            window = segs[k:k + span]
            hits = [find_any(g, window) for g in groups]
            if all(hits):
                return hits
    return None


UNLESS_WINDOW = 4  # a lemma `unless` phrase (a time) excuses a `none` hit this near at most


def _first_violation(c: Criterion, segs: list[SegmentWords]) -> Hit | None:
    """The first `none` hit not excused by an `unless` phrase: a lemma phrase (a time) must be
    close to it — in «это не ко мне, завтра будет коллега, перезвоните позже» the time excuses
    «перезвоните позже», not «не ко мне»; a word-form phrase («==уточню»: the manager takes it
    on) excuses the whole turn."""
    for sw in segs:
        if not find_any(c.none, [sw]):
            continue
        excuses = [u for phrase in c.unless if (u := find(phrase, sw)) is not None]
        for phrase in c.none:
            hit = find(phrase, sw)
            if hit and not any(u.phrase.mode == SURFACE or (
                    u.start - UNLESS_WINDOW <= hit.end and hit.start <= u.end + UNLESS_WINDOW) for u in excuses):
                return hit
    return None


def metric_values(segs: list[SegmentWords], ctx: CallContext) -> dict[str, float | None]:
    questions, open_questions = count_questions([sw.segment for sw in segs])
    objections = ctx.objections
    handled = sum(o.handling in HANDLED for o in objections)
    m = ctx.metrics
    return {
        "questions": questions, "open_questions": open_questions,
        "words": sum(len(sw.words) for sw in segs),
        "talk_ratio": m.manager_talk_ratio, "longest_monologue_s": m.longest_manager_monologue_s,
        "interruptions": m.interruptions, "patience_s": m.patience_s,
        "silence_share": m.silence_share, "words_per_min": m.manager_words_per_min,
        "objections": len(objections), "objections_handled": handled,
        "objections_handled_share": handled / len(objections) if objections else None,
        "objections_discount": sum(o.handling == "discount" for o in objections),
    }


def _check_metrics(c: Criterion, segs: list[SegmentWords], ctx: CallContext, out: _Outcome) -> None:
    if not c.metrics:
        return
    values = metric_values(segs, ctx)
    failed = [cond for cond in c.metrics if not cond.holds(values[cond.metric])]
    if any(cond.metric.startswith("objections") for cond in c.metrics) and ctx.objections:
        bad = [o for o in ctx.objections if o.handling not in HANDLED]
        out.objection = bad[0] if failed and bad else ctx.objections[0]
    shown = failed or c.metrics
    out.borderline = any(_borderline(cond, values[cond.metric]) for cond in c.metrics)
    if ctx.objections and any(cond.metric.startswith("objections") for cond in c.metrics):
        out.objection_confidence = min(o.confidence for o in ctx.objections)
    out.metric_note = ", ".join(f"{cond.metric} = {_fmt(values[cond.metric])}" for cond in shown)
    if failed:
        out.passed = False


def _borderline(cond, actual: float | None) -> bool:
    """One step (one question, a tenth of a share) either way would flip the condition:
    ``open_questions >= 3`` is borderline at 2 and at 3."""
    if actual is None or cond.op in ("==", "!="):
        return False
    whole = float(cond.value).is_integer() and float(actual).is_integer() and cond.value >= 1
    step = 1.0 if whole else 0.1
    lo, hi = cond.value - step, cond.value + step
    if cond.op in (">=", "<"):
        return lo <= actual < hi
    return lo < actual <= hi


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:g}" if isinstance(v, int) or float(v).is_integer() else f"{v:.2f}"


def _verdict(c: Criterion, out: _Outcome, low_share: float) -> CriterionResult:
    certainty = (1.0 - 0.3 * low_share) * (BORDERLINE if out.borderline else 1.0)
    if out.objection_confidence is not None:
        certainty *= 0.7 + 0.3 * out.objection_confidence
    if out.passed and out.detection is not None:
        d = out.detection
        s = d.segment.segment
        return result_of(c, "pass", f"{c.pass_reason or 'Выполнено'} ({d.note})",
                       Evidence(s.idx, s.start_s, s.end_s, s.text), confidence=round(d.confidence * certainty, 3))
    if out.passed:
        if not out.hits and c.none and low_share >= LOW_CONFIDENCE_SHARE:
            return result_of(c, "insufficient", "Низкое качество распознавания: нельзя утверждать, что нарушений нет", confidence=0.3)
        evidence = _evidence_of(out.hits[-1]) if out.hits else _objection_evidence(out.objection)
        note = f" ({out.metric_note})" if out.metric_note else ""
        slipped = FUZZY_CONFIDENCE if any(h.fuzzy for h in out.hits) else 1.0
        base = CONF_METRIC if c.metrics else CONF_NO_VIOLATION
        if out.hits:
            weak = len(out.hits) == 1 and len(out.hits[0].phrase.words) == 1
            base = CONF_ONE_WORD if weak else CONF_PHRASE
        return result_of(c, "pass", (c.pass_reason or "Выполнено") + note, evidence,
                       confidence=round(base * certainty * slipped, 3))
    if out.violation:
        base = CONF_SURFACE_VIOLATION if out.violation.phrase.mode == SURFACE else CONF_PHRASE
        if len(out.violation.phrase.words) == 1 and out.violation.segment.avg_logprob is not None:
            base *= HEARD_ONE_WORD  # «блок» heard as «блин»: one recognised word zeroes no call alone
        return result_of(c, "fail", f"{c.fail_reason or 'Нарушение'}: «{out.violation.phrase.source}»",
                       _evidence_of(out.violation), confidence=round(base * certainty, 3))
    if low_share >= LOW_CONFIDENCE_SHARE:
        return result_of(c, "insufficient", f"Низкое качество распознавания речи {SPEAKER_RU[c.speaker]} {c.window.describe()}", confidence=0.3)
    note = f" ({out.metric_note})" if out.metric_note else ""
    reason = c.fail_reason or f"Не найдено {c.window.describe()}"
    base = CONF_METRIC if out.missing == "" and c.metrics else CONF_ABSENCE
    return result_of(c, "fail", reason + note, _objection_evidence(out.objection),
                   confidence=round(base * certainty * (NEAR_MISS if out.near_miss else 1.0), 3))


def _evidence_of(hit: Hit) -> Evidence:
    s = hit.segment
    return Evidence(s.idx, s.start_s, s.end_s, s.text)


def _objection_evidence(o: ObjectionResult | None) -> Evidence | None:
    if o is None:
        return None
    quote = f"Клиент: {o.quote}" + (f" — Менеджер: {o.response_quote}" if o.response_quote else "")
    return Evidence(o.segment_idx, o.start_s, o.start_s, quote)


def _low_confidence_share(segs: list[SegmentWords]) -> float:
    total = sum(len(sw.words) for sw in segs)
    if not total:
        return 0.0
    return sum(len(sw.words) for sw in segs if sw.segment.low_confidence) / total


def _not_applicable_reason(c: Criterion, ctx: CallContext) -> str:
    direction = ctx.meta.direction
    for cond in c.applies_when:
        if cond == "objection_raised" and not ctx.objections:
            return "Не применимо: клиент не высказывал возражений"
        if cond == "no_objection" and ctx.objections:
            return "Не применимо: клиент высказывал возражения"
        if cond == "direction_in" and direction != "in":
            return "Не применимо: только для входящих звонков"
        if cond == "direction_out" and direction != "out":
            return "Не применимо: только для исходящих звонков"
        if cond == "stereo" and ctx.channels < 2:
            return "Не применимо: нужна стереозапись (раздельные каналы)"
        if cond == "offer_discussed" and detectors.service_call(ctx.words):
            return "Не применимо: сервисный звонок по жалобе или заказу, предложение не обсуждалось"

    return ""


def result_of(c: Criterion, verdict: str, reason: str, evidence: Evidence | None = None,
            confidence: float = 1.0) -> CriterionResult:
    counted = verdict in ("pass", "fail")
    return CriterionResult(
        criterion_id=c.id, verdict=verdict,
        points=c.weight if verdict == "pass" else 0.0,
        max_points=c.weight if counted else 0.0,
        evidence=evidence, confidence=confidence, reason=reason, stage=c.stage,
        title=c.title, fatal=c.fatal,
    )
