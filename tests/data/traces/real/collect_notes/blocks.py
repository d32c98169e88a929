"""The raw block format and the trace cut shared by build.py and append_s3.py.
Block format:
@@@ <slug> | <record> | <orig_len or -, ~N when approximate>
<trace text>
@@@A
<answer text or nothing>
@@@END"""
import re
MAXC = 6000


def cut(t, lim=MAXC):
    """(text cut at a paragraph, else sentence, else word boundary below lim, truncated?)."""
    if len(t) <= lim: return t, False
    head = t[:lim]
    i = head.rfind('\n\n')  # prefer a paragraph boundary
    if i >= lim * 0.6: return head[:i].rstrip(), True
    best = -1  # else a sentence boundary
    for m in re.finditer(r'(?<=[.!?。！？])\s|(?<=[。！？])|\n', head):
        best = m.end()
    if best > 0: return head[:best].rstrip(), True
    i = head.rfind(' ')
    return head[:i].rstrip(), True


def norm(x):
    """The dedupe key: the first 400 non-space characters."""
    return re.sub(r'\s+', '', x)[:400]


def blocks(fn):
    """Yield (slug, record, orig, trace, answer) for each block of file fn; a bad header is printed and skipped."""
    data = open(fn, encoding='utf-8').read()
    for blk in re.split(r'^@@@END\s*$', data, flags=re.M):
        blk = blk.strip('\n')
        if not blk.strip(): continue
        m = re.match(r'@@@ (\S+) \| (.+?) \| (~?\S+)\s*\n', blk)
        if not m: print('BAD block in', fn, blk[:80]); continue
        slug, record, orig = m.groups()
        body = blk[m.end():]
        if '\n@@@A' in body or body.startswith('@@@A'):
            t, a = re.split(r'^@@@A\s*$', body, maxsplit=1, flags=re.M)
        else:
            t, a = body, ''
        yield slug, record, orig, t.strip('\n'), a.strip('\n')
