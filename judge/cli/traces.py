"""`judge traces INPUT`: self-check and correction events in reasoning traces."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Optional

import orjson
import typer
from typer.core import TyperCommand
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from judge.cli.app import app
from judge.cli.options import AS_JSON, NO_CACHE
from judge.errors import ConfigError, InputError
from judge.traces import parse_trace, summarize, write_run_traces
from judge.traces.parser import DETECTORS
from judge.traces.inputs import iter_jsonl, read_text
from judge.traces.render import highlighted, items_table, legend, models_table, summary
from judge.traces.runs import TRACE_SCHEMA_VERSION, TRACES, read_traces, stale_records

LANGS = ("auto", "en", "zh")


def _emit(obj: object) -> None:
    sys.stdout.buffer.write(orjson.dumps(obj) + b"\n")


def _grade(clf: Any, items: list[tuple[str, Any, str | None]]) -> list[dict[str, Any]]:
    """Grade (text, result, answer) items with the classifier, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    async def go() -> list[dict[str, Any]]:
        blocks = []
        try:
            with Progress(TextColumn("classifier"), BarColumn(), MofNCompleteColumn(),
                          console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("grade", total=len(items))
                for text, result, answer in items:
                    blocks.append(await clf.grade(text, result, answer))
                    bar.advance(task)
        finally:
            await clf.aclose()
        return blocks
    return asyncio.run(go())


def classifier_summary(clf: Any) -> None:
    st = clf.stats
    cost = f"${st.cost_usd:.4f}" if st.priced else "n/a (no price; see --prices)"
    Console(stderr=True, highlight=False).print(
        f"classifier {escape(clf.spec)}: {st.calls} calls ({st.cached} from the cache), "
        f"{st.batches} batches, {st.unparseable} unparseable, {st.errors} errors; "
        f"{st.graded} sentences graded, {st.ungraded} left to the detector; cost {cost}")
    for reason in st.reasons[:3]:
        Console(stderr=True, highlight=False).print(f"  [yellow]unparseable:[/] {escape(reason)}")


def _text(text: str, name: str, as_json: bool, lang: str | None, clf: Any = None,
          detector: str = "lexical") -> None:
    result = parse_trace(text, lang=lang, detector=detector)
    block = None
    if clf is not None:
        block = _grade(clf, [(text, result, None)])[0]
        classifier_summary(clf)
    if as_json:
        _emit({"id": name, **result.to_dict(), **({"classifier": block} if block else {})})
        return
    console = Console(highlight=False)
    console.print(Text(name, style="bold"))
    console.print(highlighted(text, result), soft_wrap=True)
    console.print()
    console.print(legend())
    console.print(summary(result))


def _jsonl(path: Path, as_json: bool, lang: str | None, clf: Any = None,
           detector: str = "lexical") -> None:
    """Parse each good line as it is read (with --json, print it at once); report each bad
    line on stderr as it comes and, at the end, fail with exit code 2 if there was one:
    the good lines' results are never lost to a bad line further down."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    rows, bad, good = [], [], 0
    for entry in iter_jsonl(path):
        if isinstance(entry, InputError):
            bad.append(entry)
            err.print(f"[bold red]error:[/] {escape(str(entry))}")
            continue
        res = parse_trace(entry.text, lang=lang, answer=entry.answer, detector=detector)
        good += 1
        if clf is not None:
            block = _grade(clf, [(entry.text, res, entry.answer)])[0]
            if as_json:
                _emit({"id": entry.id, **res.to_dict(), "classifier": block})
            else:
                rows.append((entry.id, res))
        elif as_json:
            _emit({"id": entry.id, **res.to_dict()})
        else:
            rows.append((entry.id, res))
    if clf is not None:
        classifier_summary(clf)
    if not as_json:
        Console(highlight=False).print(items_table(rows, f"{path} — {len(rows)} traces"))
    if bad:
        lines = ", ".join(str(e.line) for e in bad[:10]) + (", ..." if len(bad) > 10 else "")
        s = "s" if len(bad) > 1 else ""
        raise InputError(f"{len(bad)} bad line{s} skipped (line{s} {lines}); "
                         f"the {good} good ones were parsed", path=str(path))


def _run_dir(path: Path, as_json: bool, lang: str | None, clf: Any = None,
             detector: str = "lexical") -> None:
    stale = stale_records(path / TRACES)
    if clf is None:
        out = write_run_traces(path, lang=lang, detector=detector)
    else:
        out = graded_run(path, lang, clf)
        classifier_summary(clf)
    summaries = summarize(read_traces(out))
    note = (f"rewrote {stale} record(s) of an older traces.jsonl schema (no pivots, no "
            f"'why') to schema {TRACE_SCHEMA_VERSION}") if stale else ""
    if as_json:
        for s in summaries:
            _emit(s.to_dict())
        if note:
            Console(stderr=True, highlight=False).print(Text(note))
        return
    console = Console(highlight=False)
    console.print(models_table(summaries, f"{path} — reflection per model"))
    console.print(Text(f"wrote {out}"))
    if note:
        console.print(Text(note))


def graded_run(path: Path, lang: str | None, clf: Any) -> Path:
    from judge.traces.graded import write_graded_run_traces

    async def go() -> Path:
        try:
            return await write_graded_run_traces(path, clf, lang=lang)
        finally:
            await clf.aclose()
    with Console(stderr=True).status(f"grading {path} with {clf.spec}"):
        return asyncio.run(go())


def make_classifier(spec: str | None, every: bool, use_cache: bool,
                    prices: Path | None = None) -> Any:
    """A checked Classifier from CLI options (None without --classifier)."""
    if spec is None:
        if every:
            raise ConfigError("--classifier-all needs --classifier SPEC")
        return None
    from judge.pricing import load_prices
    from judge.traces.graded import Classifier

    return Classifier(spec, every=every, use_cache=use_cache,
                      prices=load_prices(str(prices) if prices else None))


CLASSIFIER = typer.Option(None, "--classifier", metavar="SPEC", help=(
    "Grade candidate sentences with a model (any spec: local, openai:MODEL, anthropic:MODEL, "
    "compat:M@URL; ?concurrency= ?rpm= ?tpm= ?attempts= apply). Its labels replace the "
    "detector's on the sentences it grades."))
CLASSIFIER_ALL = typer.Option(False, "--classifier-all", help=(
    "Send every sentence to the classifier, not only those with a cue (a detector event, a "
    "hesitation opener, a question)."))


class TracesCommand(TyperCommand):
    """``judge traces INPUT``, and ``judge traces train ...`` (the detector's training)."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: Any = None, **extra: Any) -> Any:
        if args and args[0] == "train":
            cmd = typer.main.get_command(train_app)
            return cmd.make_context(f"{info_name} train", list(args[1:]), parent=parent,
                                    **extra)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        if ctx.command is not self:
            return ctx.command.invoke(ctx)
        return super().invoke(ctx)


train_app = typer.Typer(add_completion=False)


@train_app.command()
def train(
    corpus: Path = typer.Option(None, "--corpus", help="The labeled real-trace corpus "
                                "directory (default: tests/data/traces/real of this checkout)."),
    out: Path = typer.Option(None, "--weights", help="Where to write the weights (default: the "
                             "shipped judge/traces/weights/detector.json)."),
    limit: int = typer.Option(None, "--limit", min=1, help="Use only the first N train/dev "
                              "traces (a quick check; never for the shipped weights)."),
) -> None:
    """Rebuild the sentence-level reflection detector's weights from the real-trace corpus.

    Trains one logistic regression per kind (self_check, correction, pivot) with
    scikit-learn on the train and dev splits only (the test split is never read): settings
    and thresholds by cross-validation grouped by source repository, then a final fit on
    train + dev. Prints the out-of-fold P/R/F1 per kind on dev (and train) next to the
    lexical patterns alone, and writes JSON weights that record the corpus version
    (sha256). Running it twice writes the same file. Needs the train extra:
    pip install 'judge[train]'.

    Examples:

    ```
    judge traces train
    judge traces train --limit 40 --weights /tmp/detector.json
    ```
    """
    try:
        import sklearn  # noqa: F401
    except ImportError as exc:
        raise ConfigError("judge traces train needs scikit-learn: pip install 'judge[train]'"
                          ) from exc
    from judge.traces.detector import weights_path
    from judge.traces.parser import lexical_events
    from judge.traces.train import default_corpus, train as fit, write_weights

    target = out or weights_path()
    doc = fit(corpus or default_corpus(), lexical_events, limit)
    write_weights(doc, target)
    print(f"wrote {target} (corpus sha256 {doc['corpus']['sha256'][:12]}, "
          f"{len(doc['features'])} features)")


@app.command("traces", cls=TracesCommand)
def traces(
    input: str = typer.Argument(..., help="A text file, '-' for stdin, a JSONL file of "
                                "{id, text, answer?} lines, or a run directory."),
    as_json: bool = AS_JSON,
    lang: str = typer.Option("auto", "--lang", help="Pattern language: en, zh or auto (both)."),
    classifier: Optional[str] = CLASSIFIER,
    classifier_all: bool = CLASSIFIER_ALL,
    no_cache: bool = NO_CACHE,
    prices: Optional[Path] = typer.Option(None, "--prices", help=(
        "Price file (USD per 1M tokens) over the bundled table, for the classifier's cost.")),
    detector: str = typer.Option("lexical", "--detector", help=(
        "lexical: the pattern library (default, ~30 MB/s). trained: the sentence-level "
        "detector (judge traces train), which also reports pivots; ~0.5 MB/s, and on the real "
        "test split no more accurate than the patterns (judge/traces/README.md).")),
) -> None:
    """Find self-check, correction and pivot events (with episodes and follow-through) in
    reasoning (the pattern library; --detector trained: the sentence-level detector, which
    also reports pivots). A run directory gets a
    traces.jsonl and a per-model summary. `judge traces train --help`: rebuild the
    detector's weights.

    Examples:

    ```
    judge traces trace.txt
    judge traces items.jsonl --json
    judge traces runs/RUN_ID/
    judge traces runs/RUN_ID/ --detector trained
    judge traces trace.txt --classifier local
    judge traces items.jsonl --classifier 'openai:gpt-5-mini?rpm=60' --json
    judge traces runs/RUN_ID/ --classifier anthropic:claude-sonnet-4-5 --classifier-all
    ```

    With --classifier, sentences with a cue are sent to the model 8 at a time with the
    sentences before them; graded events have pattern "classifier:SPEC" and why = the
    model's reason. A batch whose reply never validates is recorded as unparseable: its
    sentences keep the detector's events. Calls are cached, rate-limited and costed.
    """
    if lang not in LANGS:
        raise ConfigError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
    code = None if lang == "auto" else lang
    path = Path(input)
    if input != "-" and not path.exists():
        raise InputError("no such file or directory", path=input)
    if detector not in DETECTORS:
        raise ConfigError(f"--detector must be one of {', '.join(DETECTORS)}, not {detector!r}")
    clf = make_classifier(classifier, classifier_all, not no_cache, prices)
    if input == "-":
        _text(sys.stdin.buffer.read().decode("utf-8", "replace"), "<stdin>", as_json, code, clf,
              detector)
    elif path.is_dir():
        _run_dir(path, as_json, code, clf, detector)
    elif path.suffix.lower() == ".jsonl":
        _jsonl(path, as_json, code, clf, detector)
    else:
        _text(read_text(path), str(path), as_json, code, clf, detector)
