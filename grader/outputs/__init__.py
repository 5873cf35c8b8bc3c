"""What a run writes: the results schema and its files (`results`), the term table and LMS exports
(`term`, `export`), and the PDF reports (`report`)."""
