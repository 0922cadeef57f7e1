"""Block Kit as plain text: how a message would read in Slack, for the terminal demo.

Pure: takes the JSON blocks a message would carry and returns lines of text, with
mrkdwn left as it is (a terminal reader understands *bold* and _italics_ well enough).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

Block = Mapping[str, Any]


def blocks_to_text(blocks: Iterable[Block]) -> str:
    """The message's visible text, one block after another."""
    return "\n".join(line for block in blocks for line in _block_lines(block))


def _text(obj: Any) -> str:
    if isinstance(obj, Mapping):
        return html.unescape(str(obj.get("text", "")))
    return ""


def _block_lines(block: Block) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [_text(block.get("text")).upper()]
    if kind == "divider":
        return ["─" * 40]
    if kind == "section":
        lines = [_text(block.get("text"))] if block.get("text") else []
        lines += [_text(field) for field in block.get("fields", [])]
        accessory = block.get("accessory")
        if isinstance(accessory, Mapping) and accessory.get("type") == "button":
            lines.append(f"[ {_text(accessory.get('text'))} ]")
        return lines
    if kind == "context":
        return ["  " + " · ".join(_text(e) for e in block.get("elements", []) if "text" in e)]
    if kind == "actions":
        buttons = [f"[ {_text(e.get('text'))} ]" for e in block.get("elements", [])]
        return ["  ".join(buttons)]
    if kind == "image":
        return [f"(image: {block.get('alt_text', '')})"]
    return []
