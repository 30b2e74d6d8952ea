"""Related-article recommendations: a pure library (no Flask, no database).

Start with :class:`recommender.index.RelatedIndex` and
:func:`recommender.ranking.apply_rules`.
"""

from recommender.document import Document
from recommender.index import FORMAT_VERSION, IndexFormatError, RelatedIndex
from recommender.topk import Neighbour, TopK

__all__ = ["Document", "FORMAT_VERSION", "IndexFormatError", "Neighbour", "RelatedIndex", "TopK"]
