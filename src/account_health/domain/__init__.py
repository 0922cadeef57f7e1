"""The health engine: pure Python over plain data. Nothing here imports SQL, Slack or OpenAI."""
