"""Answer files in: a path in, a `Submission` out (`answer_file.load_submission`).

`answer_file` reads YAML and JSON under limits and dispatches a `.pdf` to `pdf_sheet` (the
fillable answer sheet); `yaml_slips` explains a YAML slip per item. Every reader treats the file
as untrusted data and returns the same document, so the same parsers and verdicts apply."""
