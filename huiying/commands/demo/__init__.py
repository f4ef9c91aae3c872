"""`huiying demo-data` and `demo-history`: demo and benchmark content."""
