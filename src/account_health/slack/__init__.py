"""The Slack app (CONTRACT section 4): Bolt listeners, Block Kit rendering, access checks."""
