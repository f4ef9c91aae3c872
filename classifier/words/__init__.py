"""Text into words and features: normalisation, tokeniser, user dictionary, char n-grams, TF-IDF."""
