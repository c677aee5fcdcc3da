#!/usr/bin/env python3
"""Signal-to-exit time of an interrupted audit (docs/robustness.md, "Interrupts, faults and privacy").

Usage: scripts/interrupt-latency.py target/release/camsweep
Audits a loopback port that accepts and never answers (the probes sit in 60 s timeouts), sends
SIGINT (then SIGTERM) 1.2 s in, and times until the process has exited with its partial report
written; five runs each. Loopback only.
"""
import socket, subprocess, time, signal, threading, tempfile, json, os, sys
held=[]
srv=socket.socket(); srv.bind(("127.0.0.1",0)); srv.listen(64)
port=srv.getsockname()[1]
def acc():
    while True:
        c,_=srv.accept(); held.append(c)
threading.Thread(target=acc,daemon=True).start()
binary=sys.argv[1]
for sig in (signal.SIGINT, signal.SIGTERM):
    times=[]
    for i in range(5):
        d=tempfile.mkdtemp()
        p=subprocess.Popen([binary,"audit","--quiet","--targets","127.0.0.1","--ports",str(port),"--timeout-ms","60000","--host-deadline","120","--authorised-by","t","--out",d+"/o"],stdin=subprocess.DEVNULL,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
        time.sleep(1.2); t=time.monotonic(); p.send_signal(sig); p.wait(); el=time.monotonic()-t
        r=json.load(open(d+"/o/report.json"))
        assert r["scan"]["complete"] is False
        times.append(el)
    print(signal.Signals(sig).name, "exit", p.returncode, "signal-to-exit seconds: min %.3f max %.3f" % (min(times), max(times)))
