"""``judge spot``: an interactive REPL to spot-check reflection behaviour.

Pick one page and one query (a probe-set task, or a page file and a typed query), watch
the model's reasoning and answer stream with self-check and correction spans
highlighted, resample to see how often it checks and corrects itself (with Wilson
intervals), switch models to compare versions on the same input, judge an answer, and
save what was generated to a run directory. Modules: ``inputs`` (workspace and task
choice), ``session`` (state), ``view`` + ``stream`` (live rendering), ``reflect`` (trace
parser events), ``jobs`` (generate, resample), ``judging``, ``save``, ``tables``,
``commands``, ``repl`` and ``ui`` (terminal plumbing).
"""

from __future__ import annotations

from pathlib import Path

from judge.errors import ConfigError
from judge.probeset import load_probeset
from judge.providers.registry import build_provider, parse_spec
from judge.spot import inputs, reflect
from judge.spot.session import SpotSession, SpotSettings


def open_session(model: str, *, probes: Path | None = None, task: str | None = None,
                 page: Path | None = None, query: str | None = None,
                 settings: SpotSettings | None = None) -> SpotSession:
    """Build a session from the command line's choices; fails early on any bad input."""
    settings = settings or SpotSettings()
    if page is not None:
        if task is not None:
            raise ConfigError("give either --task or --page, not both")
        read = inputs.read_page(page, settings.page_type)
        if probes is not None:
            workspace, read = inputs.add_page(load_probeset(probes), read)
            workspace, q = inputs.add_query(workspace, query or inputs.DEFAULT_QUERY)
            chosen = inputs.single_task(workspace, read, q)
        else:
            workspace, chosen = inputs.page_workspace(read, query)
    elif probes is not None:
        workspace = load_probeset(probes)
        chosen = (inputs.resolve_task(workspace, task) if task
                  else inputs.all_tasks(workspace)[0])
        if query:
            workspace, chosen = inputs.with_query(workspace, chosen, query)
    else:
        raise ConfigError("say what to ask: --probes FILE [--task ID], or --page FILE "
                          "[--query TEXT]")
    if settings.judge:
        parse_spec(settings.judge)
    provider = build_provider(parse_spec(model))
    session = SpotSession(workspace, chosen, provider, settings)
    session.messages_for(chosen)  # a template problem shows now, not at the first Enter
    reflect.warm_up()  # compile the trace patterns before the first stream
    return session


__all__ = ["SpotSession", "SpotSettings", "open_session"]
