"""Believable feedback comments: many wordings per theme, plus the seed's text signals.

Wording varies on purpose (openers, fragments, closers) so grouping comments into themes is
a real clustering task rather than string matching.
"""

from __future__ import annotations

import random
from enum import StrEnum


class Polarity(StrEnum):
    POSITIVE = "positive"
    MIXED = "mixed"
    NEGATIVE = "negative"


THEMES: tuple[str, ...] = (
    "reporting",
    "mobile",
    "onboarding",
    "integrations",
    "pricing",
    "support",
    "performance",
    "permissions",
)

_FRAGMENTS: dict[str, dict[Polarity, tuple[str, ...]]] = {
    "reporting": {
        Polarity.POSITIVE: (
            "great for reporting",
            "the dashboards save me hours every week",
            "our leadership loves the weekly reports",
            "custom reports are easy to build",
            "reporting is the best part of the product",
            "the scheduled report emails are super useful",
            "I can finally answer the board's questions from one dashboard",
            "the analytics views are clear and fast to filter",
            "drill-down on the charts is exactly what we needed",
            "exporting a report for the QBR took two minutes",
        ),
        Polarity.NEGATIVE: (
            "reports take forever to load",
            "the report builder is confusing",
            "can't get the numbers in the dashboard to match our finance data",
            "exporting reports to Excel keeps breaking the formatting",
            "dashboards are missing the metrics we actually track",
            "scheduled reports arrive with stale data",
            "building a simple report needs too many clicks",
            "charts can't be filtered by region",
        ),
        Polarity.MIXED: (
            "reporting is solid but we need more chart types",
            "good dashboards, wish we could share them outside the team",
            "the reports are useful once you figure out the builder",
        ),
    },
    "mobile": {
        Polarity.POSITIVE: (
            "the mobile app is handy on site visits",
            "love being able to check things from my phone",
            "the new mobile layout is much cleaner",
            "offline mode on the app works well in the field",
        ),
        Polarity.NEGATIVE: (
            "wish it had better mobile",
            "the mobile app crashes when I upload photos",
            "mobile is basically unusable on Android",
            "can't approve anything from the phone app",
            "the app logs me out every day",
            "the mobile version is missing half the features",
            "typing notes on the phone app is painful",
            "push notifications on mobile never arrive",
        ),
        Polarity.MIXED: (
            "mobile is okay for quick checks but not for real work",
            "the app works but it's slow on older phones",
        ),
    },
    "onboarding": {
        Polarity.POSITIVE: (
            "onboarding new hires was quick",
            "the training sessions were really helpful",
            "our team got up to speed in a week",
            "the in-app walkthroughs made setup painless",
        ),
        Polarity.NEGATIVE: (
            "onboarding new team members takes too long",
            "new hires struggle to get started",
            "there's no good training material for new users",
            "setting up a new user still takes us half a day",
            "the onboarding docs are out of date",
            "every new starter needs a one-to-one walkthrough",
            "ramping up new people is painful",
            "we lose weeks getting each new team onto the tool",
        ),
        Polarity.MIXED: (
            "onboarding is fine for admins but confusing for regular users",
            "training helped but the docs don't match the current screens",
        ),
    },
    "integrations": {
        Polarity.POSITIVE: (
            "the Salesforce integration just works",
            "the API is well documented",
            "syncing with our data warehouse was straightforward",
            "the Slack integration keeps everyone in the loop",
            "webhooks made it easy to connect our internal tools",
        ),
        Polarity.NEGATIVE: (
            "the HubSpot sync drops records",
            "the API rate limits are too strict",
            "integration with our ERP keeps failing",
            "the Jira connector is unreliable",
            "we had to build our own sync because the integration is missing fields",
            "SSO setup with Okta was a nightmare",
            "the data warehouse export fails every few nights",
        ),
        Polarity.MIXED: (
            "integrations cover the basics but we need a Snowflake connector",
            "the Salesforce sync works, the HubSpot one less so",
            "the API is decent but missing bulk endpoints",
        ),
    },
    "pricing": {
        Polarity.POSITIVE: (
            "good value for what we pay",
            "pricing is fair compared to what we used before",
            "the ROI was obvious within a quarter",
        ),
        Polarity.NEGATIVE: (
            "too expensive for what we use",
            "the price increase at renewal is hard to justify",
            "per-seat pricing punishes us for growing",
            "finance keeps asking why this costs so much",
            "we pay for features we never use",
            "the add-on pricing feels like nickel and diming",
        ),
        Polarity.MIXED: (
            "pricing is okay but the tiers are confusing",
            "worth it for the core team, hard to justify for occasional users",
        ),
    },
    "support": {
        Polarity.POSITIVE: (
            "support is fast and friendly",
            "our CSM is always responsive",
            "the support team solved our issue the same day",
            "great help from support on the migration",
            "support actually understands our use case",
        ),
        Polarity.NEGATIVE: (
            "support takes days to respond",
            "tickets get closed without a real fix",
            "we keep getting bounced between support agents",
            "had to escalate the same issue twice",
            "nobody follows up on our tickets",
            "support answers are copy-pasted from the docs",
        ),
        Polarity.MIXED: (
            "support is helpful once you reach the right person",
            "first response is quick but resolution is slow",
        ),
    },
    "performance": {
        Polarity.POSITIVE: (
            "everything feels snappy since the last update",
            "pages load quickly even with our big data set",
            "performance has been rock solid",
        ),
        Polarity.NEGATIVE: (
            "the app is painfully slow in the mornings",
            "search times out on large accounts",
            "pages take ten seconds to load",
            "we had two outages this month",
            "bulk updates freeze the browser",
            "the whole thing lags when more than a few of us are on",
        ),
        Polarity.MIXED: (
            "mostly fast, but the list views crawl with big filters",
            "performance is fine except at month end",
        ),
    },
    "permissions": {
        Polarity.POSITIVE: (
            "role-based permissions are easy to manage",
            "audit logs keep our security team happy",
            "SSO and SCIM provisioning work nicely",
        ),
        Polarity.NEGATIVE: (
            "permissions are too coarse for our teams",
            "we can't restrict who sees financial fields",
            "managing user roles is a chore",
            "there's no way to give read-only access to contractors",
            "the audit log doesn't show who changed permissions",
            "security review flagged the lack of field-level permissions",
        ),
        Polarity.MIXED: (
            "permissions work but setting them up per team is tedious",
            "SSO is fine, role management less so",
        ),
    },
}

_OPENERS: dict[Polarity, tuple[str, ...]] = {
    Polarity.POSITIVE: ("", "", "Honestly, ", "Really happy: ", "Big fan, ", "Overall great, "),
    Polarity.MIXED: (
        "",
        "",
        "Mostly good. ",
        "It's okay. ",
        "Decent tool; ",
        "Mixed feelings: ",
    ),
    Polarity.NEGATIVE: ("", "", "Not great. ", "Disappointed: ", "To be honest, ", "Ugh, "),
}
_CLOSERS: dict[Polarity, tuple[str, ...]] = {
    Polarity.POSITIVE: ("", "", " Keep it up!", " Thanks team.", " The team relies on it daily."),
    Polarity.MIXED: ("", "", " Would love to see this improved.", " Please look into it."),
    Polarity.NEGATIVE: (
        "",
        "",
        " Please fix this.",
        " This needs attention.",
        " It's hurting adoption.",
    ),
}

SIGNAL_PHRASES: dict[str, tuple[str, ...]] = {
    "evaluating_alternatives": (
        "We are evaluating alternatives ahead of the renewal.",
        "Leadership asked us to look at other vendors.",
        "Honestly we're looking at other vendors right now.",
        "We've started evaluating alternatives for next quarter.",
        "We're evaluating alternatives because of the open issues.",
        "Our team is looking at other options before we renew.",
    ),
    "competitor_mention": (
        "{competitor} showed us a demo last week and it looked slicker.",
        "{competitor} is offering us a much better price.",
        "Some of the team used {competitor} before and keep comparing.",
        "We're trialling {competitor} in one region.",
        "{competitor} already has the mobile features we keep asking for.",
    ),
    "future_language": (
        "Next year we want to roll this out to the EMEA team.",
        "Excited about what's on the roadmap.",
        "We're planning our next year around this platform.",
        "Can you share the roadmap for the second half?",
        "The roadmap lines up well with our plans for next year.",
    ),
    "looking_forward": (
        "Looking forward to the new dashboards.",
        "We're looking forward to the next release.",
        "Looking forward to expanding usage with you.",
    ),
    "frustration": (
        "This is really frustrating.",
        "Getting fed up with this.",
        "Honestly frustrating and a waste of our time.",
        "Third time this month, extremely frustrating.",
        "The team is annoyed and losing patience.",
    ),
    "need_more_seats": (
        "We need more seats for the new hires.",
        "We're out of licenses again and need more seats.",
        "Can we add 20 more seats before the quarter starts?",
        "We'll need more seats once the second team joins.",
    ),
    "cross_department": (
        "The finance team wants access too.",
        "Marketing has been asking to get on the platform.",
        "Our HR team saw the dashboards and wants access.",
        "The sales ops group wants their own workspace.",
        "Another department wants access after seeing our results.",
    ),
    "competitor_noise": (
        "We moved off {competitor} last year and don't miss it.",
        "Much better than {competitor}, which we used before.",
    ),
}


def polarity_for_nps(score: int) -> Polarity:
    if score >= 9:
        return Polarity.POSITIVE
    return Polarity.MIXED if score >= 7 else Polarity.NEGATIVE


def polarity_for_five(score: int) -> Polarity:
    if score >= 4:
        return Polarity.POSITIVE
    return Polarity.MIXED if score == 3 else Polarity.NEGATIVE


def theme_fragment(theme: str, polarity: Polarity, rng: random.Random) -> str:
    return rng.choice(_FRAGMENTS[theme][polarity])


def compose(
    theme: str,
    polarity: Polarity,
    rng: random.Random,
    second_theme: str | None = None,
    second_polarity: Polarity | None = None,
) -> str:
    """One comment about a theme (optionally a second clause about another theme)."""
    text = theme_fragment(theme, polarity, rng)
    if second_theme is not None and second_polarity is not None:
        joiner = ", but " if second_polarity != polarity else ", and "
        text = f"{text}{joiner}{theme_fragment(second_theme, second_polarity, rng)}"
    opener = rng.choice(_OPENERS[polarity])
    body = opener + (
        text[0].upper() + text[1:]
        if not opener or opener.endswith(". ") or opener.endswith(": ")
        else text
    )
    return body.rstrip(".") + "." + rng.choice(_CLOSERS[polarity])


def signal_phrase(signal: str, rng: random.Random, competitor: str = "") -> str:
    return rng.choice(SIGNAL_PHRASES[signal]).format(competitor=competitor)


def concern(theme: str, rng: random.Random) -> str:
    """A short concern as listed in pulse checks and EBR feedback."""
    text = theme_fragment(theme, Polarity.NEGATIVE, rng)
    return text[0].upper() + text[1:]


_NOT_BUGS = ("pricing", "support")


def bug_report(theme: str, rng: random.Random) -> str:
    if theme in _NOT_BUGS:  # nobody files a bug about the price: report a product fault instead
        theme = rng.choice([t for t in THEMES if t not in _NOT_BUGS])
    text = theme_fragment(theme, Polarity.NEGATIVE, rng)
    prefix = rng.choice(("Bug: ", "", "Steps to reproduce are in the ticket: ", "Since Tuesday, "))
    return (
        prefix + (text[0].upper() + text[1:] if not prefix or prefix.endswith(": ") else text) + "."
    )


_REQUESTS: dict[str, tuple[str, ...]] = {
    "reporting": (
        "Please add pivot tables to the report builder.",
        "Could dashboards be shared with people outside our workspace?",
        "We'd love scheduled reports in PDF.",
    ),
    "mobile": (
        "Please add approvals to the mobile app.",
        "An iPad layout would help our field team.",
        "Offline mode for the Android app, please.",
    ),
    "onboarding": (
        "A sandbox for training new hires would help a lot.",
        "Could you add role-based onboarding checklists?",
    ),
    "integrations": (
        "We need a native Snowflake connector.",
        "Please add bulk endpoints to the API.",
        "A Microsoft Teams integration would help our other offices.",
    ),
    "pricing": (
        "Could you offer a cheaper read-only seat?",
        "A usage-based tier would suit us better.",
    ),
    "support": (
        "A shared Slack channel with support would be great.",
        "Please add ticket status updates by email.",
    ),
    "performance": ("Let us archive old records so the lists stay fast.",),
    "permissions": (
        "We need field-level permissions for finance data.",
        "Please add a read-only role for contractors.",
        "Custom roles per team would save us a lot of admin time.",
    ),
}


_REQUEST_PREFIXES = ("", "", "Feature request: ", "Idea: ", "Small ask: ", "From our team: ")


def enhancement_request(theme: str, rng: random.Random) -> str:
    """A request: a canned ask, or the fix for a known complaint worded as a wish."""
    if rng.random() < 0.5:
        return rng.choice(_REQUEST_PREFIXES) + rng.choice(_REQUESTS[theme])
    wish = rng.choice(
        (
            "It would help a lot if you fixed this: ",
            "Please prioritise: ",
            "Top of our wish list: ",
            "We'd use it more if you solved this: ",
        )
    )
    return wish + theme_fragment(theme, Polarity.NEGATIVE, rng) + "."
