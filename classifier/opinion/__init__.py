"""舆情 topic tags and risk level."""
