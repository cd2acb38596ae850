"""Schemathesis hooks of localstack/api-schema.sh: who calls each operation, the few values a
positive case must carry to get past "not yours / not found", and how a SOAP body goes on the wire.
Every generated request is sent: the local gateway delivers what API Gateway delivers (a body that
is not UTF-8 arrives base64-encoded).

Authentication per operation (the document's `security`):
  - no security             nothing is added
  - introspectionClient     HTTP Basic, from [[operations]] in schemathesis.toml
  - bearer                  `BearerPerOperation` below, with the identity `identity_for()` picks:
      chat-* (/api/v1)      a pool of users, each used for at most API_SCHEMA_CHAT_BUDGET requests:
                            the chat rate limit is RATE_LIMIT_MAX requests per caller per
                            RATE_LIMIT_WINDOW (100 per 15 min unless the stack sets them), so one
                            caller would make the run mostly 429s
      chat users list/get/delete   a pool of admins, likewise (those operations are admins-only)
      chat-* in the stateful phase the pool of admins too: a scenario (create, then read, update,
                            delete what was created) may cross a change of user, and an admin
                            still sees what the previous one created where a user gets 404
      tenant data / details the tenant member api-schema.sh created (its tokens carry the tenant)
      logouts               tokens of their own, replaced once a logout has revoked one, so no
                            other operation ever holds a revoked token
      endLoginSessions      a user of its own: ending every session of the main user would make
                            verifySessionToken answer SESSION_ENDED for the rest of the run (in
                            the stateful phase, which comes last, the main user: it ends the
                            session a scenario created)
      anything else         the main user
Negative cases that schemathesis generates for the security parameters themselves (no, or a
broken, `Authorization`) are left as generated: they exercise the 401s.

Users are created with target/debug/admin (PBKDF2_ITERATIONS=10000: a test user need not cost a
full hash to create; its first login rehashes it at the service's cost) and logged in through the
API. The next user of a pool is logged in in the background while the current one is in use.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import subprocess
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation

BASE_URL = os.environ["API_SCHEMA_BASE_URL"]
ADMIN_BIN = os.environ["API_SCHEMA_ADMIN_BIN"]
PREFIX = os.environ["API_SCHEMA_PREFIX"]
PASSWORD = os.environ["API_SCHEMA_PASSWORD"]
TENANT = os.environ["API_SCHEMA_TENANT"]
TENANT_USER = os.environ["API_SCHEMA_TENANT_USER"]
VICTIM_ID = int(os.environ["API_SCHEMA_VICTIM_ID"])
# RATE_LIMIT_MAX (100) less a margin.
CHAT_BUDGET = int(os.environ.get("API_SCHEMA_CHAT_BUDGET", "95"))

CHAT_ADMIN_OPS = {"chatUsersList", "chatUsersGet", "chatUsersDelete"}
TENANT_OPS = {"getTenantData", "createTenantData", "updateTenantData", "deleteTenantData", "tenantHealthDetails"}
# Operations whose success revokes the token they were called with, and where their tokens come from.
LOGOUT_OPS = {"apiLogout": "/api/auth/login", "v1Logout": "/api/v1/auth/login"}
# Operations whose path `userId` / `id` is the caller's own in a positive case (anyone else's is a
# documented 403/404 that negative cases still reach).
OWN_ID_OPS = {"listLoginSessions": "userId", "touchLoginSession": "userId", "endLoginSessions": "userId",
              "chatUsersUpdate": "id"}

RUN = secrets.token_hex(2)  # user names stay unique if the hooks are loaded more than once
_counter = itertools.count(1)
_background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="api-schema-login")
_user_of_token: dict[str, int] = {}


def create_user(kind: str, role: str = "user", tenant: str | None = None) -> tuple[str, int]:
    """A new user `PREFIX-RUN-kindN` with the run's password; returns (username, id)."""
    username = f"{PREFIX}-{RUN}-{kind}{next(_counter)}"
    cmd = [ADMIN_BIN, "create-user", "--username", username, "--role", role]
    if tenant:
        cmd += ["--tenant", tenant]
    env = dict(os.environ, ADMIN_PASSWORD=PASSWORD, PBKDF2_ITERATIONS="10000")
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    found = re.search(r"with id (\d+)", out.stdout)
    if out.returncode != 0 or not found:
        raise RuntimeError(f"admin create-user {username}: {out.stderr.strip() or out.stdout.strip()}")
    return username, int(found.group(1))


def login(username: str, route: str = "/api/auth/login") -> dict:
    """The login answer: {"token": ...} or, under /api/v1, the envelope's data."""
    r = requests.post(f"{BASE_URL}{route}", json={"username": username, "password": PASSWORD}, timeout=120)
    if r.status_code != 200:
        raise RuntimeError(f"login of {username} at {route}: {r.status_code} {r.text[:200]}")
    body = r.json()
    return body["data"] if route.startswith("/api/v1/") else body


def _access_token(answer: dict) -> str:
    return answer.get("accessToken") or answer["token"]


class Identity:
    """A user and a token, made on first use. A budget (rate-limited callers) moves to a new user
    when used up; `spent()` (a logout revoked the token) logs the same user in again."""

    def __init__(self, kind: str, role: str = "user", tenant: str | None = None, username: str | None = None,
                 budget: int | None = None, route: str = "/api/auth/login"):
        self.kind, self.role, self.tenant, self.budget, self.route = kind, role, tenant, budget, route
        self.username, self.user_id = username, None
        self.token: str | None = None
        self.used = 0
        self.lock = threading.Lock()
        self.next: Future | None = None  # a login under way in the background
        self.next_is_new_user = False

    def _login(self, new_user: bool) -> tuple[str, int | None, str]:
        username, user_id = self.username, self.user_id
        if new_user or username is None:
            username, user_id = create_user(self.kind, self.role, self.tenant)
        token = _access_token(login(username, self.route))
        if user_id is not None:
            _user_of_token[token] = user_id
        return username, user_id, token

    def current(self) -> tuple[str, int | None]:
        with self.lock:
            exhausted = self.budget is not None and self.used >= self.budget
            if self.token is None or exhausted:
                new_user = exhausted or self.username is None
                pending, self.next = self.next, None
                # A background re-login of a user whose budget is used up will not do.
                if pending is not None and (self.next_is_new_user or not new_user):
                    fresh = pending.result()
                else:
                    fresh = self._login(new_user)
                self.username, self.user_id, self.token = fresh
                self.used = 0
            self.used += 1
            # Log the next user in while this one is in use (a login costs a password hash).
            if self.budget is not None and self.next is None and self.used >= self.budget // 2:
                self.next, self.next_is_new_user = _background.submit(self._login, True), True
            return self.token, self.user_id

    def spent(self, token: str) -> None:
        with self.lock:
            if self.token == token:
                self.token = None
                if self.next is None:
                    self.next, self.next_is_new_user = _background.submit(self._login, False), False


IDENTITIES = {
    "main": Identity("main"),
    "ender": Identity("ender"),
    "chat": Identity("chat", budget=CHAT_BUDGET),
    "chat-admin": Identity("admin", role="admin", budget=CHAT_BUDGET),
    "tenant": Identity("tenant", tenant=TENANT, username=TENANT_USER),
    "apiLogout": Identity("logout", route=LOGOUT_OPS["apiLogout"]),
    "v1Logout": Identity("logoutv1", route=LOGOUT_OPS["v1Logout"]),
}


def operation_id(operation) -> str:
    return operation.definition.raw.get("operationId", "")


def identity_for(op_id: str, phase: str | None = None) -> Identity:
    if op_id in CHAT_ADMIN_OPS or (op_id.startswith("chat") and phase == "stateful"):
        return IDENTITIES["chat-admin"]
    if op_id.startswith("chat"):
        return IDENTITIES["chat"]
    if op_id in TENANT_OPS:
        return IDENTITIES["tenant"]
    if op_id in LOGOUT_OPS:
        return IDENTITIES[op_id]
    if op_id == "endLoginSessions" and phase != "stateful":
        return IDENTITIES["ender"]
    return IDENTITIES["main"]


def _takes_bearer(operation) -> bool:
    return any("bearer" in requirement for requirement in operation.definition.raw.get("security") or [])


@schemathesis.auth(refresh_interval=None)
class BearerPerOperation:
    """`Authorization: Bearer` of the operation's identity (not cached by schemathesis: the
    identities keep their own tokens)."""

    def get(self, case, ctx):
        if not _takes_bearer(ctx.operation):
            return None
        token, _ = identity_for(operation_id(ctx.operation), _phase(case)).current()
        return token

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def _bearer(case) -> str | None:
    value = (case.headers or {}).get("Authorization", "")
    return value[len("Bearer "):] if isinstance(value, str) and value.startswith("Bearer ") else None


def _positive_at(case, location: ParameterLocation) -> bool:
    meta = case.meta
    return meta is None or not meta.is_negative_at(location)


def _phase(case) -> str | None:
    meta = case.meta
    phase = meta.phase.name if meta is not None else None
    return getattr(phase, "value", phase)


# ---------------------------------------------------------------------------------------------
# POST /api/v1/auth/refresh: a refresh token is single-use, and presenting a spent one revokes its
# whole session. Positive cases present the live token of one login session, and the token each
# 200 answers replaces it; random tokens only ever get the documented 401.

class RefreshChain:
    def __init__(self):
        self.lock = threading.Lock()
        self.token: str | None = None
        self.username: str | None = None

    def take(self) -> str:
        with self.lock:
            if self.token is None:
                if self.username is None:
                    self.username, _ = create_user("refresh")
                self.token = login(self.username, "/api/v1/auth/login")["refreshToken"]
            return self.token

    def answered(self, presented: str, status: int, body) -> None:
        with self.lock:
            if presented != self.token:
                return
            if status == 200 and isinstance(body, dict):
                self.token = (body.get("data") or {}).get("refreshToken")
            elif status == 401:
                self.token = None  # spent or revoked: log in again


REFRESH = RefreshChain()


# ---------------------------------------------------------------------------------------------
# SOAP bodies. The SOAP routes declare their body as a string holding the whole SOAP 1.1
# envelope (its structure is the WSDL's), which goes on the wire as it is; schemathesis' XML
# serializer would wrap it in a <data> element built from the JSON Schema instead.

@schemathesis.serializer("text/xml", "application/xml")
def soap_envelope(ctx, value):
    if isinstance(value, (bytes, bytearray)):
        return {"data": bytes(value)}
    if isinstance(value, str):
        return {"data": value.encode("utf-8", "surrogatepass")}
    return {"data": str(value).encode("utf-8", "surrogatepass")}


# ---------------------------------------------------------------------------------------------

@schemathesis.hook
def before_call(context, case, kwargs):
    op_id = operation_id(case.operation)
    if op_id in TENANT_OPS and _positive_at(case, ParameterLocation.HEADER):
        headers = case.headers or {}
        if "X-Tenant-ID" in headers:
            headers["X-Tenant-ID"] = TENANT
    # (Not in the stateful phase: there the ids come from the answers of earlier steps.)
    if op_id in OWN_ID_OPS and _positive_at(case, ParameterLocation.PATH) and case.path_parameters \
            and _phase(case) != "stateful":
        user_id = _user_of_token.get(_bearer(case) or "")
        if user_id is not None:
            case.path_parameters[OWN_ID_OPS[op_id]] = user_id
    if op_id == "chatUsersDelete" and _positive_at(case, ParameterLocation.PATH) and case.path_parameters:
        # An admin deleting whatever id was generated could remove other people's users of the
        # shared local cloud: a positive case deletes the user made for it (200 once, then 404).
        case.path_parameters["id"] = VICTIM_ID
    if op_id == "v1Refresh" and _positive_at(case, ParameterLocation.BODY) and isinstance(case.body, dict) \
            and "refreshToken" in case.body:
        case.body["refreshToken"] = REFRESH.take()


@schemathesis.hook
def after_call(context, case, response):
    op_id = operation_id(case.operation)
    token = _bearer(case)
    if op_id in LOGOUT_OPS and response.status_code == 200 and token:
        IDENTITIES[op_id].spent(token)
    # One of our own tokens refused: the token store lost it (the AWS emulator keeps it in memory,
    # and a restart of it by another test empties it). The next case logs in again.
    if response.status_code == 401 and token and _takes_bearer(case.operation):
        identity_for(op_id, _phase(case)).spent(token)
    if op_id == "v1Refresh" and isinstance(case.body, dict) and isinstance(case.body.get("refreshToken"), str):
        try:
            body = response.json()
        except Exception:
            body = None
        REFRESH.answered(case.body["refreshToken"], response.status_code, body)
