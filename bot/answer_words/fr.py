"""French answers as customers type them ("trop petit", "ça ne me va pas", "arrivé cassé",
"remboursement", "un échange en M", "oui", "les deux", "le deuxième"). Data only; the readers are in
`bot.choices` and `bot.conversation`; the notation is in `bot.answer_words`."""

REASONS = [
    ("too_small", "petit, petite, petits, petites, trop serré, serré, serrée, serrés, étroit, étroite, court, courte, "
                  "trop juste, taille petit, taille petite, je rentre pas, rentre pas, besoin ~ plus grand|grande, "
                  "une taille au dessus, taille au dessus, taille supérieure, plus grand|grande, pointure au dessus, une pointure de plus, "
                  "pointure supérieure"),
    ("too_large", "grand, grande, grands, grandes, trop large, large, larges, ample, trop long, long, longue, "
                  "flotte, baille, énorme, taille grand, taille grande, une taille en dessous, taille en dessous, pointure en dessous, pointure inférieure, "
                  "taille inférieure, besoin ~ plus petit|petite, plus petit|petite"),
    ("damaged", "cassé, cassée, casse, abîmé, abimé, abîmée, endommagé, endommagée, déchiré, déchirée, troué, trou, "
                "rayé, rayée, rayure, fissuré, fissurée, fêlé, fêlée, fendu, fendue, fendus, fendues, une tache, des taches, tache dessus, taché|tachée|tachés dessus, défectueux, défectueuse, défaut, "
                "ne marche pas, marche pas, ne fonctionne pas, fonctionne pas, ne s'allume pas, s'allume pas, "
                "ne charge pas, en panne, hs, hors service, abîmé à la livraison, arrivé cassé, cabossé, fuit, "
                "brisé, brisée, pété, décousu, bousillé"),
    ("wrong_item", "mauvais article|produit|modèle|colis|couleur|taille, mauvaise taille|couleur|pointure|référence, "
                   "pas le bon, pas la bonne, erreur de commande|livraison, pas ce que j'ai commandé, pas commandé, "
                   "jamais commandé, reçu autre chose, pas le mien, pas la mienne, envoyé le mauvais, envoyé la mauvaise, "
                   "inversé, pas le bon article"),
    ("not_as_described", "pas conforme, non conforme, pas comme ~ photo|photos|description|annonce|site, "
                         "ne correspond pas, correspond pas, différent de ~ photo|description|annonce, "
                         "différente de ~ photo|description, pas comme décrit, mauvaise qualité, qualité médiocre, "
                         "bas de gamme, contrefaçon, faux, fausse, ?qualité, ?description, ?matière, ?tissu, "
                         "la couleur est différente, décevant, déçu, déçue"),
    ("changed_mind", "changé d'avis, change d'avis, plus besoin, n'en ai plus besoin, n'en veux plus, veux plus, "
                     "ne me plaît pas, me plaît pas, me plait pas, plaît pas, plait pas, plaît plus, plait plus, plaisent pas, plaisent plus, pas à mon goût, aime pas, aime plus, "
                     "j'aime pas, erreur, par erreur, commandé deux fois, en double, doublon, moins cher "
                     "ailleurs, trouvé moins cher, trop cher, plus envie, finalement non, pas pour moi, regrette, "
                     "me sert à rien, sert à rien, ne me sert plus, me sert plus, me sert plus à rien, m'est inutile"),
    ("other", "autre raison, autre chose, autre, rien de tout ça, en retard, retard, trop tard, arrivé trop tard, "
              "trop long à arriver, délai"),
    (None, "dernier trou, premier trou, au dernier cran, un grand merci, petite question, une petite|petit, un petit, le grand|petit, la grande|petite, en bref, combien de temps, "
           "mauvaise adresse, mauvais numéro, mauvais email, mauvaise adresse email"),
]

RESOLUTIONS = [
    ("refund", "remboursement, rembourser, remboursé, remboursée, rembourse, me rembourser, être remboursé, "
               "récupérer mon argent, mon argent, argent, sur ma carte, sur mon compte, carte bancaire, carte de crédit|credit, paypal, virement"),
    ("exchange", "échange, échanger, échangé, changer, change de taille, changer de taille, changer la taille, "
                 "autre taille, autre couleur, autre modèle, taille au dessus, taille en dessous, en taille, "
                 "une taille plus grande|petite, la taille au dessus, la taille en dessous, taille plus grande|petite, contre ~ taille, "
                 "la bonne, les bonnes, les bons, le bon article|modèle|produit|colis|truc, celui|celle|ceux|celles|ce que j'ai commandé|commandée|commandés|commandées"),  # the one ordered, for a wrong one
    ("store_credit", "un|mon|en avoir sur mon|le|votre compte, avoir sur mon|le|votre compte, "
                     "crédit sur mon|le compte, sur mon|le compte client, avoir, un avoir, bon d'achat, bon de réduction, crédit, crédit boutique, crédit magasin, "
                     "carte cadeau, bon cadeau, porte monnaie, cagnotte"),
    ("replacement", "remplacement, remplacer, un nouveau, une nouvelle, en renvoyer un, renvoyer un autre"),
    (None, "avoir un|une|le|la|mon|ma|des, pour avoir, peux avoir, voudrais avoir, veux avoir, vais avoir, "
           "reçu|est|était ~ la|les bonne|bonnes|bons, reçu|est|était ~ le bon"),  # "j'ai reçu la bonne taille mais...": a description
]

YES = ("oui, ouais, ouaip, ouep, wé, ouai, oui oui, oui merci, oui svp, oui stp, bien sûr, bien sur, évidemment, d'accord, "
       "dac, ok, okay, exact, exactement, c'est ça, c'est bon, c'est correct, correct, tout à fait, "
       "parfaitement, volontiers, allez-y, allez y, vas-y, vas y, absolument, pas de problème, pas de souci, "
       "aucun problème, carrément, ça marche, ca marche, ça me va, ca me va, entendu, si, effectivement, "
       "oui c'est ça, oui exactement, pourquoi pas")
NO = ("non, nan, nn, non merci, ça va pas, ça me va pas, ça marche pas, va pas, me va pas, marche pas, pas maintenant, pas vraiment, surtout pas, pas du tout, absolument pas, certainement pas, "
      "jamais, pas question, hors de question, non non, laisse tomber, laissez tomber, c'est faux, faux, "
      "pas encore, non c'est pas ça, pas besoin, ce n'est pas ça")
UNSURE = "je sais pas, je ne sais pas, sais pas, jsp, peut-être, peut être, peutêtre, pas sûr, pas sur, pas certain, pas certaine, bof"
WEAK = "svp, stp, s'il vous plaît, s'il te plaît, parfait, super, génial, top, nickel, bien, très bien"
FILLERS = "euh, ben, bah, bon, alors, hmm, bonjour, salut, oh, ah, eh"

# Words of their own one slip away from a cue word: never bent onto it
PLAIN = "crepes, crepe, quelle, cassis, tachez, porte, coute, couter, coutent"
NEGATORS = "pas, jamais, aucun, aucune, sans, ni, lieu, rien, non"
NEGATORS_AFTER = "non"  # closing a clause, they deny the words before: "le sac non, ..."
BUTS = "mais, plutôt, seulement, juste, cependant, par contre"
CORRECTIONS = "plutôt, finalement, pardon, enfin, non, attendez, attends, désolé, désolée"
RATHER = "plutôt, préfère, préfèrerais, préférerais, mieux"  # "plutôt un avoir que de l'argent"
THAN = "que, qu"
DECLINE = "merci quand même, merci tout de même, merci malgré tout"  # a polite no
QUESTION_WORDS = "comment, quand, où, pourquoi, combien, quel, quelle, quels, quelles, lequel, laquelle"
QUESTION_VERBS = "si, est, sont, faut, dois, puisje, ya, avezvous, estil, coûte, coute, remboursez, prenez"

ORDINALS = {"premier": 1, "première": 1, "premiere": 1, "1er": 1, "1ère": 1, "deuxième": 2, "deuxieme": 2,
            "second": 2, "seconde": 2, "2ème": 2, "2eme": 2, "troisième": 3, "troisieme": 3, "3ème": 3,
            "quatrième": 4, "quatrieme": 4, "cinquième": 5, "dernier": -1, "dernière": -1, "derniere": -1}
NUMBERS = {"deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
           "un": 1, "une": 1, "seul": 1, "seule": 1}
BOTH = "les deux, tous les deux, toutes les deux, les 2"
ALL = "tous, toutes, totalité"  # not "tout": "c'est tout", "tout à fait", "merci pour tout"
EXCEPT = "sauf, excepté, hormis"  # all but these
VAGUE = "moitié, quelques, certains, certaines, plusieurs"  # no count: "half", "some"
COUNT_AFTER = "seul, seule, seulement, d entre eux, d entre elles, des deux, sur les deux, pièce, pièces, exemplaire"  # "un seul"
ONLY = "seulement, juste, uniquement, qu"  # before a count: "juste un", "qu'un"
# -- bot.choices: item words ("die Jacke", "les chaussettes", "羽绒服"): a word as customers type it -> the English
# title word(s) it stands for, singular, lower case; "a|b" when it covers several ("外套": coat or jacket) or
# when a second title word tells two items apart ("regenjacke": jacket|rain). The lookup is after folding, with
# one slip forgiven in words of five letters or more ("Handschue"); plurals are keys of their own. German keys
# of four letters or more are also read as the tail of a compound, so they must not end common German words.
# Read only in French (`bot.choices._glossaries`), so "pull", "slip", "balance" are no English "pull up my
# order", "return slip", "store credit balance". Left out: "robot" ("es-tu un robot ?"), "thé" (folds to
# "the"), "livre" ("livré" folds to it), "vélo" (ends "devuélvelo").
NOUNS = {
    "pull": "sweater|jumper", "pulls": "sweater|jumper", "slip": "brief|underwear", "slips": "brief|underwear",
    "balance": "scale", "balances": "scale",
    # vêtements
    "veste": "jacket", "vestes": "jacket", "blouson": "jacket", "blousons": "jacket", "doudoune": "jacket|down",
    "doudounes": "jacket|down", "manteau": "coat", "manteaux": "coat", "imperméable": "jacket|rain|coat",
    "imper": "jacket|rain|coat", "kway": "jacket|rain|coat", "parka": "parka|jacket", "parkas": "parka|jacket",
    "trench": "coat|trench", "gilet": "cardigan|vest", "gilets": "cardigan|vest", "pantalon": "trouser",
    "pantalons": "trouser", "jean": "jean", "jeans": "jean", "short": "short", "shorts": "short", "bermuda": "short",
    "cuissard": "short|cycling", "legging": "legging", "leggings": "legging", "jupe": "skirt", "jupes": "skirt",
    "robe": "dress", "robes": "dress", "chemise": "shirt", "chemises": "shirt", "chemisier": "blouse|shirt",
    "tshirt": "tshirt", "teeshirt": "tshirt", "tshirts": "tshirt", "teeshirts": "tshirt",
    "maillot": "jersey|swimsuit", "maillots": "jersey|swimsuit", "pullover": "sweater|jumper",
    "sweat": "sweatshirt|hoodie", "sweats": "sweatshirt|hoodie", "sweatshirt": "sweatshirt|hoodie",
    "hoodie": "hoodie", "tricot": "sweater", "cardigan": "cardigan", "bikini": "bikini", "soutien": "bra|bralette",
    "brassière": "bra|bralette", "culotte": "brief|underwear", "caleçon": "boxer|short", "caleçons": "boxer|short",
    "boxer": "boxer|short", "boxers": "boxer|short", "pyjama": "pyjama", "peignoir": "robe", "chaussettes": "sock",
    "chaussette": "sock", "chausettes": "sock", "socquettes": "sock|ankle", "collant": "tights", "collants": "tights",
    # chaussures
    "chaussures": "shoe", "chaussure": "shoe", "baskets": "sneaker|shoe", "basket": "sneaker|shoe",
    "sneakers": "sneaker", "tennis": "sneaker", "bottes": "boot", "botte": "boot", "bottines": "boot",
    "bottine": "boot", "boots": "boot", "sandales": "sandal", "sandale": "sandal", "nupieds": "sandal",
    "tongs": "flipflop|sandal", "claquettes": "slide|sandal", "chaussons": "slipper", "pantoufles": "slipper",
    "espadrilles": "espadrille", "espadrille": "espadrille", "escarpins": "pump", "mocassins": "loafer",
    # accessoires
    "chapeau": "hat", "chapeaux": "hat", "bonnet": "beanie|hat|cap", "bonnets": "beanie|hat|cap", "casquette": "cap",
    "casquettes": "cap", "béret": "cap|beret", "écharpe": "scarf", "écharpes": "scarf", "foulard": "scarf",
    "foulards": "scarf", "gants": "glove", "gant": "glove", "moufles": "mitten|glove", "ceinture": "belt",
    "ceintures": "belt", "cravate": "tie", "portefeuille": "wallet", "lunettes": "sunglasses|glasses",
    "parapluie": "umbrella", "montre": "watch", "montres": "watch", "connectée": "smart", "connectee": "smart",
    "collier": "necklace", "bracelet": "bracelet", "bague": "ring", "boucles": "earring",
    # sacs
    "sac": "bag", "sacs": "bag", "sacoche": "bag", "cabas": "tote|bag", "totebag": "tote|bag",
    "bandoulière": "crossbody|bag", "valise": "suitcase",
    # électronique
    "casque": "headphone|helmet", "casques": "headphone|helmet", "écouteurs": "earbud|headphone",
    "écouteur": "earbud|headphone", "oreillettes": "earbud|headphone", "enceinte": "speaker", "enceintes": "speaker",
    "chargeur": "charger", "câble": "cable", "câbles": "cable", "coque": "case", "étui": "case",
    "écran": "monitor|screen", "moniteur": "monitor", "clavier": "keyboard", "souris": "mouse", "caméra": "camera",
    "tablette": "tablet", "ordinateur": "laptop|computer", "liseuse": "ereader|reader", "purificateur": "purifier",
    "ventilateur": "fan", "ampoule": "bulb", "ampoules": "bulb", "lampe": "lamp", "lampes": "lamp",
    "lampadaire": "lamp", "lumière": "light", "lumières": "light", "éclairage": "light", "bougie": "candle",
    "bougies": "candle",
    # maison et cuisine
    "théière": "teapot", "bouilloire": "kettle", "cafetière": "pot|machine", "moka": "moka", "casserole": "pot",
    "marmite": "pot", "poêle": "pan|skillet", "couteau": "knife", "couteaux": "knife", "mixeur": "blender|mixer",
    "blender": "blender|mixer", "batteur": "mixer", "cuiseur": "cooker", "moulin": "grinder", "mousseur": "frother",
    "grillepain": "toaster", "toaster": "toaster", "bouteille": "bottle", "bouteilles": "bottle", "gourde": "bottle",
    "thermos": "bottle|insulated", "tasse": "cup|mug", "tasses": "cup|mug", "mug": "mug", "mugs": "mug",
    "verre": "glass", "verres": "glass", "bocal": "jar", "bocaux": "jar", "pot": "jar|pot", "pots": "jar|pot",
    "bol": "bowl", "bols": "bowl", "saladier": "bowl", "assiette": "plate", "assiettes": "plate", "vase": "vase",
    "vases": "vase", "serviette": "towel", "serviettes": "towel", "plaid": "blanket", "couverture": "blanket",
    "coussin": "cushion", "oreiller": "pillow", "organisateur": "organiser", "organiseur": "organiser",
    "carnet": "notebook", "carnets": "notebook", "cahier": "notebook", "stylo": "pen", "stylos": "pen",
    "poignet": "wrist", "support": "stand", "échantillon": "sampler", "échantillons": "sampler",
    "chocolat": "chocolate", "cadeau": "gift", "licence": "licence",
    # sport
    "tapis": "mat", "ballon": "ball",
    # beauté, jouets
    "sérum": "serum", "crème": "cream", "baume": "balm", "parfum": "perfume", "jouet": "toy", "jouets": "toy",
    "puzzle": "puzzle", "poupée": "doll", "peluche": "toy|teddy",
    # matières ("la veste en cuir")
    "cuir": "leather", "laine": "wool", "soie": "silk", "lin": "linen", "coton": "cotton", "paille": "straw",
    "toile": "canvas", "porcelaine": "porcelain", "céramique": "ceramic",
    # livres, clés, café
    "clé": "key|keyring", "cle": "key|keyring", "briques": "brick|lego", "lego": "brick|lego", "grains": "bean",
    "protection": "protector", "protège": "protector", "repose": "rest",
    # more: misspellings, regional words
    "carte": "card", "pullovers": "sweater|jumper", "bouquin": "book|cookbook", "bouquins": "book|cookbook",
}

QUESTION_START = (r"comment", r"quand", r"où", r"pourquoi", r"combien", r"quel(le)?s?", r"qui", r"est-ce qu",
                  r"est ce qu", r"puis-je", r"puis je", r"je peux", r"peut-on", r"peut on", r"pouvez-vous",
                  r"pouvez vous", r"y a-t-il", r"il y a", r"faut-il", r"dois-je", r"c'est (gratuit|payant|possible)",
                  r"est-il", r"ou (est|sont) ")
BOT_CHALLENGE = (r"(es-tu|es tu|êtes-vous|êtes vous|etes vous|t'es|tu es|vous êtes) (un |une )?(bot|robot|machine|ia|humain|vrai)",
                 r"(je parle|je discute|je suis) (à|a|avec) (un |une )?(bot|robot|machine|ia|humain|vraie personne)",
                 r"c'est (un )?(bot|robot)")
ALREADY_SENT = (r"déjà (renvoyé|envoyé|retourné|expédié|posté|déposé|renvoyée|envoyée|renvoyés|envoyés)",
                r"deja (renvoye|envoye|retourne|expedie|poste|depose)", r"(l'ai|les ai|je l'ai) (déjà|deja)",
                r"est (déjà|deja) (en route|reparti|parti)")
# -- bot.conversation.reading: a person asked for in one's own words ("quelqu'un peut vérifier ?")
PERSON = (r"quelqu'?un (de chez vous |de votre (équipe|equipe|service) )?(peut|pourrait|pourra|peut-il|pourrait-il) (\w+ ){0,2}(v[ée]rifier|regarder|voir|m'?aider|aider|rappeler|s'?en occuper|me contacter)",
          r"(parler|discuter|[ée]changer) (à|a|avec) (un|une|quelqu'?un)( de vrai| d'humain| du service)?",
          r"(un|une|le|au) (conseill|agent|op[ée]rat|interlocut)\w*( humain| r[ée]el)?")
KEEP = (r"garder", r"je garde", r"ne (pas )?annuler", r"n'annulez pas", r"pas annuler")
UNWANTED = (r"(n'en |n')?(ai|veux) (plus|pas) besoin", r"n'en veux plus", r"veux plus")
CANCEL_VERB = (r"annul(er|ez|e|é|ée|és|ées)", r"supprim\w*", r"retirer", r"enlever")  # not "annul": English reads it
# -- bot.conversation.manager: "can I ..." before a choice, the whole order, part of it, an exchange, "also"
ASKING_LEAD = (r"puis-je ", r"puis je ", r"je peux ", r"est-ce que je peux ", r"est ce que je peux ", r"pourrais-je ",
               r"je pourrais ", r"pouvez-vous me ", r"vous pouvez me ")
EVERYTHING = (r"^tout$", r"tout annuler", r"annule[rz]? tout", r"toute la commande", r"la commande (entière|complète)", r"tous les articles")
PART_OF_ORDER = (r"une partie", r"quelques", r"certains", r"un seul", r"seulement (un|une)", r"pas tout")
SAYS_EXCHANGE = (r"échang\w*", r"echang\w*", r"autre taille", r"autre couleur")
ALSO = (r"aussi", r"également", r"en plus")
# -- bot.conversation.reading: "can I still return it?"
ASKS_WINDOW = (r"(je peux|puis-je|est-ce que je peux) encore", r"encore (le |la |les )?(retourner|renvoyer|rendre)",
               r"trop tard", r"jusqu'à quand")

# -- bot.conversation.policy_answers: which policy topic a question asks about; HINT: it is about the rules
POLICY = {
    "shipping_refund": (r"frais de (port|livraison|retour) (sont |seront )?(aussi )?rembours", r"rembours\w* (aussi )?les frais de (port|livraison)"),
    "refund_timing": (r"combien de temps (pour|prend|faut-il pour) (le |mon |un )?rembours", r"combien de (temps|jours).{0,40}(être |etre |suis |serai |me |se faire )rembours",
                      r"sous combien de (temps|jours).{0,40}rembours", r"rembours\w* (prend|met|dure|arrive en) combien", r"quand (vais-je|est-ce que je vais|je vais) (être rembours|recevoir|récupérer)",
                      r"quand (serai-je|je serai) rembours", r"d[ée]lai de rembours",
                      r"rembours\w* (en|sous|dans) combien de (temps|jours)"),
    "shipping_cost": (r"qui paie", r"qui paye", r"retour (est )?(gratuit|payant)", r"(le )?retour (co[uû]te|est gratuit)", r"retours? gratuits?",
                      r"frais de retour", r"(dois-je|je dois) payer (le |les )?(retour|frais|port)"),
    "non_returnable": (r"(peut-on|puis-je|je peux) (retourner|renvoyer) (un |une |des )?(\w+ )?(port[ée]|utilis[ée]|ouvert|sold[ée]|sous-v[eê]tement|maillot|carte cadeau)",
                       r"non (retournable|repris)", r"(ne peut|ne peuvent) pas (être )?(retourn|repris)"),
    "ship_back": (r"(combien de (temps|jours)|d[ée]lai|jusqu'à quand).{0,60}(étiquette|etiquette|bordereau|retour (est |a été )?(accepté|validé|approuvé))",
                  r"(une fois|après|apres|dès|des que|dès que) .{0,40}(étiquette|etiquette|bordereau|accepté|validé|approuvé).{0,60}(combien de (temps|jours)|d[ée]lai|jusqu'à quand)",
                  r"(étiquette|etiquette|bordereau).{0,60}(combien de (temps|jours)|d[ée]lai|jusqu'à quand)"),
    "window": (r"combien de (temps|jours) (j'ai|ai-je|pour)", r"d[ée]lai de retour", r"d[ée]lai de r[ée]tractation", r"\d+ jours",
               r"trop tard pour", r"(je peux|puis-je) encore (le |la |les )?(retourner|renvoyer)", r"jusqu'(à|a) quand (je peux|puis-je|peut-on|on peut|ai-je|j'ai)"),
    "exchange": (r"échang", r"echanger", r"avoir au lieu", r"autre taille"),
    "returnless": (r"garder", r"sans (le |la |les )?renvoyer"),
    "general": (r"politique de retour", r"conditions de retour", r"conditions (de|du|pour les) (retour|remboursement)", r"comment (fonctionne|marche|se passe) (le |un )?retour"),
}
POLICY_HINT = (r"combien de (temps|jours)", r"qui pa[iy]e", r"gratuit", r"frais de (port|retour|livraison)", r"d[ée]lai",
               r"politique", r"conditions (de|du|pour les) (retour|remboursement)", r"non retournable", r"comment (fonctionne|marche|se passe)", r"jusqu'(à|a) quand")
# IF_UNWANTED: "if they don't fit / I don't like them, how long do I have to send them back?" asks before any
# return: the return window, not the days to ship an accepted return back
IF_UNWANTED = (r"(si|au cas o[uù]) ([\w']+ ){0,5}(pla[iî]t|plaisent|va|vont|convient|conviennent|aime|fonctionne|fonctionnent|marche|marchent) pas",)
# -- bot.conversation.reading: "it says delivered but never came", "I lost my order number"
NOT_RECEIVED = (r"(jamais|pas|toujours pas) (reçu|arrivé|été livré)", r"(ai|a|avons) (toujours |jamais )?rien (reçu|recu|eu)",
                r"(suivi|tracking|site|appli) (dit|indique|affiche|marque|montre) .{0,50}livr[ée]", r"n'est (jamais |pas )?arrivé", r"indiqué (comme )?livré",
                r"marqué (comme )?livré", r"volé", r"colis perdu", r"perdu par (la poste|le transporteur)", r"chez (le|un) voisin", r"mauvaise adresse")
FOUND_NUMBER = (r"(re)?trouv[ée]e?s?", r"le voil[àa]|la voil[àa]")
LOST_NUMBER = (r"(trouve|retrouve|connais|ai) (pas|plus) (mon |le )?num[ée]ro de commande", r"sans (le |mon )?num[ée]ro de commande",
               r"pas de num[ée]ro de commande", r"(e-?mail|confirmation) (supprim|perdu)")
# "I don't know" to the order-number question: the help to find it
DONT_KNOW = (r"(je )?(ne )?(sais|sait) (pas|plus)", r"aucune id[ée]e", r"(je )?(ne )?m'?en souviens (pas|plus)", r"(j'?ai )?oubli[ée]")
# a correction of the order number given while its proof is asked ("sorry, I meant 3001")
CORRECTS_NUMBER = (r"je voulais dire", r"pardon", r"d[ée]sol[ée]e?", r"plut[ôo]t", r"erreur", r"je me suis tromp[ée]e?")

# -- bot.conversation.reading: a second request in one message ("... et où est mon remboursement ?")
GOALS = {
    "refund_status": (r"où (est|en est) mon remboursement", r"pas (encore )?(reçu|été) (mon |le )?rembours"),
    "return_status": (r"(statut|suivi) de (mon|ma|le|la) retour", r"(avez-vous|vous avez) reçu mon retour"),
    "track": (r"où (est|sont|en est) (ma|mon|mes|le|la) (\w+ )?(commande|colis|livraison)",
              r"où (est|sont|en est) (mon|ma|mes) (?!rembours|retour|argent)\w+", r"suivi de (ma )?(commande|colis)",
              r"quand (arrive|arrivera) (ma|mon) (commande|colis)",
              r"(quel|c'?(é|e)tait quoi|c'?est quoi|donner|donnez|envoyer|envoyez|redonner|redonnez|avoir) (\w+ ){0,3}(num[ée]ro|lien|code) de (suivi|colis|tracking)"),  # the tracking number asked for
    "exchange": (r"échang\w*",),
    "damage": (r"(arrivé|reçu|est) (\w+ )?(cassé|abîmé|endommagé)",),
    "return": (r"(retourner|renvoyer|rendre) (le|la|les|mon|ma|mes|ce|cette|ces)", r"faire un retour"),
}
