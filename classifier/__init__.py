"""Text → 处室 routing, 舆情 topic tags and risk level. A pure library: imports nothing of ours.

Subpackages: ``words`` (normalisation and tokeniser, user dictionary, char n-grams, TF-IDF
features), ``routing`` (router training and prediction, the 处室 catalogue's evidence, model card
and persistence, evaluation, the cold-start seed corpus, real 非本厅职责 negatives), ``opinion``
(舆情 topic tags and risk level). ``minhash`` holds the near-duplicate signatures shared by intake
and the 舆情 event grouping.
"""
