"""Monthly analysis: topic discovery, hotness, 依申请→主动公开 candidates, the month's report.

topics/   topic discovery on any messages (pure: no ledger, no database) and the hotness ranking
monthly/  the month from the ledger: figures, candidates and the analyst's decisions, Word/Excel
messages.py, csv_input.py  the messages both take, and reading them from a CSV file (CLI)
"""
