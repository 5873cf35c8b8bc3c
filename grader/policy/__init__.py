"""The course policy: the course file (`course`), its CSV inputs (`csv_inputs`: submission
manifests and late-day ledger imports) and the rules (`rules`: early bonus, late days, the window)."""
