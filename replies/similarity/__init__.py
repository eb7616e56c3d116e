"""Similar paragraphs of issued letters and matching policies, for the clerk's editor.

`text` says what a suggestible passage is and how alike two are (pure); `index` keeps the
paragraph index (ParagraphText, ParagraphUse) current; `lookup` answers the editor; `labelled`
builds the labelled set that measures recall (tests and bench/similar_paragraphs.py)."""

from replies.similarity.index import paragraph_index_letter
from replies.similarity.index import paragraph_index_rebuild
from replies.similarity.index import paragraph_index_refingerprint
from replies.similarity.index import paragraph_index_refresh
from replies.similarity.index import paragraph_index_refresh_proposal
from replies.similarity.index import paragraph_index_vacuum
from replies.similarity.lookup import LetterRef
from replies.similarity.lookup import PolicySuggestion
from replies.similarity.lookup import Suggestion
from replies.similarity.lookup import paragraph_list_similar
from replies.similarity.lookup import policy_list_for_item
from replies.similarity.text import bigrams
from replies.similarity.text import is_whole
from replies.similarity.text import jaccard
from replies.similarity.text import letter_segments
from replies.similarity.text import normalize
from replies.similarity.text import split_paragraphs

__all__ = [
    "LetterRef",
    "PolicySuggestion",
    "Suggestion",
    "bigrams",
    "is_whole",
    "jaccard",
    "letter_segments",
    "normalize",
    "paragraph_index_letter",
    "paragraph_index_rebuild",
    "paragraph_index_refingerprint",
    "paragraph_index_refresh",
    "paragraph_index_refresh_proposal",
    "paragraph_index_vacuum",
    "paragraph_list_similar",
    "policy_list_for_item",
    "split_paragraphs",
]
