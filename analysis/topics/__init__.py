"""Topic discovery on any messages, and the hotness ranking of the topics found.

discovery  near-duplicates → k-NN graph → Leiden → one problem at one place; topic labels
terms      words and place/organisation names of one message
sites      the period's site names, found wherever they are mentioned
features   sparse TF-IDF rows over words and names
vectors    TF-IDF, row norms and cosine neighbours (numpy/scipy, as scikit-learn computes them)
neardup    MinHash LSH near-duplicate groups
regroup    regrouping communities by place, then by problem
hotness    the hotness index and ranking

Pure: no ledger, no database, nothing of the monthly report (an import-linter contract).
"""
