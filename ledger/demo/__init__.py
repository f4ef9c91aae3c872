"""Demo content for the ledger: a plausible office history and bulk data for load tests."""
