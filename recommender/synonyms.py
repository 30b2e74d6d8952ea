"""A small, hand-checked map of medical synonyms.

Each key is a lay phrase, an abbreviation or a spelling variant; its value is
the one canonical form every variant is rewritten to before tokenising, so
"heart attack" and "myocardial infarction" share terms.  The list is kept
modest on purpose: only unambiguous pairs of general medical vocabulary
(lay <-> clinical names, common abbreviations, British spellings), never pairs
chosen to lift a particular topic's score.  Ambiguous abbreviations (``MS``,
``ED``, ``PT``...) are deliberately left out.
"""

from __future__ import annotations

SYNONYMS: dict[str, str] = {
    # lay name -> clinical name
    "heart attack": "myocardial infarction",
    "high blood pressure": "hypertension",
    "low blood pressure": "hypotension",
    "high blood sugar": "hyperglycemia",
    "low blood sugar": "hypoglycemia",
    "flu": "influenza",
    # "stomach flu" is gastroenteritis, not influenza (the longer phrase is replaced first)
    "stomach flu": "gastroenteritis",
    "chickenpox": "varicella",
    "whooping cough": "pertussis",
    "kidney stones": "nephrolithiasis",
    "kidney stone": "nephrolithiasis",
    "pink eye": "conjunctivitis",
    "brain attack": "stroke",
    "cerebrovascular accident": "stroke",
    "hay fever": "allergic rhinitis",
    "bedsores": "pressure ulcers",
    "bed sores": "pressure ulcers",
    "shingles": "herpes zoster",
    # abbreviations -> spelled out
    "copd": "chronic obstructive pulmonary disease",
    "gerd": "gastroesophageal reflux disease",
    "uti": "urinary tract infection",
    "utis": "urinary tract infections",
    "std": "sexually transmitted infection",
    "stds": "sexually transmitted infections",
    "sti": "sexually transmitted infection",
    "stis": "sexually transmitted infections",
    "sexually transmitted disease": "sexually transmitted infection",
    "sexually transmitted diseases": "sexually transmitted infections",
    "adhd": "attention deficit hyperactivity disorder",
    "ibs": "irritable bowel syndrome",
    "ibd": "inflammatory bowel disease",
    "tb": "tuberculosis",
    "ckd": "chronic kidney disease",
    "chf": "congestive heart failure",
    "dvt": "deep vein thrombosis",
    "ptsd": "post traumatic stress disorder",
    "sids": "sudden infant death syndrome",
    # British -> American spelling
    "anaemia": "anemia",
    "oesophagus": "esophagus",
    "haemorrhage": "hemorrhage",
    "tumour": "tumor",
    "tumours": "tumors",
    "paediatric": "pediatric",
    "oedema": "edema",
    "diarrhoea": "diarrhea",
}
