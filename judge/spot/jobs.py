"""The REPL's jobs: stream one answer, resample N times, judge the last answer.

Each job runs under ``ui.run_job`` so Ctrl-C cancels it and the session goes on. A
provider error (or any other failure of a call) is shown and recorded on its sample with
status ``error``; it never ends the session.
"""

from __future__ import annotations

import asyncio

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from judge.errors import JudgeError
from judge.spot.session import Sample, SpotSession, Status
from judge.spot.stream import StreamDisplay, stream_into, summary_line
from judge.spot.reflect import trace_of
from judge.spot.ui import Ui


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, JudgeError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


async def generate(session: SpotSession, ui: Ui) -> Sample:
    """Stream one answer to the current task, live; never raises for a failed call."""
    sample = session.new_sample()
    ui.note(f"{sample.label} · {session.task.label} · seed {sample.seed}")
    display = StreamDisplay(ui.out, ui.width, live=ui.live, color=ui.color)
    try:
        response = await stream_into(session.provider, session.request_for(sample),
                                     display.feed)
    except asyncio.CancelledError:
        _keep_partial(sample, display, "cancelled")
        ui.show("⏹ cancelled (Ctrl-C) — the session goes on; the partial answer is not saved",
                style="yellow")
        return sample
    except Exception as exc:  # noqa: BLE001 - a failed call is shown, never fatal
        _keep_partial(sample, display, "error")
        sample.error = _describe_error(exc)
        ui.error(f"{sample.error} — the session goes on (Enter tries again)")
        return sample
    display.finish(response)
    sample.complete(response, trace_of(response))
    ui.show(summary_line(sample.events, sample.traced_on, sample.episodes))
    ui.note(_stats(sample))
    return sample


def _keep_partial(sample: Sample, display: StreamDisplay, status: Status) -> None:
    """A stopped stream: keep what was shown (never saved), with the live events."""
    display.finish(None)
    sample.status, sample.events, sample.traced_on = status, display.events, display.traced_on
    sample.text, sample.reasoning = display.buffers["text"], display.buffers["reasoning"]


def _stats(sample: Sample) -> str:
    r = sample.response
    assert r is not None
    usage = r.usage
    reasoning = f", {usage.reasoning_tokens} reasoning" if usage.reasoning_tokens else ""
    return (f"{len(sample.text.split())} words · {usage.output_tokens} tokens out{reasoning} · "
            f"{r.latency_s:.1f}s · finish {r.finish_reason or '?'}")


def _progress(ui: Ui) -> Progress:
    return Progress(TextColumn("[bold]resample"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[flags]}", markup=False), TimeElapsedColumn(),
                    console=ui.console, transient=False, refresh_per_second=8)


async def _one_quiet(session: SpotSession, sample: Sample) -> None:
    """Generate ``sample`` without showing it (events from the complete response)."""
    try:
        response = await stream_into(session.provider, session.request_for(sample),
                                     lambda kind, piece: None)
    except asyncio.CancelledError:
        sample.status = "cancelled"
        raise
    except Exception as exc:  # noqa: BLE001 - recorded on the sample
        sample.status, sample.error = "error", _describe_error(exc)
        return
    sample.complete(response, trace_of(response))


def _flags(samples: list[Sample]) -> str:
    done = [s for s in samples if s.status == "ok"]
    checks = sum(s.self_checked for s in done)
    fixes = sum(s.corrected for s in done)
    errors = sum(s.status == "error" for s in samples)
    tail = f" · {errors} failed" if errors else ""
    return f"self-check {checks} · correction {fixes}{tail}"


async def resample(session: SpotSession, ui: Ui, n: int) -> list[Sample]:
    """``n`` fresh samples of the current task and model, with a progress bar.

    Runs ``concurrency`` at a time (one at a time for providers that serialize, like the
    embedded model). Ctrl-C stops the batch; finished samples are kept.
    """
    batch = session.new_batch()
    samples = [session.new_sample(batch) for _ in range(n)]
    limit = getattr(session.provider, "max_concurrency", None) or session.settings.concurrency
    workers = max(1, min(limit, session.settings.concurrency, n))
    queue: asyncio.Queue[Sample] = asyncio.Queue()
    for s in samples:
        queue.put_nowait(s)
    with _progress(ui) as progress:
        bar = progress.add_task("resample", total=n, flags=_flags([]))

        async def worker() -> None:
            while not queue.empty():
                sample = queue.get_nowait()
                await _one_quiet(session, sample)
                progress.update(bar, advance=1, flags=_flags(samples))

        try:
            await asyncio.gather(*(worker() for _ in range(workers)))
        except asyncio.CancelledError:
            for s in samples:
                if s.status == "running":
                    s.status = "cancelled"
            progress.update(bar, flags=_flags(samples) + " · cancelled")
    return samples
