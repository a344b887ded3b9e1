"""Reports: the statistics as text, charts (matplotlib, with a bundled CJK font) and the ledger as Excel/CSV."""
