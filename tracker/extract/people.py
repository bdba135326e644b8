"""Does a noun name people? The heads a head count ("three Lutheran pastors") or a release of one
person ("a U.S. citizen walked free") hangs on.

No fixed list can hold every group a release is reported of (priests, Lithuanians, bloggers,
conscripts...), so a noun counts as people when it is a common person noun, a capitalised plural
after a number (nationalities and faiths: "17 Lithuanians", "two Catholics"), or carries a suffix
that makes person nouns ("journalists", "detainees", "Ukrainians", "fishermen", "protesters").
Suffixes also make things ("containers", "documents"), so words that are plainly not people are
refused first; a count is only taken for a noun a release cue binds to, which keeps the rest rare.
"""

from __future__ import annotations

from tracker.extract.tokens import Token
from tracker.subjects.patterns import word_set

PERSON_PLURALS = word_set(
    "people persons individuals prisoners detainees inmates captives hostages convicts citizens "
    "nationals foreigners men women children minors teenagers youths students priests pastors monks "
    "nuns clergy clergymen bishops believers worshippers relatives parents mothers fathers sons "
    "daughters brothers sisters wives husbands families dissidents opponents critics figures "
    "politicians candidates lawyers doctors workers volunteers soldiers officers servicemen sailors "
    "crew pilots residents natives refugees migrants members leaders veterans elderly pensioners artists "
    "writers poets musicians athletes bloggers reporters journalists activists defenders "
    "protesters protestors demonstrators unionists trade-unionists prisoners-of-war pows "
    "americans britons poles swedes danes finns czechs slovaks serbs croats turks kazakhs uzbeks "
    "tajiks georgians"
)
PERSON_SINGULARS = word_set(
    "person individual prisoner detainee inmate captive hostage convict citizen national foreigner "
    "man woman child minor teenager youth student priest pastor monk nun clergyman bishop believer "
    "relative mother father son daughter brother sister wife husband dissident opponent critic "
    "figure politician candidate lawyer doctor worker volunteer soldier officer serviceman sailor "
    "pilot resident native refugee migrant member leader veteran pensioner artist writer poet musician "
    "athlete blogger reporter journalist activist defender protester protestor demonstrator "
    "unionist american briton pole swede dane finn czech slovak serb croat turk kazakh uzbek tajik "
    "georgian resident-alien"
)
# Participles that open a phrase describing people held: "three pastors held in a penal colony".
HELD = word_set("held kept jailed imprisoned detained sentenced serving convicted arrested incarcerated")
_PLURAL_SUFFIXES = ("ists", "ians", "ees", "ers", "ors", "men", "women", "ants")
_SINGULAR_SUFFIXES = ("ist", "ian", "ee", "er", "or", "man", "woman", "ant")
# Nouns with a person suffix that name things, and capitalised plurals that are not people.
_NOT_PEOPLE = word_set(
    "containers orders papers letters numbers matters quarters headquarters chapters borders "
    "barriers charters filters layers meters metres parameters powers transfers waivers tankers "
    "computers engines airliners carriers boosters sectors factors motors monitors corridors "
    "elevators doors floors errors terrors rumors rumours favors favours colors colours honors "
    "honours tractors reactors indicators degrees fees trees decrees guarantees committees grants "
    "plants restaurants variants covenants states nations boeings airbuses sanctions talks news "
    "relations ties "
    "container order paper letter number matter quarter chapter border barrier charter filter layer "
    "meter metre parameter power transfer waiver tanker computer engine airliner carrier booster "
    "sector factor motor monitor corridor elevator door floor error terror rumor rumour favor favour "
    "color colour honor honour tractor reactor indicator degree fee tree decree guarantee committee "
    "grant plant restaurant variant covenant summer winter dinner river water chamber register "
    "manner banner center centre theatre theater"
)


def _capitalised(token: Token) -> bool:
    return token.text[:1].isupper()


def is_people_plural(token: Token) -> bool:
    """Does the plural noun `token` name people ("pastors", "Lithuanians", "journalists")?"""
    word = token.lower
    if not token.is_word or len(word) < 3 or word in _NOT_PEOPLE:
        return False
    if word in PERSON_PLURALS:
        return True
    if _capitalised(token) and word.endswith("s") and not word.endswith("ss") and word[:-1].isalpha():
        return True  # "Lithuanians", "Catholics", "Lutherans": nationalities and faiths
    return len(word) > 5 and word.endswith(_PLURAL_SUFFIXES)


def is_person_singular(token: Token) -> bool:
    """Does the singular noun `token` name a person ("citizen", "American", "dissident")?"""
    word = token.lower
    if not token.is_word or len(word) < 3 or word in _NOT_PEOPLE:
        return False
    if word in PERSON_SINGULARS:
        return True
    if _capitalised(token) and word.endswith(("an", "ian", "ese", "ish")) and word.isalpha():
        return True  # "an American", "a Lithuanian", "a Japanese"
    return len(word) > 4 and word.endswith(_SINGULAR_SUFFIXES) and not word.endswith("ss")
