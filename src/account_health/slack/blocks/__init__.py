"""Block Kit rendering: pure functions from reports and plain data to slack_sdk blocks."""
