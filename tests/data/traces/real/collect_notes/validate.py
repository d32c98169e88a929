import json, collections, re, os
HERE = os.path.dirname(os.path.abspath(__file__))
R = [json.loads(l) for l in open(os.path.join(HERE, '..', 'corpus.jsonl'), encoding='utf-8')]
ROOT = os.path.abspath(os.path.join(HERE, *[os.pardir] * 5))
CONTRACT = os.path.join(ROOT, os.pardir, 'shared', 'REFLECTION.md')


def reserved_sources(path: str = CONTRACT) -> list[str]:
    """The repositories REFLECTION.md reserves for independent evaluation (owner/name),
    read from the contract so that no copy of the list lives here."""
    text = open(path, encoding='utf-8').read()
    section = text.split('## Sources reserved for independent evaluation', 1)[1].split('\n## ', 1)[0]
    names = re.findall(r'[A-Za-z0-9][\w.-]*/[\w.-]*\w', section.split(':', 1)[1])
    assert names, f'{path}: no reserved repositories found'
    return names


FORBID = reserved_sources()
REQ = ['id','source','commit','path','record','model','family','lang','licence','selection','truncated','chars_original','text','answer']
ids = [r['id'] for r in R]
assert len(ids) == len(set(ids)), 'dup ids'
for r in R:
    for k in REQ: assert k in r, (r['id'], k)
    assert r['source'].lower() not in [f.lower() for f in FORBID], r['id']
    assert re.fullmatch(r'[0-9a-f]{40}', r['commit']), r['id']
    assert 300 <= len(r['text']) <= 6000, (r['id'], len(r['text']))
    assert r['lang'] in ('en', 'zh')
    assert isinstance(r['truncated'], bool) and isinstance(r['chars_original'], int)
    assert r['chars_original'] >= len(r['text'])
    assert r['truncated'] == (r['chars_original'] > len(r['text'])), r['id']
    assert '<think>' not in r['text'] and '</think>' not in r['text'], r['id']
    zh = sum('\u4e00' <= ch <= '\u9fff' for ch in r['text'])
    if r['lang'] == 'zh': assert zh > 50, (r['id'], zh)
N = len(R)
print('total', N)
for key in ('family', 'lang', 'source'):
    c = collections.Counter(r[key] for r in R)
    print(key, [(k, v, f'{100*v/N:.1f}%') for k, v in c.most_common()])
print('truncated', sum(r['truncated'] for r in R), 'approx-orig', sum(1 for r in R if r.get('chars_original_approx')))
print('literal backslash-n in text:', sum('\\n' in r['text'] for r in R))
print('lengths min/median/max', min(len(r['text']) for r in R), sorted(len(r['text']) for r in R)[N//2], max(len(r['text']) for r in R))
