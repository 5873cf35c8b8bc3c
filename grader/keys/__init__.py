"""The answer key: computed by reference code (`keybook.KeyBook`), proven (`prove`: what `grade
validate` runs) and documented (`keydoc`: `grade key`)."""
