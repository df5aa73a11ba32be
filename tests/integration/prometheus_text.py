"""A small parser of the Prometheus text exposition format (0.0.4), strict enough to catch a
malformed /metrics: every sample line must parse, every family must have HELP and TYPE
before its samples, and a name may be declared once."""
import re
import urllib.request

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def _unescape(value):
    return value.replace('\\n', '\n').replace('\\"', '"').replace('\\\\', '\\')


def _labels(text):
    labels = {}
    pos = 0
    while pos < len(text):
        match = _LABEL.match(text, pos)
        if not match:
            raise ValueError(f"bad labels: {text!r}")
        labels[match.group(1)] = _unescape(match.group(2))
        pos = match.end()
    return labels


def parse(text):
    """{(name, frozenset(labels.items())): value} and {family: type}."""
    samples = {}
    types = {}
    helped = set()
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            if name in helped:
                raise ValueError(f"HELP twice for {name}")
            helped.add(name)
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            if name in types:
                raise ValueError(f"TYPE twice for {name}")
            if kind not in ("counter", "gauge", "histogram", "summary", "untyped"):
                raise ValueError(f"bad type {kind}")
            types[name] = kind
            continue
        if line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if not match:
            raise ValueError(f"bad sample line: {line!r}")
        name, _, label_text, value = match.groups()
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        if family not in types:
            raise ValueError(f"sample before its TYPE: {line!r}")
        key = (name, frozenset(_labels(label_text or "").items()))
        if key in samples:
            raise ValueError(f"duplicate sample: {line!r}")
        samples[key] = float(value)
    return samples, types


class Metrics:
    def __init__(self, text):
        self.text = text
        self.samples, self.types = parse(text)

    def get(self, name, **labels):
        """The sample's value, or 0.0 when it is absent (a counter not yet created)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def has(self, name, **labels):
        return (name, frozenset(labels.items())) in self.samples

    def sum(self, name):
        return sum(v for (n, _), v in self.samples.items() if n == name)


def scrape(admin_url):
    with urllib.request.urlopen(admin_url + "/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return Metrics(response.read().decode())
