import pytest

from recommender.text import LabelAnalyzer, TextAnalyzer, fold, html_to_text, join_labels, words


def test_html_to_text_drops_scripts_and_styles():
    html = "<p>Eat well</p><script>alert('x')</script><style>p{color:red}</style><p>Sleep</p>"
    assert html_to_text(html) == "Eat well\nSleep"


def test_html_to_text_decodes_entities_and_collapses_whitespace():
    assert html_to_text("Fish &amp; chips&nbsp;&lt;3   <b>now</b>\t!") == "Fish & chips <3 now !"


def test_html_to_text_block_elements_separate_words():
    assert html_to_text("<ul><li>one</li><li>two</li></ul><h2>Three</h2>four<br>five") == "one\ntwo\nThree\nfour\nfive"


def test_html_to_text_inline_elements_do_not_split_words():
    assert html_to_text("dia<em>betes</em>") == "diabetes"


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
