#!/usr/bin/env python3
"""Test-service supervisor for the helpdesk-operator integration tests.

    python3 tests/harness/services.py [--state-dir DIR]      (DIR defaults to <repo>/target/test-services)

Stands up, for one test run: a throwaway PostgreSQL, and two django-helpdesk 2.6.1 `runserver`s on one fresh
SQLite DB (plain upstream, and "fork" = plus the dolthub fork's agent-session endpoints). Prints exactly one JSON
line on stdout when everything answers (or {"error": ...} and exit 1), then blocks reading stdin. EOF on stdin
(the parent exited or crashed), SIGTERM or SIGINT tears everything down and removes the per-run directory.
Everything else goes to stderr or to log files in the run directory. Only the standard library is used here.
"""
import argparse
import ctypes
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HARNESS_DIR = Path(__file__).resolve().parent
REPO_ROOT = HARNESS_DIR.parent.parent
DJANGO_DIR = HARNESS_DIR / "django_project"
REQUIREMENTS = HARNESS_DIR / "requirements.txt"
SETTINGS_MODULE = "harness_site.settings"
AGENT_COUNT = 16
READY_TIMEOUT = 30.0
STOP_GRACE = 5.0
MIN_PYTHON = (3, 11, 5)

SEED_CODE = r"""
import json, os
import django
django.setup()
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from helpdesk.models import Queue

password = os.environ["HARNESS_SEED_PASSWORD"]
count = int(os.environ["HARNESS_SEED_AGENTS"])
queues = []
for slug, title in (("support", "Support"), ("billing", "Billing")):
    q, _ = Queue.objects.get_or_create(slug=slug, defaults={
        "title": title, "allow_public_submission": False, "allow_email_submission": False})
    queues.append({"id": q.id, "slug": q.slug, "title": q.title})
group, _ = Group.objects.get_or_create(name="agents")

def make_user(name, staff):
    u, _ = User.objects.get_or_create(username=name)
    u.email = name + "@example.com"
    u.is_staff = u.is_superuser = staff
    u.is_active = True
    u.set_password(password)
    u.save()
    return u

agents = []
for i in range(1, count + 1):
    u = make_user("agent%d" % i, True)
    group.user_set.add(u)
    agents.append(u.username)
make_user("customer1", False)
tokens = {n: Token.objects.get_or_create(user=User.objects.get(username=n))[0].key for n in ("agent1", "agent2")}
print(json.dumps({"queues": queues, "agents": agents, "tokens": tokens}))
"""


class Failure(Exception):
    """A start-up step failed; the message is reported as {"error": ...}."""


class Stop(Exception):
    """SIGTERM / SIGINT arrived."""


def log(msg):
    print(f"[services] {msg}", file=sys.stderr, flush=True)


def tail(text_or_path, lines=30):
    if isinstance(text_or_path, Path):
        try:
            text = text_or_path.read_text(errors="replace")
        except OSError as exc:
            return f"(cannot read {text_or_path}: {exc})"
    else:
        text = text_or_path or ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run(cmd, *, what, timeout=300, **kw):
    """Run a command, capture its output, raise Failure with the output's tail if it fails."""
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as exc:
        raise Failure(f"{what}: timed out after {timeout}s\n{tail(exc.stderr if isinstance(exc.stderr, str) else '')}")
    except OSError as exc:
        raise Failure(f"{what}: cannot run {cmd[0]}: {exc}")
    if proc.returncode != 0:
        raise Failure(f"{what} failed (exit {proc.returncode}):\n{tail(proc.stderr + proc.stdout)}")
    return proc


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_answers(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def sha256_files(paths):
    """Content hash of files, named relative to the harness dir (so a moved checkout keeps its cache)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p.relative_to(HARNESS_DIR)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def django_files():
    return sorted(
        p.relative_to(HARNESS_DIR)
        for p in DJANGO_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def pid_alive_services(pid):
    """True if pid is a live process running this supervisor (guards against pid reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"services.py" in cmdline


def become_subreaper():
    """pg_ctl's daemonized postmaster is re-parented to us, not to init, so we can reap it at stop."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    except OSError:
        pass


def set_pdeathsig():
    """Child pre-exec hook: get SIGTERM if this supervisor dies (even by SIGKILL)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Services:
    def __init__(self, state_dir: Path):
        self.state = state_dir
        self.run_dir = state_dir / f"run-{os.getpid()}"
        self.venv = state_dir / "venv"
        self.python = self.venv / "bin" / "python"
        self.is_root = os.geteuid() == 0
        self.pg_bin = None
        self.pg_data = None
        self.pg_started = False
        self.sock_tmp = None
        self.servers = {}  # name -> Popen

    # ---------- shared, cached state (venv, template DB) ----------

    def lock(self):
        self.state.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.state / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    def ensure_venv(self):
        key = sha256_files([REQUIREMENTS])
        marker = self.venv / ".harness-requirements-sha256"
        if marker.is_file() and marker.read_text().strip() == key and self.python.exists():
            return key
        if sys.version_info < MIN_PYTHON:
            raise Failure(f"{sys.executable} is Python {sys.version.split()[0]}; the pinned set needs >= "
                          f"{'.'.join(map(str, MIN_PYTHON))} (soupsieve 4.1.1): run services.py with a newer python3")
        log(f"creating venv {self.venv} (requirements changed or missing)")
        t0 = time.monotonic()
        shutil.rmtree(self.venv, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(self.venv)], what="python3 -m venv")
        run([str(self.python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-input",
             "-r", str(REQUIREMENTS)], what=f"pip install -r {REQUIREMENTS}", timeout=900)
        marker.write_text(key + "\n")
        log(f"venv ready in {time.monotonic() - t0:.1f}s")
        return key

    def django_env(self, db: Path, urlconf="urls_plain"):
        return {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "HARNESS_DJANGO_DB": str(db),
            "HARNESS_URLCONF": urlconf,
            "PYTHONPYCACHEPREFIX": str(self.state / "pycache"),  # keep __pycache__ out of the source tree
            "PYTHONUNBUFFERED": "1",
        }

    def sub_env(self, extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HARNESS_", "PYTHON"))}
        env.update(extra)
        return env

    def ensure_template(self, venv_key):
        files = django_files()
        key = hashlib.sha256((venv_key + sha256_files([HARNESS_DIR / f for f in files])).encode()).hexdigest()
        template = self.state / "template.sqlite3"
        marker = self.state / "template.sha256"
        if template.is_file() and marker.is_file() and marker.read_text().strip() == key:
            return template
        log("migrating a new template DB")
        t0 = time.monotonic()
        tmp = self.state / f"template.tmp-{os.getpid()}.sqlite3"
        tmp.unlink(missing_ok=True)
        try:
            run([str(self.python), "manage.py", "migrate", "--noinput"], what="manage.py migrate (template DB)",
                cwd=DJANGO_DIR, env=self.sub_env(self.django_env(tmp)))
            marker.unlink(missing_ok=True)
            os.replace(tmp, template)
            marker.write_text(key + "\n")
        finally:
            tmp.unlink(missing_ok=True)
        log(f"template DB ready in {time.monotonic() - t0:.1f}s")
        return template

    def clean_stale_runs(self):
        for d in self.state.glob("run-*"):
            try:
                pid = int(d.name[4:])
            except ValueError:
                continue
            if pid != os.getpid() and pid_alive_services(pid):  # a dir named after our own pid is stale
                continue
            log(f"removing stale {d}")
            info = d / "children.json"
            if info.is_file():
                try:
                    children = json.loads(info.read_text())
                except ValueError:
                    children = {}
                for cpid in children.get("servers", []):
                    try:
                        if b"runserver" in Path(f"/proc/{cpid}/cmdline").read_bytes():
                            os.kill(cpid, signal.SIGKILL)
                    except OSError:
                        pass
                if children.get("pg_data") and (Path(children["pg_data"]) / "postmaster.pid").exists():
                    self.pg_bin = self.pg_bin or self.find_pg_bin()
                    subprocess.run(self.pg_cmd(["pg_ctl", "-D", children["pg_data"], "-m", "immediate", "-w",
                                                "stop"]), capture_output=True, stdin=subprocess.DEVNULL)
                if children.get("sock_tmp"):
                    shutil.rmtree(children["sock_tmp"], ignore_errors=True)
            shutil.rmtree(d, ignore_errors=True)

    def record_children(self):
        (self.run_dir / "children.json").write_text(json.dumps({
            "servers": [p.pid for p in self.servers.values()],
            "pg_data": str(self.pg_data) if self.pg_data else None,
            "sock_tmp": str(self.sock_tmp) if self.sock_tmp else None,
        }))

    # ---------- PostgreSQL ----------

    @staticmethod
    def find_pg_bin():
        initdb = shutil.which("initdb")
        if not initdb:
            # Debian's postgresql packages keep the server binaries off PATH.
            found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                           key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
            initdb = str(found[-1]) if found else None
        if not initdb:
            raise Failure("initdb not found on PATH or in /usr/lib/postgresql/*/bin: install PostgreSQL "
                          "(apt-get install postgresql) - the tests need a real server")
        return Path(os.path.realpath(initdb)).parent

    def pg_cmd(self, argv):
        cmd = [str(self.pg_bin / argv[0]), *argv[1:]]
        return ["runuser", "-u", "postgres", "--", *cmd] if self.is_root else cmd

    def start_postgres(self):
        self.pg_bin = self.find_pg_bin()
        pg_dir = self.run_dir / "pg"
        pg_dir.mkdir(mode=0o700)
        sock = pg_dir / "sock"
        if len(str(sock)) > 80:  # unix socket paths are limited to ~107 bytes
            self.sock_tmp = Path(tempfile.mkdtemp(prefix="hs-pgsock-"))
            sock = self.sock_tmp
        sock.mkdir(exist_ok=True)
        self.pg_data = pg_dir / "data"
        self.record_children()
        password = secrets.token_hex(16)
        pwfile = pg_dir / "pwfile"
        pwfile.write_text(password + "\n")
        if self.is_root:
            if subprocess.run(["getent", "passwd", "postgres"], capture_output=True).returncode != 0:
                run(["useradd", "--system", "postgres"], what="useradd --system postgres")
            for p in [pg_dir, pwfile, sock]:
                shutil.chown(p, "postgres", "postgres")
            os.chmod(sock, 0o700)
            # The postgres user must be able to reach the run dir.
            probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(pg_dir)],
                                   capture_output=True)
            if probe.returncode != 0:
                raise Failure(f"user postgres cannot write {pg_dir}: a parent directory is not traversable")
        run(self.pg_cmd(["initdb", "-D", str(self.pg_data), "-U", "postgres", f"--pwfile={pwfile}",
                         "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"]),
            what="initdb", cwd=pg_dir)
        pwfile.unlink()
        logfile = pg_dir / "server.log"
        last = ""
        for _ in range(3):  # a free port can be taken between picking and binding
            port = free_port()
            opts = (f"-h 127.0.0.1 -p {port} -k {sock} -c fsync=off -c synchronous_commit=off "
                    f"-c full_page_writes=off -c max_connections=200")
            proc = subprocess.run(self.pg_cmd(["pg_ctl", "-D", str(self.pg_data), "-l", str(logfile), "-w",
                                               "-t", "30", "-o", opts, "start"]),
                                  capture_output=True, text=True, cwd=pg_dir, stdin=subprocess.DEVNULL)
            if proc.returncode == 0:
                self.pg_started = True
                return f"postgres://postgres:{password}@127.0.0.1:{port}/postgres"
            last = f"{proc.stderr}{proc.stdout}\n{tail(logfile)}"
            subprocess.run(self.pg_cmd(["pg_ctl", "-D", str(self.pg_data), "-m", "immediate", "stop"]),
                           capture_output=True, cwd=pg_dir, stdin=subprocess.DEVNULL)
        raise Failure(f"pg_ctl start failed 3 times:\n{tail(last)}")

    # ---------- Django ----------

    def start_runserver(self, name, db, urlconf):
        logfile = self.run_dir / f"{name}.log"
        for _ in range(3):
            port = free_port()
            if port_answers(port):
                continue
            with open(logfile, "ab") as out:
                proc = subprocess.Popen(
                    [str(self.python), "manage.py", "runserver", "--noreload", "--insecure", "--skip-checks",
                     f"127.0.0.1:{port}"],
                    cwd=DJANGO_DIR, env=self.sub_env(self.django_env(db, urlconf)), stdin=subprocess.DEVNULL,
                    stdout=out, stderr=subprocess.STDOUT, preexec_fn=set_pdeathsig)
            self.servers[name] = proc
            self.record_children()
            return port, logfile
        raise Failure(f"no free port for the {name} runserver")

    def wait_ready(self, name, port, logfile, deadline):
        url = f"http://127.0.0.1:{port}/login/"
        proc = self.servers[name]
        last = "no answer"
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise Failure(f"{name} runserver exited with {proc.returncode} before answering:\n{tail(logfile)}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
                    last = f"HTTP {resp.status}"
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                last = str(exc)
            time.sleep(0.1)
        raise Failure(f"{name} runserver: GET {url} not 200 within {READY_TIMEOUT:.0f}s ({last}):\n{tail(logfile)}")

    # ---------- whole lifecycle ----------

    def start(self):
        t0 = time.monotonic()
        fd = self.lock()
        try:
            self.clean_stale_runs()
            self.run_dir.mkdir(mode=0o755)
            venv_key = self.ensure_venv()
            template = self.ensure_template(venv_key)
            db = self.run_dir / "helpdesk.sqlite3"
            shutil.copyfile(template, db)
        finally:
            os.close(fd)
        (self.run_dir / "media").mkdir()
        password = "pw-CANARY-" + secrets.token_hex(8)
        seed = subprocess.Popen([str(self.python), "-c", SEED_CODE], cwd=DJANGO_DIR, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.sub_env({**self.django_env(db), "HARNESS_SEED_PASSWORD": password,
                                                  "HARNESS_SEED_AGENTS": str(AGENT_COUNT)}))
        try:
            pg_url = self.start_postgres()  # overlaps with the seed process
        finally:
            out, err = seed.communicate(timeout=120)
        if seed.returncode != 0:
            raise Failure(f"seeding the helpdesk DB failed (exit {seed.returncode}):\n{tail(err + out)}")
        try:
            seeded = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise Failure(f"seeding printed no JSON:\n{tail(out + err)}")
        plain = self.start_runserver("plain", db, "urls_plain")
        fork = self.start_runserver("fork", db, "urls_fork")
        deadline = time.monotonic() + READY_TIMEOUT
        self.wait_ready("plain", *plain, deadline)
        self.wait_ready("fork", *fork, deadline)
        log(f"ready in {time.monotonic() - t0:.1f}s (run dir {self.run_dir})")
        return {
            "postgres_admin_url": pg_url,
            "helpdesk_url": f"http://127.0.0.1:{plain[0]}",
            "fork_url": f"http://127.0.0.1:{fork[0]}",
            "password": password,
            "agents": seeded["agents"],
            "nonstaff_user": "customer1",
            "tokens": seeded["tokens"],
            "queues": seeded["queues"],
            "python": str(self.python),
            "django_dir": str(DJANGO_DIR),
            "django_env": self.django_env(db),
            "run_dir": str(self.run_dir),
        }

    def stop(self):
        for proc in self.servers.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + STOP_GRACE
        for proc in self.servers.values():
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        pidfile = self.pg_data / "postmaster.pid" if self.pg_data else None
        if self.pg_started or (pidfile and pidfile.exists()):
            try:
                postmaster = int(pidfile.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                postmaster = None
            r = subprocess.run(self.pg_cmd(["pg_ctl", "-D", str(self.pg_data), "-m", "immediate", "-w", "stop"]),
                               capture_output=True, text=True, cwd="/", stdin=subprocess.DEVNULL)
            if r.returncode != 0:
                log(f"pg_ctl stop failed: {tail(r.stderr + r.stdout, 5)}")
            elif postmaster:
                try:  # our child thanks to become_subreaper(): reap it so no zombie is left
                    os.waitpid(postmaster, 0)
                except ChildProcessError:
                    pass
        if self.sock_tmp:
            shutil.rmtree(self.sock_tmp, ignore_errors=True)
        shutil.rmtree(self.run_dir, ignore_errors=True)


def on_signal(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", type=Path, default=REPO_ROOT / "target" / "test-services",
                    help="cache and run directory (default: %(default)s)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    become_subreaper()
    services = Services(args.state_dir.resolve())
    code = 0
    try:
        try:
            info = services.start()
        except Failure as exc:
            emit({"error": str(exc)})
            return 1
        except Stop as exc:
            log(f"{exc} during start-up")
            return 1
        except Exception as exc:  # anything unexpected still gets a clear JSON error
            emit({"error": f"services.py crashed during start-up: {type(exc).__name__}: {exc}"})
            return 1
        try:
            emit(info)
        except BrokenPipeError:
            return 0  # the parent is already gone
        try:
            while os.read(0, 65536):
                pass
            log("stdin closed: shutting down")
        except Stop as exc:
            log(f"{exc}: shutting down")
        except OSError as exc:
            log(f"reading stdin failed ({exc}): shutting down")
        return code
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        services.stop()


if __name__ == "__main__":
    sys.exit(main())
