#!/usr/bin/env python3
"""The control half of ctest linux_guest_virgl_control (run_gl_guest_control.sh): while the
Linux GL guest runs under `vmm --control SOCK`, it
  - subscribes `vmm ctl SOCK events --json` (into EVENTS) before the guest has mapped a blob,
  - follows the events itself (a Python client), and once a blob slot's memory type has been
    derived (its `derive` event), pauses the VM: `vmm ctl SOCK slots` must then show that
    blob slot with its derived effective type; then status says paused, and resume;
  - keeps the terminal run (commands and their output) in TRANSCRIPT for docs/control.md.
A blob can be unmapped between its derive event and the pause (the guest runs meanwhile):
then the next blob is tried; the check fails only when no blob was caught mapped.
usage: gl_control_driver.py drive VMM SOCK EVENTS TRANSCRIPT
       gl_control_driver.py compare EVENTS TRACE      (after vmm has exited)"""

import json
import os
import subprocess
import sys

# No __pycache__ beside ctl_lib.py: a test writes only in its temp dir and the build tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctl_lib import Client, Fail, check, ctl, events_match_trace, poll  # noqa: E402


def drive(vmm, sock, events_path, transcript_path):
    # vmm is not our child: the socket appears once vmm has started (Linux then boots ~30 s
    # before it maps a blob in the emulated host). 3000 tries: vmm's start-up on a busy host.
    def up():
        try:
            Client(sock).close()
            return True
        except OSError:
            return False
    poll(up, f"the control socket {sock}", attempts=3000)
    with open(events_path, "wb") as out:
        sub = subprocess.Popen([vmm, "ctl", sock, "events", "--json"], stdout=out)
    transcript = []

    def run(*args):
        rc, out, err = ctl(vmm, sock, *args)
        transcript.append(f"$ vmm ctl {os.path.basename(sock)} {' '.join(args)}\n{out}{err}")
        return out

    follow = Client(sock, timeout=900)
    a = follow.request("events", rid="follow")
    check(a["ok"] and a["data"] == {"subscribed": True}, f"subscribed: {a}")
    caught = None
    tried = []
    while caught is None:
        msg = follow.line()
        if msg is None:
            raise Fail(f"the VM stopped before a blob slot was seen mapped while paused (tried {tried})")
        d = msg.get("data", {})
        if msg.get("event") != "memslot" or d.get("event") != "derive" \
                or not d.get("owner", "").startswith("gpu-blob"):
            continue
        transcript.clear()  # the run kept is the attempt that caught a blob
        out = run("pause")
        check("paused" in out, f"pause while Linux runs: {out!r}")
        live = {s["slot"]: s for s in json.loads(ctl(vmm, sock, "slots", "--json")[1])["slots"]}
        s = live.get(d["slot"])
        tried.append(d["owner"])
        if s is not None and s.get("owner") == d["owner"]:
            caught = s
            run("status")
            table = run("slots")
        run("resume")
    follow.close()
    check("derived" in caught and caught["derived"].get("effective"),
          f"the blob slot {caught['owner']} has its derived effective type: {caught.get('derived')}")
    check(caught.get("map_info") is not None and caught.get("requested"),
          f"and its map_info and requested MemCacheType: {caught.get('map_info')} {caught.get('requested')}")
    check(caught["owner"] in table and caught["derived"]["effective"] in table,
          "vmm ctl slots' table shows the blob slot and its derived type")
    check("state: running" in run("status"), "status says running after resume")
    with open(transcript_path, "w") as f:
        f.write("\n".join(transcript))
    # The subscriber ends when the VM stops (the socket closes); the test's boot has its own
    # timeout, after which vmm is killed and the socket closes too.
    rc = sub.wait()
    check(rc == 0, f"vmm ctl events exited {rc} when the VM stopped")


def main():
    try:
        if len(sys.argv) == 6 and sys.argv[1] == "drive":
            drive(*sys.argv[2:])
        elif len(sys.argv) == 4 and sys.argv[1] == "compare":
            events_match_trace(sys.argv[2], sys.argv[3])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except Fail as e:
        print(f"FAIL: {e}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
