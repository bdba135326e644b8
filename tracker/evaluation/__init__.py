"""`tracker eval`: what the tool finds, scored against what a labelled corpus says it should.

scoring.py     the one scorer both use: hits, false positives and misses, precision and recall,
               and when a predicted date matches an expected one
extraction.py  claims extracted from labelled sentences (`tracker eval [FILE.jsonl]`)
story.py       the timeline folded from a corpus of dated articles (`tracker eval DIR`)
"""
