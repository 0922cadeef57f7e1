"""Offline phrase patterns for the seed's text signals.

Patterns tolerate wording variants ("evaluating other vendors", "looking at alternatives",
"we'll need a few more licenses"). The text engineer's `analyze_comments` calls
`detect_text_signals` when a comment arrives and stores the result; the engine calls it itself
for feedback that has no stored analysis.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

EVALUATING_ALTERNATIVES = "evaluating_alternatives"
COMPETITOR_MENTION = "competitor_mention"
FUTURE_LANGUAGE = "future_language"
FRUSTRATION = "frustration"
NEED_MORE_SEATS = "need_more_seats"
CROSS_DEPARTMENT = "cross_department"
LOOKING_FORWARD = "looking_forward"
FEATURE_REQUEST = "feature_request"

TEXT_SIGNALS = (
    EVALUATING_ALTERNATIVES, COMPETITOR_MENTION, FUTURE_LANGUAGE, FRUSTRATION,
    NEED_MORE_SEATS, CROSS_DEPARTMENT, LOOKING_FORWARD, FEATURE_REQUEST,
)

_OPTIONS = (
    r"(?:alternatives?|competitors?|replacements?"
    r"|other\s+(?:vendors?|tools?|options?|solutions?|providers?|platforms?|products?))"
)

_PATTERNS: dict[str, tuple[str, ...]] = {
    EVALUATING_ALTERNATIVES: (
        rf"\b(?:evaluat\w*|look\w*\s+(?:at|into|for)|consider\w*|explor\w*|assess\w*|compar\w*|review\w*|shop\w*\s+(?:around\s+)?for|trial\w*|pilot\w*|demo\w*)\s+(?:some\s+|a\s+few\s+|several\s+|an?\s+)?{_OPTIONS}",
        r"\b(?:switch\w*|mov\w*|migrat\w*)\s+(?:away\s+from\s+(?:you|this|the\s+product)|to\s+(?:another|a\s+different)\s+(?:vendor|tool|platform|provider|product))",
        r"\brfp\b",
        r"\bshopping\s+around\b",
    ),
    FUTURE_LANGUAGE: (
        r"\bnext\s+(?:year|quarter|fiscal(?:\s+year)?|fy)\b",
        r"\broad\s*-?\s*maps?\b",
        r"\b(?:long|longer)[-\s]term\b",
        r"\b(?:in|for)\s+20\d\d\b",
        r"\bgoing\s+forward\b",
        r"\bour\s+plans?\s+(?:for|to)\b",
    ),
    FRUSTRATION: (
        r"\bfrustrat\w*",
        r"\bannoy\w*",
        r"\bfed\s+up\b",
        r"\bunacceptable\b",
        r"\bdisappoint\w*",
        r"\b(?:still|keeps?)\s+(?:broken|crashing|failing)\b",
        r"\bwaste\s+of\s+time\b",
        r"\bpainful\b",
        r"\bterrible\b",
        r"\bawful\b",
        r"\bnightmare\b",
        r"\bugh\b",
    ),
    NEED_MORE_SEATS: (
        r"\b(?:need|want|add|adding|buy|get|require|request\w*)\s+(?:\w+\s+){0,3}(?:more|additional|extra)\s+(?:seats?|licen[cs]es?|users?|accounts?)\b",
        r"\b(?:more|additional|extra)\s+(?:seats?|licen[cs]es?)\b",
        r"\b(?:run|running|ran)\s+out\s+of\s+(?:seats?|licen[cs]es?)\b",
        r"\bout\s+of\s+(?:seats?|licen[cs]es?)\b",
        r"\b(?:expand|expanding|roll\w*\s+out)\s+to\s+(?:the\s+)?(?:rest\s+of\s+the\s+)?(?:team|company|org\w*)\b",
    ),
    CROSS_DEPARTMENT: (
        r"\b(?:other|another|more)\s+(?:departments?|teams?|divisions?|business\s+units?|groups?)\s+(?:\w+\s+){0,4}(?:interested|want|asking|asked|would\s+like|curious|use)",
        r"\b(?:marketing|sales|finance|hr|legal|engineering|support|operations|ops)\s+(?:team\s+)?(?:is|are|was|were)\s+(?:also\s+)?(?:interested|asking|curious|keen)",
        r"\binterest\s+from\s+(?:other|the)\s+\w+\s+(?:teams?|departments?)",
        r"\b(?:other|more)\s+(?:departments?|teams?)\s+(?:could|should|might|will)\s+(?:use|benefit|adopt)",
    ),
    LOOKING_FORWARD: (
        r"\blook(?:ing)?\s+forward\s+to\b",
        r"\bcan'?t\s+wait\s+(?:for|to)\b",
        r"\bexcited\s+(?:about|for|to)\b",
    ),
    FEATURE_REQUEST: (
        r"\bwish\s+(?:it|you|there|the\s+\w+)\s+(?:had|has|could|would|was|were|supported)\b",
        r"\b(?:would|'d)\s+(?:love|like)\s+(?:to\s+see|to\s+have|it\s+if|if)\b",
        r"\bplease\s+add\b",
        r"\bfeature\s+request\b",
        r"\b(?:it|you)\s+(?:should|needs?\s+to)\s+(?:support|have|add|allow)\b",
        r"\bit\s+would\s+be\s+(?:great|nice|helpful|useful)\s+(?:if|to)\b",
        r"\bmissing\s+(?:a|an|the)?\s*\w+\s+(?:feature|option|integration)\b",
        r"\b(?:need|want)\s+(?:a|an|better)\s+(?:\w+\s+)?(?:integration|api|export|mobile\s+app|feature)\b",
    ),
}

_COMPILED: dict[str, re.Pattern[str]] = {
    label: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    for label, patterns in _PATTERNS.items()
}


@lru_cache(maxsize=64)
def _competitor_pattern(competitors: tuple[str, ...]) -> re.Pattern[str] | None:
    names = [c.strip() for c in competitors if c and c.strip()]
    if not names:
        return None
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)({alternation})(?!\w)", re.IGNORECASE)


def find_competitors(text: str, competitors: Collection[str]) -> frozenset[str]:
    """The configured competitor names mentioned in `text`, spelled as configured."""
    pattern = _competitor_pattern(tuple(sorted(competitors)))
    if pattern is None:
        return frozenset()
    canonical = {c.strip().lower(): c.strip() for c in competitors}
    return frozenset(canonical[m.group(1).lower()] for m in pattern.finditer(text))


def detect_text_signals(
    text: str, competitors: Collection[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """The signal labels found in one comment, and the competitors it names."""
    if not text:
        return frozenset(), frozenset()
    found = {label for label, pattern in _COMPILED.items() if pattern.search(text)}
    named = find_competitors(text, competitors)
    if named:
        found.add(COMPETITOR_MENTION)
    return frozenset(found), named
