"""Assemble corpus.jsonl from raw/*.txt block files + sources.json.
Block format (parsed by blocks.py):
@@@ <slug> | <record> | <orig_len or -> 
<trace text>
@@@A
<answer text or nothing>
@@@END
Trace text is the real characters copied from the source (JSON escapes undone)."""
import json, re, glob, os, sys, unicodedata
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'corpus.jsonl')
src = json.load(open(os.path.join(HERE, 'sources.json'), encoding='utf-8'))
from blocks import blocks, cut, norm
recs = []
for fn in sorted(glob.glob(os.path.join(HERE, 'raw', '*.txt'))):
    for slug, record, orig, t, a in blocks(fn):
        s = src[slug]
        full_len = len(t); approx = False
        if orig.startswith('~'): approx = True; orig = orig[1:]
        if orig not in ('-', ''): full_len = max(full_len, int(orig))
        if len(t) < 300:
            print('SKIP short', slug, record, len(t)); continue
        text, tr = cut(t)
        if full_len > len(t): tr = True
        ans = a if a.strip() else None
        recs.append(dict(slug=slug, source=s['source'], commit=s['commit'], path=s['path'], record=record,
            model=s['model'], family=s['family'], lang=s.get('lang_override', {}).get(record, s['lang']),
            licence=s['licence'], selection=s['selection'], truncated=tr, chars_original=full_len,
            text=text, answer=ans, **({'chars_original_approx': True} if approx and tr else {})))
# ids, dedupe
seen = {}; out = []; cnt = {}
for r in recs:
    k = norm(r['text'])
    if k in seen: print('DUP', r['slug'], r['record'], '==', seen[k]); continue
    seen[k] = (r['slug'], r['record'])
    cnt[r['slug']] = cnt.get(r['slug'], 0) + 1
    slug = r.pop('slug')
    r = {'id': f"{slug}-{cnt[slug]:03d}", **r}
    out.append(r)
with open(OUT, 'w', encoding='utf-8') as f:
    for r in out: f.write(json.dumps(r, ensure_ascii=False) + '\n')
print('wrote', len(out))
short = [ (r['id'], len(r['text'])) for r in out if len(r['text']) < 300]
print('short(<300):', short)
from collections import Counter
print(Counter(r['family'] for r in out)); print(Counter(r['lang'] for r in out)); print(Counter(r['source'] for r in out))
