"""Article HTML to plain text: what the store keeps as ``body_text`` and feeds use for titles and summaries."""

from articles.html import html_to_text


def test_html_to_text_drops_scripts_and_styles():
    html = "<p>Eat well</p><script>alert('x')</script><style>p{color:red}</style><p>Sleep</p>"
    assert html_to_text(html) == "Eat well Sleep"


def test_html_to_text_decodes_entities_and_collapses_whitespace():
    assert html_to_text("Fish &amp; chips&nbsp;&lt;3   <b>now</b>\t!") == "Fish & chips <3 now !"


def test_html_to_text_block_elements_separate_words():
    assert html_to_text("<ul><li>one</li><li>two</li></ul><h2>Three</h2>four<br>five") == "one two Three four five"
    assert html_to_text("text<p>para</p><div>graph</div>") == "text para graph"
    assert html_to_text("<dl><dt>term</dt><dd>meaning</dd></dl>") == "term meaning"


def test_html_to_text_inline_elements_do_not_split_words():
    assert html_to_text("dia<em>betes</em>") == "diabetes"


def test_html_to_text_of_nothing_or_plain_text():
    assert html_to_text(None) == ""
    assert html_to_text("") == ""
    assert html_to_text("  plain\n text  ") == "plain text"
    assert html_to_text("x < y") == "x < y"


def test_html_to_text_survives_a_lone_surrogate():
    assert html_to_text("a\ud800b <p>c</p>") == "a?b c"
