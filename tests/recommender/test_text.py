import random
import re

import pytest

from recommender.text import LabelAnalyzer, TextAnalyzer, fold, join_labels, tokens, words


@pytest.mark.parametrize(
    "word, folded",
    [
        ("allergies", "allergy"),
        ("infections", "infection"),
        ("diabetes", "diabete"),
        ("arthritis", "arthritis"),
        ("virus", "virus"),
        ("illness", "illness"),
        ("toes", "toe"),
        ("bones", "bone"),
        ("gas", "gas"),
    ],
)
def test_fold_only_plural_endings(word, folded):
    assert fold(word) == folded


def test_synonyms_rewrite_lay_terms_and_abbreviations():
    assert words("After a Heart Attack with COPD") == [
        "myocardial",
        "infarction",
        "chronic",
        "obstructive",
        "pulmonary",
        "disease",
    ]


def test_synonyms_respect_word_boundaries():
    assert words("flux and influenza, flu") == ["flux", "influenza", "influenza"]
    assert words("high blood") == ["high", "blood"]


def test_text_analyzer_stop_words_numbers_folding_and_bigrams():
    analyze = TextAnalyzer(ngram_range=(1, 2))
    assert analyze("The Kidney Stones of 2024") == ["nephrolithiasis"]
    assert analyze("Healthy Teeth and gums") == ["healthy", "teeth", "gum", "healthy teeth", "teeth gum"]


def test_label_analyzer_emits_whole_label_and_words():
    analyze = LabelAnalyzer()
    assert analyze(join_labels(["Diabetes Mellitus", "Heart Diseases"])) == [
        "=diabete mellitus",
        "diabete",
        "mellitus",
        "=heart disease",
        "heart",
        "disease",
    ]


def test_tokens_match_scikit_learns_token_pattern():
    pattern = re.compile(r"(?u)\b\w\w+\b")
    rng = random.Random(0)
    alphabet = list("aZ9_ -.,'é\u0301\u200dİßΣ\u00a0\t中") + [chr(c) for c in range(0x250, 0x2B0)]
    for _ in range(2_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert tokens(text) == pattern.findall(text.lower())
