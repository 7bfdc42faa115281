#!/usr/bin/env python3
"""Judge MOBIKE notify payloads in a decrypted capture.

    mobike-notify.py cookie2 BY ROWS PEER-ADDRS [LEN]
    mobike-notify.py natd ROWS PEER-ADDRS
    mobike-notify.py paths ROWS PEER-ADDRS

ROWS: one line per INFORMATIONAL message of a capture decrypted by tshark
(see mobike_rows in t/interop/run.sh), tab-separated: frame, src, sport, dst,
dport, SPIi, SPIr, message ID, R flag, I flag, notify types, notify data (both
comma-separated and aligned; tshark writes <MISSING> for a notify without
data).  PEER-ADDRS: strongSwan's addresses (space-separated); every other
address is ours.  Modes:
  cookie2 BY [LEN]  every request by BY (iks|sw) with COOKIE2 is answered
                    (same SPIs and message ID, other role) and every answer echoes the
                    COOKIE2 data byte for byte; LEN: its length in octets
  natd              NAT_DETECTION_SOURCE_IP / _DESTINATION_IP of our
                    UPDATE_SA_ADDRESSES requests and responses equal
                    SHA-1(SPIi | SPIr | IP | port) of the packet's own
                    headers; prints what strongSwan's hash instead
  paths             every request by strongSwan is answered from the
                    address it was sent to, to the address it came from
Prints one summary line; exit 1 with the reason as the last line.
"""
import hashlib
import ipaddress
import sys

UPDATE, NATD_SRC, NATD_DST, COOKIE2 = 16400, 16388, 16389, 16401


def load(path):
    msgs = []
    with open(path) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) < 12:
                c += [""] * (12 - len(c))
            types = [int(t) for t in c[10].split(",") if t]
            datas = c[11].split(",") if c[11] else []
            datas += [""] * (len(types) - len(datas))
            msgs.append({
                "frame": c[0], "src": c[1], "sport": int(c[2]), "dst": c[3],
                "dport": int(c[4]), "spis": c[5] + c[6], "mid": int(c[7], 0),
                "resp": c[8] in ("1", "True"), "init": c[9] in ("1", "True"),
                "notify": [(t, "" if d == "<MISSING>" else d.lower())
                           for t, d in zip(types, datas)]})
    return msgs


def data(m, t):
    return [d for n, d in m["notify"] if n == t]


def natd(spis, ip, port):
    return hashlib.sha1(bytes.fromhex(spis) + ipaddress.ip_address(ip).packed +
                        port.to_bytes(2, "big")).hexdigest()


def fail(why):
    print(why)
    sys.exit(1)


def answers(msgs, req):
    """Responses to REQ: same SPIs and message ID, sent by the other IKE SA role."""
    return [m for m in msgs if m["resp"] and m["spis"] == req["spis"] and
            m["mid"] == req["mid"] and m["init"] != req["init"]]


def cookie2(msgs, peers, by, length):
    n = 0
    for req in msgs:
        mine = req["src"] not in peers
        if req["resp"] or mine != (by == "iks") or not data(req, COOKIE2):
            continue
        c = data(req, COOKIE2)[0]
        if length and len(c) != 2 * length:
            fail(f"frame {req['frame']}: COOKIE2 of {len(c) // 2} octets, want {length}")
        got = answers(msgs, req)
        if not got:
            fail(f"frame {req['frame']} (message ID {req['mid']}) with COOKIE2 never answered")
        for r in got:
            if data(r, COOKIE2) != [c]:
                fail(f"frame {r['frame']} answers frame {req['frame']} with COOKIE2 "
                     f"{data(r, COOKIE2) or 'none'}, want {c}")
        n += 1
    if n == 0:
        fail(f"no request with COOKIE2 by {by}")
    print(f"cookie2: {n} requests by {by}, every answer echoes COOKIE2")


def describe(m, got, ip, port, addrs):
    """What strongSwan's NAT-D hash is: the packet's own address, another one, or neither."""
    if got == natd(m["spis"], ip, port):
        return "own-headers"
    for a in addrs:
        for p in (500, 4500):
            if got == natd(m["spis"], a, p):
                return f"{a}:{p}"
    return "none-of-the-capture's-addresses"


def check_natd(msgs, peers):
    addrs = sorted({m["src"] for m in msgs} | {m["dst"] for m in msgs})
    upd = [m for m in msgs if not m["resp"] and data(m, 16400)]
    pick = upd + [r for m in upd for r in answers(msgs, m)]
    ours, theirs = 0, []
    for m in sorted(pick, key=lambda m: int(m["frame"])):
        src, dst = data(m, NATD_SRC), data(m, NATD_DST)
        if m["src"] not in peers:
            if not src or not dst:
                fail(f"frame {m['frame']}: our message lacks NAT-D")
            if src != [natd(m["spis"], m["src"], m["sport"])]:
                fail(f"frame {m['frame']}: our NAT_DETECTION_SOURCE_IP {src} is not "
                     f"SHA-1(SPIs|{m['src']}|{m['sport']})")
            if any(d != natd(m["spis"], m["dst"], m["dport"]) for d in dst):
                fail(f"frame {m['frame']}: our NAT_DETECTION_DESTINATION_IP {dst} is not "
                     f"SHA-1(SPIs|{m['dst']}|{m['dport']})")
            ours += 1
        else:
            kind = "resp" if m["resp"] else "req"
            s = ",".join(describe(m, d, m["src"], m["sport"], addrs) for d in src) or "absent"
            d = ",".join(describe(m, x, m["dst"], m["dport"], addrs) for x in dst) or "absent"
            theirs.append(f"f{m['frame']} {kind} {m['src']}->{m['dst']} SOURCE={s} DEST={d}")
    if ours == 0:
        fail("no UPDATE_SA_ADDRESSES request or response of ours with NAT-D")
    print(f"natd: {ours} of our messages hash their own headers; strongSwan's: "
          + ("; ".join(theirs) if theirs else "none"))


def paths(msgs, peers):
    n, dsts = 0, set()
    for req in msgs:
        if req["resp"] or req["src"] not in peers:
            continue
        got = answers(msgs, req)
        if not any(r["src"] == req["dst"] and r["dst"] == req["src"] and
                   r["sport"] == req["dport"] and r["dport"] == req["sport"] for r in got):
            fail(f"frame {req['frame']} {req['src']}:{req['sport']} -> "
                 f"{req['dst']}:{req['dport']} (message ID {req['mid']}) not answered on that "
                 f"path; answers: {[(r['frame'], r['src'], r['dst']) for r in got] or 'none'}")
        n += 1
        dsts.add(req["dst"])
    if n == 0:
        fail("no INFORMATIONAL request by strongSwan")
    print(f"paths: {n} requests by strongSwan to {len(dsts)} of our addresses "
          f"({' '.join(sorted(dsts))}), each answered from the address it reached")
    return len(dsts)


def main():
    if len(sys.argv) < 4:
        fail("usage: mobike-notify.py cookie2 BY [LEN]|natd|paths ROWS PEER-ADDRS")
    mode = sys.argv[1]
    if mode == "cookie2":
        by, rows, peers = sys.argv[2], sys.argv[3], sys.argv[4].split()
        length = int(sys.argv[5]) if len(sys.argv) > 5 else 0
        cookie2(load(rows), peers, by, length)
    elif mode == "natd":
        check_natd(load(sys.argv[2]), sys.argv[3].split())
    elif mode == "paths":
        paths(load(sys.argv[2]), sys.argv[3].split())
    else:
        fail(f"unknown mode {mode}")


main()
