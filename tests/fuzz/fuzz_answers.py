#!/usr/bin/env python
"""Fuzz every HW4 answer parser and the answer-file loader.

    python tests/fuzz/fuzz_answers.py [-runs=N] [-seed=S] [-driver=atheris|random] [CORPUS_DIR ...]
                                      [other libFuzzer flags, e.g. -max_len=4096 -jobs=2]

With atheris installed (`pip install atheris`) this is a coverage-guided libFuzzer target over
the grader's own modules; without it (or with -driver=random) a seeded random-mutation driver
runs instead, over the same seeds and the same checks. Both print a summary line
`fuzz: N inputs in T s (R/s), C crashes, H slow` at the end.

One input is a byte string: its first byte picks the mode and the item, the rest is the payload.

- modes 0-4: the payload as text (UTF-8, errors replaced) is an answer to one HW4 item: the
  kind's `parse`, `show`, then `compare` against every rule of the key (what the engine does);
- mode 5: the payload is read as a YAML document and each value in it is an answer to the item
  (so lists, mappings, bools, huge ints, NaN reach the parsers as YAML would give them);
- modes 6-7: the payload is an answer file (`decode` + `parse_document`), as YAML or as JSON.

A crash is any exception other than `AnswerError` (parsers; `LimitExceeded` is one) or
`SubmissionError` (loader). Crashes do not stop the campaign: each is counted under its
signature (exception type and deepest grader frame) and the first input of each signature is
saved as `<-artifact_prefix>crash-<sha1>`; `-minimize=FILE` shrinks a saved input and prints it. Each answer runs under the engine's
per-item time bound (2 s): an input that is still running after -hang_seconds (default 20 s,
an uninterruptible hang) is saved as `hang-<sha1>` and the process exits with status 3; one
that takes over 2.5 s is logged as slow.

Seeds: every file in tests/adversarial/files, every answer string in them, the minimized
crashes of tests/adversarial/test_fuzz_regressions.py, and the raw answers of
tests/test_answer_forms.py, each paired with a few items; -seed_dir=DIR writes them there (the runner script passes that folder to
libFuzzer as its corpus).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HERE = Path(__file__).resolve().parent
ADVERSARIAL = ROOT / "tests" / "adversarial"
SLOW_SECONDS = 2.5
N_MODES = 8
STUDENT = "401234567"

_state: dict[str, Any] = {"slow": 0, "count": 0, "runs": -1, "driver": "", "start": time.monotonic(), "hang_seconds": 20.0, "artifact_prefix": "./", "current": b""}


# --- the target ------------------------------------------------------------------------------


def _setup() -> None:
    from grader.keys.keybook import KeyBook
    from grader.rubric import load_rubric

    rubric = load_rubric(ROOT / "rubrics" / "hw4.yaml")
    keys = KeyBook(rubric)
    keys.warm()
    seen_text = False
    items = []
    for item in rubric.items:  # every automatic item (options differ per item), one text item
        if item.manual:
            if seen_text:
                continue
            seen_text = True
        items.append(item)
    _state.update(rubric=rubric, keys=keys, items=items)
    keys.instances_for(STUDENT)  # per-student keys are computed outside the time bound, as in the engine
    for item in items:
        if not item.manual:
            for index in range(len(item.rules())):
                keys.expected(item, index, STUDENT)


def check_answer(item: Any, raw: Any) -> None:
    """What the engine does with one answer, minus its catch-all: any non-AnswerError escapes."""
    from grader.errors import AnswerError
    from grader.grading.item import ITEM_SECONDS, match_rules
    from grader.kinds import get_kind
    from grader.timeout import time_limit

    kind = get_kind(item.kind)
    try:
        with time_limit(ITEM_SECONDS, f"item {item.id}"):
            parsed = kind.parse(raw, item)
            read_as = kind.show(parsed, item)
            if not isinstance(read_as, str):
                raise TypeError(f"show() gave {type(read_as).__name__}, not text")
            if not item.manual:
                verdict = match_rules(item, parsed, read_as, keys=_state["keys"], student_id=STUDENT)
                if not (0.0 <= verdict.credit <= 1.0):
                    raise ValueError(f"credit {verdict.credit} outside 0..1")
    except AnswerError as exc:
        exc.describe()  # the message itself must render


def check_file(payload: bytes, name: str) -> None:
    from grader.errors import SubmissionError
    from grader.readers.answer_file import decode, parse_document

    try:
        parse_document(decode(payload, name), name)
    except SubmissionError as exc:
        str(exc)


def _values(document: Any) -> list[Any]:
    """The document and its first values (keys and values of a mapping, items of a list)."""
    out = [document]
    if isinstance(document, dict):
        for key, value in list(document.items())[:4]:
            out += [key, value]
    elif isinstance(document, list):
        out += document[:4]
    return out


def _item_for(data: bytes) -> Any:
    items = _state["items"]
    return items[(data[0] // N_MODES) % len(items)]


def one_input(data: bytes) -> None:
    if not data:
        return
    _state["current"] = data
    started = time.monotonic()
    selector, payload = data[0], data[1:]
    mode = selector % N_MODES
    item = _item_for(data)
    if mode <= 4:
        check_answer(item, payload.decode("utf-8", "replace"))
    elif mode == 5:
        from grader.errors import SubmissionError
        from grader.readers.answer_file import parse_document

        try:
            document = parse_document(payload.decode("utf-8", "replace"), "fuzz.yaml")
        except SubmissionError:
            return
        for value in _values(document):
            check_answer(item, value)
    else:
        check_file(payload, "HW4_T_1.json" if mode == 7 else "HW4_T_1.yaml")
    elapsed = time.monotonic() - started
    if elapsed > SLOW_SECONDS:
        _state["slow"] += 1
        _save("slow", data, f"{elapsed:.2f} s")


def encode(item_index: int, mode: int, payload: bytes) -> bytes:
    return bytes([(item_index * N_MODES + mode) % 256]) + payload


# --- seeds -----------------------------------------------------------------------------------


def seed_inputs() -> list[bytes]:
    import yaml

    seeds: list[bytes] = []
    strings: list[str] = []
    files = sorted((ADVERSARIAL / "files").glob("*")) if (ADVERSARIAL / "files").is_dir() else []
    for path in files:
        data = path.read_bytes()[:200_000]
        seeds += [encode(0, 6, data), encode(0, 7, data), encode(0, 5, data)]
        try:
            document = yaml.safe_load(data.decode("utf-8-sig"))
        except Exception:  # noqa: BLE001 - broken on purpose
            continue
        if isinstance(document, dict) and isinstance(document.get("answers"), dict):
            strings += [v for v in document["answers"].values() if isinstance(v, str)]
    manifest = ADVERSARIAL / "manifest.yaml"
    if manifest.is_file():
        table = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        for case in table.get("answers", []):
            if isinstance(case.get("answer"), str):
                strings.append(case["answer"])
    try:
        from tests.test_answer_forms import ROWS

        strings += [row[1] for row in ROWS if isinstance(row[1], str)]
    except Exception:  # noqa: BLE001 - the table may move; seeds are a convenience
        pass
    try:  # minimized crashes found earlier (regression cases)
        from tests.adversarial.test_fuzz_regressions import PARSER_CASES

        ids = [i.id for i in _state["items"]]
        for case in PARSER_CASES:
            item_id, raw = case.values
            if isinstance(raw, str) and item_id in ids:
                seeds.append(encode(ids.index(item_id), 0, raw.encode("utf-8")))
    except Exception:  # noqa: BLE001
        pass
    n_items = len(_state["items"])
    rng = random.Random(0)
    for text in dict.fromkeys(strings):
        payload = text.encode("utf-8", "replace")[:20_000]
        for item_index in rng.sample(range(n_items), min(3, n_items)):
            seeds.append(encode(item_index, 0, payload))
        seeds.append(encode(rng.randrange(n_items), 5, b"- " + payload))
    return seeds


def write_seed_dir(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    seeds = seed_inputs()
    for data in seeds:
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)
    return len(seeds)


# --- crash and hang bookkeeping --------------------------------------------------------------


def _save(kind: str, data: bytes, note: str = "") -> Path:
    prefix = _state["artifact_prefix"]
    path = Path(f"{prefix}{kind}-{hashlib.sha1(data).hexdigest()}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"fuzz: {kind} input saved to {path} {note}", file=sys.stderr, flush=True)
    return path


def _watchdog() -> None:
    """A thread that saves the current input and exits if one input runs past -hang_seconds."""
    last = (-1, time.monotonic())
    while True:
        time.sleep(1.0)
        count = _state["count"]
        if count != last[0]:
            last = (count, time.monotonic())
        elif time.monotonic() - last[1] > _state["hang_seconds"]:
            _save("hang", _state["current"], f"(no progress for {_state['hang_seconds']:g} s)")
            sys.stderr.flush()
            os._exit(3)


_signatures: dict[str, int] = {}


def guarded(data: bytes) -> None:
    """Run one input; a crash is counted and its first input per signature saved, and the run goes on."""
    _state["count"] += 1
    try:
        one_input(data)
    except Exception as exc:  # noqa: BLE001 - every crash is recorded, not fatal to the campaign
        sig = signature(exc)
        _signatures[sig] = _signatures.get(sig, 0) + 1
        if _signatures[sig] == 1:
            _save("crash", data, f"{sig}: {str(exc)[:200]}")
    count = _state["count"]
    if count == _state["runs"] or count % 100_000 == 0:  # libFuzzer exits without running atexit
        text = summary(_state["driver"])
        print(text, file=sys.stderr, flush=True)
        if _state.get("summary_file"):
            Path(_state["summary_file"]).write_text(text + "\n", encoding="utf-8")


def summary(driver: str) -> str:
    elapsed = time.monotonic() - _state["start"]
    count = _state["count"]
    lines = [f"fuzz: crash {sig}: {n} input(s)" for sig, n in sorted(_signatures.items())]
    crashes = sum(_signatures.values())
    lines.append(
        f"fuzz: {count} inputs in {elapsed:.1f} s ({count / max(elapsed, 1e-9):.0f}/s), {crashes} crashes "
        f"({len(_signatures)} distinct), {_state['slow']} slow ({driver})"
    )
    return "\n".join(lines)


# --- drivers ---------------------------------------------------------------------------------

_TOKENS = [
    b"^", b"**", b"*", b"/", b"+", b"-", b"(", b")", b"[", b"]", b"[[", b"]]", b"{", b"}", b",", b";", b" ", b"\n",
    b"9", b"0", b"1e999", b"1e-999", b".5", b"nan", b"inf", b"NaN", b".nan", b".inf", b"%", b"e", b"pi", b"W", b"H",
    b"I", b"J", b"K", b"M", b"N", b"F", b"D", b"w", b"d", b"x", b"sqrt(", b"exp(", b"ln(", b"abs(", b"\\frac{", b"\\sqrt[",
    b"\\cdot", b"\\times", b"\\left(", b"\\right)", b"\\begin{bmatrix}", b"\\end{bmatrix}", b"&", b"\\\\", b"array(",
    b"tensor(", b"dtype=float", b"by", b"\xc3\x97", b"\xe2\x88\x92", b"\xdb\xb1", b"\xd9\xab", b"\xc2\xb2", b"\xe2\x88\x9a",
    b"__import__('os')", b"lambda: 0", b"().__class__", b"eval(", b"&a ", b"*a", b"!!python/object", b"!!binary ",
    b"answers:", b"student_id:", b"---", b"- ", b": ", b"'", b'"', b"\x00", b"\xef\xbb\xbf", b"\xff\xfe",
]


def _mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    buf = bytearray(data or b"\x00")
    for _ in range(rng.choice((1, 1, 2, 3, 5, 8))):
        op = rng.randrange(9)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:  # flip a bit
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:  # random byte
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif op == 2 and len(buf) > 1:  # delete a span
            end = min(len(buf), pos + rng.randrange(1, 16))
            del buf[pos:end]
        elif op in (3, 4):  # insert a token
            buf[pos:pos] = rng.choice(_TOKENS)
        elif op == 5 and buf:  # duplicate a span (nesting, repetition)
            start = rng.randrange(len(buf))
            span = bytes(buf[start : start + rng.randrange(1, 32)])
            buf[pos:pos] = span * rng.choice((1, 2, 8, 64))
        elif op == 6:  # splice with another seed
            other = rng.choice(pool)
            cut = rng.randrange(len(other) + 1)
            buf[pos:] = other[cut:]
        elif op == 7:  # digits run (huge numbers, exponents)
            buf[pos:pos] = b"9" * rng.choice((1, 3, 20, 400, 5000))
        elif buf:  # change the mode/item byte
            buf[0] = rng.randrange(256)
    if not buf:
        buf.append(rng.randrange(256))
    if len(buf) > 300_000:
        del buf[300_000:]
    return bytes(buf)


def signature(exc: BaseException) -> str:
    """Exception type and the deepest frame in the grader: one line per distinct bug."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/grader/" in f.filename] or traceback.extract_tb(exc.__traceback__)
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__} at {where}"


def crash_of(data: bytes) -> str | None:
    try:
        one_input(data)
    except Exception as exc:  # noqa: BLE001
        return signature(exc)
    return None


def minimize(data: bytes, *, rounds: int = 8) -> bytes:
    """Greedy delta debugging: drop chunks (halving their size) while the same crash remains."""
    target = crash_of(data)
    if target is None:
        return data
    best = data
    for _ in range(rounds):
        changed = False
        chunk = max(1, (len(best) - 1) // 2)
        while chunk >= 1:
            i = 1  # keep the mode/item byte
            while i < len(best):
                candidate = best[:i] + best[i + chunk :]
                if crash_of(candidate) == target:
                    best, changed = candidate, True
                else:
                    i += chunk
            chunk //= 2
        if not changed:
            break
    return best


def run_random(runs: int, seed: int, corpus_dirs: list[str], max_len: int) -> int:
    rng = random.Random(seed)
    pool = seed_inputs()
    for folder in corpus_dirs:
        for path in sorted(Path(folder).glob("*")):
            if path.is_file():
                pool.append(path.read_bytes()[:max_len])
    done = 0
    while runs <= 0 or done < runs:
        data = pool[done] if done < len(pool) else _mutate(rng, rng.choice(pool), pool)
        guarded(data[:max_len])
        done += 1
        if rng.random() < 0.002 and len(pool) < 20_000:
            pool.append(data)  # keep some mutants as new parents
        if done % 10_000 == 0:
            rate = done / max(time.monotonic() - _state["start"], 1e-9)
            print(f"#{done}\t{rate:.0f}/s\tcrashes {sum(_signatures.values())} ({len(_signatures)} distinct)\tslow {_state['slow']}", file=sys.stderr, flush=True)
    return 1 if _signatures else 0


def main(argv: list[str]) -> int:
    flags = {a.split("=", 1)[0].lstrip("-"): (a.split("=", 1)[1] if "=" in a else "1") for a in argv[1:] if a.startswith("-")}
    positional = [a for a in argv[1:] if not a.startswith("-")]
    _state["hang_seconds"] = float(flags.get("hang_seconds", 20))
    _state["artifact_prefix"] = flags.get("artifact_prefix", "./")
    driver = flags.get("driver", "atheris")
    # libFuzzer's own timeout uses SIGALRM, which the grader's time bounds need: hangs are ours to catch
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    if "minimize" in flags:  # -minimize=FILE: print the smallest input with the same crash
        _setup()
        data = Path(flags["minimize"]).read_bytes()
        small = minimize(data)
        print(f"mode {small[0] % N_MODES}, item {_item_for(small).id}: {small[1:]!r} -> {crash_of(small)}")
        return 0
    if "seed_dir" in flags:
        _setup()
        print(f"wrote {write_seed_dir(Path(flags['seed_dir']))} seeds to {flags['seed_dir']}")
        return 0
    if driver == "atheris":
        try:
            import atheris
        except ImportError:
            print("fuzz: atheris is not installed; using the random-mutation driver", file=sys.stderr)
            driver = "random"
    threading.Thread(target=_watchdog, daemon=True).start()
    _state["runs"] = int(flags.get("runs", -1 if driver == "atheris" else 100_000))
    _state["driver"] = f"{driver} driver, seed {flags.get('seed', 0)}"
    _state["summary_file"] = flags.get("summary_file")
    if driver == "random":
        _setup()
        _state["start"] = time.monotonic()
        return run_random(_state["runs"], int(flags.get("seed", 0)), positional, int(flags.get("max_len", 20_000)))
    with atheris.instrument_imports(include=["grader"]):
        import grader.grading.item  # noqa: F401
        import grader.kinds.choice  # noqa: F401
        import grader.kinds.expression  # noqa: F401
        import grader.kinds.expressions  # noqa: F401
        import grader.kinds.integer  # noqa: F401
        import grader.kinds.matrix  # noqa: F401
        import grader.kinds.number  # noqa: F401
        import grader.kinds.shape  # noqa: F401
        import grader.kinds.text  # noqa: F401
        import grader.mathparse  # noqa: F401
        import grader.readers.answer_file  # noqa: F401
    _setup()
    args = [a for a in argv if a.lstrip("-").split("=", 1)[0] not in ("driver", "hang_seconds", "summary_file")]
    if not any(a.startswith("-timeout=") for a in args):
        args.append("-timeout=0")
    if not any(a.startswith("-max_len=") for a in args):
        args.append("-max_len=4096")
    if not any(a.startswith("-rss_limit_mb=") for a in args):
        args.append("-rss_limit_mb=4096")
    _state["start"] = time.monotonic()
    atheris.Setup(args, guarded)
    atheris.Fuzz()  # exits the process when done (-runs); the summary is printed at exit
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
