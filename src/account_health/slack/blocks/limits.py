"""Slack's Block Kit limits that slack_sdk's model classes don't enforce for us.

The model classes raise on an over-long section or header; Slack itself rejects a
message with more than 50 blocks, a view with more than 100, or a payload that is too
big. Everything we send goes through these helpers so that long content is cut short
gracefully, with a pointer to the rest, and never answered with `invalid_blocks`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TypeVar

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_SECTION_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_OPTION_TEXT = 75
MAX_OPTIONS = 100
MAX_ACTION_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 3000
MAX_MODAL_TITLE = 24
MAX_BUTTON_VALUE = 2000
MAX_PRIVATE_METADATA = 3000
MAX_FALLBACK_TEXT = 3000
# Slack documents no exact byte limit for blocks; these stay well inside what it accepts.
MAX_MESSAGE_JSON = 40_000
MAX_VIEW_JSON = 100_000

ELLIPSIS = "…"
T = TypeVar("T")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def _size(blocks: Sequence[Block]) -> int:
    return len(json.dumps([block.to_dict() for block in blocks], ensure_ascii=False))


def _pointer(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, MAX_CONTEXT_TEXT))])


def fit_blocks(
    blocks: Sequence[Block], *, max_blocks: int, max_json: int, more_hint: str | None = None
) -> list[Block]:
    """At most `max_blocks` blocks and `max_json` characters; when cut, the last block says
    how many were left out and where to find them (`more_hint`)."""
    if len(blocks) <= max_blocks and _size(blocks) <= max_json:
        return list(blocks)
    kept = list(blocks[: max_blocks - 1])
    while kept and _size([*kept, _pointer("x" * 200)]) > max_json:
        kept.pop()
    left_out = len(blocks) - len(kept)
    note = f"{ELLIPSIS}and {left_out} more"
    note += f": {more_hint}" if more_hint else "."
    return [*kept, _pointer(note)]


def fit_message(
    blocks: Sequence[Block], more_hint: str | None = None, *, reserve: int = 0
) -> list[Block]:
    """A message's blocks within limits, leaving room for `reserve` blocks added after
    (such as buttons that must not be cut)."""
    return fit_blocks(
        blocks,
        max_blocks=MAX_MESSAGE_BLOCKS - reserve,
        max_json=MAX_MESSAGE_JSON - 1000 * reserve,
        more_hint=more_hint,
    )


def fit_view(
    blocks: Sequence[Block], more_hint: str | None = None, *, reserve: int = 0
) -> list[Block]:
    return fit_blocks(
        blocks,
        max_blocks=MAX_VIEW_BLOCKS - reserve,
        max_json=MAX_VIEW_JSON - 1000 * reserve,
        more_hint=more_hint,
    )


def limit_items(items: Sequence[T], limit: int) -> tuple[list[T], int]:
    """The first `limit` items and how many were left out."""
    return list(items[:limit]), max(0, len(items) - limit)
