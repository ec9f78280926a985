"""A real SMTP server on loopback for the mail tests (aiosmtpd).

Binds 127.0.0.1 on a free port, prints "LISTENING <port>" on stdout, and
writes every accepted message to <dir>/<n>.eml, with <n>.json beside it
holding the envelope and how the session looked (TLS, login). Both files
exist before the server answers 250 to DATA, so a client whose send
returned may read them at once.

Options:
  --dir DIR              where to write (required)
  --cert PEM --key PEM   serve TLS with this certificate
  --tls-mode MODE        starttls (offered and required) or implicit
  --user U --password P  require AUTH with these (PLAIN and LOGIN)
  --auth-over-plain      offer AUTH without TLS (to test client refusal)
  --reject-domain D      answer 550 to RCPT TO for addresses at D

The server stops when its standard input closes, so a test that dies
never leaves it behind.
"""

import argparse
import asyncio
import json
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, reject_domain):
        self.directory = directory
        self.reject_domain = reject_domain
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_domain and address.lower().endswith("@" + self.reject_domain):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.directory, str(self.count))
        facts = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            # session.ssl is set by STARTTLS only; implicit TLS shows on the
            # transport.
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data.decode() if session.authenticated else None,
        }
        with open(stem + ".json", "w") as f:
            json.dump(facts, f)
        # Write then rename, so a reader never sees half a message.
        with open(stem + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.replace(stem + ".eml.tmp", stem + ".eml")
        return "250 OK"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)

    return check


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--tls-mode", choices=["starttls", "implicit"])
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--auth-over-plain", action="store_true")
    parser.add_argument("--reject-domain")
    args = parser.parse_args()

    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    sink = Sink(args.dir, args.reject_domain)
    options = {"hostname": "sink.test", "enable_SMTPUTF8": True}
    if context is not None and args.tls_mode == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if args.user:
        options.update(
            auth_required=True,
            authenticator=authenticator(args.user, args.password),
        )
    if args.auth_over_plain:
        options.update(auth_require_tls=False)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, **options),
        host="127.0.0.1",
        port=0,
        ssl=context if args.tls_mode == "implicit" else None,
    )
    port = server.sockets[0].getsockname()[1]
    print("LISTENING %d" % port, flush=True)

    stop = asyncio.Event()

    def wait_for_stdin_eof():
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_stdin_eof, daemon=True).start()
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
