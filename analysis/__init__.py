"""Monthly analysis: topic discovery, hotness, 依申请→主动公开 candidates, the month's report."""
