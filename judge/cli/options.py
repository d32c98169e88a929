"""Option definitions shared by several commands (one definition, one help text each).

Typer reads an option's default object from the signature, so a command uses these as
defaults: ``out: Path = OUT``.
"""

from __future__ import annotations

from pathlib import Path

import typer

OUT = typer.Option(Path("runs"), "--out", help=(
    "Where run directories are: new runs go there, and run ids are looked up there."))
AS_JSON = typer.Option(False, "--json", help="Print JSON (for scripts) instead of tables.")
NO_CACHE = typer.Option(False, "--no-cache", help="Do not read or write the response cache.")

# --- judging: `judge run --judge`, `judge rejudge`, `judge batch rejudge` -------------------
JUDGE = typer.Option([], "--judge", "-j", help=(
    "Judge model spec (same forms as --model); repeat for a panel of judges."))
RUBRIC = typer.Option([], "--rubric", "-r", help=(
    "Rubric: intention, strategy, coverage, faithfulness, reflection, repair, pairwise; repeat "
    "for several (default: every rubric that applies to each response)."))
JUDGE_SAMPLES = typer.Option(1, "--judge-samples", min=1, max=100,
                             help="Verdicts per item and judge (≥2 measures self-consistency).")
CROSS_QUERY = typer.Option(False, "--cross-query", help=(
    "Also judge intention of each answer against the page's other queries (discrimination)."))
JUDGE_TRIES = typer.Option(3, "--judge-tries", min=1, max=10, help=(
    "Judge replies per verdict: the first plus re-asks with the validation error."))
JUDGE_MAX_TOKENS = typer.Option(1024, "--judge-max-tokens", min=16,
                                help="Output token limit per judge call.")
JUDGE_TEMPERATURE = typer.Option(None, "--judge-temperature",
                                 help="Judge sampling temperature (default: the provider's).")
JUDGE_CONCURRENCY = typer.Option(None, "--judge-concurrency", min=1, help=(
    "Concurrent calls per judge model (default: the run's --concurrency; a judge spec's "
    "?concurrency=N wins, as do its ?rpm= ?tpm= ?attempts=)."))
CONCURRENCY = typer.Option(4, help="Concurrent calls per judge model.", min=1)
JUDGE_USE_DRAFTS = typer.Option(False, "--use-drafts", help=(
    "Judge coverage against unconfirmed key points too (`draft: true`, written by `judge "
    "probes new|import --draft-key-points`); without it drafts count as absent."))

# --- analysis: `judge analyze|compare|report` -------------------------------------------------
USE_DRAFTS = typer.Option(False, "--use-drafts", help=(
    "Count unconfirmed key points (`draft: true`) in coverage and all-core; without it they "
    "are absent (a draft the judge never saw cannot count: judge with --use-drafts)."))

# --- batch mode: `judge run --batch`, `judge batch ...` --------------------------------------
POLL = typer.Option(30.0, "--poll", min=0.0, help="Seconds between polls with --wait.")
BATCH = typer.Option(False, "--batch", help=(
    "Send openai:/anthropic: models through the vendor's batch API (half price, results "
    "within 24 h); other models run online. Judging (--judge) follows as a second phase. "
    "Returns after submitting; see `judge batch status|collect RUN`."))
WAIT = typer.Option(False, "--wait", help="With --batch: poll until every batch is done "
                                          "and collected.")
BATCH_SIZE = typer.Option(None, "--batch-size", min=1, help=(
    "With --batch: at most N requests per batch (default and cap: the vendor's limit, "
    "50,000 for OpenAI, 100,000 for Anthropic)."))
