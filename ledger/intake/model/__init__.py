"""The routing model at intake: suggestions, the model's files and rollback, learning from staff,
re-suggesting for items still waiting."""
