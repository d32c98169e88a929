import json
old={json.loads(l)['id']:json.loads(l) for l in open('/tmp/corpus_pool_203.jsonl')}
new={json.loads(l)['id']:json.loads(l) for l in open('../corpus.jsonl')}
bad=[i for i in old if i not in new or new[i]['text']!=old[i]['text']]
print('old ids missing/changed:',bad)
print('total',len(new),'new',len(new)-len(old))
