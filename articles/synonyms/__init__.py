"""A site's synonyms: phrases its readers use and what they mean there, laid over the lay lexicon in queries."""
