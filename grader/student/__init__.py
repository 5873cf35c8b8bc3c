"""The student side: the answer skeleton (`template`), the fillable PDF answer sheet (`sheet`), the
self-check (`selfcheck`) and the key-free kit (`kit`)."""
