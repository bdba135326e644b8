"""Hard limits on the work one article can cost, so that interpretation time stays linear.

Every analysis of a sentence is linear or close to it in the sentence's length, and a sentence
is never longer than MAX_SENTENCE_CHARS, so an article costs at most a constant times its length;
MAX_TEXT_CHARS bounds that length and MAX_CLAIMS what comes out. The limits sit far above real
reporting (the longest sentence of a news article is rarely over 600 characters, and a long
feature is some 40,000 characters), so they only ever cut hostile or broken text: a page with no
sentence breaks, a subject's words repeated thousands of times.
"""

from __future__ import annotations

# Characters of an article's text that are interpreted; the rest is ignored.
MAX_TEXT_CHARS = 100_000
# A longer "sentence" is cut into pieces at clause breaks (or at a space, or hard).
MAX_SENTENCE_CHARS = 1_000
# Cues and mentions of one subject looked at in one sentence (in text order; the rest ignored).
MAX_CUES_PER_SENTENCE = 40
MAX_MENTIONS_PER_SENTENCE = 40
# Claims taken from one article; extraction stops at this many.
MAX_CLAIMS = 200
