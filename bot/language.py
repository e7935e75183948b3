"""Which language a conversation is in: detected from the customer's words, with the channel's hints.

Pure (the default detector loads lingua's models once, on first use). `choose_language(text, current,
hints, detector)` returns the language to answer in and why. The rules, in order:

1. The customer asks for a language ("English please", "auf Deutsch bitte", "中文"): that one.
2. Han characters (Simplified Chinese is the only CJK language served): Chinese.
3. Too few words to tell ("ok", "#1157", an email, a postcode, "merci"): the conversation's current
   language; at its start the channel's hint (Telegram `language_code`, then the browser's
   `Accept-Language`), else English.
4. Otherwise the detector's best language, when it is sure enough and clearly ahead of the current one:
   a customer who switches is followed; a mixed message ("hi, ich möchte ...") goes to the language
   most of it is in.

The detector is a port (`Detector`). The default, `COMBINED` (`CombinedDetector`), mixes two: lingua's
statistical models (`bot.language_detection.LinguaDetector`, shipped in its wheel: no download) and
`WordListDetector`, common function words, customer-service words and letters each language has alone
(ß, ñ, ç...). Without lingua (not installed) the word lists decide alone.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, Mapping, Optional, Protocol, Sequence, Tuple

from bot.language_detection import LINGUA
from bot.text import find_entities

ENGLISH = "en"
LANGUAGES: Tuple[str, ...] = ("en", "de", "fr", "es", "it", "zh")
NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano", "zh": "中文"}

# below this many words (after ids, emails, numbers and URLs are taken out) the words are not enough
MIN_WORDS = 2
# the detector's share of the evidence the best language needs, and its lead over the current language
MIN_SHARE = 0.5
SWITCH_MARGIN = 0.25


class Detector(Protocol):
    """Scores how much `text` looks like each language (any non-negative scale; absent = 0)."""

    def scores(self, text: str) -> Mapping[str, float]: ...


@dataclass(frozen=True)
class Hints:
    """What a channel says about the customer's language: Telegram's `language_code`, the web chat's
    `Accept-Language` header. Either may be missing or name a language not served."""

    language_code: Optional[str] = None
    accept_language: Optional[str] = None

    def language(self) -> Optional[str]:
        return served(self.language_code) or next(iter(accept_language(self.accept_language or "")), None)


@dataclass(frozen=True)
class Choice:
    language: str
    reason: str  # "asked" | "script" | "detected" | "kept" | "hint" | "default"


def served(code: Optional[str]) -> Optional[str]:
    """`de-AT` -> `de`, `zh-Hans-CN` -> `zh`, `pt-BR` -> None. Traditional Chinese (`zh-TW`, `zh-Hant`)
    is served in Simplified Chinese: closer to the customer than English."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def accept_language(header: str) -> Sequence[str]:
    """The served languages of an `Accept-Language` header, most preferred first, each once."""
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        lang = served(tag)
        if lang and q > 0:
            ranked.append((-q, i, lang))
    seen, out = set(), []
    for _, _, lang in sorted(ranked):
        if lang not in seen:
            seen.add(lang)
            out.append(lang)
    return out


# -- the conversation's language while one message is read -----------------------------------------

# Set once at a turn's entry (`bot.conversation.manager`) to the language the gateway chose for the message
# (`choose_language`: its words, else the conversation's), beside `bot.catalogue.speaking`: the readers
# of `bot.choices` are called some thirty times several calls deep, and a word can mean one thing in the
# conversation's language and another elsewhere (Spanish "ya" is "already", not English "yeah"; French
# "pull" is a sweater, English "pull" is no item). A context variable, so two conversations handled at
# once never share it; None outside a turn or without a gateway (not known: the readers go by the words).
_CONVERSATION: ContextVar[Optional[str]] = ContextVar("returnbot_conversation_language", default=None)


@contextmanager
def conversing_in(language: Optional[str]) -> Iterator[Optional[str]]:
    """Within it, `conversation_language()` is `language` (served languages only, else None)."""
    token = _CONVERSATION.set(served(language))
    try:
        yield served(language)
    finally:
        _CONVERSATION.reset(token)


def conversation_language() -> Optional[str]:
    """The language of the conversation whose message is being read (`conversing_in`), None when unknown."""
    return _CONVERSATION.get()


# -- asking for a language -------------------------------------------------------------------------

# the name of each language as customers write it, in any served language
_LANGUAGE_WORDS: Dict[str, Tuple[str, ...]] = {
    "en": ("english", "englisch", "anglais", "inglés", "ingles", "inglese", "英文", "英语"),
    "de": ("german", "deutsch", "allemand", "alemán", "aleman", "tedesco", "德语", "德文"),
    "fr": ("french", "französisch", "franzoesisch", "français", "francais", "francés", "frances",
           "francese", "法语", "法文"),
    "es": ("spanish", "spanisch", "espagnol", "español", "espanol", "castellano", "spagnolo", "西班牙语"),
    "it": ("italian", "italienisch", "italien", "italiano", "意大利语"),
    "zh": ("chinese", "chinesisch", "chinois", "chino", "cinese", "mandarin", "中文", "汉语", "普通话"),
}
# words that make "<language>" a request rather than a mention ("my English is bad" is no request)
_ASK = (r"please|pls|plz|bitte|s'il (?:te|vous) pla[iî]t|stp|svp|por favor|per favore|per piacere|"
        r"speak|talk|write|answer|reply|continue|switch|change|in|auf|en|in lingua|"
        r"sprechen|sprichst|schreiben|schreib|antworten|weiter|parlez|parles|parler|[ée]cri(?:re|vez|s)|"
        r"r[ée]pond(?:re|ez|s)|continuer|hablas?|habla|hablar|escribe|escribir|responde|contin[uú]a|"
        r"parla|parli|parlare|scrivi|scrivere|rispondi|continua|can you|could you|do you|sie|du|vous|tu|usted")
_ASK_RE = re.compile(rf"(?<!\w)(?:{_ASK})(?!\w)", re.IGNORECASE)
_ZH_ASK = ("说", "讲", "用", "请", "可以", "能")


def requested_language(text: str) -> Optional[str]:
    """The language the customer asks for ("English please", "auf Deutsch bitte", "¿hablas español?",
    "请说中文", or just "Deutsch"), else None. A message that names two languages asks for neither."""
    lowered = text.lower().strip()
    named = set()
    for lang, words in _LANGUAGE_WORDS.items():
        for word in words:
            if _is_han(word[0]):
                hit = word in lowered
            else:
                hit = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered) is not None
            if hit:
                named.add(lang)
    if len(named) != 1:
        return None
    (lang,) = named
    words = re.findall(r"\w+", lowered)
    bare_name = len(words) <= 2 and all(w in _LANGUAGE_WORDS[lang] or w in _FILLERS for w in words)
    han_request = any(_is_han(ch) for ch in lowered) and (len(lowered) <= 6 or any(w in lowered for w in _ZH_ASK))
    if bare_name or han_request or (len(words) <= 8 and _ASK_RE.search(lowered)):
        return lang
    return None


_FILLERS = frozenset({"in", "auf", "en", "please", "bitte", "pls"})

# the other words of a message that asks for a language and nothing else ("can we speak English please",
# "sorry, do you speak English?", "können wir auf Deutsch schreiben?", "¿puedes hablar
# en español?", "si può parlare in italiano?"): who, can, language, politeness, not understanding
_ONLY_ASKING = frozenset("""
can could would will we you i me us do does is it possible pls plz please sorry ok okay hi hello hey the to
speak talk write answer reply chat continue switch change language only just rather prefer let lets let's
don't dont not no understand understood in en on with instead now from here thanks thank
bitte können koennen kannst könnten wir sie du ich mich mir sprechen sprichst schreiben schreib antworten
weiter wechseln sprache nur lieber hallo verstehe nicht kein keine auf danke gerne gern mit uns ok
pouvez peux pourriez vous tu on nous je parler parlez parles écrire ecrire écrivez ecrivez répondre
repondre continuer langue seulement plutôt plutot bonjour salut merci comprends pas ne stp svp plait
puedes puede podemos podrías podrias usted tú yo hablar hablas habla escribir escribe responder
continuar idioma solo mejor hola gracias entiendo por favor
puoi può puo possiamo potresti lei io parlare parli parla scrivere scrivi rispondere continuare lingua
solo meglio ciao grazie capisco non per favore si
""".split())

_LANGUAGE_NAMES = frozenset(w for words in _LANGUAGE_WORDS.values() for w in words)
_NAMES_LONGEST_FIRST = tuple(sorted(_LANGUAGE_NAMES, key=len, reverse=True))


def only_asks_for_language(text: str) -> Optional[str]:
    """The language a message asks for when asking for it is all it does ("English please", "can we speak
    English?", "auf Deutsch bitte", "请说中文"), else None: "English please, I want to return order 1001"
    asks for more, and is answered in English as any message in it is."""
    asked = requested_language(text)
    if asked is None:
        return None
    if any(_is_han(ch) for ch in text):
        rest = text
        for word in _NAMES_LONGEST_FIRST:
            rest = rest.replace(word, "")
        rest = re.sub(r"[\W\d_]|" + "|".join(_ZH_ASK) + r"|吗|吧|好|您|你|我|们|能不能|和|跟|话|中|一下", "", rest)
        return asked if not rest else None
    words = re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", text.lower())
    return asked if all(w in _LANGUAGE_NAMES or w in _ONLY_ASKING for w in words) else None


# -- script and words -------------------------------------------------------------------------------

def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def han_share(text: str) -> float:
    """Han characters among the letters of `text`."""
    letters = [ch for ch in text if ch.isalpha()]
    return sum(map(_is_han, letters)) / len(letters) if letters else 0.0


_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)


def words_of(text: str) -> Sequence[str]:
    """The customer's words: order numbers, emails, postcodes, tracking numbers, amounts, URLs and
    numbers taken out, lower-cased."""
    for entity in sorted(find_entities(text), key=lambda e: -e.start):
        text = text[: entity.start] + " " + text[entity.end:]
    text = _URL.sub(" ", text)
    return [w for w in re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", text.lower()) if len(w) > 1 or w in "yàè"]


def choose_language(text: str, current: Optional[str], hints: Hints = Hints(),
                    detector: Optional[Detector] = None) -> Choice:
    """The language to answer `text` in; `current` is the conversation's language so far (None at its
    start)."""
    current = served(current)
    asked = requested_language(text)
    if asked:
        return Choice(asked, "asked")
    if han_share(text) >= 0.3:
        return Choice("zh", "script")
    fallback = (Choice(current, "kept") if current else
                Choice(hints.language(), "hint") if hints.language() else Choice(ENGLISH, "default"))
    words = words_of(text)
    if len(words) < MIN_WORDS:
        return fallback
    scores = (detector or COMBINED).scores(" ".join(words))
    total = sum(scores.values())
    if total <= 0:
        return fallback
    best = max(sorted(scores), key=lambda lang: (scores[lang], lang == fallback.language))
    share = scores[best] / total
    if best == fallback.language or share < MIN_SHARE:
        return fallback
    if any(scores[lang] == scores[best] for lang in scores if lang != best):
        return fallback  # two languages tied: nothing to follow (and no set order to pick by)
    if (scores[best] - scores.get(fallback.language, 0.0)) / total < SWITCH_MARGIN:
        return fallback
    return Choice(best, "detected")


# -- the built-in detector --------------------------------------------------------------------------

def _words(block: str) -> frozenset:
    return frozenset(block.split())


# Function words and the customer-service words of each language. A word two languages share ("no",
# "a", "per", "come", "die") is left out of both, or it would only add noise.
_COMMON = {
    "en": _words("""the and is are was were my your our this that these those it its i me you we they he she
        what where when why how who which can could would should will want wanted need needed have has had
        do does did don't didn't can't isn't it's i'm i've with from for of to on at by about please pls thanks
        thank hello hi hey yes yeah yep nope not but just still yet already get got send sent back return
        returned refund money order ordered package parcel item items arrived delivered broken damaged wrong
        size cancel help someone person agent any some there here been being than then also too very
        instead again because if or so up out over into after before today tomorrow week days"""),
    "de": _words("""ich du sie wir ihr mein meine meinen meinem meiner mich mir dich dir uns ist sind war
        waren habe hast hat haben hatte möchte möchten will wollen kann können könnte würde soll muss nicht
        kein keine keinen und oder aber auch noch schon nur bitte danke hallo moin servus tschüss ja nein
        doch mal wo wie wann warum was wer welche welcher zurück zurückschicken zurücksenden rücksendung
        retoure erstattung rückerstattung geld bestellung bestellt paket sendung lieferung geliefert
        artikel kaputt beschädigt defekt falsch größe stornieren storniert hilfe mitarbeiter jemand
        mensch mit von für auf aus bei nach über unter zum zur dem den der das des ein eine einen einem
        einer im ins am vom heute morgen woche tage immer noch gibt geht gerne leider bekommen erhalten
        angekommen umtauschen umtausch""") - {"die"},
    "fr": _words("""je j'ai tu il elle nous vous ils elles mon ma mes ton ta tes votre vos notre nos le la
        les un une des du au aux est sont était ai as avons avez ont veux voudrais voulez peux pouvez
        puis dois faut ne pas plus rien jamais et ou mais aussi encore déjà seulement s'il plaît merci
        bonjour bonsoir salut oui non où comment quand pourquoi quoi qui quel quelle retourner renvoyer
        retour remboursement rembourser argent commande commandé colis livraison livré article cassé
        abîmé endommagé mauvaise taille annuler aide quelqu'un conseiller avec pour dans sur chez
        aujourd'hui demain semaine jours toujours c'est ce cette ces ça svp stp reçu recu échanger
        échange je voudrais n'ai pas""") - {"a", "de"},
    "es": _words("""yo tú usted nosotros ellos mi mis tu tus su sus nuestro el los las un una unos unas del
        al es son era fue he ha han hemos tengo tiene tienen quiero quisiera puedo puede podría debo
        hay y o pero también todavía ya solo favor gracias hola buenas buenos sí dónde cómo cuándo por
        qué quién cuál devolver devolución reembolso dinero pedido paquete envío entrega entregado
        artículo roto dañado talla cancelar ayuda alguien persona agente con para sobre desde hoy
        mañana semana días siempre esto este esta estos está están llegó recibido recibí cambiar cambio
        necesito ningún nada""") - {"a", "de", "la", "que", "no"},
    "it": _words("""io tu lei noi voi loro mio mia miei mie tuo tua suo sua nostro il lo gli uno del della
        dei delle al alla è sono era ho hai ha abbiamo avete hanno voglio vorrei posso può potrei devo
        c'è ci e o ma anche ancora già solo per favore piacere grazie ciao buongiorno buonasera sì dove
        come quando perché cosa chi quale restituire reso rimborso soldi ordine ordinato pacco spedizione
        consegna consegnato articolo rotto danneggiato sbagliato taglia annullare aiuto qualcuno
        persona operatore con per su da oggi domani settimana giorni sempre questo questa questi
        arrivato ricevuto cambiare cambio non niente nessun mi ti""") - {"a", "di", "la", "che", "no", "le"},
}
# Letters one language has and the others here do not.
_LETTERS = {"de": "ßäöü", "fr": "çœêâîûëïàèù", "es": "ñ¿¡áíóú", "it": "ìò"}


class WordListDetector:
    """Counts each language's words in the text, and its own letters at half a word each."""

    def __init__(self, words: Mapping[str, Iterable[str]] = _COMMON, letters: Mapping[str, str] = _LETTERS):
        self._by_word: Dict[str, set] = {}
        for lang, vocabulary in words.items():
            for word in vocabulary:
                self._by_word.setdefault(word, set()).add(lang)
        self._letters = dict(letters)

    def scores(self, text: str) -> Mapping[str, float]:
        found: Dict[str, float] = {}
        for word in re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", text.lower()):
            langs = self._by_word.get(word.replace("’", "'"), ())
            for lang in langs:
                found[lang] = found.get(lang, 0.0) + 1.0 / len(langs)
        for lang, letters in self._letters.items():
            hits = sum(text.count(ch) for ch in letters)
            if hits:
                found[lang] = found.get(lang, 0.0) + 0.5 * min(hits, 4)
        return found


WORD_LIST = WordListDetector()


# -- the default: lingua and the word lists together ------------------------------------------------

# the word lists' part of the evidence when both detectors have some (measured on the held-out first
# messages, docs/languages.md: lingua alone is sure of too little in two or three words, the word lists
# alone miss what their lists lack; 0.3 was best on both halves of the held-out data, 0.2 to 0.4 close)
WORD_LIST_WEIGHT = 0.3


def _shares(scores: Mapping[str, float]) -> Dict[str, float]:
    total = sum(scores.values())
    return {lang: value / total for lang, value in scores.items() if value > 0} if total > 0 else {}


class CombinedDetector:
    """A statistical detector's shares and the word lists' shares, weighted `1 - word_weight` and
    `word_weight`. Where one of them finds nothing (lingua not installed, no listed word), the other
    decides alone."""

    def __init__(self, statistical: Detector, words: Detector = WORD_LIST, word_weight: float = WORD_LIST_WEIGHT):
        if not 0.0 <= word_weight <= 1.0:
            raise ValueError(f"word_weight must be between 0 and 1, not {word_weight}")
        self._statistical, self._words, self._word_weight = statistical, words, word_weight

    def scores(self, text: str) -> Mapping[str, float]:
        model, listed = _shares(self._statistical.scores(text)), _shares(self._words.scores(text))
        if not model or not listed:
            return model or listed
        w = self._word_weight
        return {lang: (1 - w) * model.get(lang, 0.0) + w * listed.get(lang, 0.0) for lang in {*model, *listed}}


# what `choose_language` uses unless told otherwise; lingua is built on first use (or by
# `bot.language_detection.warm()` at the gateway's start)
COMBINED = CombinedDetector(LINGUA)
