"""The office itself: user accounts and roles, the 处室 catalogue, administration, login limits."""
