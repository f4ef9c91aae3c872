"""`huiying hot-topics`, `disclosure-candidates` and `report`: the analysts' commands."""
