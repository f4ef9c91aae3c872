"""Running crawls: child processes, the schedule's lock, scrapy-redis distribution, progress lines
and recording each run in the ledger."""
