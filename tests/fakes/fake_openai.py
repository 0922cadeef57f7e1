"""A fake OpenAI-compatible server for the tests: POST /v1/chat/completions on 127.0.0.1.

`FakeOpenAI` is a stdlib ThreadingHTTPServer. It records every request and answers with
whatever `reply(messages)` returns (a dict serialised as the assistant's JSON content), or
misbehaves as told: `mode` is "ok", "malformed" (content that is not JSON), "schema" (JSON
of the wrong shape), "429", "500" or "hang" (sleeps past the client's timeout; the sleep
ends when the server stops, so tests never wait on wall time beyond the client timeout).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[list[dict[str, Any]]], dict[str, Any]]


def default_reply(messages: list[dict[str, Any]]) -> dict[str, Any]:
    system = messages[0]["content"]
    user = messages[-1]["content"]
    if "themes" in system:
        return {"label": "Onboarding"}
    if "Classify" in system:
        signals = ["evaluating_alternatives"] if "alternative" in user.lower() else []
        competitors = ["Gainsight"] if "gainsight" in user.lower() else []
        if competitors:
            signals.append("competitor_mention")
        return {"signals": signals, "competitors": competitors}
    return {"summary": "Healthy account; onboarding is the open risk."}


class FakeOpenAI:
    def __init__(self, reply: Reply = default_reply) -> None:
        self.reply = reply
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        self._stopped = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                fake.requests.append(body)
                if fake.mode == "hang":
                    fake._stopped.wait(30)
                    return
                if fake.mode in {"429", "500"}:
                    self._send(int(fake.mode), {"error": {"message": "fake failure"}})
                    return
                content = json.dumps(fake.reply(body["messages"]))
                if fake.mode == "malformed":
                    content = "Sure! Here is the JSON: {label: Onboarding"
                elif fake.mode == "schema":
                    content = json.dumps({"unexpected": True, "signals": "not a list"})
                self._send(200, _completion(body.get("model", "fake"), content))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _completion(model: str, content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@contextmanager
def running_fake_openai(reply: Reply = default_reply) -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI(reply).start()
    try:
        yield fake
    finally:
        fake.stop()
