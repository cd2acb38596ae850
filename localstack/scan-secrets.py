#!/usr/bin/env python3
"""Scans the logs of a local-cloud run for secrets: nothing secret may ever be logged.

    python3 localstack/scan-secrets.py [--logs DIR]... [--env FILE] [--tests DIR] [--verbose]
    python3 localstack/scan-secrets.py --self-test

Looks in every file under the log directories (default: .local/logs, recursively: local-cloud.log
of the gateway, event sources and schedules, functions/<function>.log of every function process,
the servers' logs, runtime-api-*.log ...) for
  - the values of the secrets in .local/stack.env: variables named *SECRET*, *PASSWORD* or *KEY*
    (AWS_ACCESS_KEY_ID is a public identifier and is left out), the client secrets inside
    INTROSPECTION_CLIENTS and any password in a URL's user info; each also base64- and
    percent-encoded, and as the HTTP Basic credentials it would travel in;
  - ADMIN_PASSWORD and API_SCHEMA_PASSWORD when set in this process's environment (the passwords
    tools/admin and localstack/api-schema.sh take from there; nothing else is read from it);
  - the passwords the integration tests use (string constants named *PASSWORD* and "password"
    fields in tests/tests/*.rs and tests/src/*.rs);
  - anything shaped like a JWT (three base64url segments, the first starting with eyJ, the third
    possibly empty as in alg:none), like a refresh token of shared/src/identity (32 random bytes
    in unpadded base64url: 43 characters), or like credentials in a header or a field:
    "Bearer <token>", "Basic <base64 of id:secret>", "password"/"secret"/"token" fields with a value.
A value too short or too common to be told apart from ordinary text (fewer than 8 characters,
a well-known local default such as "postgres" or "test", or equal to a non-secret setting) is
not searched; the summary lists each such variable by name.

Prints one line per finding, file:line:what, with the variable's name or a masked form (never
the secret itself), then how many files and bytes were scanned. Exit status: 0 when nothing was
found, 1 on any finding, 2 when it could not run (no logs, unreadable stack.env). The self-test
plants secrets in a temporary log and checks that each is found, that a log of ordinary lines
gives no finding, and that no planted value is printed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|KEY|TOKEN", re.IGNORECASE)
# Settings whose name matches but whose value is public or not a credential.
PUBLIC_NAMES = {"AWS_ACCESS_KEY_ID", "TOKENS_TABLE", "TOKEN_INTROSPECTION_ENDPOINT", "TOKEN_CACHE_TTL_SECONDS"}
# Local placeholders that appear in ordinary text (user names, file names, "test" everywhere).
COMMON_VALUES = {"test", "postgres", "password", "secret", "admin", "root", "minioadmin", "localstack", "changeme"}
MIN_SECRET_LEN = 8
ENVIRONMENT_SECRETS = ("ADMIN_PASSWORD", "API_SCHEMA_PASSWORD")

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
REFRESH = re.compile(r"(?<![A-Za-z0-9_\-+/=.%])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_\-+/=%])")
BEARER = re.compile(r"\bBearer\s+([A-Za-z0-9_\-.+/=~]{16,})", re.IGNORECASE)
BASIC = re.compile(r"\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})")
FIELD = re.compile(
    # `:` but not `::`, a Rust path in a backtrace (`imds::client::token::TokenResolver`).
    r"""["']?\b(password|passwd|client_secret|secret|refresh_?token|access_?token|id_?token|token)\b["']?\s*(?:=|:(?!:))\s*"""
    r"""(?:"((?:[^"\\]|\\.){4,})"|'([^']{4,})'|([^\s"',&;}{)]{8,}))""",
    re.IGNORECASE,
)
# Field values that are descriptions, not credentials.
FIELD_SAFE = re.compile(r"^(\*+|<[^>]*>|\[?redacted\]?|null|none|true|false|hidden|masked|access_token|refresh_token|bearer)$", re.IGNORECASE)


def mask(value: str) -> str:
    """A recognisable but useless form: 4 characters, an ellipsis, the length."""
    return f"{value[:4]}…({len(value)} chars)"


@dataclass
class Needle:
    """A literal value to find, described by its origin (never by the value)."""

    value: str
    what: str


@dataclass
class Scan:
    needles: list[Needle] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    known_values: set[str] = field(default_factory=set)
    findings: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0

    def add_secret(self, value: str, what: str, public_values: set[str]) -> None:
        value = value.strip()
        if not value:
            return
        if len(value) < MIN_SECRET_LEN or value.lower() in COMMON_VALUES or value in public_values:
            self.skipped.append(what)
            return
        if value in self.known_values:
            return
        self.known_values.add(value)
        self.needles.append(Needle(value, what))
        variants = {
            base64.b64encode(value.encode()).decode().rstrip("="): f"{what} (base64)",
            base64.urlsafe_b64encode(value.encode()).decode().rstrip("="): f"{what} (base64url)",
            urllib.parse.quote(value, safe=""): f"{what} (percent-encoded)",
            urllib.parse.quote_plus(value): f"{what} (form-encoded)",
            json.dumps(value)[1:-1]: f"{what} (JSON-escaped)",
        }
        for variant, label in variants.items():
            if variant != value and variant not in self.known_values and len(variant) >= MIN_SECRET_LEN:
                self.known_values.add(variant)
                self.needles.append(Needle(variant, label))

    def add_basic(self, client: str, secret: str, what: str) -> None:
        """`id:secret` as HTTP Basic credentials travel (base64)."""
        if len(secret) < MIN_SECRET_LEN:
            return
        encoded = base64.b64encode(f"{client}:{secret}".encode()).decode()
        if encoded not in self.known_values:
            self.known_values.add(encoded)
            self.needles.append(Needle(encoded.rstrip("="), f"{what} (HTTP Basic credentials)"))


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as up.sh writes them (values optionally double-quoted)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key] = value
    return values


def add_settings(scan: Scan, settings: dict[str, str], origin: str) -> None:
    public_values = {v for k, v in settings.items() if not SECRET_NAME.search(k) or k in PUBLIC_NAMES}
    public_values.discard("")
    for name, value in sorted(settings.items()):
        what = f"{name} ({origin})"
        if name == "INTROSPECTION_CLIENTS":
            for pair in value.split(","):
                client, _, secret = pair.strip().partition(":")
                if secret:
                    scan.add_secret(secret, f"{name}[{client}] ({origin})", public_values)
                    scan.add_basic(client, secret, f"{name}[{client}] ({origin})")
            continue
        # A password in a URL's user info (postgres://u:p@h, mongodb://u:p@h).
        for match in re.finditer(r"://([^:/@\s]+):([^@/\s]+)@", value):
            scan.add_secret(urllib.parse.unquote(match.group(2)), f"password in {name} ({origin})", public_values)
        if SECRET_NAME.search(name) and name not in PUBLIC_NAMES:
            scan.add_secret(value, what, public_values)
    client_id = settings.get("INTROSPECTION_CLIENT_ID")
    client_secret = settings.get("INTROSPECTION_CLIENT_SECRET")
    if client_id and client_secret:
        scan.add_basic(client_id, client_secret, f"INTROSPECTION_CLIENT_SECRET ({origin})")


PASSWORD_LITERALS = [
    re.compile(r"""const\s+[A-Z0-9_]*PASSWORD[A-Z0-9_]*\s*:\s*&str\s*=\s*"((?:[^"\\]|\\.)*)\""""),
    re.compile(r""""password"\s*:\s*"((?:[^"\\]|\\.)*)\""""),
    re.compile(r"""\bpassword\s*:\s*"((?:[^"\\]|\\.)*)\""""),
    re.compile(r"""\("password",\s*"((?:[^"\\]|\\.)*)"\)"""),
]


def add_test_passwords(scan: Scan, dirs: list[Path]) -> int:
    found = 0
    for directory in dirs:
        if not directory.is_dir():
            continue
        for source in sorted(directory.glob("*.rs")):
            text = source.read_text(encoding="utf-8", errors="replace")
            for pattern in PASSWORD_LITERALS:
                for match in pattern.finditer(text):
                    literal = match.group(1).encode().decode("unicode_escape", errors="ignore")
                    line = text.count("\n", 0, match.start()) + 1
                    before = len(scan.needles)
                    scan.add_secret(literal, f"test password from {source.relative_to(ROOT) if source.is_relative_to(ROOT) else source}:{line}", set())
                    found += len(scan.needles) > before
    return found


def b64url_json(segment: str) -> dict | None:
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = json.loads(data)
        return value if isinstance(value, dict) else None
    except (ValueError, UnicodeDecodeError):
        return None


def is_random_base64url(candidate: str) -> bool:
    """43 characters of unpadded base64url with the mix random bytes have (upper, lower, digit)."""
    return any(c.isupper() for c in candidate) and any(c.islower() for c in candidate) and any(c.isdigit() for c in candidate)


def scan_line(scan: Scan, where: str, line: str) -> None:
    for needle in scan.needles:
        if needle.value in line:
            scan.findings.append(f"{where}:{needle.what}")
    jwt_spans = []
    for match in JWT.finditer(line):
        header = b64url_json(match.group(0).split(".")[0])
        if header is None:
            continue
        jwt_spans.append(match.span())
        alg = header.get("alg", "?")
        scan.findings.append(f"{where}:JWT-shaped token (alg {alg}) {mask(match.group(0))}")
    for match in REFRESH.finditer(line):
        if any(start <= match.start() < end for start, end in jwt_spans) or not is_random_base64url(match.group(0)):
            continue
        scan.findings.append(f"{where}:refresh-token-shaped value (43 base64url characters) {mask(match.group(0))}")
    for match in BEARER.finditer(line):
        if any(start <= match.start(1) < end for start, end in jwt_spans):
            continue  # reported as a JWT already
        scan.findings.append(f"{where}:Bearer credentials {mask(match.group(1))}")
    for match in BASIC.finditer(line):
        try:
            decoded = base64.b64decode(match.group(1) + "=" * (-len(match.group(1)) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            continue
        if ":" in decoded:
            scan.findings.append(f"{where}:HTTP Basic credentials for {decoded.split(':', 1)[0]!r} {mask(match.group(1))}")
    for match in FIELD.finditer(line):
        value = next(g for g in match.groups()[1:] if g is not None)
        if FIELD_SAFE.match(value.strip()):
            continue
        scan.findings.append(f"{where}:credential field {match.group(1)!r} with a value {mask(value)}")


def scan_file(scan: Scan, path: Path, shown_as: str) -> None:
    scan.files += 1
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            scan.bytes += len(raw)
            scan_line(scan, f"{shown_as}:{number}", raw.decode("utf-8", errors="replace"))


def scan_logs(scan: Scan, log_dirs: list[Path]) -> None:
    for directory in log_dirs:
        for dirpath, _dirs, files in os.walk(directory):
            for name in sorted(files):
                path = Path(dirpath) / name
                if path.is_file():
                    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                    scan_file(scan, path, str(shown))


def build(env_file: Path | None, test_dirs: list[Path]) -> tuple[Scan, int]:
    scan = Scan()
    if env_file is not None:
        add_settings(scan, read_env_file(env_file), env_file.name)
    # Only the passwords the project's own scripts pass through the environment (tools/admin,
    # localstack/api-schema.sh), never anything else this process happens to inherit.
    add_settings(scan, {k: os.environ[k] for k in ENVIRONMENT_SECRETS if os.environ.get(k)}, "environment")
    passwords = add_test_passwords(scan, test_dirs)
    return scan, passwords


def report(scan: Scan, passwords: int, out=sys.stdout) -> int:
    for finding in scan.findings:
        print(finding, file=out)
    searched = len({n.what.split(" (")[0] for n in scan.needles})
    print(
        f"scanned {scan.files} files, {scan.bytes} bytes; searched for {searched} secret values "
        f"({len(scan.needles)} encodings, {passwords} test passwords) and JWT, refresh-token, Bearer, Basic and credential-field shapes",
        file=out,
    )
    if scan.skipped:
        names = ", ".join(sorted(set(scan.skipped)))
        print(f"not searched (shorter than {MIN_SECRET_LEN} characters, a common local default, or equal to a public setting): {names}", file=out)
    print(f"{len(scan.findings)} finding(s)", file=out)
    return 1 if scan.findings else 0


def self_test() -> int:
    """Plants one of each kind in a temporary log and expects each to be found, unprinted."""
    import io

    jwt_secret = "5e01c0ffee5e01c0ffee5e01c0ffee5e01c0ffee5e01c0ffee5e01c0ffee5e01"
    client_secret = "4687aa11bb22cc33dd44ee55ff667788"
    test_password = "planted test password 42"
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    payload = base64.urlsafe_b64encode(b'{"sub":"42","jti":"x"}').decode().rstrip("=")
    token = f"{header}.{payload}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    none_header = base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=")
    none_token = f"{none_header}.{payload}."
    refresh = "q3b2Y1x9Yz8m0n7v6c5x4z3a2s1d0f9g8h7j6k5l4p3"
    basic = base64.b64encode(f"tenant-service:{client_secret}".encode()).decode()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "logs" / "nested").mkdir(parents=True)
        (root / "tests").mkdir()
        env = root / "stack.env"
        env.write_text(
            "\n".join(
                [
                    "# comment",
                    "PG_USER=postgres",
                    "PG_PASSWORD=postgres",
                    f"JWT_SECRET={jwt_secret}",
                    f'INTROSPECTION_CLIENTS="tenant-service:{client_secret}"',
                    "INTROSPECTION_CLIENT_ID=tenant-service",
                    f"INTROSPECTION_CLIENT_SECRET={client_secret}",
                    "AWS_ACCESS_KEY_ID=AKIAPUBLICIDENTIFIER",
                    "AWS_SECRET_ACCESS_KEY=test",
                    "MONGO_URI=mongodb://app:mongo-planted-pass@127.0.0.1:27017/",
                ]
            )
            + "\n"
        )
        (root / "tests" / "planted.rs").write_text(f'const PASSWORD: &str = "{test_password}";\nlet b = json!({{"password": "x"}});\n')
        planted = {
            "gateway.log": [
                '{"level":"INFO","fields":{"message":"request rejected","code":"INVALID_TOKEN"}}',
                f'{{"level":"ERROR","fields":{{"message":"config","secret":"{jwt_secret}"}}}}',
                f'{{"fields":{{"authorization":"Bearer {token}"}}}}',
                f"invoke with token {none_token} done",
                f'{{"fields":{{"message":"refresh","refreshToken":"{refresh}"}}}}',
                f"introspect Authorization: Basic {basic}",
                f'body: {{"username":"alice","password":"{test_password}"}}',
                f"form token={urllib.parse.quote_plus(test_password)}",
                "connecting to mongodb://app:mongo-planted-pass@127.0.0.1:27017/",
            ],
            "nested/event-source.log": [f"client secret {client_secret} in a message"],
            "clean.log": [
                '{"timestamp":"2026-11-24T11:45:11Z","level":"INFO","fields":{"message":"queue resolved","queue_url":"http://127.0.0.1:4566/queue/x"}}',
                "requestId 0370eb96-8d64-4972-9aa4-4ba807a48195 xrayTraceId Root=1-6b0578c6-eff4c59fafc5c3345162edf4;Parent=2f41ac9a2a737c39",
                "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 key images/8204477898018-b8d3a0107d694fed.png",
                "PostgreSQL 16 as postgres; AWS_ACCESS_KEY_ID AKIAPUBLICIDENTIFIER test test",
                '{"code":"TOKEN_REVOKED","error":"the token has been revoked","password":"***"}',
                "running target/debug/deps/security-967464f1c38d7cc8 chat_sessions_user_id_fkey_violation_name_here",
                "   3: aws_config::imds::client::token::TokenResolver::new",
            ],
        }
        for name, lines in planted.items():
            (root / "logs" / name).write_text("\n".join(lines) + "\n")

        saved = {k: os.environ.pop(k) for k in ENVIRONMENT_SECRETS if k in os.environ}
        try:
            scan, passwords = build(env, [root / "tests"])
        finally:
            os.environ.update(saved)
        scan_logs(scan, [root / "logs"])
        out = io.StringIO()
        status = report(scan, passwords, out)
        text = out.getvalue()

    failures = []
    expected = {
        "gateway.log:2:JWT_SECRET": "the JWT secret",
        "gateway.log:3:JWT-shaped token (alg HS256)": "a JWT",
        "gateway.log:4:JWT-shaped token (alg none)": "an alg:none JWT",
        "gateway.log:5:refresh-token-shaped value": "a refresh token",
        "gateway.log:5:credential field 'refreshToken'": "a refreshToken field",
        "gateway.log:6:INTROSPECTION_CLIENTS[tenant-service] (stack.env) (HTTP Basic credentials)": "Basic credentials of the client",
        "gateway.log:6:HTTP Basic credentials for 'tenant-service'": "Basic credentials by shape",
        "gateway.log:7:test password from": "a test password",
        "gateway.log:7:credential field 'password'": "a password field",
        "gateway.log:8:test password from": "a form-encoded test password",
        "gateway.log:9:password in MONGO_URI": "a password in a URL",
        "event-source.log:1:INTROSPECTION_CLIENTS[tenant-service]": "the client secret in a nested log",
    }
    for prefix, what in expected.items():
        if not any(prefix in line for line in text.splitlines()):
            failures.append(f"not found: {what} ({prefix})")
    if "clean.log" in text:
        failures.append("findings in a log of ordinary lines: " + "; ".join(l for l in text.splitlines() if "clean.log" in l))
    for value in (jwt_secret, client_secret, test_password, token, refresh, basic, "mongo-planted-pass"):
        if value in text:
            failures.append(f"a planted value was printed ({mask(value)})")
    if "PG_PASSWORD" not in text.split("not searched", 1)[-1] or "AWS_SECRET_ACCESS_KEY" not in text:
        failures.append("weak values were not listed as not searched")
    if "AWS_ACCESS_KEY_ID" in text:
        failures.append("the public AWS_ACCESS_KEY_ID was treated as a secret")
    if status != 1:
        failures.append(f"exit status {status} with findings, expected 1")
    if passwords < 1:
        failures.append("no test password collected")
    if failures:
        print("self-test FAILED:", *failures, sep="\n  ")
        print("scanner output was:\n" + text)
        return 1
    findings = sum(1 for line in text.splitlines() if ".log:" in line)
    print(f"self-test passed: {findings} planted findings reported, none in the clean log, no planted value printed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logs", action="append", type=Path, help="log directory to scan (repeatable; default .local/logs)")
    parser.add_argument("--env", type=Path, default=ROOT / ".local" / "stack.env", help="the stack's settings (default .local/stack.env)")
    parser.add_argument("--tests", action="append", type=Path, help="directory of test sources to take passwords from (default tests/tests, tests/src)")
    parser.add_argument("--self-test", action="store_true", help="plant secrets in a temporary log and check that each is found")
    parser.add_argument("--verbose", action="store_true", help="also list what is searched for (names only)")
    args = parser.parse_args()
    if args.self_test:
        return self_test()

    log_dirs = args.logs or [ROOT / ".local" / "logs"]
    missing = [d for d in log_dirs if not d.is_dir()]
    if missing:
        print(f"no log directory: {', '.join(map(str, missing))} (run the stack and the tests first)", file=sys.stderr)
        return 2
    env_file = args.env if args.env.is_file() else None
    if env_file is None:
        print(f"warning: {args.env} not found; only the environment, the tests' passwords and token shapes are searched", file=sys.stderr)
    try:
        scan, passwords = build(env_file, args.tests or [ROOT / "tests" / "tests", ROOT / "tests" / "src"])
    except OSError as e:
        print(f"cannot read the settings: {e}", file=sys.stderr)
        return 2
    if args.verbose:
        for needle in scan.needles:
            print(f"searching: {needle.what}")
    scan_logs(scan, log_dirs)
    return report(scan, passwords)


if __name__ == "__main__":
    sys.exit(main())
