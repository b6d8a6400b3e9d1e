"""Shared by the control socket's live tests (tests/control): a client of protocol v1
(vmm/control/PROTOCOL.md) written from the document with Python's socket + json, not vmm's
own code, so that a client that is not ours is tested; `vmm ctl` run as a subprocess; and
what /proc says about vmm (threads, memory). Every wait is a bounded poll on a condition,
never a sleep that hopes."""

import json
import os
import socket
import subprocess
import time

# The bounds PROTOCOL.md writes down ("Bounds"), which the tests hold vmm to.
MAX_CLIENTS = 16
MAX_LINE = 65536
MAX_QUEUED = 4 * 1024 * 1024
MAX_PENDING_EVENTS = 4096


class Fail(Exception):
    """A check failed; the message says what was expected and what came."""


def check(cond, what):
    if not cond:
        raise Fail(what)
    print(f"CHECK ok: {what}", flush=True)


def poll(cond, what, attempts=600, interval=0.1):
    """Polls COND until it is true; ATTEMPTS tries, then fails naming WHAT. The interval only
    spaces the tries: no result depends on it."""
    for _ in range(attempts):
        value = cond()
        if value:
            return value
        time.sleep(interval)
    raise Fail(f"gave up waiting for {what} after {attempts} tries")


def wait_socket(path, proc):
    """Waits until PATH is a socket that accepts a connection, failing at once if PROC exits."""
    def ready():
        if proc.poll() is not None:
            raise Fail(f"vmm exited with {proc.returncode} before its control socket was ready")
        if not os.path.exists(path):
            return False
        try:
            c = Client(path)
            c.close()
            return True
        except OSError:
            return False
    poll(ready, f"the control socket {path}")


class Client:
    """One connection speaking protocol v1: the greeting is read on connect."""

    def __init__(self, path, read_greeting=True, timeout=60):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.greeting = self.line() if read_greeting else None

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode() + b"\n")

    def line(self):
        """The next line as a JSON object; None at EOF."""
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:  # closed by vmm with our unread input in its buffer
                chunk = b""
            if not chunk:
                if self.buf:
                    raise Fail(f"connection closed inside a line: {self.buf[:200]!r}")
                return None
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\n", 1)
        return json.loads(raw)

    def answer(self, events=None):
        """The next answer (an object with `ok`); events met before it go to EVENTS."""
        while True:
            msg = self.line()
            if msg is None:
                raise Fail("connection closed before the answer")
            if "event" in msg and "ok" not in msg:
                if events is not None:
                    events.append(msg)
                continue
            return msg

    def request(self, cmd, rid=None, **extra):
        req = {"cmd": cmd}
        if rid is not None:
            req["id"] = rid
        req.update(extra)
        self.send(req)
        return self.answer()

    def close(self):
        self.sock.close()


def ctl(vmm, sock, *args, check_rc=0):
    """Runs `vmm ctl SOCK ARGS...`; returns (rc, stdout, stderr), failing on another rc."""
    p = subprocess.run([vmm, "ctl", sock, *args], capture_output=True, text=True, timeout=120)
    if check_rc is not None and p.returncode != check_rc:
        raise Fail(f"vmm ctl {' '.join(args)}: exit {p.returncode}, want {check_rc}; "
                   f"stdout {p.stdout!r} stderr {p.stderr!r}")
    return p.returncode, p.stdout, p.stderr


def ctl_json(vmm, sock, *args):
    return json.loads(ctl(vmm, sock, *args, "--json")[1])


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def proc_kib(pid, field):
    """VmRSS, VmHWM ... of PID in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise Fail(f"/proc/{pid}/status has no {field}")


def events_match_trace(events_path, trace_path):
    """The `vmm ctl events --json` stream's objects are the trace's, in the same order: a
    contiguous run of --memslot-trace's lines (it subscribed mid-run and ends at the stop)."""
    with open(events_path) as f:
        events = [json.loads(x) for x in f if x.strip()]
    with open(trace_path) as f:
        trace = [json.loads(x) for x in f if x.strip()]
    check(not any(e.get("event") == "dropped" for e in events), "the subscriber dropped nothing")
    data = [e["data"] for e in events if e.get("event") == "memslot"]
    blob = [d for d in data if d.get("owner", "").startswith("gpu-blob")]
    check(any(d["event"] == "add" for d in blob) and any(d["event"] == "remove" for d in blob),
          f"events: blob slot add and remove while the guest maps and unmaps ({len(data)} events)")
    check(data and data[0] in trace, "the first event is a trace line")
    start = trace.index(data[0])
    check(trace[start:start + len(data)] == data,
          f"{len(data)} events equal trace lines {start}..{start + len(data) - 1} object for object")
