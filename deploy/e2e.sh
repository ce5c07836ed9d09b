#!/usr/bin/env bash
# End-to-end test of the docker-compose demo, as CI runs it: build the image
# with deploy/Dockerfile, bring the stack up, ask the life-event question
# through the published port with the project's own CLI, stop NAV and check
# the answer names it as unavailable, start NAV and check it is back, register
# an agency on the trust service and see the master admit and drop it; then
# the same stack with mutual TLS (docker-compose.mtls.yml): every agency
# answers, and NAV refuses a client without a certificate. Finally tear
# everything down and check nothing is left behind.
set -euo pipefail
cd "$(dirname "$0")/.."

PROJECT=veiviser-e2e
COMPOSE_FILES=(-f deploy/docker-compose.yml)
if docker compose version >/dev/null 2>&1; then
  compose() { docker compose -p "$PROJECT" "${COMPOSE_FILES[@]}" "$@"; }
else
  compose() { docker-compose -p "$PROJECT" "${COMPOSE_FILES[@]}" "$@"; }
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
VEIVISER_PORT=$(free_port)
VEIVISER_WEB_PORT=$(free_port)
export VEIVISER_PORT VEIVISER_WEB_PORT
MASTER="http://127.0.0.1:${VEIVISER_PORT}"
WEB="http://127.0.0.1:${VEIVISER_WEB_PORT}"
QUESTION="min far er død, hva må jeg gjøre?"

teardown() { compose down --volumes --remove-orphans >/dev/null 2>&1 || true; }
trap teardown EXIT

step() { echo "== e2e: $*" >&2; }
fail() { echo "e2e FAILED: $*" >&2; compose logs --tail 40 >&2 || true; exit 1; }

step "base images"
bash deploy/local-base-images.sh

step "build"
compose build
cargo build --quiet --locked --bin veiviser
CLI=target/debug/veiviser

wait_healthy() {
  local service=$1 id status
  for _ in $(seq 1 90); do
    id=$(compose ps -q "$service")
    status=$(docker inspect --format '{{.State.Health.Status}}' "$id" 2>/dev/null || echo starting)
    [ "$status" = healthy ] && return 0
    sleep 1
  done
  fail "$service did not become healthy"
}

ask_json() { "$CLI" --master "$MASTER" ask --json "$QUESTION"; }
field() { python3 -c "import json,sys; print(' '.join(sorted(json.load(sys.stdin)['$1'])))"; }

step "up"
compose up -d
for service in consent nav kommune skatteetaten master; do wait_healthy "$service"; done

step "life event with every agency"
answer=$(ask_json)
[ "$(echo "$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["route"])')" = life-event ] \
  || fail "route was not life-event: $answer"
[ "$(echo "$answer" | field agencies)" = "kommune nav skatteetaten" ] || fail "not every agency answered: $answer"

step "web chat: page, session, streamed answer; advisor page and its key"
# Read whole bodies before matching: `curl | grep -q` fails under pipefail
# when grep stops reading early and curl cannot finish writing (curl exit 23).
page=$(curl -fsS "$WEB/") || fail "the web chat page is not served"
grep -q 'id="ack"' <<<"$page" || fail "the web chat page has no acknowledgement checkbox"
session=$(curl -fsS -X POST -H 'content-type: application/json' \
  -d '{"acknowledged_no_personal_data": true, "language": "nb"}' "$WEB/api/sessions" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])') || fail "no web session"
events=$(curl -fsS -N -X POST -H 'content-type: application/json' \
  -d "{\"text\": \"$QUESTION\"}" "$WEB/api/sessions/$session/messages")
grep -q '"final"' <<<"$events" || fail "no final answer in the event stream: $events"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' \
  -d '{"language": "nb"}' "$WEB/api/sessions")
[ "$status" = 412 ] || fail "a session without the acknowledgement was not refused with 412: $status"
advisor_page=$(curl -fsS "$WEB/advisor") || fail "the advisor page is not served"
grep -q 'id="sign-in-form"' <<<"$advisor_page" || fail "the advisor page has no sign-in form"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' \
  -d '{"agency_id": "nav", "advisor_name": "Veileder Anne"}' "$WEB/api/advisor/attend")
[ "$status" = 401 ] || fail "an advisor without the desk key was not refused with 401: $status"
# The key comes from the compose secret: with it, the advisor's event stream opens.
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H 'content-type: application/json' \
  -H "authorization: Bearer $(cat "${VEIVISER_ADVISOR_KEY_SECRET:-deploy/secrets/advisor-desk-key}")" \
  -d '{"agency_id": "nav", "advisor_name": "Veileder Anne"}' "$WEB/api/advisor/attend" || true)
[ "$status" = 200 ] || fail "an advisor with the secret's desk key was not let in: $status"

step "a master restart keeps the conversation"
compose restart master >/dev/null
wait_healthy master
events=$(curl -fsS -N -X POST -H 'content-type: application/json' \
  -d '{"text": "og hva med barnepensjon?"}' "$WEB/api/sessions/$session/messages") \
  || fail "the web session did not survive the master's restart"
grep -q '"final"' <<<"$events" || fail "no final answer after the restart: $events"
entries=$(curl -fsS "$WEB/api/sessions/$session/transcript?format=json" \
  | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))') \
  || fail "no transcript after the restart"
[ "$entries" = 4 ] || fail "the transcript after the restart has $entries entries, not 4"

step "an agency registered at runtime"
operator_key=$(cat "${VEIVISER_REGISTRY_KEY_SECRET:-deploy/secrets/registry-operator-key}")
public_key=$("$CLI" registry keygen --out "$(mktemp -u)" 2>/dev/null)
if compose run --rm -T -e VEIVISER_REGISTRY_KEY=not-the-key cli registry add --id bibliotek \
     --organisation-number 926722387 --address http://bibliotek:50080 --public-key="$public_key" >/dev/null 2>&1; then
  fail "a registry change with the wrong operator key was accepted"
fi
compose run --rm -T -e VEIVISER_REGISTRY_KEY="$operator_key" cli registry add --id bibliotek \
  --organisation-number 926722387 --address http://bibliotek:50080 --public-key="$public_key" >/dev/null \
  || fail "the operator could not register an agency"
seen=""
for _ in $(seq 1 30); do
  if "$CLI" --master "$MASTER" agencies | grep -q "^bibliotek .*registered"; then seen=yes; break; fi
  sleep 1
done
[ -n "$seen" ] || fail "the master did not admit the registered agency: $("$CLI" --master "$MASTER" agencies)"
compose run --rm -T -e VEIVISER_REGISTRY_KEY="$operator_key" cli registry remove bibliotek >/dev/null \
  || fail "the operator could not remove the agency"
gone=""
for _ in $(seq 1 30); do
  if ! "$CLI" --master "$MASTER" agencies | grep -q "^bibliotek "; then gone=yes; break; fi
  sleep 1
done
[ -n "$gone" ] || fail "the master kept the removed agency"

step "NAV stopped"
compose stop nav >/dev/null
answer=$(ask_json)
[ "$(echo "$answer" | field missing_agencies)" = "nav" ] || fail "NAV not named as missing: $answer"
[ "$(echo "$answer" | field agencies)" = "kommune skatteetaten" ] || fail "the others did not answer: $answer"
grep -q "NAV kunne ikke svare" <<<"$answer" || fail "the answer text does not name NAV: $answer"

step "NAV started again"
compose start nav >/dev/null
wait_healthy nav
back=""
for _ in $(seq 1 60); do
  answer=$(ask_json)
  if [ "$(echo "$answer" | field agencies)" = "kommune nav skatteetaten" ]; then back=yes; break; fi
  sleep 1
done
[ -n "$back" ] || fail "NAV did not come back: $answer"

step "mutual TLS (docker-compose.mtls.yml)"
compose down --volumes --remove-orphans >/dev/null
COMPOSE_FILES=(-f deploy/docker-compose.yml -f deploy/docker-compose.mtls.yml)
compose up -d
for service in consent nav kommune skatteetaten master; do wait_healthy "$service"; done
answer=$(ask_json)
[ "$(echo "$answer" | field agencies)" = "kommune nav skatteetaten" ] || fail "not every agency answered over mTLS: $answer"
if compose exec -T master veiviser health http://nav:50061 >/dev/null 2>&1; then
  fail "NAV answered a client without a certificate"
fi
if compose exec -T master veiviser health https://nav:50061 --tls-ca /certs/ca.pem \
     --tls-cert /certs/master.pem --tls-key /certs/master-key.pem >/dev/null 2>&1; then :; else
  fail "NAV refused the master's certificate"
fi

step "down"
compose down --volumes --remove-orphans >/dev/null
trap - EXIT
left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "containers left: $left"
left=$(docker network ls -q --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "networks left: $left"
left=$(docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "volumes left: $left"
echo "e2e: passed" >&2
