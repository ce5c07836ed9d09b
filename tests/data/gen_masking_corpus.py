#!/usr/bin/env python3
"""Generate tests/data/masking-corpus.jsonl for the Veiviser PII masker.

Stdlib only, Python 3.11, fully deterministic (random.Random(20261124)).

Every line is one JSON object:
    {"text": "<chat message>", "entities": [{"kind": "<kind>", "value": "<exact substring>"}]}

All data is SYNTHETIC:
  * fodselsnummer: only Tenor numbers (month + 80), Tenor D-numbers (day + 40 AND
    month + 80) and H-numbers (month + 40).  Never a plain month 01-12, and D-numbers
    are always combined with month + 80, so no value can be a real person's number.
  * kontonummer / iban / card: random but checksum-valid numbers.
  * email: example.no / example.com / example.org / epost.example only.
  * ip: documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
    2001:db8::/32) and a few RFC 1918 10.x addresses.

About 35 % of the lines carry no entity but contain decoys (amounts, dates, years,
postcode + place, case numbers, form numbers, emergency and agency phone numbers,
percentages, durations, G amounts, 11-digit numbers failing mod 11, 16-digit numbers
failing Luhn, organisation numbers, version numbers).  Entity-bearing lines also get
decoys.  None of the decoys is labelled.

Run:  python3 tests/data/gen_masking_corpus.py
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import re

SEED = 20261124
N_LINES = 1300
NO_ENTITY_SHARE = 0.35

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "masking-corpus.jsonl")

KINDS = [
    "fodselsnummer",
    "kontonummer",
    "iban",
    "card",
    "phone",
    "email",
    "ip",
    "name",
    "address",
]
KIND_WEIGHTS = [20, 12, 7, 8, 15, 12, 7, 15, 10]

LANGS = ["nb", "nn", "en"]
LANG_WEIGHTS = [45, 22, 33]

# --------------------------------------------------------------------------
# Checksums and validators
# --------------------------------------------------------------------------

FNR_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
FNR_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
KONTO_W = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
ORG_W = (3, 2, 7, 6, 5, 4, 3, 2)


def mod11(digits: str, weights) -> int:
    """11 - (weighted sum mod 11); 11 -> 0.  A result of 10 means 'invalid'."""
    r = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if r == 11 else r


def digits_of(s: str) -> str:
    return re.sub(r"\D", "", s)


def fnr_checksum_ok(d: str) -> bool:
    if not re.fullmatch(r"\d{11}", d):
        return False
    k1 = mod11(d[:9], FNR_W1)
    k2 = mod11(d[:10], FNR_W2)
    return k1 < 10 and k2 < 10 and int(d[9]) == k1 and int(d[10]) == k2


def days_in_month(m: int) -> int:
    return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]


def fnr_synthetic_ok(d: str) -> bool:
    """Checksum valid AND of a synthetic form (Tenor / Tenor-D / H), never plain."""
    if not fnr_checksum_ok(d):
        return False
    day, month = int(d[:2]), int(d[2:4])
    if day > 40:  # D-number: only allowed together with Tenor month + 80
        day -= 40
        if not 81 <= month <= 92:
            return False
    if 81 <= month <= 92:
        month -= 80
    elif 41 <= month <= 52:
        month -= 40
    else:
        return False  # plain month 01-12 (or garbage): not allowed
    return 1 <= day <= days_in_month(month)


def konto_ok(d: str) -> bool:
    if not re.fullmatch(r"\d{11}", d):
        return False
    k = mod11(d[:10], KONTO_W)
    return k < 10 and int(d[10]) == k


def iban_ok(s: str) -> bool:
    c = s.replace(" ", "")
    if not re.fullmatch(r"NO\d{13}", c):
        return False
    r = c[4:] + c[:4]
    num = "".join(str(ord(ch) - 55) if ch.isalpha() else ch for ch in r)
    return int(num) % 97 == 1 and konto_ok(c[4:])


def iban_for(bban: str) -> str:
    # ISO 7064 mod 97-10: bban + "NO00" with N=23, O=24, check = 98 - (n mod 97)
    n = int(bban + "2324" + "00")
    return f"NO{98 - n % 97:02d}{bban}"


def luhn_ok(d: str) -> bool:
    if not d.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(d)):
        v = int(ch)
        if i % 2 == 1:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return total % 10 == 0


def org_ok(d: str) -> bool:
    if not re.fullmatch(r"\d{9}", d):
        return False
    k = mod11(d[:8], ORG_W)
    return k < 10 and int(d[8]) == k


# Public service numbers that are decoys and must never be generated as entities.
PUBLIC_PHONES = ["55553333", "80080000"]
AGENCY_PHONES = ["55 55 33 33", "800 80 000", "55553333"]


def phone_ok(s: str) -> bool:
    d = digits_of(s)
    if s.startswith("+47"):
        d = d[2:]
    elif s.startswith("0047"):
        d = d[4:]
    return (
        len(d) == 8
        and d[0] in "4923567"
        and d not in PUBLIC_PHONES
    )


EMAIL_DOMAINS = ["example.no", "example.com", "example.org", "epost.example"]


def email_ok(s: str) -> bool:
    m = re.fullmatch(r"[a-z0-9._-]+@([a-z0-9.-]+)", s)
    return bool(m) and m.group(1) in EMAIL_DOMAINS


def ip_ok(s: str) -> bool:
    a = ipaddress.ip_address(s)
    doc = [
        ipaddress.ip_network("192.0.2.0/24"),
        ipaddress.ip_network("198.51.100.0/24"),
        ipaddress.ip_network("203.0.113.0/24"),
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("2001:db8::/32"),
    ]
    return any(a.version == n.version and a in n for n in doc)


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

FIRST_NAMES = [
    "Kari", "Ola", "Ingrid", "Per", "Astrid", "Nora", "Emma", "Jakob", "Lars",
    "Anne", "Knut", "Sigrid", "Bjørn", "Liv", "Erik", "Marit", "Hans", "Solveig",
    "Olav", "Ragnhild", "Arne", "Turid", "Magnus", "Ida", "Sofie", "Jonas",
    "Aksel", "Kristin", "Gunnar", "Hilde", "Eva", "Kjell", "Randi", "Svein",
    "Berit", "Nils", "Inger", "Terje", "Grete", "Håkon", "Åse", "Øystein",
    "John", "Mona", "Torbjørn", "Synnøve",
]
LAST_NAMES = [
    "Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen",
    "Nilsen", "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Pettersen",
    "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen",
    "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund",
    "Sørensen", "Bakken", "Moen", "Dunk", "Solberg", "Lie", "Aas", "Brekke",
    "Ødegård", "Fossum", "Myklebust",
]

STREETS_NB = [
    "Storgata", "Kirkegata", "Skolegata", "Strandgata", "Havnegata",
    "Bjørkeveien", "Eikeveien", "Granveien", "Solbakken", "Åsveien",
    "Parkveien", "Fjellveien", "Industrigata", "Dronningens gate", "Nedre Torggate",
    "Lillebergveien", "Furulia",
]
STREETS_NN = [
    "Kirkevegen", "Skulevegen", "Fjordvegen", "Bjørkevegen", "Løypevegen",
    "Tunvegen", "Storgata", "Almevegen", "Bryggevegen", "Nedre Kyrkjeveg",
]

POSTPLACES = [
    ("0155", "Oslo"), ("0560", "Oslo"), ("0114", "Oslo"), ("5003", "Bergen"),
    ("5018", "Bergen"), ("7011", "Trondheim"), ("4006", "Stavanger"),
    ("9008", "Tromsø"), ("2317", "Hamar"), ("3015", "Drammen"), ("8006", "Bodø"),
    ("1530", "Moss"), ("4612", "Kristiansand"), ("6002", "Ålesund"),
    ("3724", "Skien"), ("2609", "Lillehammer"), ("6800", "Førde"),
    ("5700", "Voss"), ("1440", "Drøbak"), ("6100", "Volda"),
]
POSTPLACES_NN = [
    ("5003", "Bergen"), ("5018", "Bergen"), ("6800", "Førde"), ("5700", "Voss"),
    ("6002", "Ålesund"), ("6100", "Volda"), ("4006", "Stavanger"),
    ("6856", "Sogndal"), ("5501", "Haugesund"),
]

BANK_PREFIXES = ["1503", "1506", "3000", "9710", "1254", "8601", "1822"]

MONTHS_NO = [
    "januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
    "september", "oktober", "november", "desember",
]
MONTHS_EN = [
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
]

# --------------------------------------------------------------------------
# Entity generators
# --------------------------------------------------------------------------


def gen_fnr(rng: random.Random) -> str:
    while True:
        form = rng.choice(["tenor", "tenor", "tenor", "tenor_d", "h", "h"])
        month = rng.randint(1, 12)
        day = rng.randint(1, days_in_month(month))
        yy = rng.randint(0, 99)
        if yy <= 24 and rng.random() < 0.4:
            ind = rng.randint(500, 999)  # born 2000-2024
        else:
            ind = rng.randint(0, 499)  # born 1900-1999
        if form == "tenor":
            dd, mm = day, month + 80
        elif form == "tenor_d":
            dd, mm = day + 40, month + 80
        else:
            dd, mm = day, month + 40
        base9 = f"{dd:02d}{mm:02d}{yy:02d}{ind:03d}"
        k1 = mod11(base9, FNR_W1)
        if k1 == 10:
            continue
        k2 = mod11(base9 + str(k1), FNR_W2)
        if k2 == 10:
            continue
        d = base9 + str(k1) + str(k2)
        assert fnr_synthetic_ok(d)
        r = rng.random()
        if r < 0.55:
            return d
        if r < 0.80:
            return f"{d[:6]} {d[6:]}"
        return f"{d[:6]}-{d[6:]}"


def gen_konto_digits(rng: random.Random) -> str:
    while True:
        base10 = rng.choice(BANK_PREFIXES) + "".join(
            str(rng.randint(0, 9)) for _ in range(6)
        )
        k = mod11(base10, KONTO_W)
        if k == 10:
            continue
        # Keep account numbers unambiguous: they must not also pass the
        # fodselsnummer K1 check (K2 uses the same weights as the account check).
        k1 = mod11(base10[:9], FNR_W1)
        if k1 < 10 and int(base10[9]) == k1:
            continue
        d = base10 + str(k)
        assert konto_ok(d) and not fnr_checksum_ok(d)
        return d


def gen_konto(rng: random.Random) -> str:
    d = gen_konto_digits(rng)
    r = rng.random()
    if r < 0.45:
        return d
    if r < 0.75:
        return f"{d[:4]} {d[4:6]} {d[6:]}"
    return f"{d[:4]}.{d[4:6]}.{d[6:]}"


def gen_iban(rng: random.Random) -> str:
    c = iban_for(gen_konto_digits(rng))
    assert iban_ok(c)
    if rng.random() < 0.5:
        return c
    return " ".join(c[i:i + 4] for i in range(0, len(c), 4))


def gen_card_digits(rng: random.Random, valid: bool) -> str:
    while True:
        if rng.random() < 0.5:
            prefix = "4"
        else:
            prefix = "5" + str(rng.randint(1, 5))
        body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(15 - len(prefix)))
        good = [c for c in "0123456789" if luhn_ok(body + c)]
        assert len(good) == 1
        if valid:
            return body + good[0]
        bad = [c for c in "0123456789" if c != good[0]]
        return body + rng.choice(bad)


def fmt_card(rng: random.Random, d: str) -> str:
    if rng.random() < 0.6:
        return " ".join(d[i:i + 4] for i in range(0, 16, 4))
    return d


def gen_card(rng: random.Random) -> str:
    return fmt_card(rng, gen_card_digits(rng, True))


def gen_phone(rng: random.Random) -> str:
    while True:
        mobile = rng.random() < 0.7
        first = rng.choice("49") if mobile else rng.choice("23567")
        d = first + "".join(str(rng.randint(0, 9)) for _ in range(7))
        if d in PUBLIC_PHONES:
            continue
        break
    if mobile:
        forms = [
            f"{d[:3]} {d[3:5]} {d[5:]}",
            d,
            f"+47 {d[:3]} {d[3:5]} {d[5:]}",
            f"0047 {d}",
            f"+47{d}",
            f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
        ]
        w = [30, 25, 15, 10, 10, 10]
    else:
        forms = [
            f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
            d,
            f"+47 {d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
            f"0047 {d}",
        ]
        w = [50, 25, 15, 10]
    return rng.choices(forms, weights=w)[0]


def ascii_fold(s: str) -> str:
    return (
        s.lower()
        .replace("æ", "ae")
        .replace("ø", "o")
        .replace("å", "a")
    )


def gen_email(rng: random.Random) -> str:
    f = ascii_fold(rng.choice(FIRST_NAMES))
    ln = ascii_fold(rng.choice(LAST_NAMES))
    r = rng.random()
    if r < 0.35:
        local = f"{f}.{ln}{rng.randint(50, 99)}"
    elif r < 0.55:
        local = f"{f}_{ln[0]}"
    elif r < 0.75:
        local = f"{f}{rng.randint(1, 99)}"
    elif r < 0.9:
        local = f"{f}.{ln}"
    else:
        local = f"{f[0]}{ln}"
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def gen_ip(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.75:
        net = rng.choice(["192.0.2", "198.51.100", "203.0.113"])
        return f"{net}.{rng.randint(1, 254)}"
    if r < 0.88:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    h = lambda: f"{rng.randint(1, 0xFFFF):x}"  # noqa: E731
    return rng.choice([
        "2001:db8::1",
        f"2001:db8::{h()}",
        f"2001:db8:{h()}::{h()}",
        f"2001:db8:{h()}:{h()}::{h()}",
    ])


def gen_name(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(FIRST_NAMES)
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def gen_address(rng: random.Random, lang: str) -> str:
    if lang == "nn":
        street = rng.choice(STREETS_NN)
        pc, place = rng.choice(POSTPLACES_NN)
    else:
        street = rng.choice(STREETS_NB + STREETS_NN[:3])
        pc, place = rng.choice(POSTPLACES)
    num = str(rng.randint(1, 150))
    if rng.random() < 0.2:
        num += rng.choice("ABCD")
    sep = ", " if rng.random() < 0.85 else " "
    return f"{street} {num}{sep}{pc} {place}"


# --------------------------------------------------------------------------
# Entity clause templates ({v} = the value; never at the start of a template)
# --------------------------------------------------------------------------

ENTITY_TEMPLATES = {
    "fodselsnummer": {
        "nb": [
            "fødselsnummeret mitt er {v}",
            "fnr {v}",
            "personnummer: {v}",
            "fødselsnummeret til pappa var {v}",
            "mitt fødselsnr er {v}",
            "d-nummeret mitt er {v}",
            "fødselsnummeret til avdøde er {v}",
            "her er fødselsnummeret til mor: {v}",
            "kan dere slå opp {v}?",
        ],
        "nn": [
            "fødselsnummeret mitt er {v}",
            "fødselsnummeret til mor var {v}",
            "personnummeret mitt: {v}",
            "fødselsnummeret til den avdøde er {v}",
            "d-nummeret mitt er {v}",
        ],
        "en": [
            "my national identity number is {v}",
            "my fødselsnummer is {v}",
            "my late wife's ID number was {v}",
            "D-number: {v}",
            "my personal number is {v}",
            "his Norwegian ID number is {v}",
        ],
    },
    "kontonummer": {
        "nb": [
            "kontonummeret mitt er {v}",
            "kan dere betale til {v}?",
            "nytt kontonr: {v}",
            "pengene skal inn på konto {v}",
            "jeg har byttet bank, nytt kontonummer er {v}",
            "dødsboets konto er {v}",
        ],
        "nn": [
            "kontonummeret mitt er {v}",
            "betal til konto {v}",
            "eg har fått nytt kontonummer: {v}",
            "kontoen til dødsbuet er {v}",
        ],
        "en": [
            "my account number is {v}",
            "please pay to account {v}",
            "the estate's bank account is {v}",
            "new account no. {v}",
        ],
    },
    "iban": {
        "nb": [
            "IBAN: {v}",
            "jeg bor i utlandet, IBAN-en min er {v}",
            "kan dere overføre til {v}?",
        ],
        "nn": [
            "IBAN-nummeret mitt er {v}",
            "eg bur i utlandet, IBAN: {v}",
        ],
        "en": [
            "my IBAN is {v}",
            "transfer to IBAN {v}",
            "I live abroad, please use {v}",
        ],
    },
    "card": {
        "nb": [
            "kortnummeret mitt er {v}",
            "kan jeg betale restskatten med kort {v}?",
            "jeg betalte begravelsen med kortet {v}",
            "trekk det fra kortet {v}",
        ],
        "nn": [
            "kortnummeret mitt er {v}",
            "eg betalte gravferda med kortet {v}",
        ],
        "en": [
            "my card number is {v}",
            "charge card {v}",
            "I paid the funeral with card {v}",
        ],
    },
    "phone": {
        "nb": [
            "ring meg på {v}",
            "mobilen min er {v}",
            "jeg kan nås på {v} etter kl 16",
            "tlf {v}",
            "ring heller til datteren min på {v}",
            "nummeret mitt er {v}",
        ],
        "nn": [
            "ring meg på {v}",
            "telefonnummeret mitt er {v}",
            "eg kan nåast på {v}",
        ],
        "en": [
            "call me on {v}",
            "my phone number is {v}",
            "you can reach me at {v}",
            "text me on {v}",
        ],
    },
    "email": {
        "nb": [
            "send svar til {v}",
            "e-posten min er {v}",
            "kan dere sende brevet på mail til {v}?",
            "epost: {v}",
        ],
        "nn": [
            "e-posten min er {v}",
            "send svar til {v}",
            "de kan sende det til {v}",
        ],
        "en": [
            "email me at {v}",
            "my email is {v}",
            "please reply to {v}",
        ],
    },
    "ip": {
        "nb": [
            "jeg får feil når jeg logger inn fra {v}",
            "IP-adressen min er {v}",
            "har dere blokkert {v}?",
            "feilmeldingen nevner {v}",
        ],
        "nn": [
            "IP-adressa mi er {v}",
            "eg får feil når eg loggar inn frå {v}",
        ],
        "en": [
            "my IP address is {v}",
            "login fails from {v}",
            "the error page shows my IP {v}",
        ],
    },
    "name": {
        "nb": [
            "jeg heter {v}",
            "min far {v} døde",
            "mamma {v} gikk bort i helgen",
            "det gjelder min mor {v}",
            "jeg skriver på vegne av min avdøde mann {v}",
            "mitt navn er {v}",
            "bestefar {v} døde på sykehjemmet",
        ],
        "nn": [
            "eg heiter {v}",
            "mor mi {v} døydde i går",
            "far min {v} er død",
            "det gjeld bestefar min {v}",
            "bror min {v} gjekk bort",
        ],
        "en": [
            "my name is {v}",
            "my father {v} passed away",
            "my mother {v} died last week",
            "I'm writing on behalf of my late husband {v}",
            "this is about my grandmother {v}",
        ],
    },
    "address": {
        "nb": [
            "jeg bor i {v}",
            "adressen min er {v}",
            "send brevet til {v}",
            "mor bodde i {v}",
            "ny adresse: {v}",
        ],
        "nn": [
            "eg bur i {v}",
            "adressa mi er {v}",
            "send brevet til {v}",
            "far budde i {v}",
        ],
        "en": [
            "I live at {v}",
            "my address is {v}",
            "send the letter to {v}",
            "my mother lived at {v}",
        ],
    },
}

# --------------------------------------------------------------------------
# Decoys
# --------------------------------------------------------------------------

DECOY_KINDS = [
    "amount", "date", "year", "postplace", "case", "form", "emergency",
    "agency", "percent", "duration", "g", "invalid11", "invalid16", "org",
    "version",
]

DECOY_TEMPLATES = {
    "amount": {
        "nb": [
            "jeg fikk {v} i gravferdsstønad",
            "restskatten min er på {v}",
            "dere har trukket {v} for mye",
            "utbetalingen var bare {v}",
            "begravelsen kostet {v}",
            "er det riktig at stønaden er {v}?",
        ],
        "nn": [
            "eg fekk {v} i gravferdsstønad",
            "restskatten min er {v}",
            "utbetalinga var berre {v}",
            "gravferda kosta {v}",
        ],
        "en": [
            "I got {v} in funeral grant",
            "my tax arrears are {v}",
            "the payment was only {v}",
            "the funeral cost {v}",
        ],
    },
    "date": {
        "nb": [
            "far døde {v}",
            "jeg sendte søknaden {v}",
            "brevet er datert {v}",
            "begravelsen var {v}",
            "fristen er {v}",
        ],
        "nn": [
            "mor døydde {v}",
            "eg sende søknaden {v}",
            "brevet er datert {v}",
            "gravferda var {v}",
        ],
        "en": [
            "my father died on {v}",
            "I sent the application on {v}",
            "the letter is dated {v}",
            "the funeral was on {v}",
        ],
    },
    "year": {
        "nb": [
            "det gjelder skattemeldingen for {v}",
            "hun har bodd i utlandet siden {v}",
            "det gjelder inntektsåret {v}",
            "han flyttet hjem i {v}",
        ],
        "nn": [
            "det gjeld skattemeldinga for {v}",
            "han flytta heim i {v}",
        ],
        "en": [
            "it's about the tax return for {v}",
            "she moved abroad in {v}",
        ],
    },
    "postplace": {
        "nb": [
            "begravelsen blir i {v}",
            "NAV-kontoret i {v} svarer ikke",
            "gravferdsbyrået ligger i {v}",
        ],
        "nn": [
            "gravferda blir i {v}",
            "NAV-kontoret i {v} svarar ikkje",
        ],
        "en": [
            "the funeral will be in {v}",
            "the NAV office in {v} does not answer",
        ],
    },
    "case": {
        "nb": ["det gjelder {v}", "jeg viser til {v}", "har dere sett på {v}?"],
        "nn": ["det gjeld {v}", "eg viser til {v}"],
        "en": ["regarding {v}", "I refer to {v}"],
    },
    "form": {
        "nb": ["jeg har sendt inn {v}", "hvor finner jeg {v}?", "må jeg fylle ut {v}?"],
        "nn": ["eg har sendt inn {v}", "kvar finn eg {v}?"],
        "en": ["I have sent {v}", "where do I find {v}?"],
    },
    "emergency": {
        "nb": [
            "vi ringte {v} men det var for sent",
            "skal jeg ringe {v} når noen dør hjemme?",
            "ambulansen kom etter at vi ringte {v}",
            "ring {v}",
        ],
        "nn": ["vi ringde {v} men det var for seint", "skal eg ringje {v}?"],
        "en": [
            "we called {v} but it was too late",
            "should I call {v} when someone dies at home?",
        ],
    },
    "agency": {
        "nb": [
            "jeg har prøvd å ringe {v} hele dagen",
            "ingen svarer på {v}",
            "skal jeg heller ringe {v}?",
            "fikk beskjed om å ringe {v}",
        ],
        "nn": ["eg har prøvd å ringje {v} heile dagen", "ingen svarar på {v}"],
        "en": ["I tried calling {v} all day", "nobody answers at {v}"],
    },
    "percent": {
        "nb": ["jeg har {v} uføretrygd", "sykepengene er {v} av lønna", "er det {v} av pensjonen?"],
        "nn": ["eg har {v} uføretrygd", "er det {v} av pensjonen?"],
        "en": ["I have {v} disability benefit", "is it {v} of the pension?"],
    },
    "duration": {
        "nb": [
            "det har gått {v} siden hun døde",
            "dere sa svar innen {v}",
            "jeg har ventet i {v}",
            "fristen er {v}",
        ],
        "nn": ["det har gått {v} sidan ho døydde", "eg har venta i {v}"],
        "en": [
            "it has been {v} since she died",
            "you said I'd get an answer within {v}",
            "I have waited {v}",
        ],
    },
    "g": {
        "nb": ["inntekten min er under {v}", "grensen er vel {v}?", "gjelder det over {v}?"],
        "nn": ["inntekta mi er under {v}", "er grensa {v}?"],
        "en": ["my income is below {v}", "is the limit {v}?"],
    },
    "invalid11": {
        "nb": [
            "KID-nummeret er {v}",
            "fakturanummer {v}",
            "referansen på brevet er {v}",
            "betalingsreferanse: {v}",
        ],
        "nn": ["KID-nummeret er {v}", "referansen på brevet er {v}"],
        "en": [
            "the KID number is {v}",
            "invoice number {v}",
            "the reference on the letter is {v}",
        ],
    },
    "invalid16": {
        "nb": ["transaksjons-ID {v}", "ordrenummeret er {v}", "sporingsnummer {v}"],
        "nn": ["ordrenummeret er {v}", "sporingsnummer {v}"],
        "en": ["transaction ID {v}", "order number {v}", "tracking number {v}"],
    },
    "org": {
        "nb": [
            "orgnummeret til gravferdsbyrået er {v}",
            "org.nr. {v}",
            "det står organisasjonsnummer {v} på fakturaen",
        ],
        "nn": [
            "organisasjonsnummeret til gravferdsbyrået er {v}",
            "det står org.nr. {v} på fakturaen",
        ],
        "en": ["the funeral home's organisation number is {v}", "org no. {v}"],
    },
    "version": {
        "nb": [
            "appen er versjon {v}",
            "jeg bruker versjon {v}",
            "etter oppdatering til {v} virker ingenting",
        ],
        "nn": ["appen er versjon {v}", "eg brukar versjon {v}"],
        "en": ["the app is version {v}", "I'm on version {v}"],
    },
}

FIXED_AMOUNTS = ["28 677 kr", "130 160 kroner", "2 868 kr", "kr 1 500"]
FIXED_ORGS = ["889640782", "974761076"]


def fmt_thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def gen_decoy(rng: random.Random, kind: str, lang: str) -> str:
    if kind == "amount":
        if rng.random() < 0.25:
            return rng.choice(FIXED_AMOUNTS)
        n = rng.randint(500, 3000) if rng.random() < 0.4 else rng.randint(10000, 300000)
        s = fmt_thousands(n)
        if lang == "en":
            return rng.choice([f"NOK {s}", f"{s} kr", f"kr {s}"])
        return rng.choice([f"{s} kr", f"{s} kroner", f"kr {s}", f"{s},-"])
    if kind == "date":
        if rng.random() < 0.12:
            return rng.choice(["12.03.2024", "1. januar 2024", "31.12.2013"])
        y, m = rng.randint(2010, 2025), rng.randint(1, 12)
        d = rng.randint(1, days_in_month(m))
        r = rng.random()
        if r < 0.55:
            return f"{d:02d}.{m:02d}.{y}"
        if lang == "en":
            return rng.choice([f"{d} {MONTHS_EN[m - 1]} {y}", f"{MONTHS_EN[m - 1]} {d}, {y}"])
        return f"{d}. {MONTHS_NO[m - 1]} {y}"
    if kind == "year":
        return str(rng.randint(2005, 2025))
    if kind == "postplace":
        pc, place = rng.choice(POSTPLACES_NN if lang == "nn" else POSTPLACES)
        return f"{pc} {place}"
    if kind == "case":
        yy, yyyy = rng.randint(15, 25), rng.randint(2018, 2025)
        n = rng.randint(1, 99999)
        if lang == "en":
            return rng.choice([f"case number {yy}/{n}", f"case {yyyy}/{n:05d}", f"reference {yy}/{n}"])
        return rng.choice([
            f"saksnummer {yy}/{n}",
            f"sak {yyyy}/{n:05d}",
            f"saksnr. {yy}/{n}",
            "saksnummer 21/2141",
        ])
    if kind == "form":
        if rng.random() < 0.3:
            v = rng.choice(["NAV 07-02.08", "skjema RF-1234"])
        elif rng.random() < 0.6:
            v = f"NAV {rng.randint(1, 12):02d}-{rng.randint(1, 12):02d}.{rng.randint(1, 40):02d}"
        else:
            v = f"skjema RF-{rng.randint(1000, 1400)}"
        if lang == "en":
            v = v.replace("skjema", "form")
        elif lang == "nn" and v.startswith("skjema"):
            v = v.replace("skjema", "skjemaet")
        return v
    if kind == "emergency":
        return rng.choice(["112", "113", "110"])
    if kind == "agency":
        return rng.choice(AGENCY_PHONES)
    if kind == "percent":
        p = rng.choice([20, 40, 50, 60, 66, 80, 100])
        if lang == "en":
            return rng.choice([f"{p} percent", f"{p}%"])
        return rng.choice([f"{p} prosent", f"{p} %"])
    if kind == "duration":
        n = rng.choice([2, 3, 4, 6, 10, 12, 14, 21, 60, 90])
        unit = {
            "nb": ["måneder", "virkedager", "dager", "uker"],
            "nn": ["månader", "vekedagar", "dagar", "veker"],
            "en": ["months", "working days", "days", "weeks"],
        }[lang]
        return f"{n} {rng.choice(unit)}"
    if kind == "g":
        g = rng.choice(["2,25 G", "1 G", "0,5 G", "6G", "3,3 G", "2 G"])
        return g.replace(",", ".") if lang == "en" else g
    if kind == "invalid11":
        return gen_invalid11(rng)
    if kind == "invalid16":
        return fmt_card(rng, gen_card_digits(rng, False))
    if kind == "org":
        if rng.random() < 0.4:
            return rng.choice(FIXED_ORGS)
        while True:
            base = rng.choice("89") + "".join(str(rng.randint(0, 9)) for _ in range(7))
            k = mod11(base, ORG_W)
            if k < 10:
                return base + str(k)
    if kind == "version":
        if rng.random() < 0.3:
            return "1.0"
        if rng.random() < 0.6:
            return f"{rng.randint(1, 5)}.{rng.randint(0, 9)}"
        return f"{rng.randint(1, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}"
    raise ValueError(kind)


def gen_invalid11(rng: random.Random) -> str:
    """11 digits that fail both the fodselsnummer and the kontonummer mod-11 check."""
    while True:
        r = rng.random()
        if r < 0.35:  # near miss of a synthetic birth number: last digit altered
            d = digits_of(gen_fnr(rng))
            d = d[:10] + str((int(d[10]) + rng.randint(1, 9)) % 10)
        elif r < 0.55:  # near miss of an account number
            d = gen_konto_digits(rng)
            d = d[:10] + str((int(d[10]) + rng.randint(1, 9)) % 10)
        else:  # random digits
            d = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(10))
        if not fnr_checksum_ok(d) and not konto_ok(d):
            return d


# --------------------------------------------------------------------------
# Message composition
# --------------------------------------------------------------------------

OPENERS = {
    "nb": ["hei,", "Hei!", "hallo", "god dag.", "hei hei", "Hei.", "", "", "hei"],
    "nn": ["hei,", "hallo,", "god dag.", "Hei!", "", ""],
    "en": ["hi,", "hello,", "hey", "Hello.", "", "", "hi there,"],
}

QUESTIONS = {
    "nb": [
        "når kommer pengene?",
        "hvordan søker jeg gravferdsstønad?",
        "kan dere sjekke om søknaden om dagpenger er mottatt?",
        "hva skjer med skatten til en som er død?",
        "må jeg melde fra om dødsfallet selv?",
        "hvor lang er saksbehandlingstiden?",
        "får jeg etterlattepensjon?",
        "hvem betaler begravelsen?",
        "hvordan endrer jeg skattekortet?",
        "når blir skatteoppgjøret klart?",
        "har dere mottatt skjemaet?",
        "kan jeg få barnetrygden utbetalt til en annen konto?",
        "hva må jeg gjøre med dødsboet?",
        "får jeg båretransport dekket?",
        "hvorfor har jeg ikke fått svar",
    ],
    "nn": [
        "når kjem pengane?",
        "korleis søkjer eg om gravferdsstønad?",
        "kva skjer med skatten til ein som er død?",
        "må eg melde frå om dødsfallet sjølv?",
        "kor lang tid tek det?",
        "får eg attlevandepensjon?",
        "kven betaler gravferda?",
        "korleis endrar eg skattekortet?",
        "har de fått søknaden min?",
        "kva gjer eg med dødsbuet?",
    ],
    "en": [
        "when will the money arrive?",
        "how do I apply for the funeral grant?",
        "what happens to the tax of someone who has died?",
        "do I need to report the death myself?",
        "how long is the processing time?",
        "am I entitled to a survivor's pension?",
        "who pays for the funeral?",
        "how do I change my tax card?",
        "has my application been received?",
        "what do I do with the estate?",
        "why haven't I heard back",
    ],
}

CLOSERS = {
    "nb": ["", "", ".", "?", "!", " takk", " takk på forhånd", " mvh"],
    "nn": ["", "", ".", "?", " takk", " takk for hjelpa"],
    "en": ["", "", ".", "?", "!", " thanks", " thank you"],
}


def render(tpl: str, value: str, lower: bool) -> str:
    assert not tpl.startswith("{v}") and tpl.count("{v}") == 1, tpl
    if lower:
        tpl = tpl.lower()
    return tpl.replace("{v}", value)


def cap_first(s: str) -> str:
    return s[:1].upper() + s[1:] if s[:1].isalpha() else s


def compose(rng: random.Random, lang: str, clauses: list[tuple[str, str]]) -> str:
    lower = rng.random() < 0.3
    chunks = [render(t, v, lower) for t, v in clauses]
    rng.shuffle(chunks)
    if rng.random() < 0.85 or not chunks:
        q = rng.choice(QUESTIONS[lang])
        q = q.lower() if lower else q
        if rng.random() < 0.3:
            chunks.insert(0, q)
        else:
            chunks.append(q)
    opener = rng.choice(OPENERS[lang])
    if lower:
        opener = opener.lower()
    out = opener
    for i, ch in enumerate(chunks):
        if not out:
            out = ch if lower else cap_first(ch)
            continue
        if out.endswith(("?", "!", ".")):
            out += " " + (ch if lower else cap_first(ch))
        elif out.endswith(","):
            out += " " + ch
        else:
            sep = rng.choice([", ", ". ", " ", " - ", ", "])
            if sep == ". " and not lower:
                ch = cap_first(ch)
            out += sep + ch
    if not out.endswith(("?", "!", ".")):
        out += rng.choice(CLOSERS[lang])
    if not lower:
        out = cap_first(out)
    return out


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def gen_entity(rng: random.Random, kind: str, lang: str) -> str:
    return {
        "fodselsnummer": lambda: gen_fnr(rng),
        "kontonummer": lambda: gen_konto(rng),
        "iban": lambda: gen_iban(rng),
        "card": lambda: gen_card(rng),
        "phone": lambda: gen_phone(rng),
        "email": lambda: gen_email(rng),
        "ip": lambda: gen_ip(rng),
        "name": lambda: gen_name(rng),
        "address": lambda: gen_address(rng, lang),
    }[kind]()


def validate_entity(kind: str, v: str) -> bool:
    if kind == "fodselsnummer":
        return bool(re.fullmatch(r"\d{11}|\d{6}[ -]\d{5}", v)) and fnr_synthetic_ok(digits_of(v))
    if kind == "kontonummer":
        d = digits_of(v)
        return (
            bool(re.fullmatch(r"\d{11}|\d{4} \d{2} \d{5}|\d{4}\.\d{2}\.\d{5}", v))
            and konto_ok(d)
            and not fnr_checksum_ok(d)
            and d[:4] in BANK_PREFIXES
        )
    if kind == "iban":
        return iban_ok(v)
    if kind == "card":
        d = v.replace(" ", "")
        return (
            bool(re.fullmatch(r"\d{16}|\d{4} \d{4} \d{4} \d{4}", v))
            and d[0] in "45"
            and luhn_ok(d)
        )
    if kind == "phone":
        return phone_ok(v)
    if kind == "email":
        return email_ok(v)
    if kind == "ip":
        return ip_ok(v)
    if kind == "name":
        parts = v.split(" ")
        return (
            1 <= len(parts) <= 2
            and parts[0] in FIRST_NAMES
            and (len(parts) == 1 or parts[1] in LAST_NAMES)
        )
    if kind == "address":
        return bool(re.fullmatch(r"[A-ZÆØÅ][\wæøåÆØÅ ]+ \d{1,3}[A-D]?,? \d{4} [A-ZÆØÅ][a-zæøå]+", v))
    raise ValueError(kind)


def validate_decoy(kind: str, v: str) -> bool:
    d = digits_of(v)
    if kind == "invalid11":
        return len(v) == 11 and v.isdigit() and not fnr_checksum_ok(d) and not konto_ok(d)
    if kind == "invalid16":
        return len(d) == 16 and not luhn_ok(d)
    if kind == "org":
        return org_ok(v)
    if kind == "agency":
        return v in AGENCY_PHONES
    if kind == "emergency":
        return v in ("112", "113", "110")
    return True


def scan_text(text: str, labelled: list[tuple[str, str]]) -> None:
    """Belt and braces: no unlabelled checksum-valid number may hide in a text."""
    labelled_digits = {digits_of(v) for k, v in labelled if k != "ip"}
    for k, v in labelled:
        if k == "ip":  # dotted quads would otherwise read as digit runs
            text = text.replace(v, " ")
    for m in re.finditer(r"\d(?:[ .\-]?\d)*", text):
        d = digits_of(m.group(0))
        if len(d) == 11 and (fnr_checksum_ok(d) or konto_ok(d)):
            assert d in labelled_digits, (text, d)
        if len(d) == 16 and luhn_ok(d):
            assert d in labelled_digits, (text, d)
        if len(d) == 8 and d[0] in "49":
            assert d in labelled_digits, (text, d)
    for m in re.finditer(r"NO\d{2}(?: ?\d){11}", text):
        assert any(digits_of(m.group(0)) == digits_of(v) for k, v in labelled if k == "iban"), text


def main() -> None:
    rng = random.Random(SEED)

    n_empty = round(N_LINES * NO_ENTITY_SHARE)
    flags = [True] * n_empty + [False] * (N_LINES - n_empty)
    rng.shuffle(flags)

    seen_texts: set[str] = set()
    rows = []
    decoy_counts = {k: 0 for k in DECOY_KINDS}

    for empty in flags:
        while True:
            lang = rng.choices(LANGS, weights=LANG_WEIGHTS)[0]
            if empty:
                n_ent = 0
                n_dec = rng.choices([1, 2, 3], weights=[50, 35, 15])[0]
            else:
                n_ent = rng.choices([1, 2, 3], weights=[55, 30, 15])[0]
                n_dec = rng.choices([0, 1, 2], weights=[35, 45, 20])[0]

            ents: list[tuple[str, str]] = []
            for _ in range(n_ent):
                kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
                # at most one name / address per message keeps the context clear
                if kind in ("name", "address") and any(k == kind for k, _ in ents):
                    kind = "phone"
                v = gen_entity(rng, kind, lang)
                ents.append((kind, v))
            decs: list[tuple[str, str]] = []
            dkinds = rng.sample(DECOY_KINDS, n_dec)
            for dk in dkinds:
                decs.append((dk, gen_decoy(rng, dk, lang)))

            clauses = [
                (rng.choice(ENTITY_TEMPLATES[k][lang]), v) for k, v in ents
            ] + [(rng.choice(DECOY_TEMPLATES[k][lang]), v) for k, v in decs]
            text = compose(rng, lang, clauses)

            values = [v for _, v in ents]
            # values must be distinct and not nested inside one another
            ok = all(
                a == b or (a not in b and b not in a)
                for i, a in enumerate(values)
                for j, b in enumerate(values)
                if i != j
            ) and len(set(values)) == len(values)
            if ok and text not in seen_texts:
                break

        seen_texts.add(text)
        for dk, dv in decs:
            assert validate_decoy(dk, dv), (dk, dv)
            assert dv in text
            decoy_counts[dk] += 1

        ents.sort(key=lambda kv: text.index(kv[1]))
        rows.append({
            "text": text,
            "entities": [{"kind": k, "value": v} for k, v in ents],
        })

    # ---------------------------------------------------------------- checks
    kind_counts = {k: 0 for k in KINDS}
    n_without = 0
    for row in rows:
        text = row["text"]
        ents = [(e["kind"], e["value"]) for e in row["entities"]]
        assert 0 <= len(ents) <= 3
        if not ents:
            n_without += 1
        for k, v in ents:
            assert v in text, (text, v)
            assert validate_entity(k, v), (k, v)
            kind_counts[k] += 1
        scan_text(text, ents)
    assert len(rows) >= 1200
    assert len({r["text"] for r in rows}) == len(rows)

    # Known reference values for the checksum code.
    assert iban_for("86011117947") == "NO9386011117947"
    assert konto_ok("86011117947")
    assert org_ok("889640782") and org_ok("974761076")
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")

    with open(OUT_PATH, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")

    print(f"wrote {len(rows)} lines to {OUT_PATH}")
    print("entities per kind:")
    for k in KINDS:
        print(f"  {k:<14} {kind_counts[k]}")
    print(f"  {'total':<14} {sum(kind_counts.values())}")
    print(f"lines without entities: {n_without}")
    print("decoys per kind:")
    for k in DECOY_KINDS:
        print(f"  {k:<14} {decoy_counts[k]}")


if __name__ == "__main__":
    main()
