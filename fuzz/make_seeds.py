#!/usr/bin/env python3
"""Writes the committed seed corpora, fuzz/corpus/<target>/seed-*, from the repository's own
examples: the request bodies of events/*.json (the sample events of every function), the SOAP
envelopes of tests/tests/soap.rs and a one-pixel PNG in a multipart form. Each seed starts with
the selector byte its target reads first (see the doc comment of each fuzz target).

Run from anywhere: python3 fuzz/make_seeds.py  (rewrites the seed-* files, leaves others alone)
"""

import base64
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"

written = 0


def seed(target: str, name: str, selector: int, body) -> None:
    global written
    if isinstance(body, str):
        body = body.encode()
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{name}").write_bytes(bytes([selector]) + body)
    written += 1


def event(name: str) -> dict:
    return json.loads((ROOT / "events" / f"{name}.json").read_text())


def event_body(name: str) -> bytes:
    e = event(name)
    body = e.get("body") or ""
    return base64.b64decode(body) if e.get("isBase64Encoded") else body.encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ---- soap_envelope (modes: 0 RegisterUser request, 1 GetUser request, 2/3 parse_envelope, 4 headers, 5 GET) ----
def envelope(operation: str, fields: list[tuple[str, str]], header: str = "<soapenv:Header/>") -> str:
    inner = "".join(f"<u:{k}>{v}</u:{k}>" for k, v in fields)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:u="urn:rust-lambda:users">\n'
        f"  {header}\n"
        f"  <soapenv:Body><u:{operation}>{inner}</u:{operation}></soapenv:Body>\n"
        "</soapenv:Envelope>"
    )


PASSWORD = "violet tram sketches harbour"
register = envelope("RegisterUser", [("username", "alice"), ("email", "alice@example.com"), ("password", PASSWORD)])
seed("soap_envelope", "register-event", 0, event_body("register-soap"))
seed("soap_envelope", "register", 0, register)
seed(
    "soap_envelope",
    "register-refs-cdata",
    0,
    envelope("RegisterUser", [("username", "a&amp;b&#x41;&#66;"), ("email", "<![CDATA[c@example.com]]>"), ("password", PASSWORD)]),
)
seed(
    "soap_envelope",
    "register-header-entries",
    0,
    envelope(
        "RegisterUser",
        [("username", "alice"), ("email", "alice@example.com"), ("password", PASSWORD)],
        '<soapenv:Header><w:Trace xmlns:w="urn:x" soapenv:mustUnderstand="0">t<w:Id>1</w:Id></w:Trace></soapenv:Header>',
    ),
)
seed(
    "soap_envelope",
    "getuser",
    1,
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetUser xmlns="urn:rust-lambda:users"><username>bob</username></GetUser></s:Body></s:Envelope>',
)
seed("soap_envelope", "getuser-prefixed", 1, envelope("GetUser", [("username", "bob")]))
seed(
    "soap_envelope",
    "doctype-xxe",
    2,
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><u:GetUser xmlns:u="urn:rust-lambda:users"><u:username>&e;</u:username></u:GetUser></soapenv:Body></soapenv:Envelope>',
)
seed("soap_envelope", "soap12", 3, '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>')
seed("soap_envelope", "parse-register", 2, register)
seed("soap_envelope", "parse-getuser", 3, envelope("GetUser", [("username", "bob")]))
seed("soap_envelope", "headers", 4, 'text/xml; charset="UTF-8"\n"urn:rust-lambda:users#RegisterUser"\n' + register)
seed("soap_envelope", "lookup", 5, "alice")

# ---- multipart_upload (modes: 0-3 multipart with a fixed boundary, 4 own Content-Type, 5 raw, 6 strings) ----
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def form(boundary: str, parts: list) -> bytes:
    out = b""
    for name, filename, ctype, data in parts:
        disposition = f'Content-Disposition: form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\n{disposition}\r\nContent-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


seed("multipart_upload", "png", 0, form("XyZ", [("title", None, "text/plain", b"hello"), ("file", "cat.png", "image/png", PNG)]))
seed("multipart_upload", "gif-declared-png", 0, form("XyZ", [("file", "x.gif", "image/png", GIF)]))
seed("multipart_upload", "two-files", 0, form("XyZ", [("file", "a.png", "image/png", PNG), ("file", "b.png", "image/png", PNG)]))
# The sample event's own body (a 64x48 PNG) with its curl boundary.
seed("multipart_upload", "event", 1, event_body("images-upload"))
seed("multipart_upload", "own-content-type", 4, b"multipart/form-data; boundary=AaB03x\n" + form("AaB03x", [("file", "holiday.png", "image/png", PNG)]))
seed("multipart_upload", "raw-png", 5, b"holiday photo.png\n" + PNG)
seed("multipart_upload", "raw-gif", 5, b"\n" + GIF)
seed("multipart_upload", "object-id", 6, "8204508610140-33dfb4b6ad5b4437.jpg")
seed("multipart_upload", "filename", 6, "r%C3%A9sum%C3%A9 (1).png")

# ---- jwt_verify (modes: 0 token, 1 signed header/claims, 2 wrong secret, 3 Authorization header) ----
HEADER = b'{"alg":"HS256","typ":"JWT"}'
CLAIMS = json.dumps(
    {
        "sub": "42",
        "username": "alice",
        "role": "user",
        "iss": "rust-lambda",
        "aud": "rust-lambda-api",
        "iat": 1767222000,
        "exp": 4102444800,
        "jti": "0194c3a0-7b1e-7c3d-9f2a-5b6c7d8e9f01",
        "scope": "api",
        "sid": "0194c3a0-7b1e-7c3d-9f2a-5b6c7d8e9f02",
        "tenant": "acme",
    },
    separators=(",", ":"),
).encode()
seed("jwt_verify", "token", 0, f"{b64url(HEADER)}.{b64url(CLAIMS)}.c2lnbmF0dXJl")
ALG_NONE = b'{"alg":"none"}'
seed("jwt_verify", "alg-none", 0, f"{b64url(ALG_NONE)}.{b64url(CLAIMS)}.")
seed("jwt_verify", "signed", 1, HEADER + b"\xff" + CLAIMS)
seed("jwt_verify", "signed-expired", 1, HEADER + b"\xff" + CLAIMS.replace(b"4102444800", b"1767225600"))
seed("jwt_verify", "signed-hs512", 1, b'{"alg":"HS512"}\xff' + CLAIMS)
seed("jwt_verify", "wrong-secret", 2, HEADER + b"\xff" + CLAIMS)
seed("jwt_verify", "bearer", 3, f"Bearer {b64url(HEADER)}.{b64url(CLAIMS)}.c2lnbmF0dXJl")
seed("jwt_verify", "basic", 3, "Basic " + base64.b64encode(b"tenant-service:introspection-client-secret").decode())

# ---- json_bodies (low 4 bits: route; high bits: content type; 0x00-0x0d = application/json) ----
ROUTES = {
    0: ["login", "api-login", "v1-auth-login"],
    1: ["api-register"],
    2: ["v1-auth-refresh"],
    3: ["sessions-create"],
    4: ["sessions-update"],
    5: ["images-presign"],
    6: ["tenant-data-create", "tenant-data-update"],
    7: ["chat-sessions-create", "chat-sessions-update"],
    8: ["chat-messages-create"],
    9: ["chat-messages-update"],
    10: ["chat-vendors-create", "chat-vendors-update"],
    11: ["chat-sellers-create", "chat-sellers-update"],
    12: ["chat-users-update"],
}
for route, names in ROUTES.items():
    for name in names:
        seed("json_bodies", name, route, event_body(name))
seed("json_bodies", "chat-messages-media", 8, '{"sessionId":"0193a0d2-4b1e-7c55-8a9f-3e2d1c0b4a5f","kind":"media","mediaUrl":"https://cdn.example.com/a.png","mediaType":"image/png","text":" caption "}')
seed("json_bodies", "sessions-create-empty", 3, "")
seed("json_bodies", "tenant-data-nul", 6, '{"data":{"k":["a\\u0000b"]}}')
seed("json_bodies", "introspect-form", 13, event_body("introspect"))
seed("json_bodies", "introspect-json", 13 | 0x10, '{"token":"abc","token_type_hint":"access_token"}')

# ---- event_envelope (modes: 0 SQS body through the consumers, 1 envelope round trip, 2 parameters) ----
for name in ["session-recorder", "user-audit"]:
    for i, record in enumerate(event(name)["Records"]):
        seed("event_envelope", f"{name}-{i}", 0, record["body"])
        seed("event_envelope", f"{name}-{i}-envelope", 1, record["body"])
seed(
    "event_envelope",
    "logout",
    0,
    '{"id":"01a20d01-0000-7000-8000-000000000001","type":"UserLoggedOut","occurredAt":"2026-11-24T11:00:00+02:00","source":"identity.logout","data":{"userId":1,"username":"alice","sessionId":null,"tokenId":"t-1"}}',
)
# limit, cursor, sessionId, id, userId, username, tenant, origin
seed(
    "event_envelope",
    "parameters",
    2,
    "\n".join(
        [
            "20",
            "images/8204508610140-33dfb4b6ad5b4437.jpg",
            "0193a0d2-4b1e-7c55-8a9f-3e2d1c0b4a5f",
            "0193a0d3-1c2e-7f40-9b6a-5d4c3b2a1f0e",
            "42",
            "alice",
            "acme-eu-1",
            "https://chat.example.com",
        ]
    ),
)
seed("event_envelope", "parameters-bad", 2, "\n".join(["0", "-1", "x", "8204508610140-33dfb4b6ad5b4437.jpg", "-5", " ", "-acme", "null"]))

print(f"wrote {written} seeds under {CORPUS.relative_to(ROOT)}")
