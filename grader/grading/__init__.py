"""Grading: one answer against its rules (`item`), a folder of answer files (`batch`: the process
pool, the roster, two files of one student), and the cache that skips unchanged files (`cache`)."""
