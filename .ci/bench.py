#!/usr/bin/env python3
"""`make bench`: OAuth Lab's speed and size budgets (issue 13), measured on this machine.

Starts the release binary (`target/release/oauthlab serve`) on a fresh SQLite database in
a temporary folder, on 127.0.0.1 and a free port, with the per-client rate limit raised
out of the way, and the yardstick (`target/release/yardstick`: a bare axum server and the
raw ES256 signing rate, built from `server/src/bin/yardstick.rs`). Then measures, one
function per row of the budgets table:

- P1 a check (progress saved) in requests/s against the bare JSON echo, and its p99 at a
  fixed rate of half the measured capacity; a failing step 1 check likewise; then the same
  on PostgreSQL when OAUTHLAB_TEST_POSTGRES names a server (`make bench` starts a throwaway
  one with .ci/with-postgres), in a database of its own;
- P2 every page of the catalog rendered, against the same bytes served static;
- P3 bytes over the wire for a first visit and a repeat visit of each exercise page;
- P4 the practice token endpoint's refresh_token grant in tokens/s, against the raw ES256
  signing rate;
- P5 check latency with 1 000 000 learners stored against 1 000, and resident memory.

Prints a markdown table. Load comes from `oha` (pinned by the Makefile; its `-q` holds a
fixed rate) and, where every request needs a body of its own (P4), `yardstick load`.
Loopback only; every load run lasts BENCH_SECONDS (default 5). Not part of `make test`.

Run from the repository root: `python3 .ci/bench.py` (after `make build` and
`cargo build --release -p server --bin yardstick`), or `make bench`, which does all that.
Environment: BENCH_SECONDS, BENCH_CONNECTIONS (default 32), OHA (the oha binary),
BENCH_LEARNERS (default 1000000, the large P5 database), BENCH_ONLY (rows to run, e.g.
"P1,P4"; all when unset), BENCH_KEEP=1 keeps the temporary folder.
"""

import base64
import contextlib
import glob
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OAUTHLAB = os.path.join(ROOT, "target/release/oauthlab")
YARDSTICK = os.path.join(ROOT, "target/release/yardstick")
OHA = os.environ.get("OHA", "oha")
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "1000000"))
ONLY = [r.strip().upper() for r in os.environ.get("BENCH_ONLY", "P1,P2,P3,P4,P5").split(",")]
# Per client per minute: far above what the load reaches, so only the server's speed counts.
RATE_LIMIT = "1000000000"
# What a browser sends; pages and assets are measured as they are sent compressed.
ACCEPT_ENCODING = "br, gzip"
STEP = "/api/v1/exercises/{slug}/steps/{step}/check"
# P5's fixed load: a modest rate, few connections.
P5_RATE = 200
P5_CONNECTIONS = 4
P5_ROUNDS = 3
# No one run of a tool may take longer than this (seconds): a run that hangs fails the bench.
BOUND = 10 * SECONDS + 60

ROWS = []  # what the table prints: dicts of row, what, measured, yardstick, ratio, budget, met


def row(name, what, measured, budget, met, yardstick="", ratio=""):
    ROWS.append(dict(row=name, what=what, measured=measured, yardstick=yardstick, ratio=ratio,
                     budget=budget, met=met))
    print(f"  {name} {what}: {measured}" + (f" vs {yardstick} ({ratio})" if yardstick else ""),
          file=sys.stderr, flush=True)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- processes -------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, proc, what):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"bench: {what} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    sys.exit(f"bench: {what} did not listen on {port} within 30 s")


class Process:
    """A child process listening on a port of 127.0.0.1; stopped with SIGTERM."""

    def __init__(self, args, log_path, what):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = [a.format(port=self.port, base=self.base) for a in args]
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self.port, self.proc, what)
        self.listening = time.monotonic()

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        return kb / 1024

    def cpu_seconds(self):
        """User and system CPU time the process has used so far."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, timeout=300):
        """Wait until the process uses under 2% of a core over half a second (the work it
        does on its own at start is done); the seconds since it listened."""
        started = time.monotonic()
        before = self.cpu_seconds()
        while time.monotonic() - started < timeout:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - before < 0.01:
                break
            before = now
        return time.monotonic() - self.listening

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@contextlib.contextmanager
def oauthlab(db_path, tmp, name="oauthlab", database=None):
    """`oauthlab serve` on the SQLite file `db_path` (made and migrated when missing), or on
    `database` (a PostgreSQL URL) with a key file in `tmp`, logging to `name`.log in `tmp`."""
    storage = ["--database", f"sqlite:{db_path}"] if database is None else \
        ["--database", database, "--server-key-file", os.path.join(tmp, f"{name}.key")]
    server = Process([OAUTHLAB, "serve", "--addr", "127.0.0.1:{port}", *storage,
                      "--public-url", "{base}", "--rate-limit", RATE_LIMIT],
                     os.path.join(tmp, f"{name}.log"), "oauthlab serve")
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def yardstick(tmp, static_dir=None):
    args = [YARDSTICK, "serve", "--addr", "127.0.0.1:{port}"]
    if static_dir:
        args += ["--static", static_dir]
    ys = Process(args, os.path.join(tmp, "yardstick.log"), "yardstick serve")
    try:
        yield ys
    finally:
        ys.stop()


# ---- HTTP ------------------------------------------------------------------------------


def request(base, method, path, body=None, headers=None):
    """One request; (status, headers, body bytes as they came over the wire)."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request(method, path, body, headers or {})
        res = conn.getresponse()
        return res.status, res.headers, res.read()
    finally:
        conn.close()


class Learner:
    """A client of the site that keeps its session cookie."""

    def __init__(self, base):
        self.base = base
        self.cookie = None

    def call(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        status, got, data = request(self.base, method, path, body, headers)
        for value in got.get_all("Set-Cookie") or []:
            self.cookie = value.split(";", 1)[0]
        return status, got, data

    def json(self, method, path, value=None):
        body = None if value is None else json.dumps(value)
        status, _, data = self.call(method, path, body, {"Content-Type": "application/json"})
        if status >= 300:
            sys.exit(f"bench: {method} {path}: {status} {data[:300]!r}")
        return json.loads(data) if data else None

    def check(self, step, text, slug="refresh"):
        return self.json("POST", STEP.format(slug=slug, step=step), {"input": text})

    def authorization_url(self, challenge, scope="offline_access", state="Xq3v9LwP2sTa"):
        app = self.json("GET", "/api/v1/practice/app")
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": app["client_id"], "state": state, "scope": scope,
            "redirect_uri": self.base + "/redirect", "code_challenge": challenge,
            "code_challenge_method": "S256"})
        return f"{self.base}/oauth2/authorize?{query}"

    def pass_steps(self, n):
        """Pass the refresh exercise's first n steps (n <= 3); the step 3 input."""
        pkce = self.json("POST", "/api/v1/pkce/generate", {})
        url = self.authorization_url(pkce["challenge"])
        for step, text in [("verifier", pkce["verifier"]), ("challenge", pkce["challenge"]),
                           ("authorization-url", url)][:n]:
            verdict = self.check(step, text)
            if not verdict["passed"]:
                sys.exit(f"bench: step {step} did not pass: {verdict}")
        return url


def oha(url, method="GET", headers=(), bodies=None, qps=None, connections=CONNECTIONS, expect=(200,)):
    """An oha run of SECONDS: requests/s and latency percentiles (ms). `bodies`: a file of
    request bodies, one a line, each request taking one at random."""
    args = [OHA, url, "-z", f"{SECONDS}s", "-c", str(connections), "--no-tui", "--output-format", "json",
            "-m", method]
    for h in headers:
        args += ["-H", h]
    if bodies is not None:
        args += ["-Z", bodies]
    if qps:
        args += ["-q", f"{qps:.0f}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=BOUND).stdout
    result = json.loads(out)
    statuses = {int(k): v for k, v in (result.get("statusCodeDistribution") or {}).items()}
    unexpected = {k: v for k, v in statuses.items() if k not in expect}
    if unexpected or not statuses:
        log(f"  warning: {method} {url}: answers {statuses}, errors {result.get('errorDistribution')}")
    pct = result.get("latencyPercentiles") or {}
    return {"rps": result["summary"]["requestsPerSec"],
            "p50": (pct.get("p50") or 0) * 1000, "p99": (pct.get("p99") or 0) * 1000}


def lines_file(tmp, name, lines):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.writelines(line + "\n" for line in lines)
    return path


def step3_inputs(url, n=1000):
    """n authorization URLs that pass step 3, each with its own state parameter: a check
    saves what it was given, and SQLite writes nothing when a row is saved unchanged, so
    the same input over and over would measure no write at all."""
    return [url.replace("state=Xq3v9LwP2sTa", f"state=Xq3v9LwP{i:04d}") for i in range(n)]


def load(requests, tmp, name, out=True):
    """`yardstick load`: each request once, CONNECTIONS at a time. (summary, answers)."""
    path = os.path.join(tmp, f"{name}.jsonl")
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in requests)
    args = [YARDSTICK, "load", "--requests", path, "--concurrency", str(CONNECTIONS)]
    if out:
        args += ["--out", path + ".out"]
    # N requests at an unknown rate: bounded, more loosely than one oha run.
    summary = json.loads(subprocess.run(args, capture_output=True, text=True, check=True, timeout=5 * BOUND).stdout)
    answers = []
    if out:
        with open(path + ".out") as f:
            answers = [json.loads(line) for line in f if line.strip()]
    return summary, answers


# ---- formatting ------------------------------------------------------------------------


def num(x):
    """A whole number with spaces between thousands: 1 000 000."""
    return f"{x:,.0f}".replace(",", " ")


def per_s(x):
    return f"{num(x)}/s"


def kb(n):
    return f"{n / 1000:.1f} KB"


def ratio_met(ratio, at_least):
    return f"{ratio:.2f}", ratio >= at_least


# ---- the rows --------------------------------------------------------------------------


def passing_step3_inputs(learner):
    """The learner passes steps 1-3; then step 3 inputs that pass, each another."""
    return step3_inputs(learner.pass_steps(3))


def failing_step1_inputs(_learner):
    """Verifiers of 1 to 42 characters: each too short, each verdict says another length."""
    return [secrets.token_urlsafe(32)[:n] for n in range(1, 43)]


def p1_check(server, tmp, on=""):
    """P1: a check with progress saved (step 3, passing) and a failing step 1 check, in
    requests/s against the bare echo given the same bodies and headers, then p50 and p99
    at a fixed rate of half the capacity measured. Each request's input differs from the
    one before (see step3_inputs), so each saves a changed row."""
    with yardstick(tmp) as ys:
        for label, step, inputs in [
            ("step 3 check, passing, progress saved", "authorization-url", passing_step3_inputs),
            ("step 1 check, failing, verdict saved", "verifier", failing_step1_inputs),
        ]:
            learner = Learner(server.base)
            learner.call("GET", "/api/v1/exercises")  # a session
            bodies = lines_file(tmp, f"p1-{step}.txt", [json.dumps({"input": i}) for i in inputs(learner)])
            headers = ["Content-Type: application/json", f"Cookie: {learner.cookie}"]
            path = STEP.format(slug="refresh", step=step)
            full = oha(server.base + path, "POST", headers, bodies)
            echo = oha(ys.base + "/echo", "POST", headers, bodies)
            ratio, met = ratio_met(full["rps"] / echo["rps"], 0.5)
            row("P1", f"{on}{label}: requests/s", per_s(full["rps"]), ">= 0.5 of echo", met,
                per_s(echo["rps"]), ratio)
            half = full["rps"] / 2
            at_half = oha(server.base + path, "POST", headers, bodies, qps=half)
            echo_half = oha(ys.base + "/echo", "POST", headers, bodies, qps=half)
            row("P1", f"{on}{label}: p50 / p99 at {per_s(half)}",
                f"{at_half['p50']:.2f} / {at_half['p99']:.2f} ms", "p99 <= 5 ms", at_half["p99"] <= 5,
                f"{echo_half['p50']:.2f} / {echo_half['p99']:.2f} ms")


def postgres_database():
    """A new database on the PostgreSQL server OAUTHLAB_TEST_POSTGRES names (made with
    psql), or None when it names none."""
    admin = os.environ.get("OAUTHLAB_TEST_POSTGRES")
    if not admin:
        return None
    psql = shutil.which("psql") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True)), None)
    if psql is None:
        sys.exit("bench: psql is missing (Debian's postgresql package has it)")
    name = f"oauthlab_bench_{secrets.token_hex(6)}"
    subprocess.run([psql, admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(admin)._replace(path="/" + name))


def catalog_pages(server):
    """The home page and every exercise page of the catalog (new exercises come in here)."""
    exercises = Learner(server.base).json("GET", "/api/v1/exercises")
    return [("home", "/")] + [(f"exercise {e['slug']}", f"/exercises/{e['slug']}") for e in exercises]


def p2_pages(server, tmp):
    """P2: each page rendered, with a session cookie and without (a first visit, which
    starts a session), against the same bytes served static by the yardstick."""
    static = os.path.join(tmp, "static")
    os.makedirs(static, exist_ok=True)
    runs = []
    for label, path in catalog_pages(server):
        learner = Learner(server.base)
        learner.call("GET", "/api/v1/exercises")  # a session
        for who, cookie in [("with a session", learner.cookie), ("first visit, no cookie", None)]:
            headers = {"Accept-Encoding": ACCEPT_ENCODING}
            if cookie:
                headers["Cookie"] = cookie
            status, got, data = request(server.base, "GET", path, None, headers)
            if status != 200:
                sys.exit(f"bench: GET {path}: {status}")
            encoding = {"br": ".br", "gzip": ".gz"}.get(got.get("Content-Encoding", ""), "")
            name = f"page{len(runs)}.html{encoding}"
            with open(os.path.join(static, name), "wb") as f:
                f.write(data)
            runs.append((f"{label} ({path}), {who}", path, name, [f"{k}: {v}" for k, v in headers.items()]))
    with yardstick(tmp, static) as ys:
        for label, path, name, headers in runs:
            page = oha(server.base + path, "GET", headers)
            same = oha(f"{ys.base}/static/{name}", "GET", headers)
            ratio, met = ratio_met(page["rps"] / same["rps"], 0.25)
            row("P2", f"{label}: pages/s", per_s(page["rps"]), ">= 0.25 of static", met,
                per_s(same["rps"]), ratio)


def asset_kind(path):
    ext = path.rsplit(".", 1)[-1]
    return {"css": "CSS", "js": "JS", "wasm": "WASM"}.get(ext, "other")


def p3_bytes(server, tmp):
    """P3: bytes over the wire (bodies as sent with Accept-Encoding: br, gzip) of a first
    visit to each exercise page, and of the assets of a repeat visit (0 when the first
    answer let the browser keep them: Cache-Control immutable; else a conditional GET)."""
    for label, path in catalog_pages(server)[1:]:
        status, _, html = request(server.base, "GET", path, None, {"Accept-Encoding": ACCEPT_ENCODING})
        _, _, plain = request(server.base, "GET", path)
        if status != 200:
            sys.exit(f"bench: GET {path}: {status}")
        links = sorted(set(re.findall(r'(?:href|src)="(/(?:pkg/[^"]+|favicon[^"]*))"', plain.decode())))
        first = {"HTML": len(html), "CSS": 0, "JS": 0, "WASM": 0, "other": 0}
        repeat, again_fetched = 0, []
        for link in links:
            status, got, body = request(server.base, "GET", link, None, {"Accept-Encoding": ACCEPT_ENCODING})
            if status != 200:
                sys.exit(f"bench: GET {link}: {status}")
            first[asset_kind(link)] += len(body)
            if "immutable" not in (got.get("Cache-Control") or ""):
                again = {"Accept-Encoding": ACCEPT_ENCODING}
                if got.get("ETag"):
                    again["If-None-Match"] = got["ETag"]
                if got.get("Last-Modified"):
                    again["If-Modified-Since"] = got["Last-Modified"]
                size = len(request(server.base, "GET", link, None, again)[2])
                repeat += size
                if size:
                    again_fetched.append(f"{link.rsplit('/', 1)[-1]} {size} B, {got.get('Cache-Control')}")
        total = sum(first.values())
        parts = ", ".join(f"{k} {kb(v)}" for k, v in first.items() if v)
        row("P3", f"{label} ({path}), first visit: bytes over the wire", f"{kb(total)} ({parts})",
            "<= 150 KB", total <= 150_000)
        row("P3", f"{label} ({path}), repeat visit: asset bytes", f"{repeat} B" + "".join(f" ({a})" for a in again_fetched) + f"; HTML {kb(len(html))} again",
            "0 B", repeat == 0)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signing_rate():
    """`yardstick sign` for SECONDS: ES256 signatures/s on every core."""
    return json.loads(subprocess.run([YARDSTICK, "sign", "--seconds", str(SECONDS)], capture_output=True,
                                     text=True, check=True, timeout=BOUND).stdout)


def p4_tokens(server, tmp):
    """P4: the token endpoint's refresh_token grant in tokens/s, each request with a
    refresh token of its own (from code flows run beforehand), against the raw ES256
    signing rate of this machine on every core, measured before and after (the higher of
    the two counts: other work on the machine must not make the budget look met). The
    scope is offline_access alone, so each grant signs one JWT (openid would add an ID
    token)."""
    sign = signing_rate()
    # About SECONDS of work at the budget's rate, within bounds.
    n = max(500, min(50_000, int(sign["per_second"] * SECONDS * 0.5)))
    learner = Learner(server.base)
    learner.json("PUT", "/api/v1/practice/app", {"refresh_tokens_enabled": True})
    app = learner.json("GET", "/api/v1/practice/app")
    basic = "Basic " + base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    verifier = b64url(secrets.token_bytes(48))
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    url = learner.authorization_url(challenge)
    query = urllib.parse.urlsplit(url).query
    status, _, _ = learner.call("POST", "/oauth2/authorize", query + "&decision=allow",
                                {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 303:
        sys.exit(f"bench: consent: {status}")
    authorize = {"method": "GET", "url": url, "headers": {"Cookie": learner.cookie}}
    _, answers = load([authorize] * n, tmp, "p4-authorize")
    codes = [urllib.parse.parse_qs(urllib.parse.urlsplit(a["location"] or "").query).get("code", [""])[0]
             for a in answers]
    form = {"Authorization": basic, "Content-Type": "application/x-www-form-urlencoded"}
    exchanges = [{"method": "POST", "url": server.base + "/oauth2/token", "headers": form,
                  "body": urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                                  "redirect_uri": server.base + "/redirect",
                                                  "code_verifier": verifier})}
                 for code in codes if code]
    _, answers = load(exchanges, tmp, "p4-exchange")
    tokens = [json.loads(a["body"]).get("refresh_token") for a in answers if a["status"] == 200]
    tokens = [t for t in tokens if t]
    if len(tokens) < n * 0.9:
        sys.exit(f"bench: only {len(tokens)} refresh tokens out of {n} code flows")
    refreshes = [{"method": "POST", "url": server.base + "/oauth2/token", "headers": form,
                  "body": urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": t})}
                 for t in tokens]
    summary, _ = load(refreshes, tmp, "p4-refresh", out=False)
    if summary["statuses"] != {"200": len(tokens)}:
        log(f"  warning: refresh answers {summary['statuses']}")
    after = signing_rate()
    sign = max(sign, after, key=lambda r: r["per_second"])
    ratio, met = ratio_met(summary["per_second"] / sign["per_second"], 0.5)
    row("P4", f"token endpoint, refresh_token grant ({num(len(tokens))} tokens): tokens/s",
        per_s(summary["per_second"]), ">= 0.5 of signing", met,
        f"{per_s(sign['per_second'])} ES256 signatures ({sign['threads']} threads)", ratio)


def seed_learners(db_path, count):
    """Store `count` more learners in the (migrated, closed) database: copies of its one
    learner's progress row and practice application, under new random ids, in bulk."""
    db = sqlite3.connect(db_path)
    try:
        # A bulk load into a scratch file: no journal (the server turns WAL back on at start).
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        state, steps, completed = db.execute(
            "SELECT state, steps_passed, completed FROM progress LIMIT 1").fetchone()
        now = int(time.time())
        with db:
            db.execute(
                """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                   INSERT INTO progress (learner_id, exercise, state, steps_passed, completed, updated_at)
                   SELECT substr(lower(hex(randomblob(8))), 1, 16), 'refresh', ?, ?, ?, ? FROM n""",
                (count, state, steps, completed, now))
            db.execute(
                """INSERT OR IGNORE INTO practice_apps
                       (learner_id, client_id, refresh_tokens_enabled, created_at, updated_at)
                   SELECT learner_id, 'lab_' || lower(hex(randomblob(11))), 0, ?, ? FROM progress""",
                (now, now))
        return db.execute("SELECT COUNT(*) FROM progress").fetchone()[0], len(state)
    finally:
        db.close()


def p5_scale(tmp):
    """P5: a passing step 3 check at a modest fixed rate, with 1 000 learners stored and
    with BENCH_LEARNERS (1 000 000), each learner a progress row (the state of one who
    passed steps 1-3) and a practice application; then the server's resident memory.
    Both servers run side by side and are loaded in turn, P5_ROUNDS times each, and the
    medians compared: what the machine does meanwhile then weighs on both alike."""
    stored = {}
    for count in (1_000, LEARNERS):
        db_path = os.path.join(tmp, f"p5-{count}.db")
        with oauthlab(db_path, tmp, f"p5-{count}") as server:
            Learner(server.base).pass_steps(3)
        started = time.monotonic()
        stored[count], state_len = seed_learners(db_path, count - 1)
        log(f"  P5 seeded {num(stored[count])} learners ({state_len} B of state each) in "
            f"{time.monotonic() - started:.0f} s")
    with contextlib.ExitStack() as stack:
        servers = {count: stack.enter_context(oauthlab(os.path.join(tmp, f"p5-{count}.db"), tmp, f"p5-{count}"))
                   for count in stored}
        # The hourly housekeeping runs once at start, over every learner: timed apart,
        # and waited for, so the latency below is the steady state's.
        busy = {count: server.wait_idle() for count, server in servers.items()}
        runs = {}
        for count, server in servers.items():
            learner = Learner(server.base)
            bodies = lines_file(tmp, f"p5-{count}.txt",
                                [json.dumps({"input": i}) for i in passing_step3_inputs(learner)])
            url = server.base + STEP.format(slug="refresh", step="authorization-url")
            runs[count] = (url, ["Content-Type: application/json", f"Cookie: {learner.cookie}"], bodies)
        figures = {count: [] for count in servers}
        for _ in range(P5_ROUNDS):
            for count, (url, headers, bodies) in runs.items():
                figures[count].append(oha(url, "POST", headers, bodies, qps=P5_RATE, connections=P5_CONNECTIONS))
        rss = {count: server.rss_mb() for count, server in servers.items()}

    def median(count, key):
        return statistics.median(f[key] for f in figures[count])

    (small, big) = (1_000, LEARNERS)
    p50 = median(big, "p50") / median(small, "p50")
    row("P5", f"step 3 check p50 / p99 at {P5_RATE}/s (medians of {P5_ROUNDS} runs), {num(stored[big])} "
        f"learners stored (yardstick column: {num(stored[small])})",
        f"{median(big, 'p50'):.2f} / {median(big, 'p99'):.2f} ms", "p50 <= 1.2x", p50 <= 1.2,
        f"{median(small, 'p50'):.2f} / {median(small, 'p99'):.2f} ms", f"{p50:.2f}")
    row("P5", f"busy at start (the housekeeping's scan of every learner), {num(stored[big])} learners stored",
        f"{busy[big]:.1f} s", "no budget", None, f"{busy[small]:.1f} s with {num(stored[small])}")
    row("P5", f"resident memory (VmRSS) at the end, {num(stored[big])} learners stored",
        f"{rss[big]:.1f} MB", "<= 64 MB", rss[big] <= 64, f"{rss[small]:.1f} MB with {num(stored[small])}")


# ---- main ------------------------------------------------------------------------------


def machine():
    cpu = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    mem = ""
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        kb_total = int(next(line.split()[1] for line in f if line.startswith("MemTotal:")))
        mem = f", {kb_total / 1024 / 1024:.1f} GiB RAM"
    return f"{os.cpu_count()} cores ({cpu}){mem}"


def load_average():
    """The 1-minute load average: other work on the machine shows in every figure."""
    with contextlib.suppress(OSError), open("/proc/loadavg") as f:
        return f.read().split()[0]
    return "?"


def print_table():
    print("| row | what | measured | yardstick | ratio | budget | met |")
    print("|---|---|---|---|---|---|---|")
    for r in ROWS:
        met = "-" if r["met"] is None else "met" if r["met"] else "**missed**"
        print(f"| {r['row']} | {r['what']} | {r['measured']} | {r['yardstick']} | {r['ratio']} | {r['budget']} | {met} |")


def main():
    for binary in (OAUTHLAB, YARDSTICK):
        if not os.access(binary, os.X_OK):
            sys.exit(f"bench: {binary} is missing: run `make bench` (or `make build` and "
                     "`cargo build --release -p server --bin yardstick`)")
    if shutil.which(OHA) is None:
        sys.exit(f"bench: {OHA} is missing: `make bench` installs it")
    tmp = tempfile.mkdtemp(prefix="bench-", dir=os.path.join(ROOT, "target"))
    started, load_before = time.monotonic(), load_average()
    log(f"bench: {machine()}; {SECONDS} s per run, {CONNECTIONS} connections; logs and data in {tmp}")
    try:
        with oauthlab(os.path.join(tmp, "lab.db"), tmp) as server:
            for name, measure, what in [("P1", p1_check, "checks"), ("P2", p2_pages, "pages"),
                                        ("P3", p3_bytes, "bytes over the wire"), ("P4", p4_tokens, "tokens")]:
                if name in ONLY:
                    log(f"{name}: {what}")
                    measure(server, tmp)
            rss = server.rss_mb()
        database = postgres_database() if "P1" in ONLY else None
        if database:
            log("P1 on PostgreSQL: checks")
            with oauthlab(None, tmp, "oauthlab-postgres", database) as server:
                p1_check(server, tmp, "PostgreSQL, ")
        elif "P1" in ONLY:
            log("P1 on PostgreSQL: skipped (OAUTHLAB_TEST_POSTGRES is unset)")
        if "P5" in ONLY:
            row("P5", "resident memory (VmRSS) after the rows above", f"{rss:.1f} MB", "<= 64 MB", rss <= 64)
            log("P5: check latency with many learners stored")
            p5_scale(tmp)
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(f"OAuth Lab benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, on {machine()}, "
          f"in {time.monotonic() - started:.0f} s; load average {load_before} before, {load_average()} after; "
          f"{SECONDS} s per load run, {CONNECTIONS} connections")
    print()
    print_table()


if __name__ == "__main__":
    main()
