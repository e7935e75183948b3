"""Spanish answers as customers type them ("me queda pequeño", "llegó roto", "reembolso", "cambio por
una talla más", "sí", "los dos", "el segundo"). Data only; the readers are in `bot.choices` and
`bot.conversation`; the notation is in `bot.answer_words`."""

REASONS = [
    ("too_small", "pequeño, pequeña, pequeños, pequeñas, queda chico|chica, muy chico|chica, apretado, apretada, apretados, "
                  "ajustado, ajustada, estrecho, estrecha, corto, corta, cortos, no me entra, no entra, no me cabe, "
                  "talla más, una talla más, talla mas, talla más grande, más grande, mas grande, me aprieta, aprieta, un número más, número más grande, medio número más"),
    ("too_large", "grande, grandes, enorme, holgado, holgada, ancho, ancha, anchos, largo, larga, largos, suelto, "
                  "suelta, me baila, me sobra, una talla menos, talla menos, un número menos, número más pequeño, talla más pequeña, más pequeño, "
                  "mas pequeño, más pequeña, mas pequeña, más chico, una talla más pequeña|chica|baja"),
    ("damaged", "roto, rota, rotos, rotas, dañado, dañada, dañados, estropeado, estropeada, defectuoso, defectuosa, "
                "defecto, rajado, rajada, agrietado, rayado, rayada, roto al llegar, llegó roto|rota|dañado|dañada, "
                "no funciona, no va, no enciende, no carga, no sirve, mancha, manchado, manchada, agujero, "
                "descosido, descosida, abollado, golpeado, se rompió, averiado, fuga, despegado, despegada, despegados, despegadas, "
                "se despegó, se ha despegado, se despega"),
    ("wrong_item", "equivocado, equivocada, incorrecto, incorrecta, otro producto|artículo|modelo|color|talla, "
                   "no es lo que pedí, no lo pedí, no pedí, nunca pedí, no es mío, no es mía, me mandaron otro|otra, "
                   "me enviaron otro|otra, llegó otro|otra, talla equivocada, color equivocado, error en el pedido"),
    ("not_as_described", "no es como ~ foto|fotos|descripción|anuncio|web|imagen, diferente ~ foto|fotos|descripción|"
                         "imagen, distinto ~ foto|fotos|descripción|imagen, no coincide, no corresponde, "
                         "mala calidad, calidad mala, baja calidad, falso, falsa, imitación, ?calidad, "
                         "?descripción, ?material, ?tela, ?foto, ?fotos, ?imagen, no es lo que esperaba, decepcionado, decepcionada"),
    ("changed_mind", "cambié de opinión, cambie de opinion, cambiado de opinión, ya no lo quiero, ya no la quiero, "
                     "ya no lo necesito, ya no la necesito, no lo necesito, no lo quiero, no me gusta, no me gustó, "
                     "no me convence, me arrepentí, arrepentido, arrepentida, por error, error, sin querer, "
                     "lo pedí dos veces, duplicado, repetido, más barato, mas barato, demasiado caro, no me hace falta"),
    ("other", "otro motivo, otra razón, otra cosa, otro, ninguna de estas, tarde, llegó tarde, retraso, demora, "
              "tardó mucho"),
    (None, "pregunta pequeña, una pequeña|pequeño, el grande|pequeño, la grande|pequeña, cuánto tiempo, "
           "dirección equivocada, número equivocado, correo equivocado"),
]

RESOLUTIONS = [
    ("refund", "reembolso, reembolsar, reembolsen, reembolsado, devolución del dinero, devolver el dinero, "
               "devuelvan el dinero, mi dinero, el dinero, dinero, la plata, mi plata, plata, a mi tarjeta, "
               "a la tarjeta, tarjeta de crédito|credito|débito|debito, paypal, transferencia, abono, reintegro"),
    ("exchange", "cambio, cambiar, cambiarlo, cambiarla, cambiarlos, cambiarlas, intercambio, intercambiar, "
                 "otra talla, otro color, otro modelo, una talla más, una talla menos, talla más grande, "
                 "talla más pequeña, por la talla, por una ~ talla, por talla, "
                 "el correcto, la correcta, los correctos, las correctas, el|la|los|las|lo que pedí, el|la|los|las|lo que compré"),  # the one ordered, for a wrong one
    ("store_credit", "un vale, vale de compra|regalo|descuento, crédito, credito, crédito en tienda, cupón, cupon, tarjeta regalo, "
                     "bono, saldo en la tienda, saldo en mi cuenta, saldo a favor"),
    ("replacement", "reemplazo, reposición, reponer, uno nuevo, una nueva, que me manden otro, mandar otro, "
                    "enviar otro, otro igual"),
    (None, "otro artículo, otro producto, otra cosa, es|era|recibí|llegó ~ correcto|correcta|correctos|correctas"),
]

YES = ("sí, si, sip, sii, claro, claro que sí, por supuesto, vale, dale, de acuerdo, ok, okey, perfecto, "
       "exacto, exactamente, correcto, eso es, así es, sí por favor, si por favor, sí gracias, si gracias, "
       "adelante, hazlo, hágalo, está bien, esta bien, me parece bien, sin problema, cómo no, como no, "
       "obvio, seguro, desde luego, venga, va, afirmativo, por qué no")
NO = ("no, nop, nope, no gracias, para nada, de ninguna manera, ni hablar, todavía no, ahora no, mejor no, "
      "no hace falta, no es necesario, no es correcto, incorrecto, eso no, negativo, tampoco, nel")
UNSURE = "no sé, no se, quizás, quizá, quizas, tal vez, a lo mejor, no estoy seguro, no estoy segura, ni idea"
WEAK = "por favor, porfa, genial, perfecto, bien, muy bien, estupendo"
FILLERS = "eh, ehh, em, bueno, pues, hola, buenas, oye, ah, oh, mmm, hmm"

# Words of their own one slip away from a cue word: never bent onto it
PLAIN = "pero, partido, partida, tarta, carta, gastos, gasto"
NEGATORS = "no, ni, nunca, jamás, sin, nada, ningún, ninguna, ninguno, tampoco, lugar"
NEGATORS_AFTER = "no"  # closing a clause, they deny the words before: "el sombrero no, ..."
BUTS = "pero, sino, solo, sólo, mejor, aunque"
CORRECTIONS = "mejor, perdón, perdon, espera, bueno, digo, no, prefiero, finalmente"
RATHER = "mejor, prefiero, preferiría, antes"  # "mejor un vale que dinero"
THAN = "que"
DECLINE = "gracias igualmente, gracias de todas formas, gracias de todos modos, gracias de todas maneras"  # a polite no
QUESTION_WORDS = "cómo, cuándo, dónde, cuánto, cuánta, cuántos, cuál, cuáles, qué, quién"
QUESTION_VERBS = "si, es, son, hay, tengo, tiene, puede, cuesta, tarda, pagan, pago, se"

ORDINALS = {"primero": 1, "primera": 1, "primer": 1, "1º": 1, "1ª": 1, "segundo": 2, "segunda": 2, "2º": 2, "2ª": 2,
            "tercero": 3, "tercera": 3, "tercer": 3, "cuarto": 4, "cuarta": 4, "quinto": 5, "quinta": 5,
            "último": -1, "última": -1, "ultimo": -1, "ultima": -1}
NUMBERS = {"uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
           "nueve": 9, "diez": 10}
BOTH = "los dos, las dos, ambos, ambas, los 2, las 2"
ALL = "todos, todas"  # not "todo": "llegó todo roto", "eso es todo"
EXCEPT = "excepto, menos, salvo"  # all but these
VAGUE = "mitad, algunos, algunas, varios, varias"  # no count: "half", "some"
COUNT_AFTER = "de ellos, de ellas, de los dos, de las dos, solo, sólo, solamente, unidad, unidades, pieza, piezas"  # "uno de ellos"
ONLY = "solo, sólo, solamente, únicamente"  # before a count: "solo uno"
# -- bot.choices: item words ("die Jacke", "les chaussettes", "羽绒服"): a word as customers type it -> the English
# title word(s) it stands for, singular, lower case; "a|b" when it covers several ("外套": coat or jacket) or
# when a second title word tells two items apart ("regenjacke": jacket|rain). The lookup is after folding, with
# one slip forgiven in words of five letters or more ("Handschue"); plurals are keys of their own. German keys
# of four letters or more are also read as the tail of a compound, so they must not end common German words.
# Left out: "té" (folds to "te"), "pendientes" (pending), "lentes" (ends "excelentes"), "piel", "olla" (end
# "beispiel", "controlla"), "juego" (a set is no title word).
NOUNS = {
    # ropa
    "chaqueta": "jacket", "chaquetas": "jacket", "cazadora": "jacket", "cazadoras": "jacket", "chamarra": "jacket",
    "chamarras": "jacket", "chaquetón": "jacket|coat", "abrigo": "coat", "abrigos": "coat",
    "plumífero": "jacket|down", "plumíferos": "jacket|down", "anorak": "jacket", "chubasquero": "jacket|rain",
    "chubasqueros": "jacket|rain", "gabardina": "coat|trench", "parka": "parka|jacket", "chaleco": "vest",
    "chalecos": "vest", "rebeca": "cardigan", "cárdigan": "cardigan", "suéter": "sweater", "suéteres": "sweater",
    "sudadera": "sweatshirt|hoodie", "sudaderas": "sweatshirt|hoodie", "pantalón": "trouser", "pantalones": "trouser",
    "vaqueros": "jean", "tejanos": "jean", "jeans": "jean", "shorts": "short", "bermudas": "short",
    "culotte": "short|cycling", "culote": "short|cycling", "mallas": "legging", "leggings": "legging",
    "falda": "skirt", "faldas": "skirt", "vestido": "dress", "vestidos": "dress", "camisa": "shirt",
    "camisas": "shirt", "blusa": "blouse|shirt", "blusas": "blouse|shirt", "camiseta": "tshirt|jersey",
    "camisetas": "tshirt|jersey", "playera": "tshirt|jersey", "remera": "tshirt|jersey", "maillot": "jersey",
    "bañador": "swimsuit|trunk", "bañadores": "swimsuit|trunk", "bikini": "bikini", "sujetador": "bra|bralette",
    "sujetadores": "bra|bralette", "calzoncillos": "boxer|brief|underwear", "bóxer": "boxer|brief|underwear",
    "bóxers": "boxer|brief|underwear", "bragas": "brief|underwear", "pijama": "pyjama", "albornoz": "robe",
    "calcetines": "sock", "calcetín": "sock", "tobilleros": "sock|ankle",
    # calzado
    "zapatos": "shoe", "zapato": "shoe", "zapatillas": "sneaker|shoe", "zapatilla": "sneaker|shoe",
    "deportivas": "sneaker|shoe", "tenis": "sneaker|shoe", "sneakers": "sneaker", "botas": "boot", "bota": "boot",
    "botines": "boot", "botín": "boot", "sandalias": "sandal", "sandalia": "sandal",
    "chanclas": "slide|flipflop|sandal", "chancla": "slide|flipflop|sandal", "pantuflas": "slipper",
    "alpargatas": "espadrille", "alpargata": "espadrille", "mocasines": "loafer",
    # accesorios
    "gorro": "beanie|hat", "gorros": "beanie|hat", "gorra": "cap", "gorras": "cap", "boina": "cap|beret",
    "sombrero": "hat", "sombreros": "hat", "bufanda": "scarf", "bufandas": "scarf", "pañuelo": "scarf",
    "fular": "scarf", "guantes": "glove", "guante": "glove", "cinturón": "belt", "cinturones": "belt",
    "cinto": "belt", "corbata": "tie", "cartera": "wallet", "billetera": "wallet", "monedero": "wallet",
    "gafas": "sunglasses|glasses", "paraguas": "umbrella", "reloj": "watch", "relojes": "watch",
    "smartwatch": "watch|smart", "inteligente": "smart", "collar": "necklace", "pulsera": "bracelet",
    "anillo": "ring", "llavero": "keyring",
    # bolsos
    "bolso": "bag", "bolsos": "bag", "bolsa": "bag", "bolsas": "bag", "bandolera": "bag|crossbody",
    "mochila": "backpack|daypack", "mochilas": "backpack|daypack", "maleta": "suitcase", "riñonera": "bag",
    # electrónica
    "auriculares": "headphone|earbud", "audífonos": "headphone|earbud", "cascos": "headphone|earbud",
    "altavoz": "speaker", "altavoces": "speaker", "bocina": "speaker", "parlante": "speaker", "cargador": "charger",
    "cable": "cable", "cables": "cable", "funda": "case", "fundas": "case", "carcasa": "case", "estuche": "case",
    "pantalla": "monitor|screen", "monitor": "monitor", "teclado": "keyboard", "ratón": "mouse", "cámara": "camera",
    "tableta": "tablet", "lector": "ereader|reader", "ereader": "ereader|reader", "purificador": "purifier",
    "ventilador": "fan", "secador": "dryer", "bombilla": "bulb", "bombillas": "bulb", "bombillo": "bulb",
    "foco": "bulb", "focos": "bulb", "lámpara": "lamp", "lámparas": "lamp", "flexo": "lamp", "luz": "light",
    "luces": "light", "vela": "candle", "velas": "candle",
    # casa y cocina
    "tetera": "teapot", "hervidor": "kettle", "cafetera": "pot|machine", "sartén": "pan|skillet", "cuchillo": "knife",
    "cuchillos": "knife", "batidora": "mixer|blender", "licuadora": "blender", "amasadora": "mixer",
    "arrocera": "cooker|rice", "molinillo": "grinder", "espumador": "frother", "báscula": "scale", "balanza": "scale",
    "tostadora": "toaster", "botella": "bottle", "botellas": "bottle", "cantimplora": "bottle",
    "termo": "bottle|insulated", "taza": "cup|mug", "tazas": "cup|mug", "tacitas": "cup|mug", "vaso": "glass|vase",
    "vasos": "glass|vase", "copa": "glass", "copas": "glass", "tarro": "jar", "tarros": "jar", "frasco": "jar",
    "frascos": "jar", "bol": "bowl", "boles": "bowl", "cuenco": "bowl", "cuencos": "bowl", "plato": "plate",
    "platos": "plate", "jarrón": "vase", "florero": "vase", "toalla": "towel", "toallas": "towel", "manta": "blanket",
    "cojín": "cushion", "almohada": "pillow", "cuaderno": "notebook", "cuadernos": "notebook", "libreta": "notebook",
    "bolígrafo": "pen", "boli": "pen", "estilográfica": "pen|fountain", "organizador": "organiser",
    "reposamuñecas": "rest|wrist", "soporte": "stand", "chocolate": "chocolate", "tarjeta": "card", "regalo": "gift",
    "licencia": "licence",
    # deporte
    "bicicleta": "bike", "bici": "bike", "casco": "helmet", "esterilla": "mat", "colchoneta": "mat", "balón": "ball",
    "pelota": "ball",
    # belleza, juguetes
    "sérum": "serum", "crema": "cream", "bálsamo": "balm", "perfume": "perfume", "juguete": "toy", "juguetes": "toy",
    "puzle": "puzzle", "rompecabezas": "puzzle", "muñeca": "doll", "peluche": "toy|teddy",
    # materiales ("la chaqueta de cuero")
    "cuero": "leather", "lana": "wool", "seda": "silk", "lino": "linen", "algodón": "cotton", "paja": "straw",
    "porcelana": "porcelain", "cerámica": "ceramic",
    # libros, llaves, café
    "libro": "book|cookbook", "libros": "book|cookbook", "recetario": "book|cookbook", "llave": "key|keyring",
    "llaves": "key|keyring", "clave": "key|keyring", "bloques": "brick|lego", "ladrillos": "brick|lego",
    "lego": "brick|lego", "granos": "bean", "grano": "bean", "muestras": "sampler", "muestrario": "sampler",
    # more: misspellings, regional words
    "aretes": "earring", "calsetines": "sock",
}

QUESTION_START = (r"¿.*", r"cómo", r"cuándo", r"dónde", r"cuánto", r"cuánta", r"cuántos", r"cuál(es)?", r"qué", r"quién",
                  r"como (puedo|hago|se|funciona|devuelvo|cambio)", r"cuanto (tiempo|tarda|cuesta|es)",
                  r"donde (esta|está|envio|envío|mando)", r"puedo", r"se puede", r"hay (que|algún|algun)",
                  r"tengo que", r"es (gratis|posible)", r"me pueden", r"podría", r"podrian", r"podrían")
BOT_CHALLENGE = (r"(eres|es usted|sois) (un |una )?(bot|robot|máquina|maquina|ia|humano|persona real)",
                 r"(hablo|estoy hablando|chateo) con (un |una )?(bot|robot|máquina|maquina|humano|persona)")
ALREADY_SENT = (r"ya (lo |la |los |las )?(he )?(devuelto|enviado|mandado|devolví|envié|mandé|devolvi|envie|mande)",
                r"ya (está|esta|van|va) de (camino|vuelta)")
# -- bot.conversation.reading: a person asked for in one's own words ("¿alguien puede revisarlo?")
PERSON = (r"alguien (de ustedes |de vosotros |del equipo |de atenci[oó]n )?(me |nos )?(puede|podr[ií]a|pueda) (\w+ ){0,2}(revisar|mirar|comprobar|verificar|ayudar|llamar|contactar)\w*",
          r"(hablar|habla|hable|pasame|p[aá]same|p[aá]seme|comun[ií]came) con (alguien|un agente|una persona|un humano|un asesor|un operador|atenci[oó]n al cliente)",
          r"(un|una) (agente|asesor|asesora|operador|operadora) (humano|real|de verdad)")
KEEP = (r"quedármelo", r"quedarme", r"mantener", r"no cancel(ar|es|en)", r"lo quiero (igual|todavía)",
        r"s[ií] (lo|la|los|las) quiero(?! (cancel|anul|quit|devolv))")  # "los frascos sí los quiero": those stay
UNWANTED = (r"ya no (lo |la |los |las )?(necesito|quiero)", r"no (lo |la )?necesito")
CANCEL_VERB = (r"cancel(ar|a|en|e|o)\w*", r"anular", r"quitar", r"eliminar")
# -- bot.conversation.manager: "can I ..." before a choice, the whole order, part of it, an exchange, "also"
ASKING_LEAD = (r"¿?puedo ", r"¿?podría ", r"¿?podria ", r"¿?me pueden ", r"¿?me podéis ", r"¿?me podrían ")
EVERYTHING = (r"^todo$", r"cancela(r)? todo", r"todo el pedido", r"el pedido (entero|completo)", r"todos los artículos")
PART_OF_ORDER = (r"parte", r"algunos", r"algunas", r"solo (uno|una)", r"no todo")
SAYS_EXCHANGE = (r"cambi\w*", r"intercambi\w*", r"otra talla", r"otro color")
ALSO = (r"también", r"tambien", r"además", r"ademas")
# -- bot.conversation.reading: "can I still return it?"
ASKS_WINDOW = (r"(todavía|todavia|aún|aun) (lo |la |los |las )?puedo", r"demasiado tarde", r"hasta cuándo", r"hasta cuando")

# -- bot.conversation.policy_answers: which policy topic a question asks about; HINT: it is about the rules
POLICY = {
    "shipping_refund": (r"(reembols\w*|devolv\w*) (también )?(los |el )?(gastos de )?env[ií]o", r"gastos de env[ií]o (se )?(reembols|devuelv)"),
    "refund_timing": (r"cu[aá]nto (tiempo )?tarda (el |mi |un )?reembolso", r"cu[aá]ndo (recibo|recibir[eé]|me devuelven|tendr[eé]) (el |mi )?(dinero|reembolso)",
                      r"plazo (del|de) reembolso", r"cu[aá]nto (tiempo )?(tarda|demora)n? .{0,40}(dinero|reembols|plata)",
                      r"en cu[aá]nto(s d[ií]as| tiempo) .{0,40}(dinero|reembols|plata)"),
    "shipping_cost": (r"qui[eé]n paga", r"(la )?devoluci[oó]n (es )?(gratis|gratuita)", r"devoluciones gratis", r"cu[aá]nto cuesta (la )?devoluci[oó]n",
                      r"(tengo que|hay que) pagar (el |la )?(env[ií]o|devoluci[oó]n)"),
    "non_returnable": (r"(se puede|puedo) devolver (un |una |algo )?(\w+ )?(usad|abiert|rebajad|ropa interior|ba[nñ]ador|tarjeta regalo)",
                       r"no (se puede|se pueden) devolver", r"excepciones"),
    "ship_back": (r"cu[aá]nto tiempo (tengo )?para (enviarlo|mandarlo|devolverlo) de vuelta", r"plazo para (enviar|mandar)",
                  r"(cu[aá]nto tiempo|cu[aá]ntos d[ií]as) (tengo |hay )?para (enviar|mandar|llevar)(lo|la|los|las)? (el paquete|la caja|el art[ií]culo|a correos)",
                  r"(una vez|despu[eé]s de que|cuando) .{0,30}(aprobad|aceptad|confirmad|la etiqueta).{0,60}(cu[aá]nto|plazo)",
                  r"(cu[aá]nto tiempo|cu[aá]ntos d[ií]as|plazo).{0,60}(etiqueta|una vez aprobad|una vez aceptad)"),
    "window": (r"cu[aá]nto tiempo tengo", r"cu[aá]ntos d[ií]as", r"plazo de devoluci[oó]n", r"\d+ d[ií]as", r"demasiado tarde",
               r"(todav[ií]a|a[uú]n) (lo |la )?puedo devolver", r"hasta cu[aá]ndo (puedo|tengo|se puede|hay)"),
    "exchange": (r"cambi", r"vale en vez", r"otra talla"),
    "returnless": (r"quedarme", r"sin devolver"),
    "general": (r"pol[ií]tica de devoluci", r"condiciones", r"c[oó]mo funciona (la |una )?devoluci"),
}
POLICY_HINT = (r"cu[aá]nto (tiempo|tarda|cuesta)", r"cu[aá]ntos d[ií]as", r"qui[eé]n paga", r"gratis", r"gratuita", r"gastos de env[ií]o",
               r"plazo", r"pol[ií]tica", r"condiciones", r"excepciones", r"c[oó]mo funciona", r"hasta cu[aá]ndo")
# IF_UNWANTED: "if they don't fit / I don't like them, how long do I have to send them back?" asks before any
# return: the return window, not the days to ship an accepted return back
IF_UNWANTED = (r"(si|en caso de que) (\w+ ){0,4}no (me |te |le |nos )?(gusta|convence|queda|va|sirve|funciona|encaja)\w*",)
# -- bot.conversation.reading: "it says delivered but never came", "I lost my order number"
NOT_RECEIVED = (r"no (me )?(ha )?(llegado|llegó|recibido|recibí)", r"nunca (llegó|me llegó|lo recibí)", r"(aparece|pone|dice) (como )?entregado",
                r"robado", r"paquete perdido", r"se (ha )?perdido (el paquete|en el camino)", r"(en|a) casa del vecino", r"dirección equivocada")
FOUND_NUMBER = (r"(lo |la )?(he )?(encontr[ée]|encontrado|hallado)", r"ya lo tengo", r"aqu[íi] est[áa]")
LOST_NUMBER = (r"no (tengo|encuentro|sé|se|recuerdo) (el |mi )?n[úu]mero de pedido", r"sin (el |mi )?n[úu]mero de pedido",
               r"(correo|confirmación) (borrado|perdido|borré)")
# "I don't know" to the order-number question: the help to find it
DONT_KNOW = (r"no (lo |la )?(s[ée]|recuerdo|me acuerdo)", r"ni idea", r"(lo |la )?olvid[ée]")
# a correction of the order number given while its proof is asked ("sorry, I meant 3001")
CORRECTS_NUMBER = (r"quise decir", r"perd[óo]n", r"me equivoqu[ée]", r"en realidad", r"error")

# -- bot.conversation.reading: a second request in one message ("... y dónde está mi reembolso?")
GOALS = {
    "refund_status": (r"d[óo]nde est[áa] mi (reembolso|dinero)", r"no (me )?(ha llegado|he recibido) (el|mi) reembolso"),
    "return_status": (r"estado de (mi|la) devoluci[óo]n", r"(recibieron|han recibido) mi devoluci[óo]n"),
    "track": (r"d[óo]nde est[áa]n? (mi|mis|el|la) (\w+ )?(pedido|paquete|env[íi]o)",
              r"d[óo]nde est[áa]n? (mi|mis) (?!reembolso|dinero|devoluci)\w+", r"seguimiento (de|del) (mi )?(pedido|paquete)",
              r"cu[áa]ndo llega (mi|el) (pedido|paquete)", r"d[óo]nde (viene|anda|va|queda|se encuentra) (mi|mis|el|la) (\w+ )?(pedido|paquete|env[íi]o|orden)",
              r"(cu[áa]l|qu[ée]|dame|d[ée]me|darme|pasarme|me pasas|me das|me da) (\w+ ){0,3}(n[úu]mero|c[óo]digo|enlace) de (seguimiento|rastreo|env[íi]o)"),  # the tracking number asked for
    "exchange": (r"cambiar\w*", r"cambio de talla"),
    "damage": (r"(lleg[óo]|est[áa]|vino) (\w+ )?(roto|rota|dañado|dañada)",),
    "return": (r"(devolver|regresar|retornar) (el|la|los|las|mi|mis|este|esta)", r"hacer una devoluci[óo]n",
               r"(quiero|kiero|quisiera|necesito) (devolver|regresar)",  # "regresar": to return, in Mexico
               r"devoluci[óo]n (del|de (mi|mis|la|los|las|este|esta|un|una)) (?!dinero|importe|plata|pago)\w+"),
}
