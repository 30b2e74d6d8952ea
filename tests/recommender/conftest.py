import pytest

from recommender.document import Document

CORPUS = [
    Document(
        1,
        "Type 2 Diabetes",
        "Also called: adult-onset diabetes",
        "Diabetes means your blood glucose is too high. Insulin helps glucose enter cells.",
        tags=("Diabetes Mellitus, Type 2",),
        categories=("Diabetes Mellitus",),
    ),
    Document(
        2,
        "Diabetic Diet",
        "",
        "People with diabetes should watch carbohydrates; glucose and insulin matter.",
        tags=("Diabetic Diet",),
        categories=("Diabetes Mellitus", "Food and Nutrition"),
    ),
    Document(
        3,
        "Heart Attack",
        "Also called: myocardial infarction",
        "A heart attack happens when blood flow to the heart muscle is blocked. Chest pain is the main symptom.",
        tags=("Myocardial Infarction",),
        categories=("Heart and Circulation",),
    ),
    Document(
        4,
        "Coronary Artery Disease",
        "",
        "Plaque narrows the coronary arteries and can cause chest pain or a myocardial "
        "infarction. The heart muscle needs blood.",
        tags=("Coronary Artery Disease",),
        categories=("Heart and Circulation",),
    ),
    Document(
        5,
        "Sprains and Strains",
        "",
        "A sprain stretches a ligament; a strain injures a muscle or tendon. Ice helps.",
        tags=("Sprains and Strains",),
        categories=("Injuries and Wounds",),
    ),
    Document(
        6,
        "Ankle Injuries",
        "",
        "Ankle sprains are common injuries. Rest, ice and a ligament brace help.",
        tags=("Ankle Injuries",),
        categories=("Injuries and Wounds",),
    ),
]


@pytest.fixture
def corpus() -> list[Document]:
    return list(CORPUS)
