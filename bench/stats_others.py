"""The section of bench/stats.py's tables that sets ours beside the floor
(bench/floor.c), nginx and h2o: every server of an int-epoll cell of the
plain HTTP scenarios, side by side, with ours ÷ the floor per scenario and
the goals of issue 19 against the floor.

  others_section(order, cells, counts, scen_text) -> (lines, problems)

cells[(scenario, mode)][server] holds stats.Cell objects; counts is
stats.load_counts()'s dictionary.
"""
SERVERS = ("ours", "mhd", "floor", "nginx", "h2o")
NAME = {"ours": "ours", "mhd": "libmicrohttpd", "floor": "floor", "nginx": "nginx", "h2o": "h2o"}
MODE = "int-epoll"
COUNT_TEXT = {"keepalive": "keep-alive", "close": "Connection: close (per connection)",
              "pipe16": "16-deep pipelining"}
# Goals of issue 19, ours ÷ the floor's server CPU per request.
GOALS = (("Keep-alive: server CPU per request ≤ 1.1× the floor's", ("ka10", "ka100", "ka1000"), 1.1),
         ("16-deep pipelining: server CPU per request ≤ 2× the floor's", ("pipe16",), 2.0))


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def show_ratio(r):
    return "n/a" if r is None else f"{r:.2f}×"


def cell_of(cells, scen, lib):
    """The cell of a server in a scenario's int-epoll row, or None."""
    return cells.get((scen, MODE), {}).get(lib)


def value(cell, key):
    if cell is None or cell.na is not None or not cell.runs:
        return None
    return cell.median(key)


def shown(cell, key, form, floor=None):
    """A median, with its ratio to the floor's when given; why not, if not."""
    if cell is None:
        return "not run"
    if cell.na is not None:
        return "n/a"
    v = value(cell, key)
    if v is None:
        return "n/a"
    text = form.format(v) + (" ⚠" if cell.bad else "")
    r = ratio(v, floor)
    return text if floor is None or r is None else f"{text} ({r:.2f}×)"


def problems_of(order, cells):
    out = []
    for key in order:
        if key[1] != MODE:
            continue
        for lib in SERVERS[2:]:
            c = cells[key].get(lib)
            if c is None:
                continue
            if c.na is not None:
                out.append(f"{key[0]} {lib}: n/a — {c.na}")
            out += [f"{key[0]} {lib}: {note}" for note in c.bad]
    return out


def timed_tables(scens, cells, scen_text):
    L = ["Server CPU per request, µs (median of the rounds; for the 1 GiB file, ms per "
         "response), with its ratio to the floor's in brackets; ⚠ marks a cell with errors "
         "or an anomaly (listed under *Errors and anomalies*):", "",
         "| Scenario | " + " | ".join(NAME[s] for s in SERVERS) + " | ours ÷ floor |",
         "|---|" + "---:|" * (len(SERVERS) + 1)]
    for scen in scens:
        if scen == "idle10k":
            continue
        scale = 1e-3 if scen == "sendfile1g" else 1.0
        form = "{:.1f}" if scen == "sendfile1g" else "{:.2f}"
        fl = value(cell_of(cells, scen, "floor"), "cpu_us")
        parts = [scen_text.get(scen, scen)]
        for lib in SERVERS:
            c = cell_of(cells, scen, lib)
            v = value(c, "cpu_us")
            if v is None:
                parts.append(shown(c, "cpu_us", form))
                continue
            text = form.format(v * scale) + (" ⚠" if c.bad else "")
            r = ratio(v, fl)
            parts.append(text if lib == "floor" or r is None else f"{text} ({r:.2f}×)")
        parts.append(show_ratio(ratio(value(cell_of(cells, scen, "ours"), "cpu_us"), fl)))
        L.append("| " + " | ".join(parts) + " |")
    L += ["", "Requests per second (median of the rounds; for the 1 GiB file, GiB/s). On "
          "loopback with two CPUs the load generator is near its limit with every server, so "
          "these tell the servers apart less than the CPU per request does:", "",
          "| Scenario | " + " | ".join(NAME[s] for s in SERVERS) + " |",
          "|---|" + "---:|" * len(SERVERS)]
    for scen in scens:
        if scen == "idle10k":
            continue
        key, form = ("gibps", "{:.2f}") if scen == "sendfile1g" else ("rps", "{:,.0f}")
        L.append("| " + " | ".join([scen_text.get(scen, scen)] +
                                   [shown(cell_of(cells, scen, lib), key, form)
                                    for lib in SERVERS]) + " |")
    L.append("")
    if "idle10k" in scens:
        L += ["Memory per idle keep-alive connection (VmRSS of the server and its children "
              "after, less before, per connection held; kernel socket buffers are not in it), "
              "bytes:", "",
              "| Connections held | " + " | ".join(NAME[s] for s in SERVERS) + " |",
              "|---|" + "---:|" * len(SERVERS)]
        held = value(cell_of(cells, "idle10k", "ours"), "req")
        L.append("| " + " | ".join([f"{held:,.0f}" if held else "n/a"] +
                                   [shown(cell_of(cells, "idle10k", lib), "rss", "{:,.0f}")
                                    for lib in SERVERS]) + " |")
        L.append("")
    return L


def goals(cells):
    L = ["Goals (issue 19), ours ÷ the floor's server CPU per request, int-epoll:", "",
         "| Goal | Scenario | ours µs | floor µs | ours ÷ floor | Verdict |",
         "|---|---|---:|---:|---:|---|"]
    for text, scens, limit in GOALS:
        for scen in scens:
            o = value(cell_of(cells, scen, "ours"), "cpu_us")
            f = value(cell_of(cells, scen, "floor"), "cpu_us")
            r = ratio(o, f)
            v = "not measured" if r is None else ("met" if r <= limit else "**NOT MET**")
            L.append(f"| {text} | {scen} | {'n/a' if o is None else f'{o:.2f}'} | "
                     f"{'n/a' if f is None else f'{f:.2f}'} | {show_ratio(r)} | {v} |")
    L.append("")
    return L


def count_tables(counts):
    L = ["Instructions (callgrind, user space) and system calls (strace -f -c) per request, "
         "one wrk connection, (count at N2 − count at N1) ÷ (N2 − N1). ours, libmicrohttpd and "
         "the floor stop themselves after N requests (`--requests`); nginx (`master_process "
         "off`: the one process is the server) and h2o (one worker thread, no TLS: one "
         "process) get SIGTERM once wrk has counted N responses (bench/count.lua).", ""]
    for tool, what, form in (("callgrind", "instructions per request", "{:,.0f}"),
                             ("strace", "system calls per request", "{:.2f}")):
        L += [f"| Traffic, {what} | " + " | ".join(NAME[s] for s in SERVERS) +
              " | ours ÷ floor |", "|---|" + "---:|" * (len(SERVERS) + 1)]
        for kind in ("keepalive", "close", "pipe16"):
            vals = [counts.get((tool, lib, kind), {}).get("per_req") for lib in SERVERS]
            parts = [COUNT_TEXT[kind]] + ["n/a" if v is None else form.format(v) for v in vals]
            parts.append(show_ratio(ratio(vals[0], vals[2])))
            L.append("| " + " | ".join(parts) + " |")
        L.append("")
    L += ["System calls per request, by call (strace):", "",
          "| Traffic | " + " | ".join(NAME[s] for s in SERVERS[2:]) + " |",
          "|---|" + "---|" * len(SERVERS[2:])]
    for kind in ("keepalive", "close", "pipe16"):
        parts = [COUNT_TEXT[kind]]
        for lib in SERVERS[2:]:
            by = counts.get(("strace", lib, kind), {}).get("by_call")
            parts.append("n/a" if not by else ", ".join(
                f"{k} {v:.2f}" for k, v in sorted(by.items(), key=lambda kv: (-round(kv[1], 2), kv[0]))))
        L.append("| " + " | ".join(parts) + " |")
    L.append("")
    return L


def under_load(load):
    """System calls per request under load (perf stat), every server."""
    if not any(lib in SERVERS[2:] for _, lib in load):
        return []
    L = ["System calls per request under load (perf stat, 100 wrk connections; nginx counted "
         "over its master and worker; h2o's requests are the responses wrk counted):", "",
         "| Traffic | " + " | ".join(NAME[s] for s in SERVERS) + " |",
         "|---|" + "---:|" * len(SERVERS)]
    for scen, text in (("ka100", "keep-alive"), ("close100", "Connection: close"),
                       ("pipe16", "16-deep pipelining")):
        parts = [text]
        for lib in SERVERS:
            n, by = load.get((scen, lib), (0, {}))
            parts.append(f"{by['total'] / n:.2f}" if n and "total" in by else "n/a")
        L.append("| " + " | ".join(parts) + " |")
    L.append("")
    return L


def others_section(order, cells, counts, scen_text):
    scens = [k[0] for k in order if k[1] == MODE and
             any(lib in cells[k] for lib in SERVERS[2:])]
    has_counts = any(counts.get((t, lib, k)) for t in ("callgrind", "strace")
                     for lib in SERVERS[2:] for k in COUNT_TEXT)
    if not scens and not has_counts:
        return [], []
    L = ["## Beside the floor, nginx and h2o", "",
         "In each int-epoll cell of the plain HTTP scenarios, after ours and libmicrohttpd, "
         "in the same rounds: the floor ([bench/floor.c](bench/floor.c): one thread, epoll, "
         "the very bytes hello sends with a fixed Date, requests found by their empty line and "
         "nothing else parsed, pipelined answers in one sendmsg: about what the kernel charges "
         "for receive, send and epoll), nginx (Debian's nginx-light, one worker, "
         "[bench/nginx.conf](bench/nginx.conf): `return 200` of the 13 bytes, files by "
         "sendfile) and h2o (Debian's, one thread, [bench/h2o-h1.conf](bench/h2o-h1.conf): "
         "a static file). All pinned to the same CPU, driven by the same load. The 64 KiB body "
         "and the 1 GiB file are a file for nginx and h2o (the same bytes); h2o counts no "
         "requests of its own, so its runs are not checked against the server's count.", ""]
    if scens:
        L += timed_tables(scens, cells, scen_text)
        L += goals(cells)
    if has_counts:
        L += count_tables(counts)
    L += under_load(counts.get("_load", {}))
    return L, problems_of(order, cells)


def in_short(order, cells):
    """The summary line on the floor and the other servers, or []."""
    def r(scen, lib):
        return ratio(value(cell_of(cells, scen, lib), "cpu_us"),
                     value(cell_of(cells, scen, "floor"), "cpu_us"))
    parts = []
    for scen, text in (("ka100", "keep-alive (100 connections)"), ("close100", "`Connection: close`"),
                       ("pipe16", "16-deep pipelining")):
        vals = [(lib, r(scen, lib)) for lib in ("ours", "nginx", "h2o")]
        if vals[0][1] is None:
            continue
        parts.append(f"{text}: ours {vals[0][1]:.2f}×" +
                     "".join(f", {lib} {v:.2f}×" for lib, v in vals[1:] if v is not None))
    if not parts:
        return []
    return ["- **Beside the floor** (an epoll loop that only receives and sends, bench/floor.c), "
            "server CPU per request ÷ the floor's: " + "; ".join(parts) + "."]

