"""The daily desk: the 台账 list and item page, triage, the workbench, review, supervision, notices."""
