"""Administration pages: users and roles, the 处室 catalogue, rules, holidays, sources, the routing model."""
