#!/usr/bin/env python3
"""Folkebiblioteket: an example Veiviser agency assistant in Python.

Implements veiviser.agency.v1.AgencyAssistant (proto/veiviser/agency/v1/agency.proto)
with grpcio, and serves gRPC health and server reflection beside it.

    python agency.py --listen 127.0.0.1:50090
    python agency.py --card-key-file bibliotek.key     # also serve DescribeSigned

The Python stubs are generated from the proto into ./gen on first start (or
whenever the proto is newer than them); ./run.sh does the same up front.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import logging
import math
import os
import re
import signal
import sys
import threading
import time
import unicodedata
from concurrent import futures
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import content as C  # noqa: E402
GEN_DIR = HERE / "gen"
PROTO_DIR = Path(os.environ.get("VEIVISER_PROTO_DIR", HERE.parent.parent / "proto")).resolve()
PROTO_FILE = "veiviser/agency/v1/agency.proto"

MAX_QUESTION_CHARS = 4000  # AskRequest.text: "At most 4,000 characters."
MAX_MESSAGE_BYTES = 1024 * 1024  # nothing in the contract is larger than 1 MiB
MAX_CONCURRENT_ASKS = 12  # more questions in flight than this: UNAVAILABLE
WORKERS = 16  # leaves room for Describe and health while Ask is saturated
MIN_CONFIDENCE = 0.3  # below this the question gets the general guidance
CARD_SIGNATURE_TYPE = "veiviser-card+jwt"  # the JWS `typ` of a card signature
CARD_SIGNATURE_LIFETIME = 600  # seconds from "iat" to "exp" (the contract allows an hour)
MAX_KEY_FILE_BYTES = 64 * 1024  # a PEM Ed25519 key is about 120 bytes

log = logging.getLogger("bibliotek")


def ensure_stubs() -> None:
    """Generate the Python stubs into gen/ if they are missing or older than the proto."""
    proto = PROTO_DIR / PROTO_FILE
    out = GEN_DIR / "veiviser" / "agency" / "v1"
    pb2, grpc_pb2 = out / "agency_pb2.py", out / "agency_pb2_grpc.py"
    fresh = (
        pb2.exists()
        and grpc_pb2.exists()
        and (not proto.exists() or pb2.stat().st_mtime >= proto.stat().st_mtime)
    )
    if not fresh:
        if not proto.exists():
            sys.exit(f"agency.proto not found under {PROTO_DIR} (set VEIVISER_PROTO_DIR)")
        from importlib import resources

        from grpc_tools import protoc

        GEN_DIR.mkdir(exist_ok=True)
        well_known = str(resources.files("grpc_tools") / "_proto")
        rc = protoc.main(
            [
                "grpc_tools.protoc",
                f"-I{PROTO_DIR}",
                f"-I{well_known}",
                f"--python_out={GEN_DIR}",
                f"--grpc_python_out={GEN_DIR}",
                PROTO_FILE,
            ]
        )
        if rc != 0:
            sys.exit(f"protoc failed ({rc}) on {proto}")
    if str(GEN_DIR) not in sys.path:
        sys.path.insert(0, str(GEN_DIR))


ensure_stubs()

import grpc  # noqa: E402
from cryptography.exceptions import UnsupportedAlgorithm  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from grpc_health.v1 import health, health_pb2, health_pb2_grpc  # noqa: E402
from grpc_reflection.v1alpha import reflection  # noqa: E402
from veiviser.agency.v1 import agency_pb2 as pb  # noqa: E402
from veiviser.agency.v1 import agency_pb2_grpc as pb_grpc  # noqa: E402

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["AgencyAssistant"].full_name


# --------------------------------------------------------------------------- card


def _texts(key: str) -> list[pb.LocalizedText]:
    return [pb.LocalizedText(language=lang, text=C.TEXTS[lang][key]) for lang in C.LANGUAGES]


def build_card() -> pb.AssistantCard:
    card = pb.AssistantCard(
        agency_id=C.AGENCY_ID,
        display_name=_texts("display_name"),
        organisation_number=C.ORGANISATION_NUMBER,
        description=_texts("description"),
        languages=C.LANGUAGES,
        profile_attributes=C.PROFILE_ATTRIBUTES,
        contact=pb.Contact(phone=C.CONTACT_PHONE, url=C.CONTACT_URL),
        contract_version=C.CONTRACT_VERSION,
        homepage=C.HOMEPAGE,
        name_in_text=_texts("name_in_text"),
        topics=_texts("topics"),
    )
    # No advisor_hours: the library has no human chat advisors.
    for skill_id, skill in C.SKILLS.items():
        s = card.skills.add(id=skill_id, life_events=skill["life_events"], topic=skill["topic"])
        for lang in C.LANGUAGES:
            t = C.TEXTS[lang]["skills"][skill_id]
            s.name.add(language=lang, text=t["name"])
            for example in t["examples"]:
                s.examples.add(language=lang, text=example)
    event = card.life_events.add(id=C.LIFE_EVENT)
    for lang in C.LANGUAGES:
        t = C.TEXTS[lang]["life_event"]
        event.name.add(language=lang, text=t["name"])
        for example in t["examples"]:
            event.examples.add(language=lang, text=example)
    for concept_id, skill_id in C.CONCEPT_SKILLS.items():
        concept = card.concepts.add(id=concept_id, skill=skill_id)
        for lang in C.LANGUAGES:
            for term in C.TEXTS[lang]["concepts"][concept_id]:
                concept.terms.add(language=lang, text=term)
    # content_version: a fingerprint of everything else in the card.
    digest = hashlib.sha256(card.SerializeToString(deterministic=True)).hexdigest()
    card.content_version = digest[:16]
    return card


# --------------------------------------------------------------------------- signed card


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def load_card_key(path) -> Ed25519PrivateKey:
    """Reads the card-signing key: an Ed25519 private key in PKCS#8 PEM (what
    `veiviser registry keygen` or `openssl genpkey -algorithm ed25519` writes).

    Raises SystemExit with a message that names the file, never its content.
    """
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as err:
        raise SystemExit(f"cannot read the card key file {path}: {err.strerror or err}")
    if len(data) > MAX_KEY_FILE_BYTES:
        raise SystemExit(f"the card key file {path} is too large to be a key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise SystemExit(f"the card key file {path} is encrypted; the agency needs it unencrypted")
    except (ValueError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise SystemExit(
            f"the card key file {path} is not an Ed25519 private key in PKCS#8 PEM "
            "(-----BEGIN PRIVATE KEY-----; make one with `veiviser registry keygen`)"
        )
    return key


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The public key to register: the raw 32 bytes, base64url without padding."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64url(raw)


def sign_card(key: Ed25519PrivateKey, card: bytes, agency_id: str, organisation_number: str,
              now: int) -> str:
    """A compact JWS (EdDSA) over the encoded card, as SignedCard.signature describes."""
    header = {"alg": "EdDSA", "typ": CARD_SIGNATURE_TYPE}
    payload = {
        "iss": agency_id,
        "org": organisation_number,
        "card_sha256": _b64url(hashlib.sha256(card).digest()),
        "iat": now,
        "exp": now + CARD_SIGNATURE_LIFETIME,
    }
    signing_input = _b64url(_json(header)) + "." + _b64url(_json(payload))
    return signing_input + "." + _b64url(key.sign(signing_input.encode("ascii")))


# --------------------------------------------------------------------------- matching

STOPWORDS = set(
    """
    jeg eg du vi de dei han hun ho den det dette som og i pa til for fra fra av med om er var
    har hadde en ein et eit ei hva kva hvordan korleis hvor kvar kor hvilken kva nar ma kan
    skal vil far gjor gjer seg sin sitt sine min mi mitt mine hans hennes ikke ikkje at sa
    the a an and or of to in on at for from with my his her our their is are was be do does
    did i we you it this that what how where which who when can will have has had
    """.split()
)


def _words(text: str) -> list[str]:
    """Lowercase, fold æ/ø/å, drop punctuation and cut each word to a crude stem."""
    text = text.lower()
    text = text.replace("æ", "ae").replace("ø", "o").replace("å", "a").replace("aa", "a")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[-'\u2019]", "", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return [w[:5] for w in text.split() if w not in STOPWORDS]


class Matcher:
    """Scores a question against each skill's examples and concept terms (all languages)."""

    def __init__(self) -> None:
        self.examples: dict[str, list[set[str]]] = {s: [] for s in C.SKILLS}
        self.terms: dict[str, list[set[str]]] = {s: [] for s in C.SKILLS}
        for lang in C.LANGUAGES:
            texts = C.TEXTS[lang]
            for skill_id in C.SKILLS:
                for example in texts["skills"][skill_id]["examples"]:
                    words = set(_words(example))
                    if words:
                        self.examples[skill_id].append(words)
            for concept_id, skill_id in C.CONCEPT_SKILLS.items():
                if not skill_id:
                    continue
                for term in texts["concepts"][concept_id]:
                    words = set(_words(term))
                    if words:
                        self.terms[skill_id].append(words)

    def classify(self, text: str) -> tuple[str, float]:
        words = set(_words(text))
        if not words:
            return "", 0.0
        best, best_score = "", 0.0
        for skill_id in C.SKILLS:
            example_score = max(
                (len(words & e) / math.sqrt(len(words) * len(e)) for e in self.examples[skill_id]),
                default=0.0,
            )
            term_hits = sum(1 for t in self.terms[skill_id] if t <= words)
            score = min(1.0, example_score + 0.25 * min(term_hits, 2))
            if score > best_score:
                best, best_score = skill_id, score
        return best, best_score


MATCHER = Matcher()


# --------------------------------------------------------------------------- answers


def _checklist(skill_ids: list[str], lang: str) -> list[pb.ChecklistItem]:
    items = []
    for skill_id in skill_ids:
        texts = C.TEXTS[lang]["skills"][skill_id].get("checklist", {})
        for item in C.SKILLS[skill_id]["checklist"]:
            t = texts[item["key"]]
            items.append(
                pb.ChecklistItem(
                    key=item["key"],
                    title=t["title"],
                    action=t["action"],
                    when=t.get("when", ""),
                    link=item["link"],
                    agency_id=C.AGENCY_ID,
                    phase=item["phase"],
                    only_if=t.get("only_if", ""),
                )
            )
    return items


def _referrals(skill_id: str, lang: str, referral_path) -> list[pb.Referral]:
    """The skill's referrals, never back to an agency the question has visited (nor to us)."""
    visited = set(referral_path) | {C.AGENCY_ID}
    texts = C.TEXTS[lang]["skills"][skill_id].get("referrals", {})
    return [
        pb.Referral(
            agency_id=r["agency_id"],
            name=texts[r["agency_id"]]["name"],
            url=r["url"],
            reason=texts[r["agency_id"]]["reason"],
        )
        for r in C.SKILLS[skill_id]["referrals"]
        if r["agency_id"] not in visited
    ]


def answer_skill(skill_id: str, lang: str, confidence: float, referral_path) -> pb.AskResponse:
    return pb.AskResponse(
        agency_id=C.AGENCY_ID,
        text=C.TEXTS[lang]["skills"][skill_id]["answer"],
        language=lang,
        confidence=confidence,
        skill_id=skill_id,
        checklist=_checklist([skill_id], lang),
        referrals=_referrals(skill_id, lang, referral_path),
        state=pb.TASK_STATE_COMPLETED,
        sources=[C.SOURCES[skill_id][lang]],
    )


def answer_life_event(lang: str) -> pb.AskResponse:
    skills = [s for s, v in C.SKILLS.items() if C.LIFE_EVENT in v["life_events"]]
    return pb.AskResponse(
        agency_id=C.AGENCY_ID,
        text=C.TEXTS[lang]["life_event"]["answer"],
        language=lang,
        confidence=1.0,
        checklist=_checklist(skills, lang),
        state=pb.TASK_STATE_COMPLETED,
        sources=[C.SOURCES[C.LIFE_EVENT][lang]],
    )


NOT_OUR_LIFE_EVENT = {
    "nb": "Folkebiblioteket har ingen oppgaver i denne livshendelsen.",
    "nn": "Folkebiblioteket har ingen oppgåver i denne livshendinga.",
    "en": "The public library has no tasks in this life event.",
}


class Bibliotek(pb_grpc.AgencyAssistantServicer):
    def __init__(self, card_key: Ed25519PrivateKey | None = None) -> None:
        self.card = build_card()
        # The bytes DescribeSigned serves and signs: the card Describe returns, encoded once.
        self.card_bytes = self.card.SerializeToString()
        self.card_key = card_key
        self.in_flight = threading.BoundedSemaphore(MAX_CONCURRENT_ASKS)

    def Describe(self, request, context):
        return self.card

    def DescribeSigned(self, request, context):
        # Contract 1.2: required of an agency a master admits through the registry.
        if self.card_key is None:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "this agency has no card-signing key")
        # Signed anew on every call, so the short-lived signature limits replay.
        signature = sign_card(
            self.card_key,
            self.card_bytes,
            self.card.agency_id,
            self.card.organisation_number,
            int(time.time()),
        )
        return pb.SignedCard(card=self.card_bytes, signature=signature)

    def Ask(self, request, context):
        if not self.in_flight.acquire(blocking=False):
            context.abort(grpc.StatusCode.UNAVAILABLE, "overloaded, try again shortly")
        try:
            return self._ask(request, context)
        finally:
            self.in_flight.release()

    def _ask(self, request, context):
        # A profile token this agency cannot verify is refused, never ignored
        # (the contract's rule for an agency that takes no tokens).
        if any(key == "authorization" for key, _ in context.invocation_metadata()):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "this agency accepts no profile tokens")
        lang = request.language
        # Never echo the request's values in an error: the text may be personal.
        if lang not in C.LANGUAGES:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unsupported language")
        if len(request.text) > MAX_QUESTION_CHARS:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "question longer than 4000 characters")
        if request.life_event:
            if request.life_event != C.LIFE_EVENT:
                log.info("ask life_event=other language=%s state=rejected", lang)
                return pb.AskResponse(
                    agency_id=C.AGENCY_ID,
                    text=NOT_OUR_LIFE_EVENT[lang],
                    language=lang,
                    confidence=1.0,
                    state=pb.TASK_STATE_REJECTED,
                )
            log.info("ask life_event=%s language=%s", C.LIFE_EVENT, lang)
            return answer_life_event(lang)
        if not request.text.strip():
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "empty question")

        if request.skill_id in C.SKILLS:
            skill_id, confidence = request.skill_id, 0.9
        else:
            skill_id, confidence = MATCHER.classify(request.text)
        if skill_id and confidence >= MIN_CONFIDENCE:
            log.info("ask skill=%s language=%s confidence=%.2f", skill_id, lang, confidence)
            return answer_skill(skill_id, lang, round(confidence, 2), request.referral_path)
        log.info("ask skill=general language=%s confidence=%.2f", lang, confidence)
        return pb.AskResponse(
            agency_id=C.AGENCY_ID,
            text=C.TEXTS[lang]["fallback"],
            language=lang,
            confidence=0.2,
            state=pb.TASK_STATE_COMPLETED,
            sources=[C.CONTACT_URL],
        )

    def AskStream(self, request, context):
        # Optional since contract 1.1; today's master does not call it.
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "AskStream is not implemented")


# --------------------------------------------------------------------------- server


def _host_port(listen: str) -> str:
    for scheme in ("http://", "https://"):
        if listen.startswith(scheme):
            listen = listen[len(scheme):]
    return listen.rstrip("/")


def create_server(listen: str = "127.0.0.1:50090", card_key: Ed25519PrivateKey | None = None):
    """Builds and starts the server. Returns (server, bound port, health servicer).

    With `card_key` (see load_card_key) it serves DescribeSigned; without it
    DescribeSigned answers FAILED_PRECONDITION.
    """
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="grpc"),
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ],
    )
    pb_grpc.add_AgencyAssistantServicer_to_server(Bibliotek(card_key), server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    try:
        port = server.add_insecure_port(_host_port(listen))
    except RuntimeError as err:
        raise SystemExit(f"cannot listen on {listen}: {err}")
    if port == 0:
        raise SystemExit(f"cannot listen on {listen}")
    server.start()
    for name in ("", SERVICE_NAME):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, port, health_servicer


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Folkebiblioteket, a Veiviser agency assistant")
    parser.add_argument(
        "--listen",
        default=os.environ.get("VEIVISER_LISTEN", "127.0.0.1:50090"),
        help="address to listen on, host:port (default 127.0.0.1:50090, env VEIVISER_LISTEN)",
    )
    parser.add_argument(
        "--card-key-file",
        default=os.environ.get("VEIVISER_CARD_KEY_FILE") or None,
        metavar="PATH",
        help="Ed25519 private key (PKCS#8 PEM, from `veiviser registry keygen`) to sign the card "
        "with for DescribeSigned, which a master requires of an agency admitted through the "
        "registry (env VEIVISER_CARD_KEY_FILE; unsigned when unset)",
    )
    parser.add_argument(
        "--print-public-key",
        action="store_true",
        help="print the public key of --card-key-file (the one to register) and exit",
    )
    parser.add_argument("--grace", type=float, default=5.0, help="seconds to finish calls on shutdown")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    card_key = load_card_key(args.card_key_file) if args.card_key_file else None
    if args.print_public_key:
        if card_key is None:
            parser.error("--print-public-key needs --card-key-file (or VEIVISER_CARD_KEY_FILE)")
        print(public_key_text(card_key))
        return 0

    server, port, health_servicer = create_server(args.listen, card_key)
    host = _host_port(args.listen).rsplit(":", 1)[0]
    log.info("agency %s serving %s on %s:%d", C.AGENCY_ID, SERVICE_NAME, host, port)
    if card_key is None:
        log.info("no card key: DescribeSigned answers FAILED_PRECONDITION")
    else:
        log.info("card signed with public key %s", public_key_text(card_key))

    stop = threading.Event()

    def on_signal(signum, _frame):
        log.info("%s received, shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop.wait(0.5):
        pass
    health_servicer.enter_graceful_shutdown()  # health answers NOT_SERVING from now on
    server.stop(args.grace).wait()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
