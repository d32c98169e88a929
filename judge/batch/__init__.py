"""Batch mode: large runs through the OpenAI Batch API and Anthropic Message Batches.

    judge run PROBES -m openai:... --batch      submit generation (judging follows as a
                                                 second phase once responses are in)
    judge batch status RUN                       batch, model, state, counts
    judge batch collect RUN [--retry-failed] [--wait]
    judge batch cancel RUN

Modules: ``vendor`` (types, chunking, retried control calls), ``openai_batch`` and
``anthropic_batch`` (one per vendor), ``ledger`` (manifest entries, custom_id maps),
``generation`` and ``judging`` (work items ↔ batch lines ↔ records), ``engine``
(submit / poll / collect / cancel), ``context`` (opening a run), ``start`` (what
``judge run --batch`` does).
"""

from judge.batch.context import BatchSettings, RunContext, open_context
from judge.batch.engine import BatchEngine, PassReport
from judge.batch.ledger import BatchEntry, Ledger
from judge.batch.vendor import batchable

__all__ = ["BatchEngine", "BatchEntry", "BatchSettings", "Ledger", "PassReport", "RunContext",
           "batchable", "open_context"]
