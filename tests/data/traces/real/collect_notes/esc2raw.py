"""Decode JSON-escaped fragments (copied verbatim from read_file output) into raw/ block files.
usage: python3 esc2raw.py esc/NAME.txt  -> raw/NAME.txt
Each block: '@@@ slug | record | orig' line, escaped trace, optional '@@@A' line + escaped answer, '@@@END'.
Add '@@@UN2' in header tail to decode twice (for doubly-escaped sources)."""
import json, re, sys, os
HERE = os.path.dirname(os.path.abspath(__file__))
fn = sys.argv[1]
data = open(fn, encoding='utf-8').read()
out = []
for blk in re.split(r'^@@@END\s*$', data, flags=re.M):
    blk = blk.strip('\n')
    if not blk.strip(): continue
    head, body = blk.split('\n', 1)
    twice = '@@@UN2' in head
    head = head.replace('@@@UN2', '').rstrip()
    parts = re.split(r'^@@@A\s*$', body, maxsplit=1, flags=re.M)
    dec = []
    for p in parts:
        p = p.strip('\n')
        s = json.loads('"' + p + '"')
        if twice: s = json.loads('"' + s + '"')
        dec.append(s)
    b = head + '\n' + dec[0] + '\n'
    if len(dec) > 1: b += '@@@A\n' + dec[1] + '\n'
    b += '@@@END\n'
    out.append(b)
dst = os.path.join(HERE, 'raw', os.path.basename(fn))
open(dst, 'w', encoding='utf-8').write(''.join(out))
print('wrote', dst, len(out), 'blocks')
