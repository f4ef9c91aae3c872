"""Text → 处室 routing, 舆情 topic tags and risk level. A pure library: imports nothing of ours.

Modules: ``text`` (tokeniser), ``features`` (TF-IDF), ``model`` (router training and prediction),
``card`` (model card and persistence), ``topics`` / ``risk`` (舆情 tags and level), ``evaluation``,
``seed`` (cold-start corpus).
"""
