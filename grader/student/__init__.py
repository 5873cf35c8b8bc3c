"""The student side: the answer skeleton (`template`), the fillable PDF answer sheet (`sheet`), the
self-check (`selfcheck`) and the key-free kit (`kit`)."""

# The package a student kit carries its instance generators and its key-free rubric in
# (`kit.build_kit` writes it; `grade check` in an installed kit finds the rubric there).
KIT_PACKAGE = "kit_reference"
KIT_RUBRICS = "rubrics"  # its folder of rubrics (package data)
