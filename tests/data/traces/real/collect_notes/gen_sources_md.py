import json, collections, os
HERE = os.path.dirname(os.path.abspath(__file__))
S = json.load(open(os.path.join(HERE, 'sources.json'), encoding='utf-8'))
R = [json.loads(l) for l in open(os.path.join(HERE, '..', 'corpus.jsonl'), encoding='utf-8')]
O = [json.loads(l) for l in open(os.path.join(HERE, 'corpus_overflow.jsonl'), encoding='utf-8')]
kept = collections.Counter(r['id'].rsplit('-', 1)[0] for r in R)
over = collections.Counter(r['id'].rsplit('-', 1)[0] for r in O)
langs = collections.defaultdict(set)
for r in R: langs[r['id'].rsplit('-', 1)[0]].add(r['lang'])
def esc(s): return str(s).replace('|', '\\|').replace('\n', ' ')
N = len(R)
repo_tot = collections.Counter(r['source'] for r in R)
DOUBTS = [
 f"**Size and language share.** The corpus has {N} traces, {sum(r['lang']=='zh' for r in R)} of them Chinese ({100*sum(r['lang']=='zh' for r in R)/N:.1f}%). Session 1 collected 175 (after its cap), session 2 grew the corpus to 330, session 3 appended 90 (rows 331 on).",
 "**Licences.** Few repositories have a licence. markyx316/LLM-Reasoning-Trace-Topology is MIT. datawhalechina/self-llm has an Apache-2.0 LICENSE at its root (found in session 3; the session-1/2 self-llm rows still say unknown, since rows 1-330 are frozen). EthanCratchley/cot-faithfulness-research is MIT for its code, and its LICENSE says model outputs and datasets belong to their owners. No licence file was found in any other repository, so whether their traces may be redistributed is unclear.",
 "**Model names are taken from the files and were not verified.** The files name many recent models: Qwen3.8-27B, Qwen3.6-27B, qwen3.5:9b, GLM-5.1, Kimi-K2.6, deepseek-v4-flash, doubao-seed-2.0-pro, gemma-4, gemini-3.1-pro-preview and Claude 4.5. Many files carry 2026 dates. The markyx R1 file calls the model \"deepseek-reasoner\" through the API, which may not be the original DeepSeek-R1 weights; it is filed under family deepseek-r1. xbasset's `deepseek-r1:8b` is the Ollama tag for DeepSeek-R1-Distill-Llama-8B, so it is filed under r1-distill.",
 "**Families outside the brief's list** are labelled `other:<name>`: qwen3.5, doubao-seed, gpt-oss, deepseek-v4, gemma4, minimax, nemotron and olmo. Qwen3.6-27B and Qwen3.8-27B are counted as qwen3.",
 "**Curated sources.** The agatha-duzan files are outputs of the repository's own monitor stress-test experiments, one file per idea or sub-experiment. The uchicago-xlab `_highlights` files were hand-picked by the authors to show phenomena: an undisableable reasoning channel, and honest handling of a planted hint. The authors did not pick by reflection words, but these traces are not random samples. For the uchicago honest example (deepseek_v4_flash, with_cot arm), the quoted \"Chain of Thought\" looks like the API reasoning channel, but it could be visible chain of thought.",
 "**xbasset/deepseek-r1-eval** holds 7 repeated samples of one prompt (counting letters in \"strawberry\"). The texts differ, but the task is the same.",
 "**GaoKao-bench** records hold a \"first\" and a \"final\" (self-review) response; sessions 1 and 2 used both (the final one is often a short self-review). The Gemini trace is a provider thought *summary* (OpenRouter `reasoning.text`), not raw thinking. The doubao traces are long Chinese math reasoning.",
 "**datawhalechina/self-llm** traces are model outputs that tutorial authors pasted into markdown docs, so light editing cannot be ruled out. One doc whose trace had been visibly abridged with \"...\" was skipped.",
 "**JieShenAI/csdn**: the trace is a notebook cell printing `data[0]` of a vLLM prediction file. The model (DeepSeek-R1-Distill-Qwen-7B) comes from the project's inference script, not from the record itself.",
 "**Session 3 sources.** Session 3 fetched local mirrors of the repositories and extracted records by script (exact strings, no hand copying). New repositories: thcharara/cot-faithfulness (DeepSeek-R1-Distill-Llama-8B, one trace per prompt folder) and levavakian/cot-faith (deepseek-reasoner). **Doubt (levavakian):** the script calls deepseek-reasoner on the beta endpoint with the assistant message prefilled with `<think>\\n` (prefix completion), so the thinking text arrives in the content channel, not in reasoning_content. It reads like R1 thinking and contains the end-of-thinking marker, but it is not the API's reasoning field.",
 "**self-llm (session 3):** the MiniMax-M2 SGLang tutorial's Chinese output (selfllm-minimax-sgl-001) is also pasted, word for word, in the repo's GLM-4.7-Flash SGLang tutorial, so its model attribution rests on the MiniMax tutorial. The Ascend Qwen3-8B tutorials hold three answers to the same prompt (5的阶乘), from different serving stacks.",
 "**tobypullan/logit_cot_overthinking (session 3):** the matched_controls and candidate_reruns files hold cohorts the authors picked by trace length for an overthinking study; the records were taken in file order within them.",
 "**Transcription.** Traces were copied from tool output. The later batches were pasted as JSON-escaped fragments and decoded by script (`esc2raw.py`), which is exact. The earlier batches were hand-copied into `raw/`, so small transcription slips (whitespace, a dropped character) are possible there.",
 "**Degenerate text.** Pages with runaway repetition were skipped, but some kept traces still contain repetitive stretches; ethan-oss question_id 544 is one (gpt-oss repeating itself).",
 "**Truncated model outputs.** Where the model hit its token limit (e.g. ethan-qwen38 question_id 930, 36,314 characters), only the opening part is kept, cut at a paragraph boundary.",
]
lines = []
A = lines.append
A('# Real reasoning-trace corpus: sources and provenance\n')
A(f'`corpus.jsonl` holds **{N} traces** from **{len(repo_tot)} public GitHub repositories**. Every trace is text produced by a reasoning model (a thinking block, `reasoning_content` / `reasoning` field, `<think>` block, analysis channel, or a provider thought summary) and was copied from a file stored in the repository. The text is the stored string with JSON escapes decoded. Some traces were cut to 6,000 characters or fewer, at a paragraph or sentence boundary; these have `truncated: true` and `chars_original` set to the full length.\n')
A('## How records were chosen\n')
A('- Records were taken **in file order**: the first records of a file, or all complete records on a page read at a given offset. Records were never chosen by their content. Where a choice was forced, the selection column says what it was.')
A('- Traces under 300 characters were skipped, as were exact or near-duplicates (the same first 400 non-space characters).')
A('- When one prompt template was repeated many times on a page, only the first record per template was kept.')
A('- Two kinds of degenerate output were skipped, and this is noted: endless repetition loops, and traces that humans had abridged with "...".')
A('- **Per-repository cap.** Session 1 capped each repository at 27 traces (15.4% of its 175-trace corpus). Since session 2 the rule is that no repository exceeds 20% of the corpus; the largest are listed under Totals.')
A('  - Three repositories had more than that. For each, the kept traces were picked round-robin over its files.')
A('  - For GaoKao-bench, all Chinese traces were kept first, and then English traces were picked round-robin.')
A('  - The 28 traces removed by the cap are in `collect_notes/corpus_overflow.jsonl`. They are valid traces from the same sources, kept in case the cap is relaxed.')
A('- Some `chars_original` values are not exact:')
A('  - In 20 records the full length was not fully read. These have the extra field `chars_original_approx: true`, and the value is a lower bound or estimate.')
A('  - In a few EthanCratchley files the value was taken from the file\'s `reasoning_chars` field. That field may count a channel-marker prefix of about 20 to 30 characters.')
A('- Scripts (scratch): `collect_notes/` holds the scripts and scratch files.')
A('  - `raw/*.txt` and `esc/*.txt`: the transcribed traces.')
A('  - `sources.py` / `sources.json`: the metadata.')
A('  - `build.py`: assembled the corpus in sessions 1-2 (it rewrites the whole file, so it is no longer run).')
A('  - `append_s3.py`: session 3; appends new rows from `raw/` files without touching the existing lines (rows 1-330 are being annotated), same cut/dedupe rules, ids continue per slug.')
A('  - `finalize.py`: applied the session-1 cap (no longer run).')
A('  - `validate.py`: checks the result.')
A('  - `PROGRESS.md`: records which pages were read.')
A('- **Forbidden sources.** None of the reserved evaluation repositories was used or opened. Two of them showed up in search results; they were not opened.\n')
A('## Totals\n')
for key, title in (('family', 'Family'), ('lang', 'Language'), ('source', 'Repository')):
    c = collections.Counter(r[key] for r in R)
    A(f'**{title}:** ' + ', '.join(f'{k} {v} ({100*v/N:.1f}%)' for k, v in c.most_common()) + '\n')
A('## Per-file table\n')
A('| source repo | commit | path | model (as stated) | family | licence | traces in corpus (removed by cap) | lang | how we know it is model output | how records were selected |')
A('|---|---|---|---|---|---|---|---|---|---|')
order = sorted(S.items(), key=lambda kv: (-repo_tot.get(kv[1]['source'], 0), kv[1]['source'], kv[0]))
for slug, v in order:
    k, o = kept.get(slug, 0), over.get(slug, 0)
    if k == 0 and o == 0: continue
    A(f"| {esc(v['source'])} | `{v['commit']}` | `{esc(v['path'])}` | {esc(v['model'])} | {v['family']} | {esc(v['licence'])} | {k}" + (f' ({o})' if o else '') + f" | {','.join(sorted(langs[slug])) or v['lang']} | {esc(v['evidence'])} | {esc(v['selection'])} |")
A('\nIds in `corpus.jsonl` are `<slug>-NNN`; the slug is the first part of the id, e.g. `gaokao-doubao-003`.\n')
A('## Doubts and caveats\n')
for d in DOUBTS: A('- ' + d)
open(os.path.join(HERE, '..', 'SOURCES.md'), 'w', encoding='utf-8').write('\n'.join(lines) + '\n')
print('ok')
