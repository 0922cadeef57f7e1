"""Small, safe constructors over slack_sdk's Block Kit model classes.

Every text goes through the limits (so the models never raise) and every piece of text
that came from a user or a data file is escaped for mrkdwn (`&`, `<`, `>`), so that
`<!channel>` or `<script>` in an account name is shown, never interpreted.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)

from account_health.slack.blocks.limits import (
    MAX_ACTION_ELEMENTS,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_CONTEXT_ELEMENTS,
    MAX_CONTEXT_TEXT,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_OPTION_TEXT,
    MAX_SECTION_FIELDS,
    MAX_SECTION_TEXT,
    clip,
)


def escape(text: str) -> str:
    """Text safe to show inside mrkdwn: Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=clip(text, limit) or " ", emoji=True)


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=plain(text, MAX_HEADER_TEXT))


def section(mrkdwn: str, *, accessory: ButtonElement | None = None) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=clip(mrkdwn, MAX_SECTION_TEXT) or " "), accessory=accessory
    )


def fields(pairs: Sequence[str]) -> SectionBlock:
    """A two-column section; at most ten fields, each within Slack's limit."""
    return SectionBlock(
        fields=[
            MarkdownTextObject(text=clip(text, MAX_FIELD_TEXT) or " ")
            for text in pairs[:MAX_SECTION_FIELDS]
        ]
    )


def context(*texts: str) -> ContextBlock:
    return ContextBlock(
        elements=[
            MarkdownTextObject(text=clip(text, MAX_CONTEXT_TEXT) or " ")
            for text in texts[:MAX_CONTEXT_ELEMENTS]
        ]
    )


def divider() -> DividerBlock:
    return DividerBlock()


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> ButtonElement:
    if len(value) > MAX_BUTTON_VALUE:
        raise ValueError(f"button value longer than {MAX_BUTTON_VALUE} characters")
    return ButtonElement(
        text=plain(text, MAX_BUTTON_TEXT), action_id=action_id, value=value, style=style
    )


def actions(*buttons: ButtonElement, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(buttons[:MAX_ACTION_ELEMENTS]), block_id=block_id)


def option(text: str, value: str) -> Option:
    return Option(text=plain(text, MAX_OPTION_TEXT), value=value)


def line_sections(lines: Sequence[str]) -> list[SectionBlock]:
    """Lines of mrkdwn packed into as few sections as Slack's text limit allows."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = clip(line, MAX_SECTION_TEXT)
        if current and len(current) + len(line) + 1 > MAX_SECTION_TEXT:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return [section(chunk) for chunk in chunks]
