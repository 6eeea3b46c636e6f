#!/usr/bin/env python3
"""Parity of dbn_heads_dump lines (any device, any dtype) with an oracle on the same ids.

    python3 tools/gpu/hf-parity.py --model DIR --oracle hf [--device cuda] DUMP.jsonl [...]
    /usr/bin/python3 tools/gpu/hf-parity.py --model DIR --oracle reference DUMP.jsonl [...]

--oracle hf: Hugging Face transformers' DistilBertFor* from_pretrained(DIR) in float32 (eager
attention, eval mode) on --device; --oracle reference: tools/model/reference.py (float64 NumPy),
which needs no torch and checks this script itself on machines without transformers.
float32 dumps must match within --tol (default 1e-4): masked-LM probabilities of our top-10 ids,
and the same top-1 unless the oracle's top two are closer than tol; logits and hidden states
elementwise. float16/bfloat16 dumps report top-1 agreement (masked-LM top-1 id, classification
argmax, token argmax, QA start/end argmax) and never fail. Ends with "N passed, N failed".
"""
import argparse
import importlib.util
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def softmax(row):
    m = max(row)
    e = [math.exp(x - m) for x in row]
    s = sum(e)
    return [x / s for x in e]


def argmax(row):
    return max(range(len(row)), key=lambda i: (row[i], -i))


class ReferenceOracle:
    def __init__(self, model_dir):
        spec = importlib.util.spec_from_file_location("dbn_reference", os.path.join(HERE, "..", "model", "reference.py"))
        self.ref = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.ref)
        self.cfg, self.w = self.ref.load_checkpoint(model_dir)
        self.name = "tools/model/reference.py (float64 NumPy)"

    def run(self, ids):
        import numpy as np
        h = self.ref.encoder(self.cfg, self.w, np.array([ids]), np.ones((1, len(ids)), dtype=np.int64))
        out = self.ref.head_outputs(self.cfg, self.w, h)
        return {k: v[0].tolist() for k, v in out.items()} | {"hidden": h[0].tolist()}


class HfOracle:
    def __init__(self, model_dir, device):
        import torch
        import transformers
        self.torch = torch
        cfg = json.load(open(os.path.join(model_dir, "config.json")))
        arch = cfg["architectures"][0]
        cls = getattr(transformers, arch)
        self.model = cls.from_pretrained(model_dir, attn_implementation="eager", dtype=torch.float32).to(device).eval()
        self.device = device
        self.arch = arch
        self.name = f"transformers {transformers.__version__} {arch} (float32, eager, {device})"

    def run(self, ids):
        torch = self.torch
        with torch.inference_mode():
            x = torch.tensor([ids], device=self.device)
            out = self.model(input_ids=x, attention_mask=torch.ones_like(x), output_hidden_states=self.arch == "DistilBertModel")
        if self.arch == "DistilBertForMaskedLM":
            return {"logits": out.logits[0].double().cpu().tolist()}
        if self.arch == "DistilBertForSequenceClassification":
            return {"logits": out.logits[0].double().cpu().tolist()}
        if self.arch == "DistilBertForTokenClassification":
            return {"logits": out.logits[0].double().cpu().tolist()}
        if self.arch == "DistilBertForQuestionAnswering":
            return {"start_logits": out.start_logits[0].double().cpu().tolist(), "end_logits": out.end_logits[0].double().cpu().tolist()}
        return {"hidden": out.last_hidden_state[0].double().cpu().tolist()}


def compare(line, oracle_out, tol):
    """Returns (max_abs_diff or None, top1_agreements, top1_total, problems)."""
    head = line["head"]
    problems = []
    diffs = []
    agree = total = 0
    if head == "DistilBertForMaskedLM":
        for m in line["masks"]:
            probs = softmax(oracle_out["logits"][m["position"]])
            diffs += [abs(p - probs[i]) for i, p in zip(m["ids"], m["probs"])]
            order = sorted(range(len(probs)), key=lambda i: (-probs[i], i))
            total += 1
            if m["ids"][0] == order[0]:
                agree += 1
            elif probs[order[0]] - probs[order[1]] >= tol:
                problems.append(f"mask at {m['position']}: top-1 {m['ids'][0]}, oracle {order[0]}")
    elif head == "DistilBertForSequenceClassification":
        ref = oracle_out["logits"]
        diffs += [abs(a - b) for a, b in zip(line["logits"], ref)]
        total, agree = 1, int(argmax(line["logits"]) == argmax(ref))
    elif head == "DistilBertForTokenClassification":
        ref = oracle_out["logits"]
        n = line["labels"]
        for t, row in enumerate(ref):
            ours = line["logits"][t * n:(t + 1) * n]
            diffs += [abs(a - b) for a, b in zip(ours, row)]
            total += 1
            agree += int(argmax(ours) == argmax(row))
    elif head == "DistilBertForQuestionAnswering":
        for ours, key in ((line["start"], "start_logits"), (line["end"], "end_logits")):
            diffs += [abs(a - b) for a, b in zip(ours, oracle_out[key])]
            total += 1
            agree += int(argmax(ours) == argmax(oracle_out[key]))
    else:
        hidden = oracle_out["hidden"]
        mean = [sum(col) / len(hidden) for col in zip(*hidden)]
        diffs += [abs(a - b) for a, b in zip(line["mean_hidden"], mean)]
    return (max(diffs) if diffs else 0.0), agree, total, problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--oracle", choices=["hf", "reference"], required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("dumps", nargs="+")
    a = ap.parse_args()
    oracle = HfOracle(a.model, a.device) if a.oracle == "hf" else ReferenceOracle(a.model)
    passed = failed = 0
    for path in a.dumps:
        for raw in open(path):
            if not raw.strip():
                continue
            line = json.loads(raw)
            diff, agree, total, problems = compare(line, oracle.run(line["input_ids"]), a.tol)
            tag = f"{os.path.basename(a.model)} {line['head']} {line['device']} {line['dtype']} len={len(line['input_ids'])}"
            if line["dtype"] == "float32":
                ok = diff <= a.tol and not problems
                passed += ok
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {tag}: max |diff| {diff:.2e} (tol {a.tol:g}) vs {oracle.name}"
                      + (f"; {'; '.join(problems)}" if problems else ""))
            else:
                print(f"info {tag}: top-1 agreement {agree}/{total}, max |diff| {diff:.2e} vs {oracle.name}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
