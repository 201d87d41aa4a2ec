"""The GUI fuzzer at length: many seeds of a careless student driving the real window, each in a subprocess.

    python bench/fuzz_window.py --seeds 20 --actions 300 --data ../shared/data/mnist.npz
    python bench/fuzz_window.py --seeds 5 --actions 150 --start 100      # seeds 100..104, no MNIST

Each seed runs ``tests/gui/fuzz_driver.py`` (see there and ``tests/gui/fuzz_actions.py``) in a fresh
process with a private HOME, settings and Keras cache, and never downloads anything. With ``--data``, every
other seed (the odd ones) finds MNIST in its Keras cache (its first ``--mnist-size`` digits), loads it and
trains the MNIST network briefly before the actions; the others start without MNIST. A failure is any
uncaught exception (the app's crash handler, a traceback on stderr or in the app's log), a crash (a signal),
a hang (the watchdog), or a window that does not close. Each failing seed's replay command and action list
are printed. Last line: one JSON object (seeds run, actions done, failures, crashes, failing seeds).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "gui"))

from fuzz_driver import SeedResult, describe_failure, run_seed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="how many seeds (default 10)")
    parser.add_argument("--actions", type=int, default=300, help="actions per seed (default 300)")
    parser.add_argument("--start", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--data", default=None, help="an mnist.npz: every other seed loads MNIST and trains first")
    parser.add_argument("--mnist-size", type=int, default=3000,
                        help="training digits the MNIST seeds get (a quarter as many test digits; 0: the whole file)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one seed may take (default 600)")
    parser.add_argument("--jobs", type=int, default=1, help="seeds run at the same time (default 1)")
    args = parser.parse_args()
    if args.data and not os.path.isfile(args.data):
        parser.error(f"{args.data} is not a file")

    started = time.monotonic()
    seeds = list(range(args.start, args.start + args.seeds))
    data_for = {seed: args.data if args.data and seed % 2 == 1 else None for seed in seeds}

    def one(seed: int) -> SeedResult:
        return run_seed(seed, args.actions, data=data_for[seed], timeout=args.timeout, mnist_size=args.mnist_size)

    failing, crashed, done = [], [], 0
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:  # each seed is its own process
        for seed, result in zip(seeds, pool.map(one, seeds)):
            data = data_for[seed]
            done += result.done
            verdict = "ok" if result.ok else "FAILED: " + "; ".join(result.failures)
            print(f"seed {seed}{' (MNIST)' if data else ''}: {result.done}/{args.actions} actions, "
                  f"{result.seconds:.0f} s, exit code {result.returncode}: {verdict}", flush=True)
            if not result.ok:
                failing.append(seed)
                crashed += [seed] if result.crashed else []
                print(describe_failure(result, data), flush=True)
    with_mnist = sum(data is not None for data in data_for.values())
    print(json.dumps({"seeds": args.seeds, "first_seed": args.start, "actions_per_seed": args.actions,
                      "seeds_with_mnist": with_mnist, "actions_done": done, "failures": len(failing),
                      "crashes": len(crashed), "failing_seeds": failing, "crashed_seeds": crashed,
                      "seconds": round(time.monotonic() - started, 1)}))


if __name__ == "__main__":
    main()
