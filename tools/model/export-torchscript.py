#!/usr/bin/python3
"""Export a DistilBERT checkpoint directory to a traced TorchScript module (float32).

Run with the Debian interpreter (torch 1.13 + numpy; the `python3` on PATH lacks them):

    /usr/bin/python3 tools/model/export-torchscript.py --model DIR [--out PATH] [--seed N]

Reads DIR/config.json + DIR/model.safetensors (as written by tools/model/make-fixture.py or the Hub),
builds a torch.nn.Module whose state_dict names are exactly those of transformers'
DistilBertForMaskedLM / ...ForSequenceClassification / ...ForTokenClassification /
...ForQuestionAnswering / DistilBertModel (chosen by config.json architectures[0]), loads the
weights, traces forward(input_ids: int64 [b,s], attention_mask: int64 [b,s]) and saves it to
DIR/model.torchscript.pt (or PATH). Like transformers with torchscript=True, forward returns a
tuple: (logits,) for masked-lm / sequence / token classification, (start_logits, end_logits) for
question-answering, (last_hidden_state,) for the bare model. Batch size and sequence length are
dynamic in the trace (checked below with a shape different from the tracing example).

For masked-lm, vocab_projector.weight IS distilbert.embeddings.word_embeddings.weight (one
Parameter), as transformers ties them; a checkpoint that stores vocab_projector.weight explicitly
must hold the same values (checked).

After saving, the file is reloaded and run on a random right-padded batch; its outputs are
compared with tools/model/reference.py's float64 NumPy forward on the unmasked positions. The
script fails (exit 1) if the max abs difference exceeds --tol (default 1e-4).
"""
import argparse
import importlib.util
import math
import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def load_reference():
    spec = importlib.util.spec_from_file_location("dbn_reference", os.path.join(HERE, "reference.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- modules (HF attribute names)

class Embeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], cfg["dim"], padding_idx=cfg.get("pad_token_id", 0))
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], cfg["dim"])
        self.LayerNorm = nn.LayerNorm(cfg["dim"], eps=1e-12)
        self.dropout = nn.Dropout(cfg.get("dropout", 0.1))

    def forward(self, input_ids):
        # arange from the traced size keeps the sequence length dynamic; no position_ids buffer,
        # matching current transformers where it is non-persistent (absent from state_dict).
        pos = torch.arange(input_ids.size(1), dtype=torch.long, device=input_ids.device).unsqueeze(0)
        x = self.word_embeddings(input_ids) + self.position_embeddings(pos)
        return self.dropout(self.LayerNorm(x))


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_heads = cfg["n_heads"]
        self.dim = cfg["dim"]
        self.dropout = nn.Dropout(cfg.get("attention_dropout", 0.1))
        self.q_lin = nn.Linear(self.dim, self.dim)
        self.k_lin = nn.Linear(self.dim, self.dim)
        self.v_lin = nn.Linear(self.dim, self.dim)
        self.out_lin = nn.Linear(self.dim, self.dim)

    def forward(self, x, attention_mask):
        bs, q_len = x.size(0), x.size(1)
        hd = self.dim // self.n_heads

        def shape(t):
            return t.view(bs, -1, self.n_heads, hd).transpose(1, 2)

        q = shape(self.q_lin(x)) / math.sqrt(hd)
        k = shape(self.k_lin(x))
        v = shape(self.v_lin(x))
        scores = torch.matmul(q, k.transpose(2, 3))
        mask = (attention_mask == 0).view(bs, 1, 1, -1).expand_as(scores)
        scores = scores.masked_fill(mask, torch.finfo(scores.dtype).min)
        weights = self.dropout(nn.functional.softmax(scores, dim=-1))
        ctx = torch.matmul(weights, v).transpose(1, 2).contiguous().view(bs, q_len, self.dim)
        return self.out_lin(ctx)


class FFN(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dropout = nn.Dropout(cfg.get("dropout", 0.1))
        self.lin1 = nn.Linear(cfg["dim"], cfg["hidden_dim"])
        self.lin2 = nn.Linear(cfg["hidden_dim"], cfg["dim"])

    def forward(self, x):
        return self.dropout(self.lin2(nn.functional.gelu(self.lin1(x))))


class TransformerBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = MultiHeadSelfAttention(cfg)
        self.sa_layer_norm = nn.LayerNorm(cfg["dim"], eps=1e-12)
        self.ffn = FFN(cfg)
        self.output_layer_norm = nn.LayerNorm(cfg["dim"], eps=1e-12)

    def forward(self, x, attention_mask):
        sa = self.sa_layer_norm(self.attention(x, attention_mask) + x)
        return self.output_layer_norm(self.ffn(sa) + sa)


class Transformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(cfg) for _ in range(cfg["n_layers"])])

    def forward(self, x, attention_mask):
        for block in self.layer:
            x = block(x, attention_mask)
        return x


class DistilBertModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = Embeddings(cfg)
        self.transformer = Transformer(cfg)

    def forward(self, input_ids, attention_mask):
        return (self.transformer(self.embeddings(input_ids), attention_mask),)


class DistilBertForMaskedLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.distilbert = DistilBertModel(cfg)
        self.vocab_transform = nn.Linear(cfg["dim"], cfg["dim"])
        self.vocab_layer_norm = nn.LayerNorm(cfg["dim"], eps=1e-12)
        self.vocab_projector = nn.Linear(cfg["dim"], cfg["vocab_size"])
        self.vocab_projector.weight = self.distilbert.embeddings.word_embeddings.weight  # tied

    def forward(self, input_ids, attention_mask):
        h = self.distilbert(input_ids, attention_mask)[0]
        t = self.vocab_layer_norm(nn.functional.gelu(self.vocab_transform(h)))
        return (self.vocab_projector(t),)


class DistilBertForSequenceClassification(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.distilbert = DistilBertModel(cfg)
        self.pre_classifier = nn.Linear(cfg["dim"], cfg["dim"])
        self.classifier = nn.Linear(cfg["dim"], num_labels(cfg))
        self.dropout = nn.Dropout(cfg.get("seq_classif_dropout", 0.2))

    def forward(self, input_ids, attention_mask):
        h = self.distilbert(input_ids, attention_mask)[0]
        pooled = self.dropout(nn.functional.relu(self.pre_classifier(h[:, 0])))
        return (self.classifier(pooled),)


class DistilBertForTokenClassification(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.distilbert = DistilBertModel(cfg)
        self.dropout = nn.Dropout(cfg.get("dropout", 0.1))
        self.classifier = nn.Linear(cfg["dim"], num_labels(cfg))

    def forward(self, input_ids, attention_mask):
        return (self.classifier(self.dropout(self.distilbert(input_ids, attention_mask)[0])),)


class DistilBertForQuestionAnswering(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.distilbert = DistilBertModel(cfg)
        self.qa_outputs = nn.Linear(cfg["dim"], 2)
        self.dropout = nn.Dropout(cfg.get("qa_dropout", 0.1))

    def forward(self, input_ids, attention_mask):
        logits = self.qa_outputs(self.dropout(self.distilbert(input_ids, attention_mask)[0]))
        start, end = logits.split(1, dim=-1)
        return (start.squeeze(-1).contiguous(), end.squeeze(-1).contiguous())


CLASSES = {c.__name__: c for c in (DistilBertModel, DistilBertForMaskedLM, DistilBertForSequenceClassification,
                                  DistilBertForTokenClassification, DistilBertForQuestionAnswering)}
OUTPUT_NAMES = {"masked-lm": ["logits"], "sequence-classification": ["logits"], "token-classification": ["logits"],
                "question-answering": ["start_logits", "end_logits"], "base": ["last_hidden_state"]}


def num_labels(cfg):
    if "id2label" in cfg:
        return len(cfg["id2label"])
    return int(cfg.get("num_labels", 2))


# ---------------------------------------------------------------- build / check

def build(cfg, weights):
    """weights: reference.load_checkpoint() dict (float64, encoder keys without prefix)."""
    model = CLASSES[cfg["_arch"]](cfg)
    prefix = "" if cfg["_arch"] == "DistilBertModel" else "distilbert."
    sd = model.state_dict()
    loaded = {}
    for k, v in weights.items():
        name = k if k in sd else prefix + k
        if name not in sd:
            raise SystemExit("export-torchscript: unexpected checkpoint key %s" % k)
        if tuple(sd[name].shape) != v.shape:
            raise SystemExit("export-torchscript: %s has shape %s, model expects %s" % (k, v.shape, tuple(sd[name].shape)))
        loaded[name] = torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
    if cfg["_head"] == "masked-lm":
        emb = loaded[prefix + "embeddings.word_embeddings.weight"]
        if not torch.equal(loaded.get("vocab_projector.weight", emb), emb):
            raise SystemExit("export-torchscript: vocab_projector.weight differs from word_embeddings; "
                             "transformers would tie them, refusing an ambiguous checkpoint")
        loaded["vocab_projector.weight"] = emb
    missing = sorted(set(sd) - set(loaded))
    if missing:
        raise SystemExit("export-torchscript: checkpoint lacks %s" % ", ".join(missing))
    model.load_state_dict(loaded, strict=True)
    model.eval()
    return model


def random_batch(rng, cfg, bsz, seq):
    ids = rng.integers(999, cfg["vocab_size"], size=(bsz, seq))
    ids[:, 0] = 101
    mask = np.ones_like(ids)
    for b in range(1, bsz):  # right-pad every sequence but the first by a different amount
        n = seq - min(seq - 2, 2 * b)
        ids[b, n - 1] = 102
        ids[b, n:] = 0
        mask[b, n:] = 0
    ids[0, -1] = 102
    ids[:, 2] = 103  # one [MASK] per sequence (masked-lm parity)
    return ids, mask


class Wrapped(nn.Module):
    """The same model one level down ("inner."), so its parameter names no longer match
    Hugging Face's: stands in for a custom architecture whose weights the engine cannot map."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, input_ids, attention_mask):
        return self.inner(input_ids, attention_mask)


def check(path, cfg, weights, ref, rng, tol):
    loaded = torch.jit.load(path)
    loaded.eval()
    core = loaded.inner if hasattr(loaded, "inner") else loaded
    if cfg["_head"] == "masked-lm":
        tied = core.vocab_projector.weight.data_ptr() == core.distilbert.embeddings.word_embeddings.weight.data_ptr()
        print("reloaded: vocab_projector.weight shares storage with word_embeddings: %s" % tied)
    worst = 0.0
    for bsz, seq in ((3, 11), (1, 5), (2, 37)):  # none equals the tracing example shape
        ids, mask = random_batch(rng, cfg, bsz, seq)
        with torch.no_grad():
            outs = loaded(torch.from_numpy(ids), torch.from_numpy(mask))
        expect = ref.head_outputs(cfg, weights, ref.encoder(cfg, weights, ids, mask))
        for name, got in zip(OUTPUT_NAMES[cfg["_head"]], outs):
            want = expect[name]
            got = got.double().numpy()
            if got.shape != want.shape:
                raise SystemExit("export-torchscript: %s shape %s, reference %s" % (name, got.shape, want.shape))
            if got.ndim >= 2 and cfg["_head"] != "sequence-classification":
                diff = np.abs(got - want)[mask.astype(bool)]  # padded positions are meaningless
            else:
                diff = np.abs(got - want)
            d = float(diff.max())
            worst = max(worst, d)
            print("check [%d,%d] %-17s max|torchscript - reference| = %.3e" % (bsz, seq, name, d))
    return worst


def main(argv=None):
    ap = argparse.ArgumentParser(description="Trace a DistilBERT checkpoint to TorchScript and check it.")
    ap.add_argument("--model", required=True, help="checkpoint directory (config.json + model.safetensors)")
    ap.add_argument("--out", help="output file (default MODEL/model.torchscript.pt)")
    ap.add_argument("--seed", type=int, default=0, help="seed for the example and check inputs")
    ap.add_argument("--tol", type=float, default=1e-4, help="max abs difference allowed vs reference.py")
    ap.add_argument("--wrap", action="store_true",
                    help="nest the model under 'inner.' so its names don't map (tests the engine's "
                         "fallback to the module's own forward)")
    args = ap.parse_args(argv)
    out = args.out or os.path.join(args.model, "model.torchscript.pt")

    ref = load_reference()
    cfg, weights = ref.load_checkpoint(args.model)
    torch.manual_seed(args.seed)
    model = build(cfg, weights)
    if args.wrap:
        model = Wrapped(model).eval()
    rng = np.random.default_rng(args.seed)
    ex_ids, ex_mask = random_batch(rng, cfg, 2, 8)
    with torch.no_grad():
        traced = torch.jit.trace(model, (torch.from_numpy(ex_ids), torch.from_numpy(ex_mask)), check_trace=False)
    tmp = out + ".tmp"
    traced.save(tmp)
    os.replace(tmp, out)
    print("export-torchscript: wrote %s (%s, float32, %d bytes)" % (out, cfg["_arch"], os.path.getsize(out)))
    worst = check(out, cfg, weights, ref, rng, args.tol)
    ok = worst <= args.tol
    print("max diff %.3e (tol %.0e): %s" % (worst, args.tol, "ok" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
