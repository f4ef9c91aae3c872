"""The month's analysis from the ledger, its 依申请→主动公开 candidates and its report.

month       volumes, on-time rate, overdue items, topics and candidates of a month
candidates  recurring requests for information, told apart from complaints
decisions   the analyst's accept / dismiss / publish decisions matched to candidates
report      the Word report and the Excel tables
charts      the report's charts (matplotlib, Noto Sans CJK)
"""
