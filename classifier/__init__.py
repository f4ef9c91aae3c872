"""Text → 处室 routing, 舆情 topic tags and risk level. A pure library: imports nothing of ours.

Modules: ``text`` (normalisation, tokeniser), ``charngrams`` / ``features`` (TF-IDF), ``model``
(router training and prediction), ``catalogue`` (routing evidence from the 处室 catalogue), ``card``
(model card and persistence), ``topics`` / ``risk`` (舆情 tags and level), ``evaluation``, ``seed``
(cold-start corpus), ``negatives`` (real 非本厅职责 messages from the shared data folder).
"""
