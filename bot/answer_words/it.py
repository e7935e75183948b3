"""Italian answers as customers type them ("troppo piccolo", "mi sta stretto", "arrivato rotto",
"rimborso", "cambio con la taglia M", "sì", "entrambi", "il secondo"). Data only; the readers are in
`bot.choices` and `bot.conversation`; the notation is in `bot.answer_words`."""

REASONS = [
    ("too_small", "piccolo, piccola, piccoli, piccole, stretto, stretta, stretti, strette, corto, corta, corti, "
                  "aderente, non entra, non mi entra, non ci entro, taglia più grande, una taglia in più, "
                  "taglia in più, più grande, piu grande, numero in più, un numero in più, numero più grande, "
                  "mezzo numero in più"),
    ("too_large", "grande, grandi, enorme, largo, larga, larghi, larghe, lungo, lunga, lunghi, abbondante, "
                  "mi balla, cade, taglia più piccola, una taglia in meno, taglia in meno, numero in meno, un numero in meno, numero più piccolo, più piccolo, piu piccolo, "
                  "più piccola, piu piccola"),
    ("damaged", "rotto, rotta, rotti, rotte, danneggiato, danneggiata, danneggiati, difettoso, difettosa, difetto, "
                "rovinato, rovinata, graffiato, graffiata, graffio, graffi, crepato, crepata, una crepa, incrinato, bucato, buco, "
                "macchiato, macchiata, macchia, strappato, strappata, scucito, ammaccato, non funziona, non va, "
                "non si accende, non carica, guasto, guasta, arrivato rotto|danneggiato, perde, si è rotto, spaccato"),
    ("wrong_item", "sbagliato, sbagliata, sbagliati, sbagliate, errato, errata, articolo sbagliato, "
                   "altro articolo|prodotto|modello|colore, non è quello che ho ordinato, non lho ordinato, "
                   "non ho ordinato, mai ordinato, non è mio, non è mia, mi avete mandato un altro|unaltra, "
                   "taglia sbagliata, colore sbagliato, scambiato"),
    ("not_as_described", "non conforme, non ~ come ~ foto|descrizione|immagine|annuncio|sito, diverso dalla|dalle|"
                         "dallimmagine ~ foto|descrizione, diversa dalla ~ foto|descrizione, non corrisponde, "
                         "scarsa qualità, bassa qualità, qualità scadente, pessima qualità, falso, falsa, "
                         "contraffatto, imitazione, ?qualità, ?descrizione, ?materiale, ?tessuto, ?foto, ?immagine, "
                         "non è come mi aspettavo, deluso, delusa"),
    ("changed_mind", "ho sbagliato, ho sbagliato a ordinare, cambiato idea, ho cambiato idea, non mi piace, non mi piacciono, non piace, non mi serve più, "
                     "non serve più, non mi serve, non lo voglio più, non la voglio più, non lo voglio, per errore, "
                     "errore, sbaglio, per sbaglio, ordinato due volte, doppio, doppione, costa meno, trovato a meno, "
                     "troppo caro, ripensato, ci ho ripensato"),
    ("other", "altro motivo, altra ragione, altro, nessuna di queste, in ritardo, ritardo, troppo tardi, "
              "arrivato tardi, ci ha messo troppo"),
    (None, "piccola domanda, una piccola|piccolo, il grande|piccolo, la grande|piccola, quanto tempo, "
           "indirizzo sbagliato, numero sbagliato, email sbagliata"),
]

RESOLUTIONS = [
    ("refund", "rimborso, rimborsare, rimborsato, rimborsata, rimborsatemi, rimborsami, soldi indietro, i soldi, "
               "i miei soldi, soldi, carta di credito, denaro, restituzione dei soldi, sulla carta, sulla mia carta, paypal, bonifico, "
               "riaccredito, riaccreditare"),
    ("exchange", "cambio, cambiare, cambiarlo, cambiarla, cambiarli, cambiarle, sostituzione taglia, scambio, "
                 "scambiare, altra taglia, altro colore, altro modello, taglia più grande, taglia più piccola, "
                 "una taglia in più|meno, con la|una ~ taglia, in taglia, "
                 "quello giusto, quella giusta, quelli giusti, quelle giuste, quello|quella|quelli|quelle che ho ordinato|comprato"),  # the one ordered
    ("store_credit", "un buono, buono acquisto|sconto|regalo, credito, credito negozio, credito nel negozio, "
                     "carta regalo, gift card, coupon"),
    ("replacement", "sostituzione, sostituire, uno nuovo, una nuova, rimandare, rispedire uno nuovo, mandarne un altro"),
    (None, "altro articolo, altro prodotto, è|era|ricevuto|arrivato|arrivata ~ giusto|giusta|giusti|giuste"),
]

YES = ("sì, si, sii, sì grazie, si grazie, certo, certamente, certo che sì, va bene, va bene così, ok, okay, "
       "esatto, esattamente, giusto, corretto, proprio così, d'accordo, perfetto, sicuro, sicuramente, "
       "volentieri, assolutamente, senz'altro, procedi, procedete, vai, vai pure, fallo, nessun problema, "
       "ovvio, ovviamente, affermativo, sì per favore, si per favore, perché no, perche no")
NO = ("no, no grazie, nono, per niente, assolutamente no, neanche per sogno, non ora, non adesso, non ancora, "
      "non proprio, non serve, non è necessario, non è giusto, sbagliato, meglio di no, lascia perdere, lasciate perdere")
UNSURE = "non so, boh, forse, magari, può darsi, non sono sicuro, non sono sicura, chissà"
WEAK = "per favore, perfavore, perfetto, ottimo, bene, benissimo, fantastico"
FILLERS = "ehm, eh, allora, beh, mah, ciao, salve, buongiorno, oh, ah, mmm, hmm, dunque"

# Words of their own one slip away from a cue word: never bent onto it
PLAIN = "quali, quale, perso, persa, dell, della, carta, parte, parti"
# no "né": folded it is "ne", German's "eine" ("ne Nummer zu groß"); "non è né grande né piccolo" has its "non"
NEGATORS = "non, no, mai, senza, nessun, nessuno, nessuna, niente, nemmeno, neanche, anziché"
NEGATORS_AFTER = "no, non"  # closing a clause, they deny the words before: "il cappotto no, ..."
BUTS = "ma, però, pero, solo, soltanto, piuttosto, anzi"
CORRECTIONS = "anzi, piuttosto, scusa, scusate, aspetta, cioè, invece, meglio, preferisco"
RATHER = "meglio, preferisco, preferirei, piuttosto"  # "meglio un buono che i soldi"
THAN = "che, invece, anziché"
DECLINE = "grazie comunque, grazie lo stesso, grazie ugualmente"  # a polite no
QUESTION_WORDS = "come, quando, dove, quanto, quanti, quanta, quale, quali, chi, cosa"
QUESTION_VERBS = "se, è, sono, posso, devo, ci, costa, pagate, rimborsate, avete, ho"

ORDINALS = {"primo": 1, "prima": 1, "secondo": 2, "seconda": 2, "terzo": 3, "terza": 3, "quarto": 4, "quarta": 4,
            "quinto": 5, "quinta": 5, "ultimo": -1, "ultima": -1}
NUMBERS = {"uno": 1, "una": 1, "un": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8, "nove": 9,
           "dieci": 10}
BOTH = "entrambi, entrambe, tutti e due, tutte e due, tutti e 2, ambedue"
ALL = "tutti, tutte"  # not "tutto": "è arrivato tutto rotto"
EXCEPT = "tranne, eccetto, salvo"  # all but these
VAGUE = "metà, alcuni, alcune, qualche, diversi, parecchi"  # no count: "half", "some"
COUNT_AFTER = "di loro, di questi, di queste, dei due, delle due, solo, soltanto, pezzo, pezzi"  # "uno dei due"
ONLY = "solo, soltanto, solamente"  # before a count: "solo uno"
# -- bot.choices: item words ("die Jacke", "les chaussettes", "羽绒服"): a word as customers type it -> the English
# title word(s) it stands for, singular, lower case; "a|b" when it covers several ("外套": coat or jacket) or
# when a second title word tells two items apart ("regenjacke": jacket|rain). The lookup is after folding, with
# one slip forgiven in words of five letters or more ("Handschue"); plurals are keys of their own. German keys
# of four letters or more are also read as the tail of a compound, so they must not end common German words.
# Left out: "tè" (folds to "te"), "abito" (also "I live": "abito a Roma"), "telo" (ends "speditelo").
# Read only in Italian (`bot.choices._glossaries`), so "slip" is no English "return slip".
NOUNS = {
    "slip": "brief|underwear",
    # abbigliamento
    "giacca": "jacket", "giacche": "jacket", "giubbotto": "jacket", "giubbotti": "jacket", "giubbino": "jacket",
    "giacchetto": "jacket", "giaccone": "jacket|coat", "piumino": "jacket|down", "piumini": "jacket|down",
    "smanicato": "vest", "gilet": "vest", "cappotto": "coat", "cappotti": "coat", "soprabito": "coat",
    "impermeabile": "jacket|rain|coat", "kway": "jacket|rain|coat", "trench": "coat|trench", "parka": "parka|jacket",
    "cardigan": "cardigan", "maglione": "sweater|jumper", "maglioni": "sweater|jumper", "maglia": "sweater|jersey",
    "maglie": "sweater|jersey", "felpa": "sweatshirt|hoodie", "felpe": "sweatshirt|hoodie", "maglietta": "tshirt",
    "magliette": "tshirt", "tshirt": "tshirt", "camicia": "shirt", "camicie": "shirt", "camicetta": "blouse|shirt",
    "pantaloni": "trouser", "pantalone": "trouser", "jeans": "jean", "pantaloncini": "short", "shorts": "short",
    "bermuda": "short", "leggings": "legging", "gonna": "skirt", "gonne": "skirt", "vestito": "dress",
    "vestitino": "dress", "abitino": "dress", "costume": "swimsuit", "costumi": "swimsuit", "bikini": "bikini",
    "reggiseno": "bra|bralette", "bralette": "bra|bralette", "mutande": "brief|underwear|boxer", "boxer": "boxer",
    "pigiama": "pyjama", "accappatoio": "robe", "calzini": "sock", "calzino": "sock", "calze": "sock",
    "calzettoni": "sock", "fantasmini": "sock|ankle", "collant": "tights",
    # scarpe
    "scarpe": "shoe", "scarpa": "shoe", "scarpette": "shoe", "sneakers": "sneaker", "sneaker": "sneaker",
    "stivali": "boot", "stivale": "boot", "stivaletti": "boot", "anfibi": "boot", "scarponi": "boot|hiking",
    "scarponcini": "boot|hiking", "sandali": "sandal", "sandalo": "sandal", "ciabatte": "slide|slipper|sandal",
    "ciabatta": "slide|slipper|sandal", "infradito": "flipflop|sandal", "pantofole": "slipper",
    "espadrillas": "espadrille", "espadrilles": "espadrille", "mocassini": "loafer",
    # accessori
    "cappello": "hat", "cappelli": "hat", "berretto": "beanie|hat|cap", "berretti": "beanie|hat|cap",
    "berretta": "beanie|hat|cap", "cappellino": "cap", "coppola": "cap|flat", "sciarpa": "scarf", "sciarpe": "scarf",
    "foulard": "scarf", "guanti": "glove", "guanto": "glove", "cintura": "belt", "cinture": "belt", "cinta": "belt",
    "cravatta": "tie", "portafoglio": "wallet", "portafogli": "wallet", "occhiali": "sunglasses|glasses",
    "ombrello": "umbrella", "orologio": "watch", "orologi": "watch", "smartwatch": "watch|smart",
    "collana": "necklace", "bracciale": "bracelet", "anello": "ring", "orecchini": "earring",
    "portachiavi": "keyring",
    # borse
    "borsa": "bag", "borse": "bag", "borsetta": "bag", "tracolla": "bag|crossbody", "zaino": "backpack|daypack",
    "zaini": "backpack|daypack", "zainetto": "backpack|daypack", "valigia": "suitcase", "trolley": "suitcase",
    "marsupio": "bag",
    # elettronica
    "cuffie": "headphone", "auricolari": "earbud|earphone", "altoparlante": "speaker", "caricatore": "charger",
    "caricabatterie": "charger", "cavo": "cable", "cavi": "cable", "custodia": "case",
    "pellicola": "protector|screen", "schermo": "monitor|screen", "monitor": "monitor", "tastiera": "keyboard",
    "mouse": "mouse", "fotocamera": "camera", "videocamera": "camera", "telecamera": "camera",
    "lettore": "ereader|reader", "purificatore": "purifier", "ventilatore": "fan", "asciugacapelli": "dryer",
    "phon": "dryer", "lampadina": "bulb", "lampadine": "bulb", "lampada": "lamp", "lampade": "lamp",
    "abatjour": "lamp", "luce": "light", "luci": "light", "fanale": "light", "fanali": "light", "candela": "candle",
    "candele": "candle",
    # casa e cucina
    "teiera": "teapot", "bollitore": "kettle", "moka": "pot|moka", "caffettiera": "pot|moka", "pentola": "pot",
    "pentole": "pot", "padella": "pan|skillet", "padelle": "pan|skillet", "coltello": "knife", "coltelli": "knife",
    "frullatore": "blender", "planetaria": "mixer|stand", "impastatrice": "mixer|stand", "sbattitore": "mixer",
    "mixer": "mixer", "cuociriso": "cooker|rice", "macinacaffè": "grinder|coffee", "macinino": "grinder|coffee",
    "montalatte": "frother|milk", "cappuccinatore": "frother|milk", "macchina": "machine", "bilancia": "scale",
    "tostapane": "toaster", "bottiglia": "bottle", "bottiglie": "bottle", "borraccia": "bottle",
    "thermos": "bottle|insulated", "tazza": "cup|mug", "tazze": "cup|mug", "tazzina": "cup|mug", "tazzine": "cup|mug",
    "bicchiere": "glass", "bicchieri": "glass", "calice": "glass", "calici": "glass", "barattolo": "jar",
    "barattoli": "jar", "vasetti": "jar", "ciotola": "bowl", "ciotole": "bowl", "scodella": "bowl", "piatto": "plate",
    "piatti": "plate", "vaso": "vase|glass", "vasi": "vase|glass", "asciugamano": "towel", "asciugamani": "towel",
    "coperta": "blanket", "plaid": "blanket", "cuscino": "cushion|pillow", "quaderno": "notebook",
    "quaderni": "notebook", "taccuino": "notebook", "penna": "pen", "stilografica": "pen|fountain",
    "organizer": "organiser", "poggiapolsi": "rest|wrist", "supporto": "stand", "panettone": "panettone",
    "cioccolato": "chocolate", "regalo": "gift", "licenza": "licence",
    # sport
    "bici": "bike", "bicicletta": "bike", "casco": "helmet", "tappetino": "mat", "tappetini": "mat",
    "pallone": "ball", "palla": "ball", "tenda": "tent",
    # bellezza, giocattoli
    "siero": "serum", "crema": "cream", "balsamo": "balm", "profumo": "perfume", "giocattolo": "toy",
    "giocattoli": "toy", "puzzle": "puzzle", "bambola": "doll", "peluche": "toy|teddy", "mattoncini": "brick",
    # materiali ("la giacca di pelle")
    "pelle": "leather", "cuoio": "leather", "lana": "wool", "seta": "silk", "lino": "linen", "cotone": "cotton",
    "paglia": "straw", "porcellana": "porcelain", "ceramica": "ceramic", "vetro": "glass",
    # libri, chiavi, caffè
    "libro": "book|cookbook", "libri": "book|cookbook", "ricettario": "book|cookbook", "chiave": "key|keyring",
    "chiavi": "key|keyring", "lego": "brick|lego", "chicchi": "bean", "grani": "bean", "campioni": "sampler",
    "assaggi": "sampler", "degustazione": "sampler", "carta": "card",
}

QUESTION_START = (r"come (posso|faccio|si|funziona|mai|devo|è|e')", r"quando", r"dove", r"quanto", r"quanti",
                  r"qual(e|i)?", r"chi", r"cosa", r"che cosa", r"posso", r"si può", r"si puo", r"devo", r"è possibile",
                  r"è gratis", r"c'è", r"potete", r"potrei", r"mi potete")
BOT_CHALLENGE = (r"(sei|è|e') (un |una )?(bot|robot|macchina|ia|umano|persona vera|persona reale)",
                 r"(parlo|sto parlando|sto chattando) con (un |una )?(bot|robot|macchina|umano|persona)")
ALREADY_SENT = (r"(l'ho |li ho |le ho |ho )?già (spedito|rispedito|restituito|inviato|mandato|reso|spediti|spedita)",
                r"(è|e') già (in viaggio|partito|stato spedito)")
# -- bot.conversation.reading: a person asked for in one's own words ("qualcuno può controllare?")
PERSON = (r"qualcuno (del vostro team |di voi |dell'?assistenza )?(può|puo|potrebbe|mi può|mi puo) (\w+ ){0,2}(controllare|verificare|guardare|aiutar\w*|chiamar\w*|contattar\w*)",
          r"(parlare|parlo|passami|passarmi|mi passi|mi passate) (con )?(qualcuno|un operatore|un'operatrice|una persona|un umano|un consulente|l'assistenza)",
          r"operatore (umano|vero|reale)")
KEEP = (r"tenere", r"lo tengo", r"la tengo", r"tenerlo", r"non annullare", r"non cancellare")
UNWANTED = (r"non (mi )?serve più", r"non (lo |la )?voglio più")
CANCEL_VERB = (r"annull\w*", r"cancella\w*", r"togliere", r"rimuovere", r"eliminare")
# -- bot.conversation.manager: "can I ..." before a choice, the whole order, part of it, an exchange, "also"
ASKING_LEAD = (r"posso (avere |fare )?", r"potrei (avere )?", r"mi potete ", r"potete ")
EVERYTHING = (r"^tutto$", r"annulla(re)? tutto", r"tutto l'ordine", r"l'ordine (intero|completo)", r"tutti gli articoli")
PART_OF_ORDER = (r"parte", r"alcuni", r"alcune", r"solo (uno|una)", r"non tutto")
SAYS_EXCHANGE = (r"cambi\w*", r"scambi\w*", r"sostitu\w*", r"altra taglia", r"altro colore")
ALSO = (r"anche", r"inoltre", r"pure")
# -- bot.conversation.reading: "can I still return it?"
ASKS_WINDOW = (r"posso ancora", r"(sono|è) ancora in tempo", r"troppo tardi", r"fino a quando")

# -- bot.conversation.policy_answers: which policy topic a question asks about; HINT: it is about the rules
POLICY = {
    "shipping_refund": (r"(rimbors\w*) (anche )?(le )?spese di spedizione", r"spese di spedizione (sono |vengono )?(rimborsat|restituit)"),
    "refund_timing": (r"quanto (tempo )?(ci vuole|ci mette) (per )?(il |un )?rimborso", r"quanto (tempo )?(ci vuole|ci mette|ci vorrà|ci vorra|passa).{0,40}rimbors",
                      r"(in |entro )?quanti giorni.{0,40}rimbors", r"rimborso.{0,20}(quanto tempo|quanti giorni|quanto ci (vuole|mette))", r"quando (ricevo|riceverò|avrò) (il |i miei )?(rimborso|soldi)",
                      r"tempi (di|del) rimborso"),
    "shipping_cost": (r"chi paga", r"(il )?reso (è )?(gratuito|gratis|a pagamento)", r"resi gratuiti", r"quanto costa (il )?reso",
                      r"(devo|bisogna) pagare (la |il )?(spedizione|reso)"),
    "non_returnable": (r"(si può|posso) (rendere|restituire) (un |una |qualcosa )?(\w+ )?(usat|apert|scontat|intimo|costume|buono regalo|gift card)",
                       r"non (si può|si possono) (rendere|restituire)", r"eccezioni"),
    "ship_back": (r"quanto tempo (ho )?per (rispedirlo|rimandarlo|spedirlo)", r"entro quando (devo )?(rispedir|spedir)"),
    "window": (r"quanto tempo ho", r"quanti giorni", r"entro quanto( tempo)? (posso|si può|si puo) (render|restituir|fare il reso)\w*", r"termine (per il|di) reso", r"\d+ giorni", r"troppo tardi", r"posso ancora (rendere|restituire)", r"(fino a|entro) quando (posso|si può|si puo|ho|c'è|ce)"),
    "exchange": (r"cambi", r"buono invece", r"altra taglia"),
    "returnless": (r"tenerlo", r"tenere", r"senza (rispedire|restituire)"),
    "general": (r"politica (di|dei) res", r"condizioni", r"come funziona (il )?reso"),
}
POLICY_HINT = (r"quanto (tempo|costa)", r"quanto ci (vuole|mette|vorrà|vorra)", r"entro quanto", r"quanti giorni", r"chi paga", r"gratuit", r"gratis", r"spese di spedizione", r"termine", r"(fino a|entro) quando",
               r"politica", r"condizioni", r"eccezioni", r"come funziona")
# IF_UNWANTED: "if they don't fit / I don't like them, how long do I have to send them back?" asks before any
# return: the return window, not the days to ship an accepted return back
IF_UNWANTED = (r"(se|nel caso) (\w+ ){0,4}non (mi |ti |gli |ci )?(piac|convinc|va|vann|sta|stann|funzion)\w*",)
# -- bot.conversation.reading: "it says delivered but never came", "I lost my order number"
NOT_RECEIVED = (r"non (mi )?(è )?(mai )?(arrivato|arrivata|ricevuto|consegnato)", r"(ricevuto|arrivato) (niente|nulla)",
                r"non (ho|abbiamo) (mai |ancora )?ricevuto (niente|nulla|il pacco|l'ordine|il mio ordine|la merce|nessun)",
                r"(tracking|tracciamento|sito) (dice|segna|risulta|indica|mostra) .{0,50}consegnat", r"mai (arrivato|ricevuto)", r"risulta consegnato",
                r"(segna|dice) consegnato", r"rubato", r"pacco perso", r"perso (durante|nella) (la )?spedizione", r"dal vicino", r"indirizzo sbagliato")
FOUND_NUMBER = (r"(l'ho |l ho )?(ri)?trovat[oa]", r"eccol[oa]")
LOST_NUMBER = (r"non (ho|trovo|ricordo|so) (il |più il )?numero (d'ordine|dell'ordine|di ordine)", r"senza (il )?numero (d'ordine|dell'ordine)",
               r"(email|mail|conferma) (cancellata|persa)")
# "I don't know" to the order-number question: the help to find it
DONT_KNOW = (r"non (lo )?(so|ricordo|mi ricordo)", r"boh", r"(l'?ho )?dimenticat[oa]", r"nessuna idea")
# a correction of the order number given while its proof is asked ("sorry, I meant 3001")
CORRECTS_NUMBER = (r"intendevo", r"scusa(te)?", r"mi sono sbagliat[oa]", r"in realt[àa]", r"errore")

# -- bot.conversation.reading: a second request in one message ("... e dov'è il mio rimborso?")
GOALS = {
    "refund_status": (r"dov'?è il (mio )?rimborso", r"non (ho )?(ancora )?ricevuto il (mio )?rimborso"),
    "return_status": (r"stato del (mio )?reso", r"(avete|è) ricevuto (il mio )?reso"),
    "track": (r"dov'?è il (mio )?(\w+ )?(ordine|pacco)", r"dov'?è (il |la |lo |l')?(mio|mia) (?!rimbors|res[oi]\b|soldi)\w+",
              r"dove (sono|stanno) (i miei|le mie) (?!rimbors|soldi)\w+", r"dove (sono|sta) (il mio|i miei) (\w+ )?(ordine|pacco|pacchi)",
              r"tracking (del|dell'ordine)", r"quando arriva (il mio )?(ordine|pacco)",
              r"(qual|quale|mi dai|mi date|darmi|mandarmi|mi mandi|mi mandate) (\w+ ){0,3}(numero|codice|link) (di|del) (tracking|tracciamento|spedizione)"),  # the tracking number asked for
    "exchange": (r"cambiare\w*", r"cambio (di )?taglia"),
    "damage": (r"(arrivato|è) (\w+ )?(rotto|rotta|danneggiato|danneggiata)",),
    "return": (r"(restituire|rendere|fare il reso)( di)? (il|la|lo|i|le|gli|questo|questa)", r"fare (un|il) reso",
               r"reso (del|dello|della|dei|degli|delle|dell'|di (questo|questa|questi|queste|un|una|uno))"),  # "reso del cappotto"
}
