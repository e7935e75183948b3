"""Reading a customer's typed answer as one of the choices the bot offered (pure).

Buttons send exact values; customers who type write "they're too tight", "refnd please", "the second
one", "just 1 of them", "yeah why not". Each reader turns such an answer into a choice, or says it
could not (None, or OTHER for a reason): it never guesses between two.

How a text is read
- Normalised (NFKC, lower case, apostrophes dropped: "don't" -> "dont", "do not" -> "dont"), split
  into word tokens; sentence punctuation becomes a clause break ("." or "?").
- Each token is mapped onto a reader's small lexicon when it is a lexicon word, an inflection of one
  (a tiny suffix stemmer: "cracked", "cracks" -> "crack") or a typo of one (`_close`, rapidfuzz
  distances: a letter missing or doubled in words of 5+ letters, two neighbours swapped in words of
  3+, one letter wrong in words of 10+; the first letter must agree). Plain English words that sit one
  typo away from a lexicon word ("sort", "lose", "shirt") are never bent.
- A lexicon is a short table of cue phrases per label, written on one line each: "a|b" is either
  word, "~" skips up to two words, "?" before a cue makes it weak (half weight, never negated: a
  topic such as "quality" rather than a state such as "broken"). All cues of a lexicon are one
  compiled regex over the canonical tokens, leftmost and longest first, each word used once.
- A cue after a negation in its clause ("it's not broken", "I don't want a refund", "rather than a
  refund") does not count, unless the cue is itself negative ("don't like it", "not as described").

Decisions (the dialogue manager relies on them)
- Reasons: "ordered twice", "bought by mistake", "I ordered the wrong size", "found it cheaper" are
  changed_mind (nothing is wrong with the item, the customer no longer wants it); "you sent the wrong
  size/colour" is wrong_item. Late delivery, "other" (the button), "other reason", "something else"
  are OTHER and confident (a reason was given, it has no category of its own); "meh", "my wife" are
  OTHER, not confident. "doesn't fit" alone has no direction: OTHER, not confident. When two
  categories are named equally the merchant's fault wins (damaged, wrong_item, not_as_described,
  then too_small, too_large, changed_mind). Not reasons: "a small hole" (damaged), "the big one",
  "how long", "wrong number", "delivered to the wrong address", the words of an email address.
- `reason_in` never volunteers OTHER ("the other order", "is it too late to return?") and ignores
  question clauses ("what if they're too small?"). The dialogue reads reasons `without_titles`: an
  item's name written out ("the Ripped jeans", "le Canvas tote bag") names the item, not a reason.
- Resolutions: a clause asking something ("do you refund shipping?", "how long does a refund take?",
  "can I return a gift card?") is no answer; "can I get a refund?" is. Two resolutions named -> None,
  unless a correction separates them ("refund... no actually make it an exchange" -> exchange).
  Reason answers are read for a resolution too, so descriptions choose none ("brand new", "it's a
  different colour", "the switch is broken", "waste of money").
- Lines: ids and SKUs first, then names (a word of one title only; a word in several titles decides
  nothing; "the 3 pack"; the category when no title says it: "the shoes" for "Chelsea boots"), then
  positions ("2", "the second", "last"), then "both"/"all". A word in another form than its title's
  that is also the first or last part of another title's compound names neither ("the keys": a
  Mechanical keyboard's, or a licence key; "the key" is the key). "both" with more than two lines is
  unclear (None). "everything except the socks" and "not the shoes" (of two) work.
  `mentioned_lines` is stricter: a head noun ("the socks"), a rare title word ("chelsea") or two title
  words; a head that is a common word needs "the" ("the case", not "in case", not "my card");
  "both items" only when there are two, "all the items" and "the whole order" always.
- Quantities: "a pair" is 2; "half", "some", "a few" are None; in a longer message only numbers tied to
  the items count ("1 of the 3", "just one", "x2", "return 2", "2 pairs"), never order numbers,
  prices, postcodes or sizes. In the other languages a number counts in a longer message when tied to
  the items by their words ("einen davon", "nur einen", "un seul", "uno de ellos", 其中一件: the tables
  COUNT_AFTER and ONLY); "ein", "un", "una" alone are articles.
- Yes/no: the first yes or no word decides when the message starts with it, whatever follows ("yes,
  and where is my refund?" -> True; the manager sees the new request separately). Otherwise a short
  message (8 words at most) that is not a question and says only yes, or only no, counts. "not sure",
  "maybe" -> None; "please", "perfect" alone -> True (not "refund please", "great thanks, bye");
  "no problem", "why not" -> True.

Other languages (German, French, Spanish, Italian, Simplified Chinese: `bot.language.LANGUAGES`)
- Their words are tables in `bot.answer_words.<lang>`, one per reader, in the notation above. Every
  answer is read with every language's tables, whatever the conversation's language: no parameter to
  get wrong, mixed answers ("ja, refund please") are read, and short answer words rarely mean something
  else in another served language. English is read first with its own tables, exactly as before.
  Two exceptions read the conversation's language (`bot.language.conversing_in`, set once a turn): the
  item glossaries (NOUNS), read only in their own language, the conversation's or the message's
  ("le pull" is a sweater, "pull up my order" no item); and Spanish "ya" ("already"), no "yeah" in a
  Spanish conversation or before a no ("ya no hace falta": no longer needed).
- Their words are folded (accents off, ß -> ss, umlauts also as ae/oe/ue: "zuruck", "zurueck"), an
  apostrophe splits ("l'échange" -> l, echange; "d'accord" is also "daccord"), and a typo is forgiven in
  words of 5 letters or more ("remboursment", "kaput"). Chinese is cut into the tables' words, the
  longest first ("不是太小了" -> 不是, 太小, 了); a negation is a word before a cue, as in English.
- The other languages leave English alone: no English word is bent onto one of theirs by a typo
  ("agent" is no "argent"), a cue made only of words English reads ("a large", "fake") is English's,
  and a number word that is also English ("due") counts alone or in a message that reads Italian.
- When English and another language read different things, the message's language decides (the word
  lists of `bot.language`): "ce n'est pas trop petit" reads French, so its "pas" negates the "petit"
  English would have read; "alle außer den Socken" is German "all but", not English "all".
- Collisions, and how they are resolved: German "die" and "hat" (article, "has") are no English
  die/hate between words English does not know ("die Schuhe", "Bildschirm hat einen Riss"; "it will
  die" and "my hat" stay English). "Größe" (size) folds to "große" (big): "groß" counts only after
  zu/ist/sind. "no", "non", "si" mean the same in the languages that have them. "ne" is neither German
  "no" nor a French negation (French "ne ... pas" has its "pas"; German "ne Nummer größer" is "eine").
  "da" is no yes (German "there", Italian "from"). "vale" is yes, "un vale" store credit; French
  "avoir" is store credit only as a noun ("un avoir", not "avoir un remboursement"). "tout", "todo",
  "tutto", 都 are no "all" ("c'est tout", "llegó todo roto", 首都). "perché", "porque" (because) ask
  nothing. Chinese 是, 好, 要, 对 are a yes only when the message opens with them ("订单号是...",
  "我要退款" are no yes); 两件 is a count, not the second item. "no sé", "non so" are unsure, not no.
  "un", "ein", "una" count 1 only in a short answer (they are articles too); "les 2", "los 2" are
  both, not the second. German "tot" (dead) is damaged in a German sentence ("Akku ist tot"), not in
  English ("my tot", "tote bag"). Words of their own one typo from a cue ("quali" / qualità) are each
  language's PLAIN table.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from rapidfuzz import process
from rapidfuzz.distance import OSA, Hamming, Indel, Levenshtein

from bot import answer_words, language
from bot import text as textlib
from bot.models import OrderLine, Resolution, ReturnReason

MAX_WORDS = 500  # characters of the customer's own words kept with a reason


# ---------------------------------------------------------------------------------------------------
# Words: tokens, stems, typos


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """A crude suffix stemmer, applied alike to lexicon words and customer words: damaged, damages,
    damaging -> damag; stopped -> stop; shoes -> sho; dresses -> dress."""
    if len(word) <= 3 or not (word.isascii() and word.isalpha()):
        return word
    w = word
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses") or w.endswith(("ches", "shes", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 4:
        w = w[:-2]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def _close(token: str, word: str) -> bool:
    """Is `token` `word` typed with one slip? Substitutions produce real words ("shirt"/"short"), so
    they count only in long words; a missing, doubled or swapped letter is the usual typo."""
    if token == word:
        return True
    n = len(word)
    if len(token) < 3 or n < 3 or token[0] != word[0]:
        return False
    if len(token) == n >= 4 and OSA.distance(token, word) == 1 and Hamming.distance(token, word) == 2:
        return True  # two neighbours swapped: sokcs, chnaged, exchnage; not in three letters ("dei" is no "die")
    if n >= 5 and Indel.distance(token, word) == 1:
        return True  # a letter missing or extra: smal, brokn, refnd, damagd
    return n >= 10 and Levenshtein.distance(token, word) == 1  # a wrong letter: only in long words


# Plain words one slip away from a lexicon word ("show" / "shown", "satin" / "stain", "than" / "thank"):
# never bent onto it. Inflections are covered through their stems.
_PLAIN_WORDS = frozenset("""
all add band beak bee brake broker brother brought chap char charger choose chosen curse debt ding dirt egg
fee fond for form fund gene genre grate ill inn large loner lose loser mode monkey off odd possible powder
prince produce quickie rally replay satin see shirt shore shot show skirt slit sore sort spit spite star
stare strain sung talk tank than thin though too wast waste wilder worse
""".split())
_PLAIN = _PLAIN_WORDS | frozenset(_stem(w) for w in _PLAIN_WORDS)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})
_TOKEN = re.compile(r"\d+(?:[.,:/]\d+)+|[^\W_]+(?:'[^\W_]+)*|\?|[.,;:!()\u3002\uff01\uff1f\uff0c]")
_BREAKS = {"?": "?", "\uff1f": "?"}
_MERGE = {
    ("do", "not"): "dont", ("does", "not"): "doesnt", ("did", "not"): "didnt", ("is", "not"): "isnt",
    ("are", "not"): "arent", ("was", "not"): "wasnt", ("were", "not"): "werent", ("can", "not"): "cant",
    ("will", "not"): "wont", ("would", "not"): "wouldnt", ("could", "not"): "couldnt",
    ("have", "not"): "havent", ("has", "not"): "hasnt", ("any", "more"): "anymore",
    ("instead", "of"): "insteadof", ("apart", "from"): "except", ("other", "than"): "except",
    ("all", "but"): "all except", ("everything", "but"): "everything except",
}


_INVISIBLE = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x200E, 0x200F, *range(0x202A, 0x202F),
                            *range(0x2066, 0x206A)])


def _clean(text: str) -> str:
    """NFKC, no zero-width or bidi marks, plain apostrophes, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text or "").translate(_INVISIBLE).translate(_APOSTROPHES)
                    .lower().split())


@lru_cache(maxsize=4096)
def _tokens(text: str) -> Tuple[str, ...]:
    """Lower-case word tokens with "." and "?" as clause breaks; contractions merged ("do not" -> dont)."""
    out: List[str] = []
    for raw in _TOKEN.findall(_clean(text)):
        if raw[0].isalnum():
            tok = raw.replace("'", "")
        else:
            tok = _BREAKS.get(raw, ".")
            if out and out[-1] in (".", "?"):
                out[-1] = "?" if "?" in (tok, out[-1]) else "."
            elif out:
                out.append(tok)
            continue
        tok = "cant" if tok == "cannot" else tok
        merged = _MERGE.get((out[-1], tok)) if out else None
        if merged is None:
            out.append(tok)
        else:
            out[-1:] = merged.split()
    return tuple(out)


def _collapse(word: str) -> str:
    """Letters held down: yesss -> yes, nooo -> no, okk -> ok (a run of three, or a doubled last letter)."""
    return re.sub(r"(.)\1+$", r"\1", re.sub(r"(.)\1\1+", r"\1", word))


def _stems(words: Iterable[str]) -> FrozenSet[str]:
    return frozenset(_stem(w) for w in words)


_NEGATORS = _stems("""not no never nothing none nor neither without hardly isnt arent wasnt werent dont
doesnt didnt hasnt havent hadnt wont wouldnt cant couldnt shouldnt aint""".split())
_STOPS = _stems(". ? but just though although however and because since so actually instead".split())
_WH = _stems("how what when where why who which whats hows wheres whens whys whos".split())
_AUX = _stems("do does did is are was were has have should shall am will would".split())
_MAY = _stems("can could may".split())
_REQUESTING = _stems("get have take please just receive go".split())
_SUBJECTS = _stems("""you i we they it he she there a an the my your this that these those refund refunds
return returns exchange exchanges shipping postage store""".split())


def _question_spans(tokens: Sequence[str]) -> List[Tuple[int, int]]:
    """(start, end) of the clauses that ask something: they open with a question word, with do/is/will...
    and a subject, with "can I" and a verb other than get/have ("can I return a gift card?" asks, "can I
    get a refund" chooses), or end with "?" and hold a question word."""
    spans, start = [], 0
    for i in range(len(tokens) + 1):
        if i < len(tokens) and tokens[i] not in (".", "?"):
            continue
        clause = [_stem(t) for t in tokens[start:i]]
        if clause:
            asks = (clause[0] in _WH or (clause[0] in _AUX and clause[1:2] and clause[1] in _SUBJECTS)
                    or (clause[0] in _MAY and clause[1:2] and clause[1] in ("i", "we")
                        and clause[2:3] and clause[2] not in _REQUESTING)
                    or (i < len(tokens) and tokens[i] == "?" and any(t in _WH for t in clause)))
            if asks:
                spans.append((start, i))
        start = i + 1
    return spans


def _in_spans(position: int, spans: Sequence[Tuple[int, int]]) -> bool:
    return any(s <= position < e for s, e in spans)


# ---------------------------------------------------------------------------------------------------
# Lexicons of cue phrases


class _Hit(NamedTuple):
    label: object
    weight: float
    start: int  # token index
    negated: bool


class _Cue(NamedTuple):
    label: object
    weight: float
    negatable: bool
    literals: int
    body: str


_GAP = r"(?: [^ .?]+){0,2}"
# Spanish -ísimo and Italian -issimo (accents folded), and the spelling the root takes before them.
_SUPERLATIVE = re.compile(r"^(?P<root>[a-z]{3,}?)(?:issim|isim)(?P<ending>[oaie]s?)$")
_SUPERLATIVE_ROOTS = {"qu": "c", "gu": "g", "ch": "c", "gh": "g"}  # poquísimo, larguísimo, bianchissimo, larghissimo


class _Lexicon:
    """Cue phrases per label (see the module docstring for the notation), matched on canonical tokens."""

    def __init__(self, table: Sequence[Tuple[object, str]], negators: FrozenSet[str] = _NEGATORS,
                 window: int = 3, stops: FrozenSet[str] = _STOPS):
        self.negators, self.window, self.stops = negators, window, stops
        surface: Set[str] = set()
        cues: List[_Cue] = []
        firsts: Dict[_Cue, Tuple[str, ...]] = {}
        for label, spec in table:
            for cue in spec.split(","):
                cue = cue.strip()
                if not cue:
                    continue
                weak = cue.startswith("?")
                pieces: List[str] = []
                literals, gap, negative = 0, False, False
                first: Tuple[str, ...] = ()
                for part in cue.lstrip("?").split():
                    if part == "~":
                        gap = True
                        continue
                    alternatives = part.split("|")
                    surface.update(alternatives)
                    stems = sorted({_stem(a) for a in alternatives}, key=lambda s: (-len(s), s))
                    negative = negative or any(s in negators for s in stems)
                    if pieces:
                        pieces.append((_GAP if gap else "") + " ")
                    pieces.append("(?:" + "|".join(re.escape(s) for s in stems) + ")")
                    literals, gap = literals + 1, False
                    first = first or tuple(stems)
                made = _Cue(label, 0.5 if weak else 1.0, not (weak or negative), literals, "".join(pieces))
                cues.append(made)
                firsts[made] = first
        cues.sort(key=lambda c: -c.literals)  # longest first at a position (a stable sort keeps table order)
        self._cues = cues
        starting: Dict[str, List[int]] = {}  # a cue is tried only where its first word stands
        for i, cue in enumerate(cues):
            for stem in firsts[cue]:
                starting.setdefault(stem, []).append(i)
        self._starting = {stem: re.compile("|".join(f"(?P<c{i}>{cues[i].body})(?![^ ])" for i in indexes))
                          for stem, indexes in starting.items()}
        self._surface = frozenset(surface)
        self._stems = _stems(surface)
        self._surface_by_initial = _by_initial(self._surface)
        self._stems_by_initial = _by_initial(self._stems)
        self._cache: Dict[str, str] = {}
        self.english: FrozenSet[str] = frozenset()  # another language's lexicon: English words it leaves alone

    def canon(self, token: str) -> str:
        found = self._cache.get(token)
        if found is None:
            if len(self._cache) > 20000:
                self._cache.clear()
            found = self._cache[token] = self._canon(token)
        return found

    def _canon(self, token: str) -> str:
        stem = _stem(token)
        if stem in self._stems or token in self._surface:
            return stem
        plain = self._positive(token)
        if plain is not None:
            return plain
        if not (token.isascii() and token.isalpha()) or len(token) < 3 or token in _PLAIN or stem in _PLAIN:
            return stem
        if self.english and (len(token) < 5 or token in self.english or stem in self.english or token in _FX_PLAIN):
            return stem  # another language's words: no English word is bent onto one, nor a short word
        collapsed = _collapse(token)
        if collapsed != token and (collapsed in self._surface or _stem(collapsed) in self._stems):
            return _stem(collapsed)
        for probe, pool in ((token, self._surface_by_initial), (stem, self._stems_by_initial)):
            candidates = pool.get(probe[0], ())
            for word, _, _ in process.extract(probe, candidates, scorer=OSA.distance, score_cutoff=2, limit=5):
                if _close(probe, word):
                    return _stem(word)
        return stem

    def _positive(self, token: str) -> Optional[str]:
        """A Spanish or Italian superlative read as its adjective: grandísima -> grande, larguísimo ->
        largo, strettissimi -> stretti, pochissimo -> poco ("me queda grandísima" is "grande", only more)."""
        m = _SUPERLATIVE.match(token)
        if m is None:
            return None
        root, ending = m.group("root"), m.group("ending")
        roots = (root, root[:-2] + _SUPERLATIVE_ROOTS.get(root[-2:], root[-2:]))  # anchísimo: ancho
        for word in (r + tail for r in dict.fromkeys(roots) for tail in dict.fromkeys((ending, ending[:1], "o", "a", "e"))):
            if word in self._surface or _stem(word) in self._stems:
                return _stem(word)
        return None

    def hits(self, tokens: Sequence[str], leave_english: bool = True) -> List[_Hit]:
        """The cues in `tokens`, left to right, the longest at each word, each word used once. Another
        language's lexicon leaves cues of English words alone (`leave_english`) unless the text reads
        in another language ("ce n'est pas trop petit": the "petit" is French, and so is its "pas")."""
        canon = [t if t in (".", "?") else self.canon(t) for t in tokens]
        joined = " ".join(canon)
        offsets, at = [], 0
        for t in canon:
            offsets.append(at)
            at += len(t) + 1
        found: List[_Hit] = []
        i = 0
        while i < len(canon):
            regex = self._starting.get(canon[i])
            m = regex.match(joined, offsets[i]) if regex is not None else None
            if m is None:
                i += 1
                continue
            cue = self._cues[int(m.lastgroup[1:])]
            size = 1 + m.group().count(" ")
            if not (leave_english and self.english
                    and all(t in self.english or _stem(t) in self.english for t in tokens[i:i + size])):
                negated = cue.negatable and _negated(canon, i, self.negators, self.window, self.stops)
                found.append(_Hit(cue.label, cue.weight, i, negated))
            i += size  # words English reads ("a large", "fake", "store credit") are English's
        return found


def _by_initial(words: Iterable[str]) -> Dict[str, Tuple[str, ...]]:
    grouped: Dict[str, List[str]] = {}
    for word in words:
        if word.isascii() and word.isalpha() and len(word) >= 3:
            grouped.setdefault(word[0], []).append(word)
    return {k: tuple(sorted(v)) for k, v in grouped.items()}


def _negated(canon: Sequence[str], start: int, negators: FrozenSet[str], window: int,
             stops: FrozenSet[str] = _STOPS) -> bool:
    for j in range(start - 1, max(start - 1 - window, -1), -1):
        if canon[j] in negators:
            return True
        if canon[j] in stops:
            return False
    return False


# ---------------------------------------------------------------------------------------------------
# Other languages: the words of `bot.answer_words`, folded, and read with the same machinery

_LANGS = tuple(answer_words.BY_LANGUAGE.values())
_FOLD = str.maketrans({"ß": "ss", "œ": "oe", "æ": "ae", "ø": "o", "ł": "l"})
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


@lru_cache(maxsize=16384)
def _fold(word: str) -> str:
    """Accents off, as customers without them type: zurück -> zuruck, pequeño -> pequeno, größe -> grosse."""
    decomposed = unicodedata.normalize("NFD", word.lower().translate(_FOLD))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _spellings(word: str) -> List[str]:
    """A table word as it is typed: folded, with umlauts written out (zurück -> zuruck, zurueck), and as
    written when folding makes it an English word ("nö", not "no": English leaves "no" to English)."""
    return list(dict.fromkeys((_fold(word), _fold(word.translate(_UMLAUTS)), word.lower())))


def _fx_spec(spec: str) -> str:
    """A table's cue phrases in the notation of `_Lexicon`, folded; an elided word both ways ("d'accord"
    -> "d accord" and "daccord"), a hyphenated one as the tokens it becomes ("peut-être" -> "peut être")."""
    cues = []
    for cue in spec.split(","):
        cue = " ".join(cue.replace("-", " ").split())
        for form in dict.fromkeys([cue.replace("'", " "), cue.replace("'", "")]):
            weak, parts = form.startswith("?"), []
            for part in form.lstrip("?").split():
                parts.append(part if part == "~" else
                             "|".join(dict.fromkeys(s for a in part.split("|") for s in _spellings(a))))
            if parts:
                cues.append(("?" if weak else "") + " ".join(parts))
    return ", ".join(cues)


def _fx_entries(name: str) -> List[str]:
    """The comma-separated entries of one table in every language, folded, each spelling once."""
    found: List[str] = []
    for module in _LANGS:
        for entry in getattr(module, name, "").split(","):
            entry = " ".join(entry.replace("-", " ").replace("'", " ").split())
            found.extend(" ".join(_fold(w) for w in s.split()) for s in _spellings(entry) if entry)
    return list(dict.fromkeys(found))


def _fx_words(name: str) -> FrozenSet[str]:
    return frozenset(e for e in _fx_entries(name) if " " not in e)


def _fx_map(name: str) -> Dict[str, object]:
    merged: Dict[str, object] = {}
    for module in _LANGS:
        for key, value in getattr(module, name, {}).items():
            for spelling in _spellings(key):
                merged.setdefault(spelling, value)
    return merged


def _fx_phrases(name: str) -> "re.Pattern[str]":
    """The entries of one table as a regex over tokens joined by spaces (Chinese entries are tokens)."""
    entries = sorted(_fx_entries(name), key=len, reverse=True)
    return re.compile(r"(?<![^ ])(?:" + "|".join(re.escape(e) for e in entries) + r")(?![^ ])")


def _han_vocabulary() -> FrozenSet[str]:
    words: Set[str] = set()
    for module in _LANGS:
        for value in vars(module).values():
            texts = [value] if isinstance(value, str) else (
                [k for k in value] if isinstance(value, dict) else
                [spec for _, spec in value] if isinstance(value, list) else [])
            for text in texts:
                words.update(w for w in re.split(r"[,|~? ]+", text) if w and any(map(_is_han, w)))
    return frozenset(words)


_HAN_WORDS = _han_vocabulary()
_HAN_LONGEST = max(map(len, _HAN_WORDS), default=1)


def _segment(raw: str) -> List[str]:
    """Chinese without spaces as words: the longest table word at each place ("不是太小了" -> 不是, 太小, 了);
    a character no table holds is a word of its own; letters and digits in between stay one word."""
    out, i = [], 0
    while i < len(raw):
        size = next((n for n in range(min(_HAN_LONGEST, len(raw) - i), 0, -1) if raw[i:i + n] in _HAN_WORDS), 0)
        if not size:
            size = 1
            if not _is_han(raw[i]):
                while i + size < len(raw) and not _is_han(raw[i + size]):
                    size += 1
        out.append(_fold(raw[i:i + size]))
        i += size
    return out


@lru_cache(maxsize=4096)
def _fx_tokens(text: str) -> Tuple[str, ...]:
    """The words of `text` as the other languages' tables are written: folded, apostrophes as spaces
    ("l'échange" -> l, echange), Chinese cut into words; "." and "?" as clause breaks."""
    out: List[str] = []
    for raw in _TOKEN.findall(_clean(text).replace("'", " ")):
        if raw[0].isalnum():
            folded = raw if any(map(_is_han, raw)) else _fold(raw)
            if folded != raw and folded in _ENGLISH_KNOWN:
                folded = raw  # "nö" stays itself: folded it is English's "no", which English has read
            out.extend(_segment(raw) if any(map(_is_han, raw)) else [folded])
            continue
        tok = _BREAKS.get(raw, ".")
        if out and out[-1] in (".", "?"):
            out[-1] = "?" if "?" in (tok, out[-1]) else "."
        elif out:
            out.append(tok)
    return tuple(out)


_FX_NEGATORS = _stems(_fx_words("NEGATORS"))
_FX_NEGATORS_AFTER = _stems(_fx_words("NEGATORS_AFTER"))  # "el sombrero no, las sandalias": after what they deny
_FX_PLAIN = _fx_words("PLAIN")
_FX_STOPS = _stems([".", "?"] + list(_fx_words("BUTS")))
_FX_FILLERS = _stems(_fx_words("FILLERS"))
_FX_WH = _stems(_fx_words("QUESTION_WORDS"))
_FX_WH_ANYWHERE = frozenset(w for w in _FX_WH if any(map(_is_han, w)))  # Chinese asks mid-sentence: 退款要多久
_FX_ASKING_VERBS = _stems(_fx_words("QUESTION_VERBS"))
_FX_CORRECTIONS = _stems(_fx_words("CORRECTIONS"))


def _fx_question_spans(tokens: Sequence[str]) -> List[Tuple[int, int]]:
    """(start, end) of the clauses that ask something in another language: they open with a question
    word ("wie lange", "combien", "cuándo"), hold a Chinese one anywhere (多久, 怎么), or end with "?" and
    open with a verb that asks ("ist das kostenlos?", "es gratis?"). "kann ich umtauschen?", "puedo
    cambiarlo?", "可以退款吗" choose: they ask for the thing itself."""
    spans, start = [], 0
    for i in range(len(tokens) + 1):
        if i < len(tokens) and tokens[i] not in (".", "?"):
            continue
        clause = [s for s in (_stem(t) for t in tokens[start:i]) if s not in _FX_FILLERS]
        ends_asking = i < len(tokens) and tokens[i] == "?"
        if clause and (clause[0] in _FX_WH or any(s in _FX_WH_ANYWHERE for s in clause)
                       or (ends_asking and (clause[0] in _FX_ASKING_VERBS or any(s in _FX_WH for s in clause)))):
            spans.append((start, i))
        start = i + 1
    return spans


def _reads_foreign(text: str) -> bool:
    """Whether `text` is more another served language than English (`bot.language`'s word lists): it
    settles the rare answer the English and the other tables read differently."""
    text = text or ""
    if language.han_share(text) >= 0.3:
        return True
    scores = language.WORD_LIST.scores(text)
    return max((v for k, v in scores.items() if k != language.ENGLISH), default=0.0) > scores.get(language.ENGLISH, 0.0)


# ---------------------------------------------------------------------------------------------------
# Reasons

_R = ReturnReason
_REASONS = _Lexicon([
    (_R.TOO_SMALL, "small, smaller, tight, tighter, short, shorter, snug, narrow, tiny, petite, pinch, cramped, "
                   "squeeze, size up, too wee, "
                   "need|want|prefer|order|get|try|go|swap|exchange|change|switch|for|in ~ "
                   "bigger|larger|longer|wider|up, "
                   "bigger|larger|longer|wider size|one|ones|pair|version"),
    (_R.TOO_LARGE, "big, bigger, large, larger, loose, looser, long, longer, huge, baggy, wide, wider, oversized, "
                   "massive, enormous, size down, slip|slips|slipping|falls|falling|fall ~ off, "
                   "too lose, is|its|are|theyre|was|were|bit|way|far|slightly to lose, "
                   "need|want|prefer|order|get|try|go|swap|exchange|change|switch|for|in ~ smaller|tighter|shorter|"
                   "narrower|down, smaller|tighter|shorter|narrower size|one|ones|pair|version"),
    (_R.DAMAGED, "damage, broken, broke, break, crack, shatter, smash, dent, torn, tear, rip, hole, scratch, "
                 "stain, leak, faulty, fault, defect, defective, malfunction, dead, bent, chip, snap, burn, burnt, "
                 "mould, mold, rust, frayed, peel, split, dirty, soiled, die, dies, dying, flicker, glitch, glitchy, "
                 "overheat, overheats, overheating, cuts out, keeps cutting|turning|switching|shutting ~ off|out, "
                 "fell|falling|falls|came|coming apart, "
                 "came|come|coming|fell off, missing ~ part|parts|piece|pieces|bit|bits|button|buttons|screw|screws|"
                 "strap|lid|cable|charger|accessories, "
                 "stop|stopped ~ work|working|charging|charge, no longer work|works|working|charge|charges, "
                 "not|doesnt|dont|isnt|wont|didnt|cant|never|arent|wasnt|werent ~ work|working|turn|switch|"
                 "charge|charging|power|start|function|functioning"),
    (_R.WRONG_ITEM, "wrong, incorrect, not|isnt|wasnt|arent|werent|never ~ i|we ordered|bought|chose|picked|paid, "
                    "didnt|never order|ordered|buy|bought, someone elses, mixed up, mix up, mixup, not mine, "
                    "sent|received|got|delivered|gave|shipped ~ wrong|different|incorrect, "
                    "is|its|was|were|are|thats|this|these|they ~ different|another "
                    "item|product|model|colour|color|size|brand|style|one, "
                    "you|your ~ mistake|error"),
    (_R.NOT_AS_DESCRIBED, "not|isnt|wasnt|arent|werent|doesnt|didnt ~ as described|advertised|pictured|shown|"
                          "expected|stated|listed, not|isnt|wasnt what i|we expected|imagined|thought, "
                          "not|isnt|wasnt|doesnt|dont|didnt ~ like ~ photo|photos|picture|pictures|image|images|"
                          "description|website|site|listing|advert|ad|ads, "
                          "nothing like, look|looks|looked ~ different|nothing, misleading, fake, counterfeit, "
                          "knockoff, cheap, cheaply, flimsy, poor, poorly, different, "
                          "?website|site|listing|description|photo|photos|picture|pictures|page|ad|advert "
                          "said|says|showed|shows|stated|claimed, "
                          "too|so|very|really|quite|rather dim|loud|noisy|quiet|heavy|weak|thin|stiff, "
                          "scratchy, itchy, uncomfortable, ?quality, ?photo, ?picture, "
                          "?image, ?description, ?listing, ?advert, ?material, ?fabric, ?described, ?advertised, "
                          "?pictured"),
    (_R.CHANGED_MIND, "change ~ mind, mind changed, dont|didnt|doesnt|not|never|wont ~ need|want|like|love|suit, "
                      "no longer, anymore, unwanted, dislike, hate, regret, cheaper, better price|deal|offer, "
                      "found ~ elsewhere|better, bought|ordered|got ~ elsewhere, mistake, mistakenly, accident, "
                      "accidentally, twice, duplicate, double, i|we ordered|bought|picked|chose|clicked|got ~ wrong, "
                      "not for me, not my style|taste|thing|colour|color, too expensive, cant afford, impulse, "
                      "unnecessary"),
    (_R.OTHER, "other reason|reasons|issue|problem, something else, none of these|those|the, late, delay, delayed, "
               "slow, took|take|takes|taking ~ long|forever|ages, "
               "long time, long ~ to arrive|to come|to get|to deliver|delivery|shipping, arrived|came after, "
               "missed ~ it|event|party|occasion|date|wedding|trip|birthday|deadline"),
    # Size words that are not about the fit: "a small hole", "the big one", "how long", "as long as".
    (None, "a|an|the|my|this|that|these|those|your small|big|large|short|long|tiny|huge|little|massive|tight, "
           "how|as|so long|big|large|small, size small|large|big|short|medium|long, in short, small|big|quick|short "
           "question|problem|issue|thing|favour|favor, wrong number|email|address|postcode|zip|code|account|link|"
           "button|person|order, a|an|another different size|colour|color|model|one|style|fit, "
           "delivered|sent|shipped|went|gone|to|at ~ wrong address|house|door|place|person|flat|building|neighbour|"
           "location"),
])
_PRIORITY = (_R.DAMAGED, _R.WRONG_ITEM, _R.NOT_AS_DESCRIBED, _R.TOO_SMALL, _R.TOO_LARGE, _R.CHANGED_MIND, _R.OTHER)


@dataclass(frozen=True)
class ReasonReading:
    reason: ReturnReason  # OTHER when nothing fits
    words: str  # the customer's own words, cleaned (stripped, max 500 chars)
    confident: bool  # True when a category really matched


def _own_words(answer: str) -> str:
    return " ".join((answer or "").split())[:MAX_WORDS]


def _exact_value(answer: str, enum_type):
    value = re.sub(r"[\s-]+", "_", (answer or "").strip().lower())
    try:
        return enum_type(value)
    except ValueError:
        return None


_FX_REASONS = _Lexicon([(None if value is None else ReturnReason(value), _fx_spec(spec))
                        for module in _LANGS for value, spec in module.REASONS],
                       negators=_FX_NEGATORS, stops=_FX_STOPS)
# English cue words that are common function words of another served language: "die Schuhe sind zu
# klein", "der Bildschirm hat einen Riss" (the German article and "has", not die and hate). Followed by
# a word English does not know, they are not read as English; and when the other tables read another
# reason, the English reading is taken again without them.
_CUES_ELSEWHERE = frozenset({"die", "hat"})


def _english_cues(tokens: Tuple[str, ...]) -> Tuple[str, ...]:
    """The tokens without "die Schuhe"'s "die": between words English does not know (or none before)."""
    if not _CUES_ELSEWHERE & set(tokens):
        return tokens

    def foreign(i: int) -> bool:
        return 0 <= i < len(tokens) and tokens[i].isalpha() and not (
            tokens[i] in _ENGLISH_KNOWN or _stem(tokens[i]) in _ENGLISH_KNOWN)

    return tuple(t for i, t in enumerate(tokens) if not (
        t in _CUES_ELSEWHERE and foreign(i + 1) and (i == 0 or tokens[i - 1] in (".", "?") or foreign(i - 1))))


def _reason(answer: str, skip_questions: bool) -> Tuple[ReturnReason, bool]:
    exact = _exact_value(answer, ReturnReason)
    if exact is not None:
        return exact, True
    text = _without_emails(answer)  # "manon.petit@example.fr" is no "petite"
    tokens, foreign_text = _english_cues(_tokens(text)), _reads_foreign(answer)
    if foreign_text:  # "ich will die Jacke": German's article, whatever word stands before it
        tokens = tuple(t for t in tokens if t not in _CUES_ELSEWHERE)
    english = _scored_reason(tokens, _REASONS, _question_spans(tokens) if skip_questions else [])
    fx_tokens = _fx_tokens(text)
    foreign = _scored_reason(fx_tokens, _FX_REASONS, _fx_question_spans(fx_tokens) if skip_questions else [],
                             leave_english=not foreign_text)
    if not foreign[1] and english[1] and foreign_text and _FX_REASONS.hits(fx_tokens, leave_english=False):
        return foreign  # "ce n'est pas trop petit": English reads "petit" but not the "pas" before it
    if not foreign[1] or foreign == english:
        return english
    if not english[1]:
        return foreign
    if (english[0] is _R.OTHER) != (foreign[0] is _R.OTHER):  # a real reason beats "other", as in English
        return foreign if english[0] is _R.OTHER else english
    if _CUES_ELSEWHERE & set(tokens):
        kept = tuple(t for t in tokens if t not in _CUES_ELSEWHERE)
        again = _scored_reason(kept, _REASONS, _question_spans(kept) if skip_questions else [])
        if not again[1] or again[0] == foreign[0]:
            return foreign
    return foreign if foreign_text else english


def _scored_reason(tokens: Sequence[str], lexicon: _Lexicon, questions: Sequence[Tuple[int, int]],
                   leave_english: bool = True) -> Tuple[ReturnReason, bool]:
    score: Dict[ReturnReason, float] = {}
    for hit in lexicon.hits(tokens, leave_english):
        if hit.label is None or hit.negated or _in_spans(hit.start, questions):
            continue
        score[hit.label] = score.get(hit.label, 0.0) + hit.weight
    real = {r: s for r, s in score.items() if r is not _R.OTHER}
    if real:
        best = max(real.values())
        return next(r for r in _PRIORITY if real.get(r) == best), True
    return _R.OTHER, _R.OTHER in score


def read_reason(answer: str) -> ReasonReading:
    """The reason in a typed answer, mapped onto the policy's categories; OTHER (not confident) when
    nothing fits. The customer's words are always kept."""
    reason, confident = _reason(answer, skip_questions=False)
    return ReasonReading(reason, _own_words(answer), confident)


def reason_in(text: str) -> Optional[ReturnReason]:
    """A reason volunteered inside a longer message ("return the shoes, they're too small"), or None.
    Never OTHER; clauses that ask something volunteer nothing."""
    reason, confident = _reason(text, skip_questions=True)
    return reason if confident and reason is not _R.OTHER else None


# where one item's part of a sentence ends and another's may begin: sentence marks, brackets, commas, "and", "but"
_ITEM_CLAUSE = re.compile(r"[.!?;:()\[\]\n]+|,|\s(?:and|but|und|aber|et|mais|y|pero|e|ma)\s", re.IGNORECASE)
# a clause about several items at once ("both are too small", "they're all scratched", "beide sind zu klein")
_SEVERAL = re.compile(r"(?<!\w)(?:both|all|each|every|beide\w*|alle|tous|toutes|les deux|ambos|ambas|los dos|las dos|"
                      r"todos|todas|entrambi|entrambe|tutti|tutte|都|两)(?!\w)", re.IGNORECASE)


def reasons_by_line(text: str, lines: Sequence[OrderLine]) -> Dict[str, Tuple[ReturnReason, str]]:
    """Each line's own reason in a message that names several items ("the jersey is too small (my mistake)
    and the bike lights are too dim"): line id -> (reason, its words), read from the clause that names the
    line and the clauses after it up to the next that names an item. A clause naming several items, or
    about several ("both are too small"), gives none of them a reason of its own: it is every item's
    (`reason_in`)."""
    lines = tuple(lines)
    said: Dict[str, List[str]] = {}
    current: Optional[str] = None
    for clause in _ITEM_CLAUSE.split(text or ""):
        if not clause.strip():
            continue
        if _SEVERAL.search(clause):
            current = None  # its reason, if any, is every item's: `reason_in` reads it
            continue
        named = mentioned_lines(clause, lines)
        if named:
            current = named[0].line_id if len(named) == 1 else None
        if current is not None:
            said.setdefault(current, []).append(clause.strip())
    found: Dict[str, Tuple[ReturnReason, str]] = {}
    for line_id, clauses in said.items():
        words = ", ".join(clauses)
        reason = reason_in(without_titles(words, lines))
        if reason is not None:
            found[line_id] = (reason, words)
    return found


def without_titles(text: str, lines: Sequence[OrderLine]) -> str:
    """The text without the items' names written out ("le Canvas tote bag", "the ripped jeans"): two or
    more words of a title in a row say which item, not what is wrong with it ("tote" is no German "tot",
    "ripped" no damage), nor is the article before them ("die Running socks": no English "die"). One title
    word alone stays ("the tote is torn")."""
    for line in lines:
        words = re.findall(r"[^\W_]+", _clean(line.title))
        for size in range(len(words), 1, -1):
            for start in range(len(words) - size + 1):
                run = r"[\s-]+".join(map(re.escape, words[start:start + size]))
                text = re.sub(rf"(?<!\w)(?:{_ARTICLES}\s+)?{run}(?!\w)", " ", text, flags=re.IGNORECASE)
    return text


_ARTICLES = (r"(?:the|a|an|my|this|that|these|those|der|die|das|den|dem|ein|eine|einen|meine|meinen|mein|diese|"
             r"diesen|le|la|les|l'|un|une|mon|ma|mes|ce|cette|ces|el|los|las|una|mi|mis|este|esta|il|lo|gli|i|"
             r"mio|mia|miei|mie|questo|questa|quel|quella)")


# ---------------------------------------------------------------------------------------------------
# Resolutions

_S = Resolution
_RESOLUTIONS = _Lexicon([  # reason answers are read with it too: "brand new", "the switch", "waste of money" name none
    (_S.REFUND, "refund, money back, my|the money, want|get|give ~ money, reimburse, reimbursement, repay, pay back, "
                "payback, cash, cash back, to my|the card|account|paypal|bank, paypal, credit card, debit card, "
                "original payment"),
    (_S.EXCHANGE, "exchange, swap, switch|trade ~ it|them|for|to|size, size up, size down, change ~ size|colour|color|"
                  "model, another|different|other|bigger|smaller|larger|next "
                  "size|colour|color|model|style|fit|version, "
                  "different|bigger|smaller|larger one|pair, "
                  "right|correct one|ones|item|items|size|colour|color|pair|model|version|product, what|one i ordered, "
                  # "can you just send me the black one?": the item as it was ordered
                  "send|ship ~ right|correct|proper|black|white|red|blue|green|grey|gray|pink|brown|navy|beige|"
                  "yellow|purple|orange one|ones|pair|size|colour|color|version"),
    (_S.STORE_CREDIT, "store credit, credit, voucher, gift card, giftcard, coupon, account balance, credit note"),
    (_S.REPLACEMENT, "replacement, replace, new one|ones|pair|item|unit|piece|copy|set, a new, "
                     "another one|pair|unit|copy, send ~ another|again|new, resend, fresh one, working one"),
    # Not a choice: another item to return; a description ("it's a different colour", "they're bigger").
    (None, "return|returning another|other, send back another|other, "
           "is|its|was|were|are|thats|they|theyre ~ different|another|other|bigger|smaller|larger, "
           "sent|received|got|delivered ~ different|another|wrong, "
           "is|its|was|were|are|thats|they|theyre|received|got ~ right|correct"),  # "it's the right size, but": a description
], negators=_NEGATORS | _stems(["than", "insteadof", "except"]))


_CORRECTIONS = _stems("actually instead rather sorry wait mean make".split())
_FX_RATHER = _stems(_fx_words("RATHER"))  # "lieber X als Y", "plutôt X que Y", "mejor X que Y", "meglio X che Y"
_FX_THAN = _stems(_fx_words("THAN"))
_FX_RESOLUTIONS = _Lexicon([(None if value is None else Resolution(value), _fx_spec(spec))
                            for module in _LANGS for value, spec in module.RESOLUTIONS],
                           negators=_FX_NEGATORS | _stems(_fx_words("EXCEPT")), stops=_FX_STOPS)


def read_resolution(answer: str, allowed: Sequence[Resolution]) -> Optional[Resolution]:
    """The one resolution a typed answer chooses among `allowed`, or None (none, two, not allowed, or a
    question about one rather than a choice)."""
    allowed = tuple(allowed)
    exact = _exact_value(answer, Resolution)
    if exact is not None:
        return exact if exact in allowed else None
    chosen = _chosen_resolution(_tokens(answer), _RESOLUTIONS, _question_spans, _CORRECTIONS)
    foreign_text = _reads_foreign(answer)
    foreign = _chosen_resolution(_fx_tokens(answer), _FX_RESOLUTIONS, _fx_question_spans, _FX_CORRECTIONS,
                                 leave_english=not foreign_text)
    if chosen is None or (foreign is not None and foreign != chosen and foreign_text):
        chosen = foreign
    return chosen if chosen in allowed else None


def _chosen_resolution(tokens: Sequence[str], lexicon: _Lexicon, question_spans, corrections: FrozenSet[str],
                       leave_english: bool = True) -> Optional[Resolution]:
    questions = question_spans(tokens)
    hits = [hit for hit in lexicon.hits(tokens, leave_english)
            if hit.label is not None and not hit.negated and not _in_spans(hit.start, questions)]
    hits = [hit for hit in hits if not any(than <= hit.start < end and any(rather < h.start < than for h in hits)
                                           for rather, than, end in _passed_over(tokens))]
    named = {hit.label for hit in hits}
    if len(named) > 1:  # "refund... no actually make it an exchange": the one after the correction
        turn = max((i for i, t in enumerate(tokens) if _stem(t) in corrections), default=-1)
        named = {hit.label for hit in hits if hit.start > turn} if turn >= 0 else named
    return named.pop() if len(named) == 1 else None


def _passed_over(tokens: Sequence[str]) -> List[Tuple[int, int, int]]:
    """Preferences as (where "lieber" stands, where "als" stands, the end of the clause): in "lieber ne
    Gutschrift als Geld" ("plutôt X que Y", "mejor X que Y", "meglio X che Y") the choice named before
    "als" is taken and the one after it turned down, when a choice stands between them ("prefiero que me
    devuelvan el dinero" chooses the money). English reads "rather X than Y" with "than" as a negator;
    "que" and "che" are too common for that."""
    spans: List[Tuple[int, int, int]] = []
    rather = -1
    for i, token in enumerate(tokens):
        stem = _stem(token)
        if token in (".", "?"):
            rather = -1
        elif stem in _FX_RATHER:
            rather = i
        elif rather >= 0 and stem in _FX_THAN:
            end = next((j for j in range(i + 1, len(tokens)) if tokens[j] in (".", "?")), len(tokens))
            spans.append((rather, i, end))
            rather = -1
    return spans


# ---------------------------------------------------------------------------------------------------
# Order lines

_GENERIC = _stems("""pack set of the and with for in on by to a an ml cm mm kg g l m w inch inches piece pieces pc
pcs pair pairs size x xl xs xxl item items new edition""".split())
# Words of a customer's sentence that never name an item.
_FUNCTION = _stems("""the a an my your our this that these those it its them they one ones i me we you want would like
to return returning send back please and or of from order item items thing things both all everything every
each lot whole entire is are was were be been have has had get got with for in on at not no but just only
also too very so which what instead insteadof except first second third last other another number line
cancel refund exchange track deliver delivered ship shipped arrive arrived sent bought paid""".split())
# Title words also common in sentences: they name an item only as "the case", "gift card" (not "my card").
_COMMON = _stems("""case card set rest light lights watch order back box pack kit cover stand top bit piece part
gift fit slim down loose smart action white black grey gray red blue green pink running cycling leather wool
cotton organic wireless charging trail classic mini pro plus max new large small medium big short long dark
soft hard home travel single double basic""".split())
_DETERMINERS = _stems("the this that these those both".split())  # not "my": "refund to my card"
_SYNONYMS = {  # stem -> other stems it may be typed for
    "tee": ("tshirt", "shirt"), "tshirt": ("tee",), "trainer": ("sneaker",), "sneaker": ("trainer",),
    "sweater": ("jumper",), "jumper": ("sweater",), "pant": ("trouser",), "trouser": ("pant",),
    "earphon": ("earbud",), "earbud": ("earphon",), "headset": ("headphon",), "headphon": ("headset",),
}
_SCOPED = _stems(["except", "insteadof", "besides", "excluding"])  # negate up to the end of the clause
_ALL_WORDS = _stems(["all", "everything", "every", "each", "lot"])
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "eighth": 8, "ninth": 9, "tenth": 10, "last": -1, "latter": -1, "former": 1}
_CARDINALS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
              "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_NTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)")
_FX_ORDINALS = _fx_map("ORDINALS")
_FX_NTH = re.compile(r"(\d{1,2})(?:te[nrs]?|e|er|re|eme|ere|nd|nde|do|da|ro|ra|to|ta|o|a)")
_FX_NUMBERS = _fx_map("NUMBERS")
_FX_NUMBER_WORDS = frozenset("nummer nr numero no artikel article articulo articolo".split())  # folded
# Each language's item words (its NOUNS glossary, every spelling): read only where that language is spoken
# (`_glossaries`), so a French "pull" (sweater) or "balance" (scale) is no English "pull up my order".
_GLOSSARY_LANGUAGES = tuple(answer_words.BY_LANGUAGE)
_NOUNS_IN: Dict[str, Dict[str, Tuple[str, ...]]] = {}
for _lang, _module in answer_words.BY_LANGUAGE.items():
    _NOUNS_IN[_lang] = {}
    for _key, _value in _module.NOUNS.items():
        for _spelling in _spellings(_key):
            _NOUNS_IN[_lang].setdefault(_spelling, tuple(str(_value).split("|")))
del _lang, _module, _key, _value, _spelling
# German compounds end in a glossary word ("Softshelljacke", "Wanderschuhe", "Daunenjacke"): the longest
# such German tail of four letters or more, read as that word plus the rest ("softshell"), which may be a
# title word itself. German only: the Romance languages do not compound so, and their words end in others'
# ("reembolso" is no "bolso", "rimborsa" no "borsa"); nor do German words that merely end in one
# ("Hersteller" is no "Teller").
_FX_NOUNS_BY_INITIAL: Dict[Tuple[str, str], Tuple[str, ...]] = {}  # (language, initial): the words a slip may be of
for _lang, _nouns in _NOUNS_IN.items():
    for _key in (k for k in _nouns if len(k) >= 5 and k.isalpha() and not any(map(_is_han, k))):
        _FX_NOUNS_BY_INITIAL[_lang, _key[0]] = _FX_NOUNS_BY_INITIAL.get((_lang, _key[0]), ()) + (_key,)
del _lang, _nouns, _key
_NOT_COMPOUNDS = frozenset("hersteller aussteller besteller".split())
_FX_NOUN_TAILS = tuple(sorted({s for k in answer_words.BY_LANGUAGE["de"].NOUNS for s in _spellings(k)
                               if len(s) >= 4 and s.isalpha()}, key=len, reverse=True))
_FX_BOTH = _fx_phrases("BOTH")
_FX_ALL = _fx_words("ALL")  # as written: the stem of "toutes" is "tout"
_FX_SCOPED = _stems(_fx_words("EXCEPT"))
_FX_VAGUE = _fx_words("VAGUE")
_FX_COUNT_AFTER = _fx_phrases("COUNT_AFTER")  # "einen davon", "un seul", "uno de ellos": a count of items
_FX_ONLY = _fx_words("ONLY")  # "nur einen", "solo uno", 只退一件
# Articles and pronouns of the other languages, never an item's name (nor a typo of one).
_FX_FUNCTION = _stems("""der die das den dem des ein eine einen einem einer ich mir mich es sie ihn wir und oder
le la les un une des du de mon ma mes ce cet cette ces je moi il elle et ou el los las uno una unos unas mi mis
yo lo ese esa eso esto esta este y il lo gli uno una mio mia io e o quello quella questo questa""".split())
_ITEMS = r"(?: of)?(?: the| my| these| those| your)? (?:items?|things?|products?|articles?|lines?)"
_ALL_ITEMS = re.compile(r"(?<![^ ])(?:all(?: \d+| two| three| four| five)?" + _ITEMS +
                        r"|(?:whole|entire|full) order|everything (?:in|from|on) (?:the|my|this|that) order)(?![^ ])")
_BOTH_ITEMS = re.compile(r"(?<![^ ])both" + _ITEMS + r"(?![^ ])")


class _TitleWord(NamedTuple):
    raw: str
    stem: str
    head: bool


def _word_parts(raw: str) -> List[str]:
    """A title word and, when hyphenated, its parts and its parts joined: t-shirt -> t, shirt, tshirt."""
    parts = raw.split("-")
    return parts + ["".join(parts)] if len(parts) > 1 else parts


def _names_item(word: str) -> bool:
    return len(word) >= 2 and word[0].isalpha() and _stem(word) not in _GENERIC


@lru_cache(maxsize=2048)
def _title_words(title: str) -> Tuple[_TitleWord, ...]:
    """The words that name an item (no numbers, units or pack sizes); the head noun is the last of them
    before "(" or ":" ("Running socks (3 pack)" -> socks)."""
    text = _clean(title)
    main = re.split(r"[(:]", text, maxsplit=1)[0]

    def groups(part: str) -> List[List[str]]:
        found = ([w for w in _word_parts(raw) if _names_item(w)] for raw in re.findall(r"[^\W_]+(?:-[^\W_]+)*", part))
        return [g for g in found if g]

    main_groups = groups(main)
    head = set(main_groups[-1]) if main_groups else set()
    words = dict.fromkeys(w for g in main_groups + groups(text[len(main):]) for w in g)
    return tuple(_TitleWord(w, _stem(w), w in head) for w in words)


@lru_cache(maxsize=2048)
def _title_numbers(title: str) -> FrozenSet[Tuple[str, str]]:
    """Word pairs of a title that hold a number: "3 pack", "750 ml", "27 inch"."""
    words = re.findall(r"[^\W_]+", _clean(title))
    return frozenset(pair for pair in zip(words, words[1:]) if any(w.isdigit() for w in pair))


@lru_cache(maxsize=2048)
def _category_words(category: str) -> Tuple[_TitleWord, ...]:
    return tuple(_TitleWord(w, _stem(w), True) for w in re.findall(r"[a-z]+", (category or "").lower())
                 if len(w) >= 3 and _stem(w) not in _GENERIC)


class _Token(NamedTuple):
    raw: str
    stem: str
    start: int  # token index of its (first) word


def _item_tokens(tokens: Sequence[str], foreign: bool = False,
                 languages: Tuple[str, ...] = _GLOSSARY_LANGUAGES) -> List[_Token]:
    """Words that may name an item, with adjacent pairs joined ("t shirt" -> tshirt, "ear buds"); with
    `foreign`, the item words of `languages` also as the English word ("die Schuhe" -> shoe)."""
    out = []
    for i, tok in enumerate(tokens):
        if tok in (".", "?") or not tok.isalpha():
            continue
        stem = _stem(tok)
        if stem not in _FUNCTION and not (foreign and stem in _FX_FUNCTION):
            out.append(_Token(tok, stem, i))
        if foreign:
            for word in _foreign_item_words(tok, languages):
                if _stem(word) != stem:
                    out.append(_Token(word, _stem(word), i))
        if i + 1 < len(tokens) and tokens[i + 1].isalpha():
            joined = tok + tokens[i + 1]
            out.append(_Token(joined, _stem(joined), i))
    return out


@lru_cache(maxsize=8192)
def _foreign_item_words(tok: str, languages: Tuple[str, ...] = _GLOSSARY_LANGUAGES) -> Tuple[str, ...]:
    """The English title words an item word of `languages` stands for: "schuhe" -> shoe, "外套" -> coat,
    jacket; a German compound by its tail and its head ("softshelljacke" -> jacket, softshell); () for none."""
    for lang in languages:
        if tok in _NOUNS_IN[lang]:
            return _NOUNS_IN[lang][tok]
    if tok in _NOT_COMPOUNDS:
        return ()
    if len(tok) >= 5 and tok.isalpha() and tok not in _ENGLISH_KNOWN:  # a slip: "Handschue", "capotto"
        meant = {_NOUNS_IN[lang][k] for lang in languages for k in _FX_NOUNS_BY_INITIAL.get((lang, tok[0]), ())
                 if _close(tok, k)}
        if len(meant) == 1:
            return meant.pop()
    if "de" not in languages:
        return ()
    german = _NOUNS_IN["de"]
    tail = next((t for t in _FX_NOUN_TAILS if tok.endswith(t) and len(tok) - len(t) >= 3), None)
    if tail is None:
        return ()
    head = tok[:-len(tail)]
    head = head[:-1] if head.endswith("s") and head[:-1] not in german and len(head) > 4 else head  # Fugen-s
    return german[tail] + ((head,) if head not in _FX_FUNCTION else ())


def _glossaries(text: str) -> Tuple[str, ...]:
    """The languages whose item words are read in `text`: the conversation's (`bot.language`), and each
    the message reads more like than English ("die Schuhe, bitte" in an English chat); Chinese always (no
    other language writes its words). In a conversation, whose language the gateway chose from this very
    message (lingua and the word lists), the word lists suffice for a mixed message; outside one, the
    message's language is detected as the gateway would, and a word or two ("Turnschuhe", "pull") may be
    any language's."""
    return _glossaries_in(text or "", language.conversation_language())


@lru_cache(maxsize=1024)
def _glossaries_in(text: str, conversation: Optional[str]) -> Tuple[str, ...]:
    words = language.words_of(text)
    if conversation is None and len(words) < language.MIN_WORDS:
        return _GLOSSARY_LANGUAGES
    detector = language.WORD_LIST if conversation else language.COMBINED
    scores = detector.scores(" ".join(words)) if words else {}
    english = scores.get(language.ENGLISH, 0.0)
    chosen = {lang for lang, value in scores.items() if value > english} | {conversation}
    return tuple(lang for lang in _GLOSSARY_LANGUAGES if lang in chosen or lang == "zh")


def _word_match(token: _Token, word: _TitleWord) -> int:
    """2: the same word (or inflection, or synonym); 1: a typo of it; 0: not it."""
    if token.raw == word.raw or token.stem == word.stem or word.stem in _SYNONYMS.get(token.stem, ()):
        return 2
    if len(word.raw) >= 3 and token.raw not in _PLAIN and (
            _close(token.raw, word.raw) or _close(token.stem, word.stem)):
        return 1
    return 0


def _negations(tokens: Sequence[str], foreign: bool = False) -> Set[int]:
    """Token positions a negation covers: three words after not/no/never..., to the clause's end after
    except/instead of; in the other languages also the clause a closing "no" denies ("el sombrero no,
    las sandalias", "il cappotto no, la sciarpa")."""
    covered: Set[int] = set()
    stems = [_stem(t) for t in tokens]
    scoped, negators, stops = (_SCOPED | _FX_SCOPED, _NEGATORS | _FX_NEGATORS, _STOPS | _FX_STOPS) if foreign else (
        _SCOPED, _NEGATORS, _STOPS)
    for i, s in enumerate(stems):
        if foreign and s in _FX_NEGATORS_AFTER and (i + 1 == len(stems) or stems[i + 1] in (".", "?")):
            j = i - 1
            while j >= 0 and stems[j] not in (".", "?"):
                covered.add(j)
                j -= 1
            continue
        if s in scoped:
            j = i + 1
            while j < len(stems) and stems[j] not in (".", "?", "but") and not (foreign and stems[j] in _FX_STOPS):
                covered.add(j)
                j += 1
        elif s in negators:
            for j in range(i + 1, min(i + 4, len(stems))):
                if stems[j] in stops:
                    break
                covered.add(j)
    return covered


class _Named(NamedTuple):
    named: Tuple[int, ...]  # line indexes named by a word of theirs alone
    excluded: Tuple[int, ...]  # line indexes named after a negation ("not the shoes", "except the socks")
    unclear: bool  # a word named several lines (not all of them): it decides nothing


def _named(tokens: Sequence[str], lines: Sequence[OrderLine], strict: bool, foreign: bool = False,
           languages: Tuple[str, ...] = _GLOSSARY_LANGUAGES) -> _Named:
    """The lines the words name. A word names the line(s) whose title holds it (the same word, an
    inflection or synonym, else a typo); a word held by every title, or by several, names none."""
    titles = [_title_words(line.title) for line in lines]
    negated = _negations(tokens, foreign)
    named: Dict[int, bool] = {}  # line -> named at least once outside a negation
    unclear = False

    def mark(i: int, position: int) -> None:
        named[i] = named.get(i, False) or position not in negated

    candidates = _item_tokens(tokens, foreign, languages)
    for token in candidates:
        best, holders = 0, {}  # line -> the title word the token matched
        for i, words in enumerate(titles):
            for word in words:
                quality = _word_match(token, word)
                if quality > best:
                    best, holders = quality, {i: word}
                elif quality and quality == best:
                    holders.setdefault(i, word)
        if not best or (len(holders) == len(lines) > 1):
            continue  # a word of every title ("running" in both) decides nothing
        if len(holders) > 1:
            unclear = True
            continue
        (i, word), = holders.items()
        if token.raw != word.raw and any(j != i and any(_in_compound(token, w) for w in words)
                                         for j, words in enumerate(titles)):
            unclear = True  # "the keys": a Mechanical keyboard's as well as a Photo editor licence key
            continue
        if not strict or _clearly_named(tokens, token, word, titles[i], candidates):
            mark(i, token.start)
    if not named and not strict:  # "the shoes" for "Leather Chelsea boots" (category shoes)
        for token in candidates:
            holders = {i for i, line in enumerate(lines) for word in _category_words(line.category)
                       if _word_match(token, word) == 2}
            if len(holders) == 1:
                mark(holders.pop(), token.start)
            elif 1 < len(holders) < len(lines):
                unclear = True
    for position, pair in enumerate(zip(tokens, tokens[1:])):  # "the 3 pack": a number in a title names it
        holders = {i for i, line in enumerate(lines) if pair in _title_numbers(line.title)}
        if len(holders) == 1:
            mark(holders.pop(), position)
    return _Named(tuple(sorted(i for i, ok in named.items() if ok)),
                  tuple(sorted(i for i, ok in named.items() if not ok)), unclear)


def _in_compound(token: _Token, word: _TitleWord) -> bool:
    """Is the token (or its singular) the first or last part of a compound title word, as "keys" of
    "keyboard", "pots" of "teapot"? A token that names another title's word only in another form ("keys"
    for "licence key") may as well mean this item's parts: it tells the two apart no better. The word
    as the title has it ("the key", "the tea" beside a Teapot) names its item."""
    raw = word.raw
    forms = {token.raw, token.raw[:-1] if token.raw.endswith("s") else token.raw,
             token.raw[:-2] if token.raw.endswith("es") else token.raw}
    return any(len(f) >= 3 and len(raw) - len(f) >= 3 and (raw.startswith(f) or raw.endswith(f)) for f in forms)


def _clearly_named(tokens: Sequence[str], token: _Token, word: _TitleWord, title: Tuple[_TitleWord, ...],
                   candidates: Sequence[_Token]) -> bool:
    """In a longer sentence an item is named by its head noun ("the socks"), by a rare word of its
    title ("the chelsea ones"), or by two words of its title ("slim fit"); a head noun that is also a
    common word ("case", "card") needs "the"/"this" or another title word before it."""
    others = sum(1 for c in candidates if c is not token and any(_word_match(c, w) for w in title))
    if others:
        return True
    common = word.stem in _COMMON
    if word.head and not common:
        return True
    if word.head:
        before = _stem(tokens[token.start - 1]) if token.start > 0 else ""
        return before in _DETERMINERS
    return not common and len(word.raw) >= 4


def _ids_named(text: str, lines: Sequence[OrderLine], with_line_ids: bool) -> Tuple[int, ...]:
    found = []
    for i, line in enumerate(lines):
        keys = [line.sku] + ([line.line_id] if with_line_ids else [])
        for key in keys:
            key = (key or "").strip().lower()
            if key and re.search(r"(?<![\w-])" + re.escape(key) + r"(?![\w-])", text):
                found.append(i)
                break
    return tuple(found)


def _positions(tokens: Sequence[str], count: int, foreign: bool = False) -> Optional[Tuple[int, ...]]:
    """Positions the answer names ("2", "2nd", "the second", "last", "1 and 3") as indexes; () when
    none; None when one is out of range."""
    words = [t for t in tokens if t not in (".", "?")]
    picked: List[int] = []
    for i, tok in enumerate(words):
        number: Optional[int] = None
        if tok.isdigit() and len(tok) <= 2:
            number = int(tok)
        elif _NTH.fullmatch(tok):
            number = int(_NTH.fullmatch(tok).group(1))
        elif tok.isalpha():
            number = next((n for w, n in _ORDINALS.items() if _close(tok, w)), None)
            if number is None and tok in _CARDINALS and (
                    len(words) == 1 or (len(words) == 2 and i == 1 and words[0] in ("number", "item", "no", "line"))):
                number = _CARDINALS[tok]
        if number is None and foreign:
            number = _FX_ORDINALS.get(tok)
            if number is None and _FX_NTH.fullmatch(tok):  # "2do", "2eme", "2te"
                number = int(_FX_NTH.fullmatch(tok).group(1))
            if number is None and tok in _FX_NUMBERS and not any(map(_is_han, tok)) and (  # 两件: a count
                    len(words) == 1 or (i and words[i - 1] in _FX_NUMBER_WORDS)):  # "número dos", "numero due"
                number = _FX_NUMBERS[tok]
        if number is None:
            continue
        if number == -1:
            number = count
        if not 1 <= number <= count:
            return None
        picked.append(number - 1)
    return tuple(sorted(set(picked)))


_EMAIL = re.compile(r"\S+@\S+")


def _without_emails(text: str) -> str:
    """Words and numbers are harmless to a reason or a name; an email's words are not ("petit")."""
    return _EMAIL.sub(" , ", text or "")


def _without_entities(text: str) -> str:
    """The text with order ids, emails, postcodes, tracking numbers and amounts blanked out."""
    text = text or ""
    if not any(ch.isdigit() or ch == "@" for ch in text):
        return text  # every entity holds a digit or an @
    entities = textlib.find_entities(text)
    for entity in reversed(entities):
        text = text[:entity.start] + " , " + text[entity.end:]
    return text


def read_lines(answer: str, lines: Sequence[OrderLine]) -> Optional[Tuple[OrderLine, ...]]:
    """The line(s) a typed answer picks among the offered `lines`: an id or SKU, a name or part of one,
    a position, "both"/"all"; None when unclear. Read in English first, then with the other languages'
    words ("die Schuhe", "das zweite", "les deux", "第二个")."""
    lines = tuple(lines)
    if not lines or not (answer or "").strip():
        return None
    english = _read_lines(answer, lines, foreign=False)
    if english is None or _reads_foreign(answer):  # "alle außer den Socken": "alle" is no English "all"
        return _read_lines(answer, lines, foreign=True) or english
    return english


def _read_lines(answer: str, lines: Tuple[OrderLine, ...], foreign: bool) -> Optional[Tuple[OrderLine, ...]]:
    text = _clean(answer)
    by_id = _ids_named(text, lines, with_line_ids=True)
    if by_id:
        return tuple(lines[i] for i in by_id)
    tokens = (_fx_tokens if foreign else _tokens)(_without_entities(answer))
    names = _named(tokens, lines, strict=False, foreign=foreign, languages=_glossaries(answer) if foreign else ())
    stems = {_stem(t) for t in tokens}
    if foreign:
        stems = stems | ({"both"} if _FX_BOTH.search(" ".join(tokens)) else set())
        covered = _negations(tokens, foreign=True)  # "pas du tout" is no "tout"
        stems = stems | ({"all"} if any(t in _FX_ALL and i not in covered for i, t in enumerate(tokens))
                         else set())
    says_all = bool(stems & _ALL_WORDS) or "both" in stems
    if names.named:
        chosen = [i for i in names.named if i not in names.excluded]
        return tuple(lines[i] for i in chosen) if chosen else None
    if names.excluded:
        rest = [i for i in range(len(lines)) if i not in names.excluded]
        if says_all or len(rest) == 1:
            return tuple(lines[i] for i in rest) if rest else None
        return None
    if foreign and _FX_BOTH.search(" ".join(tokens)) and not names.named:  # "les 2", "los 2": both, not the 2nd
        return lines if len(lines) <= 2 else None
    positions = _positions(tokens, len(lines), foreign)
    if positions is None:
        return None
    if positions:
        return tuple(lines[i] for i in positions)
    if names.unclear:
        return None
    if stems & _ALL_WORDS:
        return lines
    if "both" in stems:
        return lines if len(lines) <= 2 else None
    return None


def mentioned_lines(text: str, lines: Sequence[OrderLine]) -> Tuple[OrderLine, ...]:
    """Lines clearly named inside a longer sentence ("I want to return the socks from order ...",
    "actually the socks instead"); all of them for "both items", "all the items", "the whole order".
    No positions, no bare "both"; () when none."""
    lines = tuple(lines)
    if not lines or not (text or "").strip():
        return ()
    tokens = _tokens(_without_emails(text))
    names = _named(tokens, lines, strict=True)
    joined = " ".join(tokens)
    if _ALL_ITEMS.search(joined) or (len(lines) == 2 and _BOTH_ITEMS.search(joined)):
        chosen = set(range(len(lines)))
    else:
        chosen = set(names.named) | set(_ids_named(_clean(text), lines, with_line_ids=False))
        chosen = _without_kept(tokens, lines, _returned_named(tokens, lines, _only_named(tokens, lines, chosen)))
    if not chosen and not names.excluded:  # the other languages' item words: "die Stiefel", "les chaussettes"
        names = _named(_fx_tokens(_without_emails(text)), lines, strict=True, foreign=True, languages=_glossaries(text))
        chosen = set(names.named)
    elif _reads_foreign(text):  # English read "jacke" as jacket, not "doch nicht die Jacke, ich meinte die Mütze"
        other = _named(_fx_tokens(_without_emails(text)), lines, strict=True, foreign=True, languages=_glossaries(text))
        if set(other.excluded) - set(names.excluded):
            chosen |= set(other.named)
            names = names._replace(excluded=tuple(set(names.excluded) | set(other.excluded)))
    return tuple(line for i, line in enumerate(lines) if i in chosen and i not in names.excluded)


def _only_named(tokens: Sequence[str], lines: Tuple[OrderLine, ...], chosen: Set[int]) -> Set[int]:
    """"the boots are great but the socks are scratchy, return just the socks": the items after "just"
    or "only" (to the end of its sentence) are the ones meant, when they are some of those named."""
    for k, token in enumerate(tokens):
        if _stem(token) not in _ONLY_NAMED:
            continue
        end = next((j for j in range(k + 1, len(tokens)) if tokens[j] in (".", "?")), len(tokens))
        meant = set(_named(tokens[k + 1:end], lines, strict=True).named) & chosen
        if meant and meant != chosen:
            return meant
    return chosen


# words that say an item is all right or stays ("belt is fine tho", "I love the cap", "keeping the socks",
# "der Gürtel passt", "la ceinture ça va", "el cinturón está bien", "la cintura va bene"): as typed, not
# stemmed ("keeps slipping off" is a complaint)
_KEPT = frozenset("""fine ok okay good great perfect perfectly love lovely nice happy keep keeping keeper brilliant
gorgeous beautiful passt behalte behalten gut bien parfait parfaite garde garder bene perfetto perfetta tengo
quedo perfecto perfecta""".split())
_CLAUSE_ENDS = _stems(". ? but though tho although however and while whereas".split())


def _without_kept(tokens: Sequence[str], lines: Tuple[OrderLine, ...], chosen: Set[int]) -> Set[int]:
    """"the jeans are way too tight round the waist, belt is fine tho": an item named in a clause that says
    it is all right or stays, with no negation and no reason to return it, is not one to return, when
    other items named are (an item praised alone is the one meant: "love the jeans but they're too small")."""
    if len(chosen) < 2 or {"both", "all"} & set(tokens):
        return chosen
    kept: Set[int] = set()
    start = 0
    for end in range(len(tokens) + 1):
        if end < len(tokens) and _stem(tokens[end]) not in _CLAUSE_ENDS:
            continue
        clause, start = tokens[start:end], end + 1
        if (set(clause) & _KEPT and not {_stem(t) for t in clause} & _NEGATORS
                and not read_reason(" ".join(clause)).confident):
            kept |= set(_named(clause, lines, strict=True).named)
    return (chosen - kept) or chosen


_SEND_BACK_VERBS = _stems("return returning send sending".split())
_ADDING = _stems("also plus additionally".split())


def _adds(clause: Sequence[str]) -> bool:
    """"also the socks", "the socks too", "and the socks as well" (not "too high for my keyboard")."""
    words = [t for t in clause if t not in ("please", "pls", "plz", "thanks", "thx")]
    return any(_stem(t) in _ADDING for t in words) or words[-1:] == ["too"] or words[-2:] == ["as", "well"]


def _returned_named(tokens: Sequence[str], lines: Tuple[OrderLine, ...], chosen: Set[int]) -> Set[int]:
    """"he loved the jumper, but the cap is not him, I'd like to send the cap back", "return the wrist
    rest, it's too high for my keyboard": of the items named, those that follow "return" or "send" in
    their clause are the ones meant, when they are some of them (the others are only talked about)."""
    if len(chosen) < 2:
        return chosen
    meant: Set[int] = set()
    start = 0
    for end in [j for j, t in enumerate(tokens) if t in (".", "?")] + [len(tokens)]:
        clause = tokens[start:end]
        if _adds(clause):  # "the socks too", "also the socks": added, whatever the verb
            meant |= set(_named(clause, lines, strict=True).named) & chosen
        verb = next((k for k, t in enumerate(clause) if _stem(t) in _SEND_BACK_VERBS), None)
        if verb is not None:
            meant |= set(_named(clause[verb + 1:], lines, strict=True).named) & chosen
        start = end + 1
    return meant if meant and meant != chosen else chosen


# ---------------------------------------------------------------------------------------------------
# Quantities

_NUMBER_WORDS = dict(_CARDINALS, single=1, couple=2, pair=2)
_NOT_A_COUNT_BEFORE = _stems("""size sizes uk us eu eur fr it no number order orders postcode zip code
day days week weeks month months year years hour hours minute minutes am pm usd gbp eur cad dollars
euros pounds bucks percent""".split())
_UNITS_AFTER = _stems("""day week month year hour minute am pm percent dollar euro pound buck cm mm ml kg inch
size""".split())
_ITEM_NOUNS = _stems("item items pair pairs unit units piece pieces ones of".split())
_NOT_COUNT_ONE = _stems("""the this that which other another each every any no some same first second third last
blue red black white green grey gray pink brown big small large""".split())
_RETURN_VERBS = _stems("return returning send sending back refund exchange cancel cancelling remove".split())
_ONLY = _stems("just only exactly".split())
_ONLY_NAMED = _stems("just only".split())


class _Number(NamedTuple):
    value: int
    index: int  # in the word list


@lru_cache(maxsize=4096)
def _number_word(word: str) -> Optional[str]:
    """"two", "thre" (a typo of three); short number words only as written."""
    return next((k for k in _NUMBER_WORDS if word == k or (len(k) > 3 and _close(word, k))), None)


def _numbers(words: Sequence[str]) -> List[_Number]:
    """Counts written as digits or words: 2, two, x2, 2x; not sizes, times or amounts."""
    found = []
    for i, w in enumerate(words):
        before = _stem(words[i - 1]) if i else ""
        after = _stem(words[i + 1]) if i + 1 < len(words) else ""
        value: Optional[int] = None
        if w.isdigit() and len(w) <= 3:
            value = int(w)
        elif re.fullmatch(r"x\d{1,2}|\d{1,2}x", w):
            value = int(w.strip("x"))
        elif w.isalpha():
            word = _number_word(w)
            if word is not None:
                value = _NUMBER_WORDS[word]
                if word == "one" and before in _NOT_COUNT_ONE and not (
                        before == "the" and i > 1 and _stem(words[i - 2]) in _ONLY):  # "just the one" is 1
                    value = None
                if word in ("pair", "couple") and before not in ("a", ""):
                    value = None  # "2 pairs": the 2 counts
        if value is None or before in _NOT_A_COUNT_BEFORE or after in _UNITS_AFTER:
            continue
        found.append(_Number(value, i))
    return found


def _totals_after_of(words: Sequence[str], numbers: Sequence[_Number]) -> Set[int]:
    """Indexes of numbers that give the total in "1 of the 3", "one out of three": not the count."""
    totals = set()
    for n in numbers:
        for j in range(n.index - 1, max(n.index - 4, -1), -1):
            if words[j] in (".", "?"):
                break
            if words[j] == "of" and any(m.index < j for m in numbers):
                totals.add(n.index)
                break
    return totals


def _quantity(values: Iterable[int], maximum: int) -> Optional[int]:
    distinct = set(values)
    if len(distinct) != 1:
        return None
    value = distinct.pop()
    return value if 1 <= value <= maximum else None


def read_quantity(answer: str, maximum: int) -> Optional[int]:
    """How many a typed answer to "how many?" says: "1", "just one of them", "two", "a pair", "both",
    "all of them" (maximum); None when unclear, "half", or outside 1..maximum."""
    if maximum < 1 or not (answer or "").strip():
        return None
    exact = (answer or "").strip()
    if exact.isdigit():
        return _quantity([int(exact)], maximum)
    if re.match(r"[-\u2212]\s*\d", exact):
        return None  # a negative number
    words = [w for w in _tokens(_without_entities(answer)) if w not in (".", "?")]
    stems = [_stem(w) for w in words]
    if any(_close(w, "half") for w in words) or {"some", "few", "several", "none", "zero", "many"} & set(stems):
        return None
    numbers = _numbers(words)
    totals = _totals_after_of(words, numbers)
    values = [n.value for n in numbers if n.index not in totals]
    if "both" in stems:
        values.append(2)
    if set(stems) & _ALL_WORDS and not values:
        values.append(maximum)
    if not values:  # "zwei", "beide", "les deux", "solo uno", "两个都退": the other languages' words
        values = _fx_counts(answer, maximum)
    return _quantity(values, maximum)


def _fx_counts(text: str, maximum: int, both_only: bool = False, tied: bool = False) -> List[int]:
    """The counts another language's words say: number words, "beide"/"les deux"/"entrambi", "alle"/"tous"
    (the maximum); none when the words are vague ("die Hälfte", "quelques", "一半"). Digits are English's.
    `tied` (a longer message): also the numbers tied to the items ("einen davon", "nur 1", "un seul")."""
    tokens = _fx_tokens(_without_entities(text))
    words = [w for w in tokens if w not in (".", "?")]
    if set(words) & _FX_VAGUE:
        return []
    ours = len(words) == 1 or _reads_foreign(text)  # "due" alone is Italian; "my delivery is due" is not
    values = [] if both_only else [_FX_NUMBERS[w] for w in words if w in _FX_NUMBERS and (ours or w not in _ENGLISH_KNOWN)
                                   and (_FX_NUMBERS[w] != 1 or len(words) <= 3)]  # "un", "ein": articles too
    if tied:
        values += _fx_tied_counts(words, ours)
        if values:
            return values  # "uno de los dos", "un sur les deux": the "both" is the total
    if _FX_BOTH.search(" ".join(tokens)):
        values.append(2)
    if not both_only and not values and set(words) & _FX_ALL:
        values.append(maximum)
    return values


def _fx_tied_counts(words: Sequence[str], ours: bool) -> List[int]:
    """Numbers (words, or digits up to 3) another language ties to the items: after "nur", "solo", 只
    ("nur einen", "solo 2") or before "davon", "seul", "de ellos" ("einen davon", "un seul", "uno de ellos")."""
    found = []
    for i, word in enumerate(words):
        value = int(word) if word.isdigit() and len(word) <= 3 else _FX_NUMBERS.get(word)
        if value is None or not (ours or word not in _ENGLISH_KNOWN):
            continue
        if (i and words[i - 1] in _FX_ONLY) or _FX_COUNT_AFTER.match(" ".join(words[i + 1:i + 5])):
            found.append(value)
    return found


def quantity_in(text: str, maximum: int) -> Optional[int]:
    """A quantity stated inside a longer message ("return 1 of the 3 jeans", "just one of them", "x2",
    "both of them"); None when none is said. Order numbers, prices, postcodes and sizes never count."""
    if maximum < 1 or not (text or "").strip():
        return None
    words = list(_tokens(_without_entities(text)))
    numbers = _numbers(words)
    totals = _totals_after_of(words, numbers)
    bought = {n.index for n in numbers if n.index and words[n.index - 1] in _BOUGHT}  # "I bought three": the total
    values = [n.value for n in numbers if n.index not in totals | bought and _tied(words, n.index)]
    stems = [_stem(w) for w in words]
    for i, s in enumerate(stems):
        before = stems[i - 1] if i else ""
        after = stems[i + 1:i + 3] + ["", ""]
        if s == "both" and (after[0] in ("of", ".", "?", "") or before in _RETURN_VERBS | {"them"}):
            values.append(2)  # "both of them", "return both", "them both"
        if s == "all" and ((after[0] == "of" and after[1] in ("them", "it", "these", "those")) or before == "them"):
            values.append(maximum)  # "all of them", "them all"
    values = values or _fx_counts(text, maximum, both_only=True, tied=True)  # "einen davon", "les deux", "两个都退"
    return _quantity(values, maximum) if values else None


_BOUGHT = frozenset({"bought", "ordered", "purchased", "got", "received", "have", "had"})


def quantity_of(text: str, line: OrderLine, lines: Sequence[OrderLine]) -> Optional[int]:
    """The count said right before one item's name in a message that names several ("return the
    bralette and 2 of the t-shirts": 2 T-shirts); None when no count stands there. `lines`: the
    order's lines, so that the name is told apart from the others'."""
    lines = tuple(lines)
    if line not in lines or line.returnable_quantity < 1 or not (text or "").strip():
        return None
    target = lines.index(line)
    words = list(_tokens(_without_entities(text)))
    for number in _numbers(words):
        named = _named(words[number.index + 1:number.index + 5], lines, strict=True).named
        if named and set(named) == {target} and 1 <= number.value <= line.returnable_quantity:
            return number.value
    return None


def _tied(words: Sequence[str], index: int) -> bool:
    """Is the number at `index` a count of items: "2 of", "2 pairs", "x2", "just 2", "return 2", "all 3"?"""
    word = words[index]
    before = _stem(words[index - 1]) if index else ""
    after = _stem(words[index + 1]) if index + 1 < len(words) else ""
    return (after in _ITEM_NOUNS or after == "x" or word[0] == "x" or word[-1] == "x"
            or before in _ONLY | _RETURN_VERBS | {"x", "qty", "quantity", "all"})


# ---------------------------------------------------------------------------------------------------
# Yes / no

_YES, _NO, _UNSURE, _WEAK = "yes", "no", "unsure", "weak"
_YES_NO = _Lexicon([
    (_YES, "yes, yeah, yea, yep, yup, ya, yah, yeh, ye, aye, y, sure, ok, okay, okey, okie, k, kk, alright, "
           "all right, absolutely, definitely, certainly, of course, ofc, indeed, affirmative, correct, exactly, "
           "thats right, that is right, go ahead, go for it, do it, do that, please do, lets do it, lets go, "
           "sounds good|great|fine|perfect, that works, works for me, fine by me, why not, "
           "no problem, no worries, not a problem, dont mind, i do, yes please, sure thing, think so, "
           "ja, jawohl, klar, gerne, oui, ouais, si, sí, sì, claro, vale, sim, 是, 是的, 好, 好的, 对, 对的, "
           "可以, 行, 嗯, はい, 네, 예"),
    (_NO, "no, nope, nah, naw, nay, n, no thanks, no thank you, not now, not yet, not today, not really, "
          "not interested, not at the moment, not right now, prefer not, rather not, never mind, nevermind, nvm, "
          "no need, dont, dont bother, please dont, of course not, certainly not, absolutely not, definitely not, "
          "no way, negative, dont think so, nein, nee, non, não, 不, 不要, 不用, 不是, 没有, いいえ, 아니요, 아니"),
    (_UNSURE, "not sure, unsure, maybe, perhaps, dont know, idk, dunno, not certain, possibly"),
    (_WEAK, "please, pls, plz, fine, great, perfect, cool, deal"),  # a yes only when said alone
], window=2)
_FILLERS = _stems("oh um umm uh uhh well hmm ah ahh erm er haha lol hey hi hello so then".split())
_FX_YES_NO = _Lexicon([(label, _fx_spec(getattr(module, name))) for module in _LANGS
                       for label, name in ((_YES, "YES"), (_NO, "NO"), (_UNSURE, "UNSURE"), (_WEAK, "WEAK"))],
                      negators=_FX_NEGATORS, window=2, stops=_FX_STOPS)
# Thanks "anyway" after an offer: a polite no, whatever yes word opens it ("vale, gracias igualmente")
_DECLINE = re.compile(r"(?<![^ ])(?:thanks|thank you|thx|ty)(?: though)? (?:anyway|anyways|all the same|regardless)(?![^ ])")
_FX_DECLINE = _fx_phrases("DECLINE")
_YES_EMOJI, _NO_EMOJI = "\U0001f44d\U0001f44c\u2705", "\U0001f44e\u274c"


def read_yes_no(answer: str) -> Optional[bool]:
    """True for yes, False for no, None for anything else (a question, "not sure", a new request that
    does not start with yes or no)."""
    tokens = _tokens(answer)
    words = [t for t in tokens if t not in (".", "?")]
    if not words:
        raw = (answer or "").strip()
        if raw and all(c in _YES_EMOJI for c in raw):
            return True
        if raw and all(c in _NO_EMOJI for c in raw):
            return False
        return None
    fx_tokens, foreign_text = _fx_tokens(answer), _reads_foreign(answer)
    if _DECLINE.search(" ".join(words)) or _FX_DECLINE.search(" ".join(fx_tokens)):
        return False
    tokens = _without_spanish_ya(tokens, answer)
    words = [t for t in tokens if t not in (".", "?")]
    heard, read = _yes_or_no(tokens, words, _YES_NO, _FILLERS, _question_spans)
    if heard and read is not None and _unsure_lead(fx_tokens):
        return None  # "no sé", "non so": the "no" English hears opens another language's "I don't know"
    if heard:
        return read
    heard, read = _yes_or_no(fx_tokens, [t for t in fx_tokens if t not in (".", "?")], _FX_YES_NO, _FX_FILLERS,
                             _fx_question_spans, leading_only=any(map(_is_han, answer)), leave_english=not foreign_text)
    if heard:
        return read
    first = words[0] if words else ""
    if first and "\u4e00" <= first[0] <= "\u9fff":  # Chinese no table holds: 不用了谢谢, 好的谢谢
        if first[0] in "不没别":
            return False
        if first[0] in "是好对行嗯":
            return True
    return None


def _without_spanish_ya(tokens: Sequence[str], answer: str) -> Tuple[str, ...]:
    """The tokens English reads for a yes or no, without the "ya" that is no "yeah": Spanish "ya" is
    "already", "now" ("ya lo encontré"), and "ya no" is "no longer" ("ya no hace falta"). So "ya" just before a no word is never a yes, and in a Spanish conversation
    (`bot.language.conversation_language`) or a message whose other words read Spanish, no "ya" is."""
    spanish = language.conversation_language() == "es" or _reads_as(
        " ".join(t for t in _fx_tokens(answer) if t != "ya"), "es")
    return tuple(t for i, t in enumerate(tokens) if not (_collapse(t) == "ya" and (
        spanish or (i + 1 < len(tokens) and _collapse(tokens[i + 1]) in ("no", "nope", "nah", "not")))))


def _reads_as(text: str, lang: str) -> bool:
    """Whether `lang` leads `bot.language`'s word lists for `text` (ahead of every other language)."""
    scores = language.WORD_LIST.scores(text)
    return scores.get(lang, 0.0) > max((v for k, v in scores.items() if k != lang), default=0.0)


def _unsure_lead(fx_tokens: Sequence[str]) -> bool:
    hits = [h for h in _FX_YES_NO.hits(fx_tokens, leave_english=False) if h.label != _WEAK]
    return bool(hits) and hits[0].label == _UNSURE and hits[0].start == next(
        (i for i, t in enumerate(fx_tokens) if t not in (".", "?") and _stem(t) not in _FX_FILLERS), -1)


def _yes_or_no(tokens: Sequence[str], words: Sequence[str], lexicon: _Lexicon, fillers: FrozenSet[str],
               question_spans, leading_only: bool = False, leave_english: bool = True) -> Tuple[bool, Optional[bool]]:
    """(whether any yes/no/unsure word was heard, what the words say). `leading_only` (Chinese): only a
    yes or no word the message opens with counts, since 是, 好, 要, 对 sit inside most sentences
    ("订单号是...", "我要退款", "早上好")."""
    if not words:
        return False, None
    lead = 0
    while lead < len(tokens) and (tokens[lead] in (".", "?") or _stem(tokens[lead]) in fillers):
        lead += 1
    hits = lexicon.hits(tokens, leave_english)
    strong = [h for h in hits if h.label in (_YES, _NO)]
    if strong and strong[0].start == lead:
        return True, strong[0].label == _YES
    if not hits:
        return False, None
    if leading_only:
        return True, None
    if any(h.label == _UNSURE for h in hits) or question_spans(tokens) or tokens[-1] == "?" or len(words) > 8:
        return True, None
    said = {h.label == _YES and not h.negated for h in strong if not (h.negated and h.label == _NO)}
    if len(said) == 1:  # only yes ("that's a yes from me"), or only no ("i would prefer not", "not ok")
        return True, said.pop()
    if not strong and len(hits) == len([w for w in words if _stem(w) not in fillers]):
        return True, True  # "please", "perfect" alone (give or take "oh"): yes; not "refund please", "great thanks, bye"
    return True, None


# ---------------------------------------------------------------------------------------------------
# Earlier readers, kept for their callers


def parse_reason(answer: str) -> Optional[ReturnReason]:
    reading = read_reason(answer)
    return reading.reason if reading.confident else None


def parse_resolution(answer: str, allowed: Sequence[Resolution]) -> Optional[Resolution]:
    return read_resolution(answer, allowed)


def parse_line(answer: str, lines: Sequence[OrderLine]) -> Optional[OrderLine]:
    """The one line a customer means: its id, its position ("2", "the second"), its SKU or title words."""
    chosen = read_lines(answer, lines)
    return chosen[0] if chosen and len(chosen) == 1 else None


# Words the English readers know, and plain English words one slip away from another language's word
# ("agent" / argent, "billing" / billig, "address" / adress): the other languages' lexicons leave them to
# English, so an English answer reads exactly as it did before they were added.
_ENGLISH_LOOKALIKES = frozenset("""address agent arent billed billing costs difference wondering garcia jamie
still trade true till tall warm soon seen prime root much mine game fare fall fell cost care been marc lee tee
pass its due tot tote totes""".split())
_ENGLISH_KNOWN = frozenset().union(
    *(lexicon._surface | lexicon._stems for lexicon in (_REASONS, _RESOLUTIONS, _YES_NO)),
    _PLAIN, _FUNCTION, _COMMON, _GENERIC, _NEGATORS, _STOPS, _WH, _AUX, _MAY, _REQUESTING, _SUBJECTS, _FILLERS,
    _ALL_WORDS, _stems(_ORDINALS), _stems(_NUMBER_WORDS), _NOT_A_COUNT_BEFORE, _ITEM_NOUNS, _RETURN_VERBS,
    _ENGLISH_LOOKALIKES, _stems(_ENGLISH_LOOKALIKES))
_ENGLISH_KNOWN = frozenset(w for w in _ENGLISH_KNOWN if w.isascii() and w.isalpha())  # not 是, 好的 of _YES_NO
for _lexicon in (_FX_REASONS, _FX_RESOLUTIONS, _FX_YES_NO):
    _lexicon.english = _ENGLISH_KNOWN
