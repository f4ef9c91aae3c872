"""`huiying train / predict / evaluate`, `route` and `model`: the routing model's commands."""
