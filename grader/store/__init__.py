"""The store: the SQLite gradebook (`gradebook`, `migrations`), TA scores (`manual`), the run diff
(`diff`), the TA-score history file (`journal`) and backups and repair (`recovery`)."""
