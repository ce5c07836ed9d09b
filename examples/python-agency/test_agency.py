"""Self-test: starts the agency in-process on 127.0.0.1:0 and calls it over gRPC.

    .venv/bin/python -m unittest -v test_agency      (or ./run.sh test)
"""

import base64
import hashlib
import json
import os
import tempfile
import time
import unittest
from pathlib import Path

import agency  # generates the stubs into gen/ if needed
import grpc
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from veiviser.agency.v1 import agency_pb2 as pb
from veiviser.agency.v1 import agency_pb2_grpc as pb_grpc

GOOD_QUESTIONS = {
    # language: (question, the skill that should answer it)
    "nb": ("Mor er død, og hun hadde lånt bøker på biblioteket. Hvor leverer vi dem?", "lan-etter-dodsfall"),
    "nn": ("Korleis slettar eg lånekortet til far min som døydde?", "avslutt-lanekort"),
    "en": ("How can I borrow audiobooks from the library?", "e-bok"),
}


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def org_number_valid(number: str) -> bool:
    if len(number) != 9 or not number.isdigit():
        return False
    weights = [3, 2, 7, 6, 5, 4, 3, 2]
    rest = sum(int(d) * w for d, w in zip(number, weights)) % 11
    check = 0 if rest == 0 else 11 - rest
    return check != 10 and check == int(number[8])


class AgencyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server, port, _ = agency.create_server("127.0.0.1:0")
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        cls.stub = pb_grpc.AgencyAssistantStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.server.stop(None).wait()

    def ask(self, **fields):
        return self.stub.Ask(pb.AskRequest(**fields), timeout=5)

    def assert_refused(self, code, **fields):
        with self.assertRaises(grpc.RpcError) as caught:
            self.ask(**fields)
        self.assertEqual(caught.exception.code(), code)
        return caught.exception.details() or ""

    def test_describe(self):
        card = self.stub.Describe(pb.DescribeRequest(), timeout=5)
        self.assertEqual(card.agency_id, "bibliotek")
        self.assertEqual(card.contract_version, "1.2")
        self.assertTrue(org_number_valid(card.organisation_number))
        self.assertEqual(list(card.languages), ["nb", "nn", "en"])
        self.assertEqual({t.language for t in card.display_name}, {"nb", "nn", "en"})
        self.assertTrue(card.content_version)
        self.assertTrue(card.contact.phone and card.contact.url.startswith("https://"))
        self.assertGreaterEqual(len(card.skills), 2)
        for skill in card.skills:
            for lang in card.languages:
                examples = [e.text for e in skill.examples if e.language == lang]
                self.assertGreaterEqual(len(examples), 8, (skill.id, lang))
                self.assertEqual(len(examples), len(set(examples)), (skill.id, lang))
        self.assertEqual([e.id for e in card.life_events], ["dodsfall-og-arv"])
        skill_ids = {s.id for s in card.skills}
        for concept in card.concepts:
            self.assertTrue(concept.terms)
            self.assertTrue(concept.skill == "" or concept.skill in skill_ids)
        # Every text is in a language the card lists.
        texts = list(card.display_name) + list(card.description) + list(card.name_in_text)
        texts += list(card.topics)
        for skill in card.skills:
            texts += list(skill.name) + list(skill.examples)
        for c in card.concepts:
            texts += list(c.terms)
        self.assertTrue(all(t.language in card.languages and t.text for t in texts))
        # Side-effect free and stable.
        self.assertEqual(self.stub.Describe(pb.DescribeRequest(), timeout=5), card)

    def test_good_question_in_each_language(self):
        for lang, (question, skill) in GOOD_QUESTIONS.items():
            with self.subTest(lang=lang):
                answer = self.ask(text=question, language=lang, conversation_id="c-1")
                self.assertEqual(answer.state, pb.TASK_STATE_COMPLETED)
                self.assertEqual(answer.agency_id, "bibliotek")
                self.assertEqual(answer.language, lang)
                self.assertEqual(answer.skill_id, skill)
                self.assertTrue(answer.text.strip())
                self.assertGreaterEqual(answer.confidence, 0.3)
                self.assertLessEqual(answer.confidence, 1.0)
                self.assertTrue(answer.sources)

    def test_named_skill_answers_that_skill(self):
        answer = self.ask(text="hei", language="nb", skill_id="e-bok")
        self.assertEqual(answer.skill_id, "e-bok")
        self.assertIn("e-bøker", answer.text)

    def test_unknown_question_gets_general_guidance(self):
        answer = self.ask(text="Hva er været i morgen?", language="nb")
        self.assertEqual(answer.state, pb.TASK_STATE_COMPLETED)
        self.assertEqual(answer.skill_id, "")
        self.assertIn("12 34 56 78", answer.text)

    def test_life_event_part_with_and_without_text(self):
        for text in ("", "Far døde i går, hva må vi gjøre?"):
            with self.subTest(text=text):
                answer = self.ask(text=text, language="nb", life_event="dodsfall-og-arv")
                self.assertEqual(answer.state, pb.TASK_STATE_COMPLETED)
                keys = {item.key for item in answer.checklist}
                self.assertEqual(
                    keys, {"bibliotek-lan-levere", "bibliotek-fjernlan", "bibliotek-lanekort-avslutt"}
                )
                for item in answer.checklist:
                    self.assertEqual(item.agency_id, "bibliotek")
                    self.assertTrue(item.title)
                    self.assertIn(item.phase, {"first-days", "first-weeks", "six-months", "later"})
        other = self.ask(text="", language="en", life_event="flytting")
        self.assertEqual(other.state, pb.TASK_STATE_REJECTED)

    def test_no_referral_back_along_the_path(self):
        question = dict(text="cancel a library card after a death", language="en")
        self.assertEqual([r.agency_id for r in self.ask(**question).referrals], ["kommune"])
        again = self.ask(referral_path=["kommune"], **question)
        self.assertEqual(list(again.referrals), [])

    def test_bad_requests_are_refused_without_echo(self):
        invalid = grpc.StatusCode.INVALID_ARGUMENT
        self.assert_refused(invalid, text="", language="nb")
        self.assert_refused(invalid, text="   ", language="nb")
        details = self.assert_refused(invalid, text="hvordan låner jeg e-bøker", language="xx-secret")
        self.assertNotIn("xx-secret", details)
        secret = "Ola Nordmann 01019912345 "
        long_text = secret * (4001 // len(secret) + 1)
        details = self.assert_refused(invalid, text=long_text, language="nb")
        self.assertNotIn("Nordmann", details)
        self.assertLess(len(details), 80)
        # Exactly 4,000 characters is still a question.
        self.ask(text=("ø" * 4000), language="nb")

    def test_ask_stream_is_unimplemented(self):
        with self.assertRaises(grpc.RpcError) as caught:
            list(self.stub.AskStream(pb.AskRequest(text="e-bok", language="nb"), timeout=5))
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNIMPLEMENTED)

    def test_describe_signed_without_key_is_failed_precondition(self):
        with self.assertRaises(grpc.RpcError) as caught:
            self.stub.DescribeSigned(pb.DescribeRequest(), timeout=5)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        self.assertEqual(caught.exception.details(), "this agency has no card-signing key")

    def test_health_serving(self):
        stub = health_pb2_grpc.HealthStub(self.channel)
        for service in ("", "veiviser.agency.v1.AgencyAssistant"):
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            self.assertEqual(reply.status, health_pb2.HealthCheckResponse.SERVING)

    def test_reflection_lists_the_service(self):
        stub = reflection_pb2_grpc.ServerReflectionStub(self.channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        reply = next(stub.ServerReflectionInfo(iter([request]), timeout=5))
        names = {s.name for s in reply.list_services_response.service}
        self.assertIn("veiviser.agency.v1.AgencyAssistant", names)
        self.assertIn("grpc.health.v1.Health", names)


class SignedCardTest(unittest.TestCase):
    """The agency started with a card key, as `--card-key-file` starts it."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.private_key = Ed25519PrivateKey.generate()
        pem = cls.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        cls.pem = pem
        cls.key_file = Path(cls.tmp.name) / "bibliotek.key"
        cls.key_file.write_bytes(pem)
        os.chmod(cls.key_file, 0o600)
        cls.public_key = cls.private_key.public_key()
        cls.server, port, _ = agency.create_server(
            "127.0.0.1:0", card_key=agency.load_card_key(cls.key_file)
        )
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        cls.stub = pb_grpc.AgencyAssistantStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.server.stop(None).wait()
        cls.tmp.cleanup()

    def test_signed_card_verifies(self):
        before = int(time.time())
        signed = self.stub.DescribeSigned(pb.DescribeRequest(), timeout=5)
        after = int(time.time())
        card = self.stub.Describe(pb.DescribeRequest(), timeout=5)

        parts = signed.signature.split(".")
        self.assertEqual(len(parts), 3)
        for part in parts:
            self.assertNotIn("=", part)  # base64url without padding
        # Raises InvalidSignature if the signature does not verify with the public key.
        self.public_key.verify(b64url_decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))

        header = json.loads(b64url_decode(parts[0]))
        self.assertEqual(header, {"alg": "EdDSA", "typ": "veiviser-card+jwt"})
        claims = json.loads(b64url_decode(parts[1]))
        self.assertEqual(set(claims), {"iss", "org", "card_sha256", "iat", "exp"})
        self.assertEqual(claims["iss"], card.agency_id)
        self.assertEqual(claims["org"], card.organisation_number)
        self.assertEqual(claims["card_sha256"], b64url(hashlib.sha256(signed.card).digest()))
        self.assertEqual(claims["exp"] - claims["iat"], 600)
        self.assertTrue(before <= claims["iat"] <= after, claims["iat"])

        # The signed bytes are the card Describe serves.
        self.assertEqual(pb.AssistantCard.FromString(signed.card), card)
        self.assertEqual(card.contract_version, "1.2")

    def test_signature_covers_the_claims_and_is_made_anew(self):
        signed = self.stub.DescribeSigned(pb.DescribeRequest(), timeout=5)
        head, payload, sig = signed.signature.split(".")
        # Another card's digest in the payload: the signature no longer verifies.
        claims = json.loads(b64url_decode(payload))
        claims["card_sha256"] = b64url(hashlib.sha256(signed.card + b"x").digest())
        forged = b64url(json.dumps(claims).encode())
        with self.assertRaises(InvalidSignature):
            self.public_key.verify(b64url_decode(sig), f"{head}.{forged}".encode("ascii"))
        # Each signature carries the time it was made.
        key = agency.load_card_key(self.key_file)
        first = agency.sign_card(key, signed.card, "bibliotek", "974760673", 1_000_000)
        later = agency.sign_card(key, signed.card, "bibliotek", "974760673", 1_000_060)
        self.assertNotEqual(first, later)
        later_claims = json.loads(b64url_decode(later.split(".")[1]))
        self.assertEqual((later_claims["iat"], later_claims["exp"]), (1_000_060, 1_000_660))

    def test_public_key_text_is_the_raw_key(self):
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        text = agency.public_key_text(agency.load_card_key(self.key_file))
        self.assertEqual(len(text), 43)
        self.assertEqual(b64url_decode(text), raw)

    def test_bad_key_files_stop_the_agency_without_printing_the_key(self):
        ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        encrypted = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret-passphrase"),
        )
        body = self.pem.decode().splitlines()[1]
        cases = {
            "missing": None,
            "garbage": b"not a key at all\n",
            "truncated": self.pem[: len(self.pem) // 2],
            "ec": ec_pem,
            "encrypted": encrypted,
        }
        for name, data in cases.items():
            with self.subTest(name=name):
                path = Path(self.tmp.name) / f"{name}.key"
                if data is not None:
                    path.write_bytes(data)
                with self.assertRaises(SystemExit) as caught:
                    agency.load_card_key(path)
                message = str(caught.exception.code)
                self.assertIn(str(path), message)
                self.assertNotIn(body, message)
                self.assertNotIn(body[:16], message)
                self.assertNotIn("PRIVATE KEY-----\n", message)


if __name__ == "__main__":
    unittest.main()
