"""Session 3: append new traces WITHOUT rewriting existing corpus lines (lines 1..330 are being annotated).
usage: python3 append_s3.py raw/FILE.txt [...]   (same block format as build.py; metadata from sources.json)
Records already in the corpus (same first 400 non-space chars) are skipped; ids continue per slug."""
import json, re, os, sys
sys.argv, files = sys.argv[:1], sys.argv[1:]
HERE = os.path.dirname(os.path.abspath(__file__))
CORP = os.path.join(HERE, '..', 'corpus.jsonl')
src = json.load(open(os.path.join(HERE, 'sources.json'), encoding='utf-8'))
from blocks import blocks, cut, norm
old = [json.loads(l) for l in open(CORP, encoding='utf-8')]
seen = {norm(r['text']): r['id'] for r in old}
maxn = {}
for r in old:
    s, n = r['id'].rsplit('-', 1); maxn[s] = max(maxn.get(s, 0), int(n))
recs = []
for fn in files:
    for slug, record, orig, t, a in blocks(fn):
        s = src[slug]
        full_len = len(t); approx = False
        if orig.startswith('~'): approx = True; orig = orig[1:]
        if orig not in ('-', ''): full_len = max(full_len, int(orig))
        if len(t) < 300: print('SKIP short', slug, record, len(t)); continue
        text, tr = cut(t)
        if full_len > len(text): tr = True
        if not tr: full_len = len(text)
        k = norm(text)
        if k in seen: print('DUP', slug, record, '==', seen[k]); continue
        maxn[slug] = maxn.get(slug, 0) + 1
        rid = f"{slug}-{maxn[slug]:03d}"; seen[k] = rid
        recs.append({'id': rid, 'source': s['source'], 'commit': s['commit'], 'path': s['path'], 'record': record,
            'model': s['model'], 'family': s['family'], 'lang': s.get('lang_override', {}).get(record, s['lang']),
            'licence': s['licence'], 'selection': s['selection'], 'truncated': tr, 'chars_original': full_len,
            'text': text, 'answer': a if a.strip() else None, **({'chars_original_approx': True} if approx and tr else {})})
with open(CORP, 'a', encoding='utf-8') as f:
    for r in recs: f.write(json.dumps(r, ensure_ascii=False) + '\n')
print('appended', len(recs), [r['id'] for r in recs])
