"""The words a count's grammar turns on: what may stand between a number and its event verb,
what makes a number a measure, a subset or a running total, and who is kin of the people counted
(see `tally`)."""

from __future__ import annotations

import re

from tracker.subjects.patterns import word_set

BEFORE_FILLER = word_set(
    "a an the another further more total of all some at least over than nearly almost about around "
    "roughly up to as many its their additional approximately just well no fewer less estimated"
)
AFTER_FILLER = word_set(
    "who that were was have has had been being are is also all later subsequently eventually then "
    "freshly newly just recently already finally formally officially reportedly"
)
# Words that may follow a bare count ("freed 52 on Thursday", "frees 52 as talks go on").
BARE_FOLLOWERS = word_set(
    "on in at to into from after with and more others other were was who last this overnight "
    "yesterday today monday tuesday wednesday thursday friday saturday sunday early late by under as "
    "amid following before during through via when while but or so then since across near toward towards"
)
# Appositions a count may carry before its verb: "The prisoners, 52 in total, were released".
TOTAL_WORDS = frozenset({"in", "total", "all", "altogether", ","})
MEASURES = word_set(
    "percent per years year months month weeks week days day hours hour minutes minute times km "
    "kilometres kilometers miles dollars euros roubles rubles million billion tonnes tons flights "
    "aircraft planes jets pages seats votes points degrees a.m. p.m. o'clock decades decade"
)
# Before a number, these make it part of a larger group ("including 14 foreigners", "among them
# 14"). "Among the 123 freed" names the whole group, but only in passing: never counted either.
SUBSET_BEFORE = frozenset({"including", "incl.", "incl", "among", "includes", "included", "them", "whom"})
SUBSET_AFTER = frozenset({"them", "whom", "those", "these", "the"})
CONNECTIVES = ("along with", "together with", "as well as", "alongside", "and", "with")
CONNECTIVE_WORDS = frozenset({"with", "along", "together", "as", "well"})
# Words that open a parenthetical subset after a count: "52 prisoners, including 14 foreigners, ...".
PARENTHETICAL_OPENERS = word_set("including incl. among mostly many most some of such")
CUMULATIVE_MARKERS = re.compile(
    r"\b(?:so far|to date|in total|altogether|overall|cumulative(?:ly)?|this year)\b", re.I
)
BRINGING = word_set("bringing brings brought bring taking takes took raising raises")
KIN = word_set("relatives members families wives husbands children sons daughters parents")
HELD_PHRASE_WORDS = 10  # "52 prisoners held in ... were freed"
# Words that open an apposition after a name: "Tsikhanouski, the blogger whose wife ..., and 13 others".
APPOSITION_OPENERS = word_set("the a an who whose which his her")
