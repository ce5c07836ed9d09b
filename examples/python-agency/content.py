"""The library's content: every text the assistant card and the answers use.

Kept apart from the server code so that a content owner can edit it without
touching gRPC. One block per language; ids, checklist keys, phases and links
are the same in every language (see LANGUAGE_INDEPENDENT below).
"""

AGENCY_ID = "bibliotek"
# A test organisation number: 9 digits with a valid modulus-11 check digit.
ORGANISATION_NUMBER = "974760673"
HOMEPAGE = "https://bibliotek.kommune.example"
CONTACT_PHONE = "12 34 56 78"
CONTACT_URL = "https://bibliotek.kommune.example/kontakt"
# The version of veiviser.agency.v1 this assistant implements (1.2: DescribeSigned).
CONTRACT_VERSION = "1.2"
LANGUAGES = ["nb", "nn", "en"]
LIFE_EVENT = "dodsfall-og-arv"
# The library never needs anything about the citizen: it declares no profile
# attributes, so the master has nothing to send it.
PROFILE_ATTRIBUTES: list[str] = []

LINK_DEATH = "https://bibliotek.kommune.example/dodsfall"
LINK_DEATH_EN = "https://bibliotek.kommune.example/en/death"
LINK_EBOOK = "https://bibliotek.kommune.example/e-bok"
LINK_KOMMUNE = "https://www.kommune.example"

# Structure shared by every language: skills, their life events, checklist
# items (key, phase, link) and referrals (agency, url).
SKILLS = {
    "lan-etter-dodsfall": {
        "life_events": [LIFE_EVENT],
        "topic": "",
        "checklist": [
            {"key": "bibliotek-lan-levere", "phase": "first-weeks", "link": LINK_DEATH},
            {"key": "bibliotek-fjernlan", "phase": "first-weeks", "link": LINK_DEATH},
        ],
        "referrals": [],
    },
    "avslutt-lanekort": {
        "life_events": [LIFE_EVENT],
        "topic": "",
        "checklist": [
            {"key": "bibliotek-lanekort-avslutt", "phase": "six-months", "link": LINK_DEATH},
        ],
        "referrals": [{"agency_id": "kommune", "url": LINK_KOMMUNE}],
    },
    "e-bok": {
        "life_events": [],
        "topic": "",
        "checklist": [],
        "referrals": [],
    },
}

# Concept id -> the skill that answers it ("" for the library in general).
CONCEPT_SKILLS = {
    "bibliotek": "",
    "lante-boker": "lan-etter-dodsfall",
    "lanekort": "avslutt-lanekort",
    "e-bok": "e-bok",
}

TEXTS = {
    "nb": {
        "display_name": "Folkebiblioteket",
        "name_in_text": "folkebiblioteket",
        "topics": "lån, lånekort og e-bøker",
        "description": (
            "Svarer på spørsmål om lån og lånekort etter et dødsfall, "
            "og om å låne e-bøker og lydbøker."
        ),
        "fallback": (
            "Det fant jeg ikke et godt svar på. Folkebiblioteket svarer på spørsmål om lån og "
            "lånekort etter et dødsfall og om e-bøker og lydbøker.\n\n"
            "Du når oss på telefon 12 34 56 78 eller på https://bibliotek.kommune.example/kontakt"
        ),
        "life_event": {
            "name": "Dødsfall og arv",
            "examples": [
                "min far er død, hva må jeg gjøre nå",
                "mamma døde i går, hva skal vi ordne",
                "hva må gjøres når noen dør",
                "jeg har mistet mannen min, hvor begynner jeg",
                "dødsfall i familien, hva må vi huske på",
                "bestefar gikk bort, hva må vi rydde opp i",
                "hva må ordnes etter et dødsfall",
                "min søster er død, hva må jeg si fra om",
            ],
            "answer": (
                "Lever det den døde hadde lånt når det passer for dere, og si fra, så sletter "
                "vi lånekortet. Gebyrer og krav for tapte bøker etter "
                "dødsfallet blir slettet.\n\n"
                "Les mer: https://bibliotek.kommune.example/dodsfall"
            ),
        },
        "skills": {
            "lan-etter-dodsfall": {
                "name": "Lån etter dødsfall",
                "examples": [
                    "min mor er død og hadde lånt bøker på biblioteket",
                    "hvordan leverer jeg tilbake bøkene til en som er død",
                    "far døde og har bøker fra biblioteket, hva gjør vi",
                    "må vi betale for bøker som den døde har mistet",
                    "hvor leverer jeg lånte bøker etter et dødsfall",
                    "trenger jeg lånekortet til avdøde for å levere bøkene",
                    "vi fant biblioteksbøker i dødsboet",
                    "bestemor er gått bort og hadde lån på biblioteket",
                    "får vi purring på bøkene til min avdøde bror",
                    "hva skjer med gebyrene på lånene til en som har dødd",
                ],
                "answer": (
                    "Når en som hadde lån på biblioteket dør, kan de etterlatte levere bøkene og "
                    "annet materiell i skranken eller i innleveringsautomaten på alle bibliotekets "
                    "avdelinger. Dere trenger ikke lånekortet eller PIN-koden.\n\n"
                    "Finner dere ikke alt, si fra til biblioteket. Vi krever ikke erstatning for "
                    "bøker som er borte etter et dødsfall, og purringer og gebyrer på den dødes "
                    "lånekort blir slettet.\n\n"
                    "Les mer: https://bibliotek.kommune.example/dodsfall"
                ),
                "checklist": {
                    "bibliotek-lan-levere": {
                        "title": "Lever det den døde lånte på biblioteket",
                        "action": (
                            "Lever bøker og annet materiell i skranken eller i "
                            "innleveringsautomaten. Dere trenger ikke lånekortet, og det kommer ingen "
                            "gebyrer etter dødsfallet."
                        ),
                        "when": "Når det passer for dere",
                    },
                    "bibliotek-fjernlan": {
                        "title": "Lever fjernlån fra andre bibliotek",
                        "action": (
                            "Lever fjernlånet på biblioteket som vanlig, så sender vi det tilbake "
                            "til biblioteket det kom fra."
                        ),
                        "when": "Sammen med de andre lånene",
                        "only_if": "Bare hvis den døde hadde fjernlån fra et annet bibliotek",
                    },
                },
            },
            "avslutt-lanekort": {
                "name": "Avslutte lånekort etter dødsfall",
                "examples": [
                    "hvordan sletter jeg lånekortet til min avdøde mor",
                    "avslutte bibliotekkort etter dødsfall",
                    "far er død, hvordan stenger vi lånekortet hans",
                    "må jeg si fra til biblioteket når noen dør",
                    "slett lånekortet til en som har gått bort",
                    "trenger biblioteket dødsattest for å avslutte kortet",
                    "hvordan melder jeg fra om dødsfall til biblioteket",
                    "kan jeg avslutte lånekortet til mannen min som døde",
                    "hva skjer med opplysningene på lånekortet etter at noen er død",
                    "min kone er død og hadde lånekort",
                ],
                "answer": (
                    "Lånekortet til en som er død, blir ikke avsluttet av seg selv. Ring eller "
                    "skriv til biblioteket, eller si fra i skranken, så sletter vi kortet og "
                    "opplysningene om den døde. Vi trenger ikke dødsattest; det holder at du "
                    "oppgir navnet og helst lånekortnummeret.\n\n"
                    "Har den døde lån som ikke er levert, sletter vi kortet når lånene er levert "
                    "eller meldt borte.\n\n"
                    "Les mer: https://bibliotek.kommune.example/dodsfall"
                ),
                "checklist": {
                    "bibliotek-lanekort-avslutt": {
                        "title": "Avslutt lånekortet til den døde",
                        "action": (
                            "Si fra til biblioteket på telefon, e-post eller i skranken, så "
                            "sletter vi kortet og opplysningene om den døde."
                        ),
                        "when": "Når lånene er levert",
                    },
                },
                "referrals": {
                    "kommune": {
                        "name": "Kommunen",
                        "reason": (
                            "Andre kommunale tjenester den døde hadde, som hjemmetjenester eller "
                            "trygghetsalarm, avslutter kommunen."
                        ),
                    },
                },
            },
            "e-bok": {
                "name": "E-bøker og lydbøker",
                "examples": [
                    "hvordan låner jeg e-bøker",
                    "kan jeg låne lydbøker på mobilen",
                    "hvilken app bruker biblioteket for e-bøker",
                    "hvor mange e-bøker kan jeg låne samtidig",
                    "jeg har glemt pin-koden og får ikke lånt e-bok",
                    "hvor lenge varer et lån av en e-bok",
                    "må jeg levere tilbake e-boka",
                    "kan jeg lese bøker fra biblioteket på nettbrett",
                    "låne lydbok gratis",
                    "hvorfor får jeg ikke lastet ned e-boka",
                ],
                "answer": (
                    "Med lånekort og PIN-kode kan du låne e-bøker og lydbøker gratis i appen "
                    "Biblioteket eller på nettsidene våre. Du kan ha inntil 3 e-bøker og 3 "
                    "lydbøker lånt samtidig, og et lån varer i 21 dager. Bøkene leveres "
                    "automatisk når lånetiden er ute.\n\n"
                    "Har du glemt PIN-koden, får du en ny på nettsiden eller i skranken.\n\n"
                    "Les mer: https://bibliotek.kommune.example/e-bok"
                ),
            },
        },
        "concepts": {
            "bibliotek": ["bibliotek", "folkebibliotek", "biblotek", "bibliotekar"],
            "lante-boker": [
                "lånte bøker", "levere bøker", "levere tilbake bøkene", "biblioteksbøker",
                "lånebøker", "bøker fra biblioteket", "purring", "innlevering",
            ],
            "lanekort": [
                "lånekort", "bibliotekkort", "lånenummer", "slette kortet", "lånekortnummer",
            ],
            "e-bok": ["e-bok", "e-bøker", "lydbok", "lydbøker", "lese på nettbrett", "bibliotekappen"],
        },
    },
    "nn": {
        "display_name": "Folkebiblioteket",
        "name_in_text": "folkebiblioteket",
        "topics": "lån, lånekort og e-bøker",
        "description": (
            "Svarar på spørsmål om lån og lånekort etter eit dødsfall, "
            "og om å låne e-bøker og lydbøker."
        ),
        "fallback": (
            "Det fann eg ikkje eit godt svar på. Folkebiblioteket svarar på spørsmål om lån og "
            "lånekort etter eit dødsfall og om e-bøker og lydbøker.\n\n"
            "Du når oss på telefon 12 34 56 78 eller på https://bibliotek.kommune.example/kontakt"
        ),
        "life_event": {
            "name": "Dødsfall og arv",
            "examples": [
                "far min er død, kva må eg gjere no",
                "mamma døydde i går, kva skal vi ordne",
                "kva må gjerast når nokon døyr",
                "eg har mista mannen min, kvar byrjar eg",
                "dødsfall i familien, kva må vi hugse på",
                "bestefar gjekk bort, kva må vi rydde opp i",
                "kva må ordnast etter eit dødsfall",
                "syster mi er død, kva må eg seie frå om",
            ],
            "answer": (
                "Lever det den døde hadde lånt når det passar for dykk, og sei frå, så slettar "
                "vi lånekortet. Gebyr og krav for tapte bøker etter "
                "dødsfallet blir sletta.\n\n"
                "Les meir: https://bibliotek.kommune.example/dodsfall"
            ),
        },
        "skills": {
            "lan-etter-dodsfall": {
                "name": "Lån etter dødsfall",
                "examples": [
                    "mor mi er død og hadde lånt bøker på biblioteket",
                    "korleis leverer eg attende bøkene til ein som er død",
                    "far døydde og har bøker frå biblioteket, kva gjer vi",
                    "må vi betale for bøker som den døde har mista",
                    "kvar leverer eg lånte bøker etter eit dødsfall",
                    "treng eg lånekortet til den avdøde for å levere bøkene",
                    "vi fann biblioteksbøker i dødsbuet",
                    "bestemor er gått bort og hadde lån på biblioteket",
                    "får vi purring på bøkene til den avdøde bror min",
                    "kva skjer med gebyra på låna til ein som har døydd",
                ],
                "answer": (
                    "Når nokon som hadde lån på biblioteket døyr, kan dei etterlatne levere "
                    "bøkene og anna materiell i skranken eller i innleveringsautomaten på alle "
                    "avdelingane til biblioteket. De treng ikkje lånekortet eller PIN-koden.\n\n"
                    "Finn de ikkje alt, sei frå til biblioteket. Vi krev ikkje erstatning for "
                    "bøker som er borte etter eit dødsfall, og purringar og gebyr på lånekortet "
                    "til den døde blir sletta.\n\n"
                    "Les meir: https://bibliotek.kommune.example/dodsfall"
                ),
                "checklist": {
                    "bibliotek-lan-levere": {
                        "title": "Lever det den døde lånte på biblioteket",
                        "action": (
                            "Lever bøker og anna materiell i skranken eller i "
                            "innleveringsautomaten. De treng ikkje lånekortet, og det kjem ingen gebyr "
                            "etter dødsfallet."
                        ),
                        "when": "Når det passar for dykk",
                    },
                    "bibliotek-fjernlan": {
                        "title": "Lever fjernlån frå andre bibliotek",
                        "action": (
                            "Lever fjernlånet på biblioteket som vanleg, så sender vi det attende "
                            "til biblioteket det kom frå."
                        ),
                        "when": "Saman med dei andre låna",
                        "only_if": "Berre viss den døde hadde fjernlån frå eit anna bibliotek",
                    },
                },
            },
            "avslutt-lanekort": {
                "name": "Avslutte lånekort etter dødsfall",
                "examples": [
                    "korleis slettar eg lånekortet til den avdøde mor mi",
                    "avslutte bibliotekkortet etter eit dødsfall",
                    "far er død, korleis stengjer vi lånekortet hans",
                    "må eg seie frå til biblioteket når nokon døyr",
                    "slett lånekortet til ein som har gått bort",
                    "treng biblioteket dødsattest for å avslutte kortet",
                    "korleis melder eg frå om dødsfall til biblioteket",
                    "kan eg avslutte lånekortet til mannen min som døydde",
                    "kva skjer med opplysningane på lånekortet etter at nokon er død",
                    "kona mi er død og hadde lånekort",
                ],
                "answer": (
                    "Lånekortet til ein som er død, blir ikkje avslutta av seg sjølv. Ring eller "
                    "skriv til biblioteket, eller sei frå i skranken, så slettar vi kortet og "
                    "opplysningane om den døde. Vi treng ikkje dødsattest; det held at du "
                    "oppgir namnet og helst lånekortnummeret.\n\n"
                    "Har den døde lån som ikkje er leverte, slettar vi kortet når låna er "
                    "leverte eller melde borte.\n\n"
                    "Les meir: https://bibliotek.kommune.example/dodsfall"
                ),
                "checklist": {
                    "bibliotek-lanekort-avslutt": {
                        "title": "Avslutt lånekortet til den døde",
                        "action": (
                            "Sei frå til biblioteket på telefon, e-post eller i skranken, så "
                            "slettar vi kortet og opplysningane om den døde."
                        ),
                        "when": "Når låna er leverte",
                    },
                },
                "referrals": {
                    "kommune": {
                        "name": "Kommunen",
                        "reason": (
                            "Andre kommunale tenester den døde hadde, som heimetenester eller "
                            "tryggleiksalarm, avsluttar kommunen."
                        ),
                    },
                },
            },
            "e-bok": {
                "name": "E-bøker og lydbøker",
                "examples": [
                    "korleis lånar eg e-bøker",
                    "kan eg låne lydbøker på mobilen",
                    "kva app bruker biblioteket for e-bøker",
                    "kor mange e-bøker kan eg låne samstundes",
                    "eg har gløymt pin-koden og får ikkje lånt e-bok",
                    "kor lenge varer eit lån av ei e-bok",
                    "må eg levere attende e-boka",
                    "kan eg lese bøker frå biblioteket på nettbrett",
                    "låne lydbok utan å betale",
                    "kvifor får eg ikkje lasta ned e-boka",
                ],
                "answer": (
                    "Med lånekort og PIN-kode kan du låne e-bøker og lydbøker gratis i appen "
                    "Biblioteket eller på nettsidene våre. Du kan ha inntil 3 e-bøker og 3 "
                    "lydbøker lånte samstundes, og eit lån varer i 21 dagar. Bøkene blir "
                    "leverte automatisk når lånetida er ute.\n\n"
                    "Har du gløymt PIN-koden, får du ein ny på nettsida eller i skranken.\n\n"
                    "Les meir: https://bibliotek.kommune.example/e-bok"
                ),
            },
        },
        "concepts": {
            "bibliotek": ["bibliotek", "folkebibliotek", "biblotek", "bibliotekar"],
            "lante-boker": [
                "lånte bøker", "levere bøker", "levere attende bøkene", "biblioteksbøker",
                "lånebøker", "bøker frå biblioteket", "purring", "innlevering",
            ],
            "lanekort": [
                "lånekort", "bibliotekkort", "lånenummer", "slette kortet", "lånekortnummer",
            ],
            "e-bok": ["e-bok", "e-bøker", "lydbok", "lydbøker", "lese på nettbrett", "bibliotekappen"],
        },
    },
    "en": {
        "display_name": "Public Library",
        "name_in_text": "the public library",
        "topics": "loans, library cards and e-books",
        "description": (
            "Answers questions about loans and library cards after a death, "
            "and about borrowing e-books and audiobooks."
        ),
        "fallback": (
            "I did not find a good answer to that. The public library answers questions about "
            "loans and library cards after a death and about e-books and audiobooks.\n\n"
            "You can reach us by phone on 12 34 56 78 or at https://bibliotek.kommune.example/kontakt"
        ),
        "life_event": {
            "name": "Death and inheritance",
            "examples": [
                "my father died, what do I need to do now",
                "mum died yesterday, what do we have to sort out",
                "what has to be done when someone dies",
                "I lost my husband, where do I start",
                "a death in the family, what must we remember",
                "grandpa passed away, what do we need to take care of",
                "what needs to be arranged after a death",
                "my sister died, who do I have to tell",
            ],
            "answer": (
                "Return what the deceased had borrowed whenever it suits you, and tell us, and "
                "we delete the library card. Fees and charges for "
                "books lost after the death are cancelled.\n\n"
                "Read more: https://bibliotek.kommune.example/en/death"
            ),
        },
        "skills": {
            "lan-etter-dodsfall": {
                "name": "Loans after a death",
                "examples": [
                    "my mother died and had borrowed books from the library",
                    "how do I return the books of someone who has died",
                    "my father passed away and has library books, what do we do",
                    "do we have to pay for books the deceased lost",
                    "where can I return borrowed books after a death",
                    "do I need the deceased's library card to return the books",
                    "we found library books in the estate",
                    "grandma passed away and had loans at the library",
                    "will we get reminders for my late brother's overdue books",
                    "what happens to the fines on a dead person's loans",
                ],
                "answer": (
                    "When someone who had loans from the library dies, the family can return the "
                    "books and other items at the desk or in the return machine at any of the "
                    "library's branches. You do not need the library card or the PIN.\n\n"
                    "If you cannot find everything, tell the library. We do not charge for books "
                    "lost after a death, and reminders and fees on the deceased's card are "
                    "cancelled.\n\n"
                    "Read more: https://bibliotek.kommune.example/en/death"
                ),
                "checklist": {
                    "bibliotek-lan-levere": {
                        "title": "Return what the deceased borrowed from the library",
                        "action": (
                            "Return books and other items at the desk or in the return machine. "
                            "You do not need the library card, and no fees are charged after the death."
                        ),
                        "when": "Whenever it suits you",
                    },
                    "bibliotek-fjernlan": {
                        "title": "Return interlibrary loans",
                        "action": (
                            "Return the interlibrary loan at the library as usual, and we send it "
                            "back to the library it came from."
                        ),
                        "when": "Together with the other loans",
                        "only_if": "Only if the deceased had an interlibrary loan from another library",
                    },
                },
            },
            "avslutt-lanekort": {
                "name": "Closing a library card after a death",
                "examples": [
                    "how do I delete my late mother's library card",
                    "cancel a library card after a death",
                    "my father died, how do we close his library card",
                    "do I have to tell the library when someone dies",
                    "delete the library card of someone who passed away",
                    "does the library need a death certificate to close the card",
                    "how do I report a death to the library",
                    "can I cancel my late husband's library card",
                    "what happens to the data on a library card after someone dies",
                    "my wife died and had a library card",
                ],
                "answer": (
                    "The library card of someone who has died is not closed by itself. Call or "
                    "write to the library, or tell us at the desk, and we delete the card and the "
                    "deceased's data. We do not need a death certificate; the name and, if you "
                    "have it, the card number are enough.\n\n"
                    "If the deceased has loans that are not returned, we delete the card once "
                    "they are returned or reported lost.\n\n"
                    "Read more: https://bibliotek.kommune.example/en/death"
                ),
                "checklist": {
                    "bibliotek-lanekort-avslutt": {
                        "title": "Close the deceased's library card",
                        "action": (
                            "Tell the library by phone, e-mail or at the desk, and we delete the "
                            "card and the deceased's data."
                        ),
                        "when": "Once the loans are returned",
                    },
                },
                "referrals": {
                    "kommune": {
                        "name": "The municipality",
                        "reason": (
                            "Other municipal services the deceased had, such as home care or a "
                            "safety alarm, are ended by the municipality."
                        ),
                    },
                },
            },
            "e-bok": {
                "name": "E-books and audiobooks",
                "examples": [
                    "how do I borrow e-books",
                    "can I borrow audiobooks on my phone",
                    "which app does the library use for e-books",
                    "how many e-books can I borrow at once",
                    "I forgot my pin and cannot borrow an e-book",
                    "how long does an e-book loan last",
                    "do I have to return the e-book",
                    "can I read library books on a tablet",
                    "borrow an audiobook for free",
                    "why can't I download the e-book",
                ],
                "answer": (
                    "With a library card and a PIN you can borrow e-books and audiobooks for free "
                    "in the Biblioteket app or on our website. You can have up to 3 e-books and 3 "
                    "audiobooks at a time, and a loan lasts 21 days. The books are returned "
                    "automatically when the loan ends.\n\n"
                    "If you have forgotten your PIN, you can get a new one on the website or at "
                    "the desk.\n\n"
                    "Read more: https://bibliotek.kommune.example/e-bok"
                ),
            },
        },
        "concepts": {
            "bibliotek": ["library", "public library", "libary", "librarian"],
            "lante-boker": [
                "borrowed books", "return books", "library books", "overdue books",
                "give back the books", "reminder",
            ],
            "lanekort": ["library card", "borrower card", "card number", "library account"],
            "e-bok": ["e-book", "ebooks", "audiobook", "audio book", "read on a tablet", "library app"],
        },
    },
}

# Where each language links for the death-related pages (the English pages
# have their own address; checklist links stay the same in every language).
SOURCES = {
    "lan-etter-dodsfall": {"nb": LINK_DEATH, "nn": LINK_DEATH, "en": LINK_DEATH_EN},
    "avslutt-lanekort": {"nb": LINK_DEATH, "nn": LINK_DEATH, "en": LINK_DEATH_EN},
    "e-bok": {"nb": LINK_EBOOK, "nn": LINK_EBOOK, "en": LINK_EBOOK},
    LIFE_EVENT: {"nb": LINK_DEATH, "nn": LINK_DEATH, "en": LINK_DEATH_EN},
}
