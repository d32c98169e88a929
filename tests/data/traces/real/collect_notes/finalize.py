"""Apply the per-repository cap to the built corpus.
Input : ../corpus.jsonl as written by build.py (all collected traces)
Output: ../corpus.jsonl (capped set), corpus_overflow.jsonl (traces removed by the cap, kept for reference)
Rule  : at most CAP traces per source repository (CAP=27 -> max share 27/175 = 15.4%).
        Within an over-cap repository, traces are kept round-robin over its files/slugs (file order within
        each slug), except GaoKao-bench where all zh traces are kept first (to help the zh share) and the
        en traces are then filled round-robin. No choice depends on trace content."""
import json, os, collections
HERE = os.path.dirname(os.path.abspath(__file__))
CORP = os.path.join(HERE, '..', 'corpus.jsonl')
CAP = 27
R = [json.loads(l) for l in open(CORP, encoding='utf-8')]
by_src = collections.OrderedDict()
for r in R: by_src.setdefault(r['source'], []).append(r)
keep_ids = set(); over = []
def rr(recs):
    slugs = collections.OrderedDict()
    for r in recs: slugs.setdefault(r['id'].rsplit('-', 1)[0], []).append(r)
    out = []; lists = list(slugs.values()); i = 0
    while any(lists):
        for L in lists:
            if L: out.append(L.pop(0))
    return out
for src, recs in by_src.items():
    if len(recs) <= CAP:
        keep_ids.update(r['id'] for r in recs); continue
    if src == 'rongrongrong233/GaoKao-bench':
        order = [r for r in recs if r['lang'] == 'zh'] + rr([r for r in recs if r['lang'] != 'zh'])
    else:
        order = rr(recs)
    k = order[:CAP]
    keep_ids.update(r['id'] for r in k)
    note = f' [corpus cap: this repository contributed {len(recs)} collected traces; {CAP} kept, chosen round-robin over its files' + (', all zh traces first' if src == 'rongrongrong233/GaoKao-bench' else '') + ']'
    for r in recs:
        if r['id'] in keep_ids: r['selection'] = r['selection'] + note
kept = [r for r in R if r['id'] in keep_ids]
over = [r for r in R if r['id'] not in keep_ids]
with open(CORP, 'w', encoding='utf-8') as f:
    for r in kept: f.write(json.dumps(r, ensure_ascii=False) + '\n')
with open(os.path.join(HERE, 'corpus_overflow.jsonl'), 'w', encoding='utf-8') as f:
    for r in over: f.write(json.dumps(r, ensure_ascii=False) + '\n')
print('kept', len(kept), 'overflow', len(over))
