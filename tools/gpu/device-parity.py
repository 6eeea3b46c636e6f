#!/usr/bin/env python3
"""Compare dbn_fill_mask JSON lines (from any device) with tools/model/reference.py (float64).

    python3 tools/gpu/device-parity.py MODEL_DIR RESULTS.jsonl [more.jsonl ...]

Same criterion as test/fillMask.parity.test.ts: each of our candidates must carry the reference
probability of the reference's candidate at that rank (ids may differ only on float64 near-ties)
and its own score must be within 1e-4 of the reference probability of its id. Prints one line
per mask and a final "N passed, N failed" line; exit status 1 on any failure.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model"))
import reference  # noqa: E402

TOL = 1e-4


def main():
    model_dir, files = sys.argv[1], sys.argv[2:]
    cfg, weights = reference.load_checkpoint(model_dir)
    passed = failed = 0
    for path in files:
        for line in open(path):
            ours = json.loads(line)
            ref = reference.run_request(cfg, weights, {"input_ids": [ours["input_ids"]], "top": 50})
            for mine, theirs in zip(ours["masks"], ref["masks"][0]):
                ok = mine["position"] == theirs["position"]
                worst = 0.0
                for j, (tid, score) in enumerate(zip(mine["ids"], mine["scores"])):
                    if tid not in theirs["top_ids"]:
                        ok = False
                        continue
                    p = theirs["top_probs"][theirs["top_ids"].index(tid)]
                    worst = max(worst, abs(score - p), abs(p - theirs["top_probs"][j]))
                ok = ok and worst < TOL
                passed += ok
                failed += not ok
                print("%s %s pos %d: max |diff| %.2e %s" % (
                    "ok  " if ok else "FAIL", ours["device"], mine["position"], worst,
                    "" if ok else "ours %s ref %s" % (mine["ids"][:5], theirs["top_ids"][:5])))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
