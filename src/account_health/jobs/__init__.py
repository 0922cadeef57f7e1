"""The proactive side: schedules, alerts, pulse checks, the digest and the outbox."""
