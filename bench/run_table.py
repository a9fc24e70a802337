"""`make bench`'s table: each figure against its budget, as rows for bench.json and printed.

The budgets: a page's p50 at most PAGE_RATIO times the trivial view's (the floor, measured in
the same run), at most MAX_QUERIES queries per page and as many as for the small practice, the
letter PDF at most LETTER_RATIO times WeasyPrint's one-paragraph floor, the all-practice report
under REPORT_MS, the reminder sweep under SWEEP_SECONDS.
"""

PAGE_RATIO = 10
LETTER_RATIO = 10
MAX_QUERIES = 15
SWEEP_SECONDS = 60
REPORT_MS = 1000


# --- The table -----------------------------------------------------------------------------------


def row(figure, value, floor, budget, passed, unit="") -> dict:
    ratio = value / floor if floor else None
    return {
        "figure": figure,
        "value": round(value, 2),
        "floor": None if floor is None else round(floor, 2),
        "ratio": None if ratio is None else round(ratio, 2),
        "budget": budget,
        "pass": bool(passed),
        "unit": unit,
    }


def build_table(load, queries, letter, report_ms, sweep) -> list[dict]:
    rows = []
    floor = load["trivial view"]["p50_ms"]
    for name, figures in load.items():
        p50 = figures["p50_ms"]
        if name == "trivial view":
            rows.append(row(f"{name} p50 ms", p50, None, "floor", True, "ms"))
        else:
            rows.append(
                row(f"{name} p50 ms", p50, floor, f"<= {PAGE_RATIO}x", p50 <= PAGE_RATIO * floor)
            )
        rows.append(row(f"{name} p99 ms", figures["p99_ms"], None, "", True, "ms"))
        rows.append(row(f"{name} requests/s", figures["rps"], None, "", True, "1/s"))
    for name, (big, small) in queries.items():
        ok = big <= MAX_QUERIES and big == small
        rows.append(row(f"{name} queries", big, small, f"<= {MAX_QUERIES}, = small", ok))
    letter_ms, letter_floor = letter
    rows.append(
        row(
            "letter PDF ms",
            letter_ms,
            letter_floor,
            f"<= {LETTER_RATIO}x",
            letter_ms <= LETTER_RATIO * letter_floor,
            "ms",
        )
    )
    rows.append(
        row("all-practice report ms", report_ms, None, f"< {REPORT_MS} ms", report_ms < REPORT_MS)
    )
    rows.append(
        row(
            f"sweep s ({sweep['open_referrals']:,} open, {sweep['sent']:,} sent)",
            sweep["seconds"],
            None,
            f"< {SWEEP_SECONDS} s",
            sweep["seconds"] < SWEEP_SECONDS,
            "s",
        )
    )
    return rows


def print_table(rows: list[dict]) -> None:
    def number(value) -> str:
        if value is None:
            return ""
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")

    head = f"| {'figure':<44} | {'value':>9} | {'floor':>7} | {'ratio':>6} | {'budget':<16} |"
    print(f"\n{head} result |")
    print(f"|{'-' * 46}|{'-' * 11}:|{'-' * 8}:|{'-' * 7}:|{'-' * 18}|--------|")
    for r in rows:
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] is not None else ""
        result = ("pass" if r["pass"] else "FAIL") if r["budget"] not in ("", "floor") else ""
        print(
            f"| {r['figure']:<44} | {number(r['value']):>9} | {number(r['floor']):>7} "
            f"| {ratio:>6} | {r['budget']:<16} | {result:<6} |"
        )
