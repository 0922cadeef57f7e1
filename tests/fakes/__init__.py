"""Local fakes of the outside services the app talks to (Slack), for the tests."""
