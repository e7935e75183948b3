"""German answers as customers type them ("zu klein", "passt nicht", "kaputt angekommen", "Geld zurück
bitte", "ja genau", "das zweite", "beide"). Data only; the readers are in `bot.choices` and
`bot.conversation`; the notation is in `bot.answer_words`."""

# -- bot.choices: return reasons (ReturnReason values; None: words that are no reason)
REASONS = [
    ("too_small", "klein, kleiner, zu eng, eng, enger, kurz, kürzer, knapp, drückt, drücken, zwickt, "
                  "passt|passen ~ nicht ~ rein, komme|kommt|passe|passt nicht rein, "
                  "eine|eins|ne|1 nummer|größe|grösse ~ größer|grösser, brauche|brauch|will|möchte|hätte ~ größer|grösser"),
    # "groß" only after "zu", "ist"...: folded it is "Größe" (size): "gegen eine andere Größe"
    ("too_large", "zu ~ groß|gross, ist|sind|fällt|fallen|etwas|viel ~ groß|gross, größer, grösser, zu weit, weit, weiter, "
                  "lang, länger, locker, rutscht, sitzt zu locker, riesig, schlabbrig, fällt|fallen ~ weit, "
                  "eine|eins|ne|1 nummer|größe|grösse ~ kleiner, brauche|brauch|will|möchte|hätte ~ kleiner"),
    ("damaged", "kaputt, beschädigt, defekt, gebrochen, zerbrochen, gerissen, riss, loch, löcher, zerkratzt, kratzer, "
                "eine delle, delle drin, dellen, fleck, flecken, verschmutzt, dreckig, undicht, ausgelaufen, funktioniert|geht|läuft ~ nicht|nich, "
                "lädt nicht, springt nicht an, tot, ist tot, akku tot, totalschaden, ohne funktion, schaden, beschädigung, mangelhaft, fehlerhaft, "
                "zerrissen, aufgerissen, naht offen|auf|gerissen, abgebrochen, kaputtgegangen, hinüber, aufgeplatzt, löst sich, naht offen, "
                "sprung, gesprungen, zersprungen, angeschlagen, abgeplatzt, macke, verbeult, eingedrückt, zerdrückt, gesplittert"),
    ("wrong_item", "falsch, falsche, falschen, falscher, falsches, verwechselt, nicht bestellt, nie bestellt, "
                   "habe|hab ~ nicht bestellt, andere farbe|größe|grösse|artikel|modell geliefert|bekommen|geschickt, "
                   "falsch geliefert, nicht meins, nicht meine bestellung, nicht was ich bestellt"),
    ("not_as_described", "nicht wie beschrieben|abgebildet|erwartet|angegeben, sieht ~ anders aus, anders als ~ bild|foto|"
                         "beschreibung|abbildung|erwartet, entspricht nicht, billig, minderwertig, schlechte qualität, "
                         "fälschung, fake, ?qualität, ?beschreibung, ?material, ?stoff, farbe ~ anders, "
                         "farbe stimmt nicht, nicht wie auf dem bild, ?foto, ?bild"),
    ("changed_mind", "gefällt|gefallen ~ nicht|nich, mag ~ nicht|nich, brauche|brauch|will|benötige ~ nicht|nich mehr, "
                     "nicht|nich mehr, anders entschieden, umentschieden, doch nicht, es sich anders überlegt, "
                     "überlegt, vertan, verklickt, aus versehen, versehentlich, doppelt, zweimal, woanders, günstiger, billiger gefunden, "
                     "fehlkauf, falsch bestellt, zu teuer, kein bedarf, keinen bedarf, nicht mein geschmack|stil|ding"),
    ("other", "anderer grund, andere gründe, etwas anderes, sonstiges, sonstige, zu spät, verspätet, verspätung, "
              "hat zu lange gedauert, dauert zu lange, zu lange gedauert, dauerte ewig"),
    (None, "tote bag, tote bags, totebag, kleine frage, kurze frage, kurz gesagt, ein kleines|kleiner|kleinen, die große|grosse, wie lange, "
           "falsche adresse|nummer|email, nicht mehr lange, doch nicht die|der|das|den|dem|meine|mein|meinen"),  # "doch nicht die Jacke, die Mütze": another item
]

# -- bot.choices: resolutions (Resolution values; None: words that choose none)
RESOLUTIONS = [
    ("refund", "geld zurück, geld wieder, rückerstattung, erstattung, erstatten, zurückerstatten, zurückzahlen, "
               "rückzahlung, auszahlen, auszahlung, aufs konto|paypal|karte, gutschreiben auf karte|konto|paypal, auf mein|meine|das|die "
               "konto|karte|kreditkarte, paypal, überweisung, überweisen, mein geld, das geld, geld, erstattet"),
    ("exchange", "umtausch, umtauschen, tauschen, umgetauscht, eintauschen, austauschen, tausch, "
                 "andere|anderen|andere größe|grösse|farbe|modell, größe|grösse|nummer ~ größer|grösser|kleiner, "
                 "eine|eins|ne|1 nummer|größe|grösse ~ größer|grösser|kleiner, gegen ~ größe|grösse|xs|s|m|l|xl|xxl, "
                 "in größe|grösse, in ~ größer|grösser|kleiner, "
                 "den|die|das richtigen|richtige|richtiges, richtigen|richtige artikel|größe|grösse|farbe, was ich bestellt habe|hab|hatte"),  # the one ordered, for a wrong one
    ("store_credit", "gutschein, gutschrift, guthaben, einkaufsgutschein, wertgutschein, shop guthaben, kundenkonto, "
                     "store credit"),
    ("replacement", "ersatz, ersatzlieferung, neu schicken|senden|liefern, neues|neuen|neue ~ schicken|senden, "
                    "ein neues, einen neuen, eine neue, nachliefern, nachlieferung"),
    (None, "anderen artikel|artikeln, andere artikel, falsche größe|grösse|farbe geliefert|geschickt|bekommen, "
           "ist|sind|war|habe|hab ~ richtige|richtigen|richtiges|richtig"),  # "die Größe ist richtig, aber...": a description
]

# -- bot.choices: yes / no
YES = ("ja, jaa, jo, joa, jap, jep, jup, jepp, jawohl, ja klar, klar, klaro, gerne, gern, genau, richtig, stimmt, korrekt, "
       "passt, passt so, in ordnung, alles klar, einverstanden, mach das, machen sie das, bitte ja, ja bitte, "
       "auf jeden fall, natürlich, sicher, logo, selbstverständlich, okay, ok, ja gerne, jawoll, "
       "genau so, ganz genau, das stimmt, so ist es, das ist richtig, kein problem, warum nicht, "
       "sehr gerne, bitte machen")
NO = ("nein, nee, nö, nein danke, ne danke, ne lass mal, passt nicht, geht nicht, nicht gut, nicht jetzt, lieber nicht, eher nicht, nicht wirklich, auf keinen "
      "fall, keinesfalls, gar nicht, überhaupt nicht, nicht nötig, brauche ich nicht, stimmt nicht, falsch, "
      "nicht richtig, das ist falsch, lass mal, lass es, vergiss es, doch nicht, noch nicht")
UNSURE = "weiß nicht, weiss nicht, keine ahnung, vielleicht, eventuell, unsicher, nicht sicher, mal sehen, kann sein"
WEAK = "bitte, prima, toll, perfekt, gut, sehr gut, schön, wunderbar"  # a yes only alone
FILLERS = "äh, ähm, hm, hmm, naja, na, also, oh, ach, tja, hallo, hi, moin, servus, ok"

# Words of their own one slip away from a cue word ("quali" / qualità): never bent onto it
PLAIN = "tach, tag, dell, wenn, denn, weil, mal, schade"  # "schade" (a pity) is no "Schaden"

# -- bot.choices: negations, clause turns, corrections, questions
NEGATORS = "nicht, nich, net, kein, keine, keinen, keinem, keiner, nie, niemals, ohne, weder, statt, anstatt, nichts"
NEGATORS_AFTER = ""  # "die Jacke nicht" reads like a verb-final "die Jacke passt nicht"
BUTS = "aber, sondern, doch, jedoch, trotzdem, nur, eher, lieber"
CORRECTIONS = "doch, eigentlich, lieber, sorry, moment, nein, ne, besser"
RATHER = "lieber, eher"  # "lieber ne Gutschrift als Geld": what comes before "als" is chosen
THAN = "als, statt, anstatt, anstelle"
DECLINE = "danke trotzdem, trotzdem danke, danke dennoch, dennoch danke"  # "ok, danke trotzdem": a polite no
QUESTION_WORDS = "wie, wann, wo, warum, wieso, weshalb, wer, welche, welcher, welches, welchen, wieviel, wohin, woher"
QUESTION_VERBS = "wenn, falls, ist, sind, gibt, hat, habe, hast, muss, müssen, bekomme, bekommt, dauert, kostet, zahlt, geht, wird, darf"

# -- bot.choices: which item, how many
ORDINALS = {"erste": 1, "ersten": 1, "erstes": 1, "erster": 1, "zweite": 2, "zweiten": 2, "zweites": 2, "zweiter": 2,
            "dritte": 3, "dritten": 3, "drittes": 3, "dritter": 3, "vierte": 4, "vierten": 4, "viertes": 4,
            "fünfte": 5, "fünften": 5, "fünftes": 5, "letzte": -1, "letzten": -1, "letztes": -1, "letzter": -1,
            "obere": 1, "oberen": 1, "untere": -1, "unteren": -1}
NUMBERS = {"eins": 1, "einen": 1, "ein": 1, "eine": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7,
           "acht": 8, "neun": 9, "zehn": 10}
BOTH = "beide, beiden, beides"
ALL = "alle, alles, allen, sämtliche, komplett"
EXCEPT = "außer, ausser"  # all but these
VAGUE = "hälfte, halb, halbe, einige, paar, manche, mehrere"  # no count: "half", "some"
COUNT_AFTER = "davon, von beiden, von den, von denen, von ihnen, stück, stk, exemplar"  # a count of items: "einen davon"
ONLY = "nur, bloß, bloss, lediglich, genau"  # before a count: "nur einen"
# -- bot.choices: item words ("die Jacke", "les chaussettes", "羽绒服"): a word as customers type it -> the English
# title word(s) it stands for, singular, lower case; "a|b" when it covers several ("外套": coat or jacket) or
# when a second title word tells two items apart ("regenjacke": jacket|rain). The lookup is after folding, with
# one slip forgiven in words of five letters or more ("Handschue"); plurals are keys of their own. German keys
# of four letters or more are also read as the tail of a compound, so they must not end common German words.
# German compounds are read by their longest key tail ("Softshelljacke" -> jacke); one whose head matters is a key.
# Read only in German (`bot.choices._glossaries`), so "Slip" is no English "return slip". Left out:
# "shopper" (an English word for a person).
NOUNS = {
    "slip": "brief|underwear", "slips": "brief|underwear",
    # clothing
    "jacke": "jacket", "jacken": "jacket", "mantel": "coat", "mäntel": "coat", "parka": "parka|jacket",
    "parkas": "parka|jacket", "anorak": "jacket", "windjacke": "jacket", "windbreaker": "jacket",
    "steppjacke": "jacket", "regenjacke": "jacket|rain", "regenjacken": "jacket|rain", "regenmantel": "coat|rain",
    "daunenjacke": "jacket|down", "daunenjacken": "jacket|down", "daunenweste": "vest|down", "weste": "vest",
    "westen": "vest", "gilet": "vest|gilet", "lederjacke": "jacket|leather", "jeansjacke": "jacket|denim",
    "laufjacke": "jacket|running", "softshelljacke": "jacket|softshell", "trenchcoat": "coat|trench",
    "trench": "coat|trench", "wollmantel": "coat|wool", "blazer": "blazer|jacket", "sakko": "blazer|jacket",
    "anzug": "suit", "hose": "trouser", "hosen": "trouser", "leinenhose": "trouser|linen", "jeans": "jean",
    "jeanshose": "jean", "shorts": "short", "radlerhose": "short|cycling", "radhose": "short|cycling",
    "radlershorts": "short|cycling", "leggings": "legging", "leggins": "legging", "jogginghose": "trouser|jogger",
    "rock": "skirt", "röcke": "skirt", "minirock": "skirt", "jeansrock": "skirt|denim", "kleid": "dress",
    "kleider": "dress", "sommerkleid": "dress", "seidenkleid": "dress|silk", "hemd": "shirt", "hemden": "shirt",
    "leinenhemd": "shirt|linen", "bluse": "blouse|shirt", "blusen": "blouse|shirt", "tshirt": "tshirt|shirt",
    "tshirts": "tshirt|shirt", "shirt": "tshirt|shirt", "shirts": "tshirt|shirt", "top": "top", "trikot": "jersey",
    "trikots": "jersey", "radtrikot": "jersey|cycling", "fahrradtrikot": "jersey|cycling",
    "rugbytrikot": "jersey|rugby", "pullover": "sweater", "pulli": "sweater", "pullis": "sweater",
    "pulover": "sweater", "strickpullover": "sweater|jumper", "strickpulli": "sweater|jumper",
    "wollpullover": "sweater|wool", "wollpulli": "sweater|wool", "sweatshirt": "sweatshirt|sweater",
    "sweater": "sweatshirt|sweater", "kapuzenpulli": "hoodie", "kapuzenpullover": "hoodie", "hoodie": "hoodie",
    "hoodies": "hoodie", "strickjacke": "cardigan", "badeanzug": "swimsuit", "badehose": "trunk|short",
    "bikini": "bikini", "bh": "bra|bralette", "bralette": "bralette", "unterwäsche": "underwear",
    "unterhose": "brief|boxer|underwear", "unterhosen": "brief|boxer|underwear", "boxershorts": "boxer|short",
    "schlafanzug": "pyjama", "pyjama": "pyjama", "bademantel": "robe", "socken": "sock", "socke": "sock",
    "strümpfe": "sock", "strumpf": "sock", "sneakersocken": "sock|ankle", "füßlinge": "sock|ankle",
    "laufsocken": "sock|running", "strumpfhose": "tights", "hosentasche": "trouser",
    # shoes
    "schuhe": "shoe", "schuh": "shoe", "laufschuhe": "shoe|running", "wanderschuhe": "boot|shoe|hiking",
    "turnschuhe": "sneaker|shoe", "sportschuhe": "sneaker|shoe", "sneaker": "sneaker", "sneakers": "sneaker",
    "stiefel": "boot", "stiefeletten": "boot", "boots": "boot", "wanderstiefel": "boot|hiking",
    "chelseaboots": "boot|chelsea", "sandalen": "sandal", "sandale": "sandal", "latschen": "slide|slipper|sandal",
    "schlappen": "slide|slipper|sandal", "badelatschen": "slide|slipper|sandal", "hausschuhe": "slipper",
    "pantoffeln": "slipper", "espadrilles": "espadrille", "flipflops": "flipflop|sandal",
    # accessories
    "mütze": "beanie|hat|cap", "mützen": "beanie|hat|cap", "strickmütze": "beanie|cap|knitted",
    "wollmütze": "beanie|cap|knitted", "beanie": "beanie", "hut": "hat", "hüte": "hat", "strohhut": "hat|straw",
    "kappe": "cap", "cap": "cap", "basecap": "cap", "schirmmütze": "cap", "schiebermütze": "cap|flat",
    "schal": "scarf", "schals": "scarf", "halstuch": "scarf", "wollschal": "scarf|wool", "seidenschal": "scarf|silk",
    "seidentuch": "scarf|silk", "handschuhe": "glove", "handschuh": "glove", "lederhandschuhe": "glove|leather",
    "gürtel": "belt", "ledergürtel": "belt|leather", "krawatte": "tie", "portemonnaie": "wallet",
    "portmonee": "wallet", "geldbörse": "wallet", "geldbeutel": "wallet", "brieftasche": "wallet",
    "sonnenbrille": "sunglasses", "brille": "glasses", "regenschirm": "umbrella", "schirm": "umbrella",
    "halskette": "necklace", "armband": "bracelet", "ohrringe": "earring", "schlüsselanhänger": "keyring",
    "schlüsselring": "keyring", "uhr": "watch", "armbanduhr": "watch", "smartwatch": "watch|smart",
    # bags
    "tasche": "bag", "taschen": "bag", "handtasche": "bag", "umhängetasche": "bag|crossbody",
    "stoffbeutel": "tote|bag", "jutebeutel": "tote|bag", "stofftasche": "tote|bag", "rucksack": "backpack|daypack",
    "rucksäcke": "backpack|daypack", "koffer": "suitcase",
    # electronics
    "kopfhörer": "headphone|earbud", "ohrhörer": "earbud", "earbuds": "earbud", "kopfhörerständer": "stand|headphone",
    "kopfhörerhalter": "stand|headphone", "ständer": "stand", "lautsprecher": "speaker", "ladegerät": "charger",
    "netzteil": "charger", "kabel": "cable", "ladekabel": "cable", "hülle": "case", "schutzhülle": "case",
    "etui": "case", "handyhülle": "case|phone", "ladecase": "case|charging", "ladeetui": "case|charging",
    "displayschutz": "protector|screen", "schutzfolie": "protector|screen", "panzerglas": "protector|screen",
    "tastatur": "keyboard", "maus": "mouse", "bildschirm": "monitor|screen", "kamera": "camera",
    "actioncam": "camera|action", "lesegerät": "ereader|reader", "ebookreader": "ereader|reader",
    "ereader": "ereader|reader", "luftreiniger": "purifier|air", "ventilator": "fan", "föhn": "dryer", "fön": "dryer",
    "haartrockner": "dryer", "glühbirne": "bulb", "birne": "bulb", "leuchtmittel": "bulb",
    "ersatzbirne": "bulb|spare", "lampe": "lamp", "lampen": "lamp", "leuchte": "lamp", "stehlampe": "lamp",
    "tischlampe": "lamp|table", "schreibtischlampe": "lamp|desk", "licht": "light", "lichter": "light",
    "fahrradlicht": "light|bike", "fahrradlichter": "light|bike", "fahrradbeleuchtung": "light|bike",
    "kerze": "candle", "kerzen": "candle", "duftkerze": "candle",
    # home and kitchen
    "teekanne": "teapot", "kanne": "pot|teapot", "espressokanne": "pot|moka", "mokkakanne": "pot|moka",
    "wasserkocher": "kettle", "topf": "pot", "töpfe": "pot", "kochtopf": "pot", "pfanne": "pan|skillet",
    "messer": "knife", "kochmesser": "knife", "mixer": "mixer|blender", "standmixer": "blender|mixer",
    "küchenmaschine": "mixer|stand", "reiskocher": "cooker|rice", "kaffeemühle": "grinder|coffee",
    "milchaufschäumer": "frother|milk", "aufschäumer": "frother|milk", "kaffeemaschine": "machine|coffee",
    "espressomaschine": "machine|espresso", "siebträger": "machine|espresso", "toaster": "toaster", "waage": "scale",
    "küchenwaage": "scale", "flasche": "bottle", "flaschen": "bottle", "trinkflasche": "bottle",
    "wasserflasche": "bottle", "thermosflasche": "bottle|insulated", "isolierflasche": "bottle|insulated",
    "becher": "mug|cup", "tasse": "cup|mug", "tassen": "cup|mug", "espressotassen": "cup|espresso",
    "espressotasse": "cup|espresso", "glas": "glass", "gläser": "glass", "weinglas": "glass|wine",
    "weingläser": "glass|wine", "einmachgläser": "jar|glass", "vorratsgläser": "jar|glass", "schüssel": "bowl",
    "schüsseln": "bowl", "schale": "bowl", "schalen": "bowl", "rührschüssel": "bowl|mixing",
    "rührschüsseln": "bowl|mixing", "teller": "plate", "teeservice": "tea", "teeset": "tea", "vase": "vase",
    "vasen": "vase", "blumenvase": "vase", "handtuch": "towel", "handtücher": "towel", "badetuch": "towel",
    "strandtuch": "towel|beach", "strandhandtuch": "towel|beach", "decke": "blanket", "kissen": "cushion|pillow",
    "organizer": "organiser|organizer", "notizbuch": "notebook", "notizbücher": "notebook", "heft": "notebook",
    "füller": "pen|fountain", "füllfederhalter": "pen|fountain", "kuli": "pen", "kugelschreiber": "pen",
    "teeprobe": "sampler|tea", "probierset": "sampler|tea", "kaffeebohnen": "bean|coffee", "schokolade": "chocolate",
    "kochbuch": "cookbook", "geschenkkarte": "card|gift", "geschenkgutschein": "card|gift",
    "lizenzschlüssel": "key|licence", "lizenz": "licence",
    # sport
    "fahrrad": "bike", "fahrradhelm": "helmet|bike", "helm": "helmet", "yogamatte": "mat|yoga", "matte": "mat",
    "ball": "ball", "zelt": "tent", "handgelenkauflage": "rest|wrist", "handballenauflage": "rest|wrist",
    # beauty, toys
    "lippenbalsam": "balm|lip", "lippenpflege": "balm|lip", "lippenstift": "lipstick", "creme": "cream",
    "parfüm": "perfume", "parfum": "perfume", "spielzeug": "toy", "puzzle": "puzzle", "puppe": "doll",
    "kuscheltier": "toy|teddy", "bausteine": "brick",
    # materials (with the item: "die Jacke aus Leder")
    "leder": "leather", "wolle": "wool", "seide": "silk", "leinen": "linen", "baumwolle": "cotton",
    "porzellan": "porcelain", "keramik": "ceramic",
    # books, keys (the English word also reads: "E-Book", "Webcam")
    "buch": "book|cookbook", "bücher": "book|cookbook", "schlüssel": "key|keyring", "lego": "brick|lego",
    # more: colloquial and compound words whose head matters
    "adiletten": "slide|sandal", "kapuzenjacke": "hoodie|sweatshirt", "sweatjacke": "hoodie|sweatshirt",
    "thermoskanne": "bottle|insulated",
}

# -- bot.conversation.reading / manager (regular expressions over the lower-case words)
QUESTION_START = (r"wie", r"wann", r"wo", r"warum", r"wieso", r"weshalb", r"wer", r"welche[rsnm]?", r"wieviele?n?",
                  r"was (ist|sind|kostet|passiert|mache|muss|soll|kann|bedeutet|heißt|heisst|genau)",
                  r"kann ich", r"kann man", r"können sie", r"könnt ihr", r"könnte ich", r"darf ich", r"muss ich",
                  r"gibt es", r"ist (es|das|die|der|ein)", r"sind (die|sie)", r"bekomme ich", r"habt ihr", r"haben sie")
BOT_CHALLENGE = (r"bist du (ein |eine )?(bot|roboter|maschine|ki|mensch|echt)",
                 r"sind sie (ein |eine )?(bot|roboter|maschine|ki|mensch|echt)",
                 r"ist das (ein )?(bot|roboter|mensch)", r"(rede|schreibe|spreche) ich mit (einem |einer )?(bot|roboter|maschine|ki|mensch)")
ALREADY_SENT = (r"(schon|bereits) (zurück ?ge(schickt|sendet)|ab ?ge(schickt|geben)|ver ?schickt|zurück|weg|unterwegs)",
                r"(schon|bereits) (zur post|bei der post)", r"habe (es|sie|ihn|das paket) (schon|bereits)",
                r"ist (schon|bereits) (unterwegs|auf dem (rück)?weg)")
# -- bot.conversation.reading: a person asked for in one's own words ("kann das jemand von euch prüfen?")
PERSON = (r"(kann|könnte|koennte|konnte) (das |sich |mir )?(bitte )?(mal )?(jemand|einer|ein mitarbeiter|eine mitarbeiterin)( von euch| von ihnen| aus (dem|eurem|ihrem) team)?"
          r" (\w+ ){0,3}(pr(ü|ue|u)fen|nachsehen|nachschauen|anschauen|ansehen|k(ü|ue|u)mmern|helfen|melden|anrufen|checken)",
          r"(mit )?(einem |einer )?(mitarbeiter|mitarbeiterin|kundenberater|kundendienst|kundenservice|support)\w* (sprechen|reden|schreiben|verbunden|verbinden)",
          r"(echte[nmr]? )?(person|menschen)( sprechen| reden)")
KEEP = (r"behalten", r"behalte ich", r"nicht stornieren", r"doch nicht stornieren", r"will ich (noch|doch)")
UNWANTED = (r"(brauche|will|möchte) (ich )?(das |die |den |es |sie )?(\w+ )?nicht mehr",)
CANCEL_VERB = (r"stornier\w*", r"storno", r"entfernen", r"streichen")
# -- bot.conversation.manager: "can I ..." before a choice, the whole order, part of it, an exchange, "also"
ASKING_LEAD = (r"kann ich (bitte )?(auch )?", r"könnte ich (bitte )?", r"darf ich ", r"kann man ")
EVERYTHING = (r"^alles$", r"alles stornieren", r"storniere?n? alles", r"die (ganze|gesamte|komplette) bestellung", r"alle artikel", r"komplett")
PART_OF_ORDER = (r"teil", r"einige", r"nur (ein|eine|einen|einzelne)", r"einzelne", r"nicht alles")
SAYS_EXCHANGE = (r"umtausch\w*", r"tausch\w*", r"andere größe", r"andere farbe")
ALSO = (r"auch", r"außerdem", r"ausserdem", r"noch dazu")
# -- bot.conversation.reading: "can I still return it?"
ASKS_WINDOW = (r"kann ich (es |sie |ihn |das )?noch", r"noch (zurückgeben|zurückschicken|zurücksenden|umtauschen)",
               r"(ist es|bin ich) zu spät", r"bis wann")

# -- bot.conversation.policy_answers: which policy topic a question asks about; HINT: it is about the rules.
# As spoken: "wie lang" for "wie lange", "dauerts"/"dauert's" for "dauert es".
POLICY = {
    "shipping_refund": (r"versandkosten (auch )?(zurück|erstattet|erstatten|wieder)", r"(erstattet|erstatten) ihr (auch )?(die )?versandkosten"),
    "refund_timing": (r"wie ?lange? (dauert|braucht) (die |eine |meine )?(rück)?erstattung", r"wann (bekomme|kriege|habe) ich (mein |das )?geld",
                      r"wann (kommt|ist) (mein |das )?geld", r"(rück)?erstattung.{0,25}(dauert|tage)",
                      r"wie ?lange (dauert|braucht) (es|das).{0,40}(geld|erstattung|erstattet|zurücküberwiesen)",
                      r"wie ?lange? (dauerts|dauert's|dauert|braucht|gehts|geht's)\b.{0,40}(geld|erstattung|erstattet|zurücküberwiesen)"),  # "wie lang dauerts bis ich mein geld hab"
    "shipping_cost": (r"wer (zahlt|bezahlt|trägt)", r"(rücksendung|rückversand|retoure|rückgabe) (ist )?(kostenlos|gratis|umsonst)",
                      r"kostet (die |der |das )?(rücksendung|rückversand|retoure|zurückschicken)", r"(kostenlose|gratis) (rücksendung|retoure)",
                      r"(rückversand|porto|versand) (selbst )?(zahlen|bezahlen)", r"(ist|sind) (die )?(rücksendung|retoure)n? kostenlos"),
    "non_returnable": (r"(kann|darf) (man|ich) (\w+ ){0,2}(getragen\w*|benutzt\w*|geöffnet\w*|reduziert\w*|unterwäsche|badesachen|gutschein\w*)",
                       r"(was|welche artikel) (kann|darf) (man|ich) nicht", r"ausgeschlossen", r"nicht zurückgeben"),
    "ship_back": (r"wie ?lange? (habe|hab|hätte) ich (zeit )?(zum|für das|um) (\w+ )?(zurückschicken|zurücksenden|abschicken)",
                  r"bis wann muss ich (es |das paket |sie )?(zurückschicken|abschicken|zurücksenden)",
                  r"(wie ?lange?|wie ?viele? tage|wie ?viel zeit|bis wann).{0,60}(etikett|label|rücksendeschein|retourenschein|paketschein|genehmigt|freigegeben)",
                  r"(etikett|label|rücksendeschein|retourenschein|paketschein|genehmigt|freigegeben).{0,60}(wie ?lange?|wie ?viele? tage|wie ?viel zeit|bis wann)"),
    "window": (r"wie ?lange? (habe|hab|hat|hätte|haben) (ich|man|wir)", r"wie ?viele? tage", r"wie ?viel zeit (habe|hab|hat|hätte|haben) (ich|man|wir)", r"rückgabefrist", r"widerrufsfrist", r"(die|eine) frist", r"frist (für|zum|von)", r"\d+ tage",
               r"zu spät (für|zum)", r"kann ich (es |das |sie )?noch zurück", r"bis wann (kann|darf|muss|habe|hab|hat) (ich|man)"),
    "exchange": (r"umtausch", r"umtauschen", r"tauschen", r"gutschein statt", r"andere größe"),
    "returnless": (r"behalten", r"ohne (zurück)?(schicken|senden)"),
    "general": (r"rückgabebedingungen", r"rückgaberecht", r"richtlinie", r"bedingungen", r"wie funktioniert (die |eine |das )?(rücksendung|retoure|rückgabe|zurückschicken)"),
}
POLICY_HINT = (r"wie ?lange?\b", r"wie ?viele? tage", r"wie ?viel zeit", r"bis wann (muss|kann|darf)", r"wer (zahlt|bezahlt|trägt)", r"kostenlos", r"gratis", r"versandkosten", r"rückversand",
               r"rückgabefrist", r"widerrufsfrist", r"(die|eine) frist", r"rückgabebedingungen", r"rückgaberecht", r"richtlinie", r"bedingungen", r"ausgeschlossen", r"porto",
               r"wie funktioniert")
# IF_UNWANTED: "if they don't fit / I don't like them, how long do I have to send them back?" asks before any
# return: the return window, not the days to ship an accepted return back
IF_UNWANTED = (r"(falls|wenn|sollte) (\w+ ){0,4}nicht (\w+ )?(gefäll|gefall|pass|zusag|funktionier|gut)\w*",)
# -- bot.conversation.reading: "it says delivered but never came", "I lost my order number"
NOT_RECEIVED = (r"(nie|nicht|noch nicht|immer noch nicht) (angekommen|erhalten|bekommen|geliefert|da)", r"(ist|wurde) nicht (angekommen|zugestellt)",
                r"als zugestellt", r"zugestellt,? aber", r"gestohlen", r"verloren gegangen", r"beim nachbarn", r"falsche adresse")
FOUND_NUMBER = (r"(doch |wieder |jetzt )?gefunden", r"da ist sie", r"hab (sie|ihn|es|die nummer) (doch|jetzt|wieder)")
LOST_NUMBER = (r"bestellnummer (nicht|verloren|vergessen|weg)", r"(finde|weiß|hab|habe) (die |meine |keine )?bestellnummer",
               r"keine bestellnummer", r"ohne bestellnummer", r"(bestätigung|bestätigungsmail|mail) (gelöscht|verloren)")
# "I don't know" to the order-number question: the help to find it
DONT_KNOW = (r"(weiß|weiss|weis) (ich )?(nicht|nich|net|nimmer)", r"keine ahnung", r"(hab|habe) (ich )?(es |sie |die )?vergessen",
             r"(erinnere|erinner) mich (nicht|nich)")
# a correction of the order number given while its proof is asked ("sorry, I meant 3001")
CORRECTS_NUMBER = (r"meinte", r"sorry", r"falsch\w*", r"vertippt", r"eigentlich", r"korrektur")

# -- bot.conversation.reading: a second request in one message ("... und wo ist meine Erstattung?")
GOALS = {
    "refund_status": (r"wo (ist|bleibt) (meine|die) (rück)?erstattung", r"wo (ist|bleibt) mein geld", r"(rück)?erstattung (noch )?nicht (erhalten|bekommen|da)"),
    "return_status": (r"(status|stand) (meiner|der) (rücksendung|retoure)", r"(ist|wurde) (meine|die) (rücksendung|retoure) angekommen"),
    # "wo steckt (denn eigentlich) mein Paket": where is, with up to two particles between
    "track": (r"wo (ist|bleibt|sind|steckt|stecken|hängt|haengt) (\w+ ){0,2}(meine|mein|die|das) (\w+ )?(bestellung|paket|packerl|päckchen|lieferung|sendung)",
              r"wo (ist|bleibt|sind|bleiben|steckt|stecken) (denn |eigentlich |jetzt |nun |schon ){0,2}(mein|meine) "
              r"(?!(rück)?erstattung|geld|rücksendung|retoure)\w+", r"sendungsverfolgung",
              r"wann kommt (meine|mein|die|das) (bestellung|paket|lieferung)",
              r"(wie|was|welche) (\w+ ){0,4}(sendungs|tracking|paket)-?nummer",  # the tracking number asked for
              r"(sendungs|tracking|paket)-?nummer (\w+ ){0,3}(geben|schicken|sagen|senden|nennen)"),
    "exchange": (r"umtausch\w*", r"umtauschen"),
    "damage": (r"(kam|ist|war) (\w+ )?(kaputt|beschädigt|defekt) (an|angekommen)",),
    "return": (r"(zurückschicken|zurücksenden|zurückgeben|retournieren)", r"rücksendung (für|von)"),
}
