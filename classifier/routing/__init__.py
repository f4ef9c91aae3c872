"""Routing to 处室: the model, the catalogue prior, model cards, evaluation, seed corpus, negatives."""
