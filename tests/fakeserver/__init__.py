"""A real loopback HTTP server speaking OpenAI Chat Completions, OpenAI Responses and
Anthropic Messages (JSON and SSE), with scripted faults and request counters.

Tests point the real SDKs at it through ``base_url``; see ``server.FakeServer``.
"""

from tests.fakeserver.config import Behavior, FakeConfig, Fault, Plan, Rule, prompt_key
from tests.fakeserver.server import FakeServer

__all__ = ["Behavior", "FakeConfig", "FakeServer", "Fault", "Plan", "Rule", "prompt_key"]
