"""Which proxy headers to believe: only those of the proxies ``TRUSTED_PROXIES`` names.

Without a proxy in front, ``X-Forwarded-For`` is whatever the client wrote: believing it would
let anyone choose the address their sign-ins are counted and logged under. So the headers are
ignored unless ``TRUSTED_PROXIES`` says there is a proxy:

- a count (``1``): that many proxies always stand in front; the address is the one the
  outermost of them appended (werkzeug's ProxyFix, ``x_for`` = the count);
- addresses or networks (``10.0.0.0/8, 192.168.1.10``): the headers are believed only when the
  request comes from one of them, and the client is the last address in ``X-Forwarded-For``
  that is not itself a listed proxy.
"""
import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix


def parse_trusted_proxies(value):
    """``TRUSTED_PROXIES`` as ``None`` (no proxy), a count, or a list of networks.
    ValueError, naming the setting, for anything else."""
    text = str(value if value is not None else "").strip()
    if not text or text == "0":
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    networks = []
    for part in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {part!r} is neither a number of proxies nor an "
                             "address or network (e.g. 1, or 10.0.0.0/8, 192.168.1.10).") from None
    return networks


def wrap(app):
    """Put the right middleware in front of ``app`` for its ``TRUSTED_PROXIES``."""
    trusted = parse_trusted_proxies(app.config.get("TRUSTED_PROXIES"))
    if isinstance(trusted, int):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=1, x_host=1)
    elif trusted:
        app.wsgi_app = TrustedProxies(app.wsgi_app, trusted)


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: ``X-Forwarded-For``, ``-Proto`` and ``-Host`` from listed proxies only."""

    def __init__(self, app, networks):
        self.app = app
        self.networks = [ipaddress.ip_network(n, strict=False) if isinstance(n, str) else n
                         for n in networks]

    def trusts(self, address):
        return address is not None and any(address in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusts(_address(environ.get("REMOTE_ADDR", ""))):
            environ["REMOTE_ADDR"] = self._client(environ)
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[-1].strip()
            if host:
                environ["HTTP_HOST"] = host
        return self.app(environ, start_response)

    def _client(self, environ):
        """Walk X-Forwarded-For from the nearest hop back past our own proxies. A hop that is
        not an address ends the walk at the last proxy that wrote a readable one."""
        client = environ["REMOTE_ADDR"]
        for hop in reversed(environ.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            address = _address(hop)
            if address is None:
                break
            client = str(address)
            if not self.trusts(address):
                break
        return client
