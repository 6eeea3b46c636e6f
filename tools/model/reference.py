#!/usr/bin/python3
"""Independent float64 NumPy reference for the DistilBERT forward (the oracle for the libtorch engine).

No torch here on purpose: the engine under test is libtorch, so the oracle shares none of its code.
Run with the Debian interpreter (needs numpy; the `python3` on PATH may lack it):

    echo '{"input_ids":[[101,7592,103,102]],"top":5}' | /usr/bin/python3 tools/model/reference.py --model DIR
    /usr/bin/python3 tools/model/reference.py --self-test

Request (one JSON object on stdin):
    {"input_ids": [[...], ...],          rectangular; right-pad shorter sequences
     "attention_mask": [[...], ...],     optional, default all ones (0 = padding key)
     "mask_token_id": 103,               masked-lm only, default 103
     "top": 5,                           masked-lm only, default 5 (clamped to vocab size)
     "target_ids": [...]}                masked-lm only, optional
Response (one JSON object on stdout), by config.json architectures[0]:
    DistilBertForMaskedLM:   {"masks": [[{"position": p, "top_ids": [..], "top_probs": [..],
                               "target_probs": [..] (if target_ids)}, ... one per position with
                               input_ids == mask_token_id and attention_mask 1, in order], ... per sequence]}
                             probabilities = float64 softmax over the whole vocabulary; top sorted by
                             probability descending, ties by lower id.
    DistilBertForSequenceClassification: {"logits": [b][num_labels]}
    DistilBertForTokenClassification:    {"logits": [b][s][num_labels]}
    DistilBertForQuestionAnswering:      {"start_logits": [b][s], "end_logits": [b][s]}
    DistilBertModel:                     {"last_hidden_state": [b][s][dim]}
    Every response also has "architecture"; --hidden adds "last_hidden_state" for any head.
    Positions whose attention_mask is 0 are computed exactly as Hugging Face does (they attend to
    the unmasked keys) but they are meaningless; compare only unmasked positions.
Errors: a message on stderr and exit status 2.

Semantics follow transformers' modeling_distilbert.py (eager attention, eval mode, no dropout):
embeddings = LayerNorm(word[ids] + pos[arange(s)]), LayerNorm eps 1e-12 everywhere; per layer
q/k/v linear, q scaled by 1/sqrt(head_dim) BEFORE q.k^T, masked keys filled with finfo.min, softmax,
out_lin, sa_layer_norm(attn + x), lin1 -> exact erf GELU -> lin2, output_layer_norm(ffn + sa_out).
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np

LN_EPS = 1e-12
ARCH_HEADS = {
    "DistilBertForMaskedLM": "masked-lm",
    "DistilBertForSequenceClassification": "sequence-classification",
    "DistilBertForTokenClassification": "token-classification",
    "DistilBertForQuestionAnswering": "question-answering",
    "DistilBertModel": "base",
}


class RefError(Exception):
    pass


# ---------------------------------------------------------------- checkpoint reading

def read_safetensors(path):
    """name -> float64 ndarray for float tensors (F64/F32/F16/BF16); integer tensors are skipped."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise RefError("%s: too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise RefError("%s: header length %d exceeds file size" % (path, n))
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        shape = tuple(info["shape"])
        raw = blob[base + b: base + e]
        count = int(np.prod(shape)) if shape else 1
        dt = info["dtype"]
        if dt == "F64":
            a = np.frombuffer(raw, "<f8")
        elif dt == "F32":
            a = np.frombuffer(raw, "<f4")
        elif dt == "F16":
            a = np.frombuffer(raw, "<f2")
        elif dt == "BF16":
            a = (np.frombuffer(raw, "<u2").astype(np.uint32) << np.uint32(16)).view(np.float32)
        elif dt in ("I64", "I32", "I16", "I8", "U8", "BOOL"):
            continue  # e.g. the position_ids buffer: not a weight
        else:
            raise RefError("%s: unsupported dtype %s for %s" % (path, dt, name))
        if a.size != count:
            raise RefError("%s: %s has %d elements, shape %s needs %d" % (path, name, a.size, shape, count))
        out[name] = a.astype(np.float64).reshape(shape)
    return out


def load_checkpoint(model_dir):
    """Returns (config, weights) with encoder keys WITHOUT the 'distilbert.' prefix."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    raw = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    w = {}
    for k, v in raw.items():
        w[k[len("distilbert."):] if k.startswith("distilbert.") else k] = v
    arch = (cfg.get("architectures") or ["DistilBertModel"])[0]
    if arch not in ARCH_HEADS:
        raise RefError("unsupported architecture %s" % arch)
    cfg["_head"] = ARCH_HEADS[arch]
    cfg["_arch"] = arch
    if cfg["_head"] == "masked-lm" and "vocab_projector.weight" not in w:
        w["vocab_projector.weight"] = w["embeddings.word_embeddings.weight"]  # tied
    need = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight"]
    missing = [k for k in need if k not in w]
    if missing:
        raise RefError("checkpoint lacks %s" % ", ".join(missing))
    return cfg, w


# ---------------------------------------------------------------- numerics

# W. J. Cody's rational Chebyshev approximations (CALERF, Math. Comp. 1969), max relative error
# ~1e-16 on each interval; vectorised so the base size does not need a Python loop per element.
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_SQRPI = 5.6418958354775628695e-1  # 1/sqrt(pi)


def _erfc_tail(y):
    """erfc(y) for y > 0.46875 (y >= 0), Cody's intervals 2 and 3."""
    out = np.empty_like(y)
    mid = y <= 4.0
    ym = y[mid]
    num = _C[8] * ym
    den = ym.copy()
    for i in range(7):
        num = (num + _C[i]) * ym
        den = (den + _D[i]) * ym
    r = (num + _C[7]) / (den + _D[7])
    out[mid] = r * _exp_neg_sq(ym)
    yt = y[~mid]
    z = 1.0 / (yt * yt)
    num = _P[5] * z
    den = z.copy()
    for i in range(4):
        num = (num + _P[i]) * z
        den = (den + _Q[i]) * z
    r = z * (num + _P[4]) / (den + _Q[4])
    r = (_SQRPI - r) / yt
    out[~mid] = r * _exp_neg_sq(yt)
    return out


def _exp_neg_sq(y):
    # exp(-y^2) computed as exp(-ysq^2) * exp(-(y-ysq)(y+ysq)) with ysq = y rounded to 1/16:
    # avoids the cancellation error of forming y*y directly (Cody's trick).
    ysq = np.trunc(y * 16.0) / 16.0
    return np.exp(-ysq * ysq) * np.exp(-(y - ysq) * (y + ysq))


def _erf_small(xs):
    z = xs * xs
    num = _A[4] * z
    den = z.copy()
    for i in range(3):
        num = (num + _A[i]) * z
        den = (den + _B[i]) * z
    return xs * (num + _A[3]) / (den + _B[3])


def erf(x):
    x = np.asarray(x, dtype=np.float64)
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    small = np.abs(flat) <= 0.46875
    out[small] = _erf_small(flat[small])
    big = ~small
    ec = _erfc_tail(np.abs(flat[big]))
    out[big] = np.where(flat[big] < 0, ec - 1.0, 1.0 - ec)
    return out.reshape(x.shape)


def erfc(x):
    """1 - erf(x) without cancellation for large positive x."""
    x = np.asarray(x, dtype=np.float64)
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    small = np.abs(flat) <= 0.46875
    out[small] = 1.0 - _erf_small(flat[small])
    big = ~small
    ec = _erfc_tail(np.abs(flat[big]))
    out[big] = np.where(flat[big] < 0, 2.0 - ec, ec)
    return out.reshape(x.shape)


def gelu(x):
    """Exact GELU, x * Phi(x), as torch.nn.functional.gelu(approximate='none').
    Written with erfc(-x/sqrt2) = 1 + erf(x/sqrt2) so the negative tail keeps full relative precision."""
    return 0.5 * x * erfc(-x / math.sqrt(2.0))


def layer_norm(x, w, b, eps=LN_EPS):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)  # biased variance, as torch
    return (x - mu) / np.sqrt(var + eps) * w + b


def linear(x, w, name):
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    s = x - m
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


# ---------------------------------------------------------------- model

def encoder(cfg, w, input_ids, attention_mask):
    """input_ids, attention_mask: int arrays [b, s] -> last_hidden_state float64 [b, s, dim]."""
    ids = np.asarray(input_ids, dtype=np.int64)
    mask = np.asarray(attention_mask, dtype=np.int64)
    bsz, seq = ids.shape
    dim, n_heads = cfg["dim"], cfg["n_heads"]
    hd = dim // n_heads
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][np.arange(seq)]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    key_masked = (mask == 0)[:, None, None, :]  # [b,1,1,k]
    fmin = np.finfo(np.float64).min

    def heads(t):
        return t.reshape(bsz, seq, n_heads, hd).transpose(0, 2, 1, 3)

    for i in range(cfg["n_layers"]):
        p = "transformer.layer.%d." % i
        q = heads(linear(x, w, p + "attention.q_lin")) / math.sqrt(hd)
        k = heads(linear(x, w, p + "attention.k_lin"))
        v = heads(linear(x, w, p + "attention.v_lin"))
        scores = np.where(key_masked, fmin, q @ k.transpose(0, 1, 3, 2))
        ctx = (softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(bsz, seq, dim)
        attn = linear(ctx, w, p + "attention.out_lin")
        sa = layer_norm(attn + x, w[p + "sa_layer_norm.weight"], w[p + "sa_layer_norm.bias"])
        ffn = linear(gelu(linear(sa, w, p + "ffn.lin1")), w, p + "ffn.lin2")
        x = layer_norm(ffn + sa, w[p + "output_layer_norm.weight"], w[p + "output_layer_norm.bias"])
    return x


def mlm_logits(w, h):
    """h [..., dim] -> vocab logits [..., vocab]."""
    t = gelu(linear(h, w, "vocab_transform"))
    t = layer_norm(t, w["vocab_layer_norm.weight"], w["vocab_layer_norm.bias"])
    return t @ w["vocab_projector.weight"].T + w["vocab_projector.bias"]


def head_outputs(cfg, w, h):
    """Full head outputs as arrays (used by export-torchscript.py's parity check)."""
    head = cfg["_head"]
    if head == "masked-lm":
        return {"logits": mlm_logits(w, h)}
    if head == "sequence-classification":
        pooled = np.maximum(linear(h[:, 0], w, "pre_classifier"), 0.0)
        return {"logits": linear(pooled, w, "classifier")}
    if head == "token-classification":
        return {"logits": linear(h, w, "classifier")}
    if head == "question-answering":
        qa = linear(h, w, "qa_outputs")
        return {"start_logits": qa[..., 0], "end_logits": qa[..., 1]}
    return {"last_hidden_state": h}


def run_request(cfg, w, req, with_hidden=False):
    if not isinstance(req, dict) or "input_ids" not in req:
        raise RefError("request must be a JSON object with input_ids")
    ids = _matrix(req["input_ids"], "input_ids")
    mask = _matrix(req["attention_mask"], "attention_mask") if "attention_mask" in req else np.ones_like(ids)
    if mask.shape != ids.shape:
        raise RefError("attention_mask shape %s differs from input_ids shape %s" % (mask.shape, ids.shape))
    if ids.min() < 0 or ids.max() >= cfg["vocab_size"]:
        raise RefError("input_ids must be in [0, %d)" % cfg["vocab_size"])
    if ids.shape[1] > cfg["max_position_embeddings"]:
        raise RefError("sequence length %d exceeds %d" % (ids.shape[1], cfg["max_position_embeddings"]))
    h = encoder(cfg, w, ids, mask)
    resp = {"architecture": cfg["_arch"]}
    if cfg["_head"] == "masked-lm":
        mask_id = int(req.get("mask_token_id", 103))
        top = max(1, min(int(req.get("top", 5)), cfg["vocab_size"]))
        targets = req.get("target_ids")
        masks = []
        for b in range(ids.shape[0]):
            pos = [int(p) for p in np.nonzero((ids[b] == mask_id) & (mask[b] != 0))[0]]
            entries = []
            if pos:
                probs = np.exp(log_softmax(mlm_logits(w, h[b, pos])))
                for j, p in enumerate(pos):
                    order = np.argsort(-probs[j], kind="stable")[:top]
                    e = {"position": p, "top_ids": [int(i) for i in order],
                         "top_probs": [float(probs[j, i]) for i in order]}
                    if targets is not None:
                        e["target_probs"] = [float(probs[j, int(t)]) for t in targets]
                    entries.append(e)
            masks.append(entries)
        resp["masks"] = masks
    else:
        for k, v in head_outputs(cfg, w, h).items():
            resp[k] = v.tolist()
    if with_hidden:
        resp["last_hidden_state"] = h.tolist()
    return resp


def _matrix(rows, name):
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise RefError("%s must be a non-empty list of lists" % name)
    if len({len(r) for r in rows}) != 1 or not rows[0]:
        raise RefError("%s rows must be non-empty and equally long (right-pad them)" % name)
    return np.asarray(rows, dtype=np.int64)


# ---------------------------------------------------------------- self-test

def self_test():
    xs = np.concatenate([np.linspace(-10, 10, 20001), np.array([0.0, 0.46875, -0.46875, 4.0, -4.0, 1e-300, 30.0, -30.0]),
                         np.random.default_rng(0).standard_normal(5000) * 3])
    ref = np.array([math.erf(v) for v in xs])
    err = np.abs(erf(xs) - ref)
    rel = err / np.maximum(np.abs(ref), 1e-300)
    # erfc carries GELU's negative tail, so check its RELATIVE accuracy far out (erfc(26) ~ 1e-296)
    tail = np.linspace(-3, 26, 3000)
    cref = np.array([math.erfc(v) for v in tail])
    ok_c = (np.abs(erfc(tail) - cref) / cref).max()
    g = gelu(xs)
    gref = np.array([0.5 * v * math.erfc(-v / math.sqrt(2)) for v in xs])
    gerr = (np.abs(g - gref) / np.maximum(np.abs(gref), 1e-300)).max()
    sm = softmax(np.random.default_rng(1).standard_normal((7, 30522)) * 6)
    serr = np.abs(sm.sum(-1) - 1).max()
    lsm = np.abs(np.exp(log_softmax(np.array([[1000.0, 0.0, -1000.0]]))) - softmax(np.array([[1000.0, 0.0, -1000.0]]))).max()
    checks = [("erf abs err vs math.erf", err.max(), 4e-16), ("erf rel err", rel.max(), 1e-15),
              ("erfc rel err vs math.erfc (-3..26)", ok_c, 1e-13), ("gelu rel err", gerr, 1e-13),
              ("softmax row-sum err", serr, 1e-14), ("log_softmax vs softmax", lsm, 1e-15)]
    bad = 0
    for name, val, tol in checks:
        status = "ok" if val <= tol else "FAIL"
        bad += status != "ok"
        print("%-38s %.3e (tol %.0e) %s" % (name, val, tol, status))
    return 1 if bad else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="float64 NumPy DistilBERT reference (JSON request on stdin).")
    ap.add_argument("--model", help="checkpoint directory (config.json + model.safetensors)")
    ap.add_argument("--hidden", action="store_true", help="also return last_hidden_state")
    ap.add_argument("--self-test", action="store_true", help="check erf/gelu/softmax numerics and exit")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.model:
        ap.error("--model is required (or --self-test)")
    try:
        cfg, w = load_checkpoint(args.model)
        req = json.loads(sys.stdin.read())
        resp = run_request(cfg, w, req, args.hidden)
    except (RefError, OSError, ValueError, KeyError) as e:
        print("reference.py: error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 2
    json.dump(resp, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
