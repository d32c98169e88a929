# Augmenting declarations for the compiled build of scan.py (setup.py, judge.traces.native):
# C integer types for raw_hits' positions. The .py file stays plain Python; these change
# nothing but speed (tests/traces/test_native.py compares the two builds).
import cython

@cython.locals(end=Py_ssize_t, lo=Py_ssize_t, dense=Py_ssize_t, gi=Py_ssize_t,
               a=Py_ssize_t, after=Py_ssize_t, ra=Py_ssize_t, start=Py_ssize_t,
               t_end=Py_ssize_t, e=Py_ssize_t, p=Py_ssize_t, was=Py_ssize_t,
               period=Py_ssize_t, rs=Py_ssize_t, re_=Py_ssize_t, rp=Py_ssize_t,
               j=Py_ssize_t, fs=Py_ssize_t, k=Py_ssize_t, last=Py_ssize_t, z=Py_ssize_t,
               x=Py_ssize_t, rlow=unicode, hits=list, skip_to=list, prev=list,
               last_hit=list, hit_at=list, zone_end=list, memo=list, dispatch=list,
               groups=tuple, periodic=list)
cpdef list raw_hits(object scanner, unicode low, Py_ssize_t pos=*, object endpos=*)
