# SPDX-License-Identifier: Apache-2.0
#
# A small byte-level BPE in the form GGUF's `gpt2` tokenizer with the `qwen2`
# pre-tokenizer describes (docs/tokenizer.md): added tokens matched first (longest
# first), NFC, Qwen2's split regex, GPT-2's byte-to-unicode alphabet, merges applied
# lowest rank first. train() learns the merges from text; Tokenizer.encode() is what the
# training script feeds the model, and the demo test checks that the engine agrees.
import collections
import json
import unicodedata

import regex

QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
               r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
_SPLIT = regex.compile(QWEN2_SPLIT)

# (text, special): special tokens are control tokens (type 3), the others user-defined (4),
# as in Qwen3's GGUFs.
ADDED = [("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True),
         ("<tool_call>", False), ("</tool_call>", False), ("<tool_response>", False),
         ("</tool_response>", False), ("<think>", False), ("</think>", False)]


def byte_to_unicode():
    """GPT-2's map: printable Latin-1 bytes stand for themselves, the rest move to U+0100+."""
    keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    table, shifted = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + shifted)
            shifted += 1
    return table


B2U = byte_to_unicode()


def pieces(text):
    """Qwen2's pre-tokenization of text that holds no added token."""
    return _SPLIT.findall(unicodedata.normalize("NFC", text))


def _as_symbols(piece):
    return tuple(B2U[b] for b in piece.encode("utf-8"))


def train(texts, n_merges, min_count=2):
    """Learns up to n_merges merges (most frequent pair first, ties to the smallest pair)
    from the pieces of @texts, which must already be free of added tokens."""
    words = collections.Counter()
    for t in texts:
        words.update(pieces(t))
    vocab = {tuple(_as_symbols(w)): c for w, c in words.items()}
    pairs = collections.Counter()
    where = collections.defaultdict(set)
    for w, c in vocab.items():
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] += c
            where[(a, b)].add(w)
    merges = []
    while len(merges) < n_merges and pairs:
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        (a, b), count = best
        if count < min_count:
            break
        merges.append((a, b))
        for w in list(where.pop((a, b), ())):
            if w not in vocab:
                continue
            c = vocab.pop(w)
            for p, q in zip(w, w[1:]):
                pairs[(p, q)] -= c
                if pairs[(p, q)] <= 0:
                    del pairs[(p, q)]
            merged, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(w[i])
                    i += 1
            merged = tuple(merged)
            vocab[merged] = vocab.get(merged, 0) + c
            for p, q in zip(merged, merged[1:]):
                pairs[(p, q)] += c
                where[(p, q)].add(merged)
        pairs.pop((a, b), None)
    return merges


class Tokenizer:
    def __init__(self, merges):
        self.merges = list(merges)
        self.tokens = [B2U[b] for b in range(256)]
        for a, b in self.merges:
            if a + b not in self.tokens[256:]:
                self.tokens.append(a + b)   # two merges may make the same token
        self.n_bpe = len(self.tokens)
        self.added = {}
        for text, _special in ADDED:
            self.added[text] = len(self.tokens)
            self.tokens.append(text)
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.ranks = {m: r for r, m in enumerate(self.merges)}
        self.added_re = regex.compile("|".join(regex.escape(t) for t in
                                               sorted(self.added, key=len, reverse=True)))
        self.cache = {}

    @property
    def eos_id(self):
        return self.added["<|im_end|>"]

    @property
    def pad_id(self):
        return self.added["<|endoftext|>"]

    def _bpe(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        syms = list(_as_symbols(piece))
        while len(syms) > 1:
            best, at = None, -1
            for i in range(len(syms) - 1):
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best):
                    best, at = r, i
            if best is None:
                break
            syms[at:at + 2] = [syms[at] + syms[at + 1]]
        ids = [self.ids[s] for s in syms]
        self.cache[piece] = ids
        return ids

    def encode(self, text):
        """Token ids of @text, added tokens (control ones included) parsed."""
        out, pos = [], 0
        for m in self.added_re.finditer(text):
            for p in pieces(text[pos:m.start()]):
                out += self._bpe(p)
            out.append(self.added[m.group(0)])
            pos = m.end()
        for p in pieces(text[pos:]):
            out += self._bpe(p)
        return out

    def decode(self, ids):
        u2b = {u: b for b, u in B2U.items()}
        data = bytearray()
        for i in ids:
            t = self.tokens[i]
            if i >= self.n_bpe:
                data += t.encode("utf-8")
            else:
                data += bytes(u2b[c] for c in t)
        return data.decode("utf-8", errors="replace")

    def write_hf(self, directory, chat_template):
        """tokenizer.json and tokenizer_config.json, the form `sprig-cli mkmodel
        --vocab-from` reads (engine/cli/se-hf-tokenizer.c)."""
        tok = {
            "version": "1.0",
            "added_tokens": [{"id": self.added[t], "content": t, "special": s}
                             for t, s in ADDED],
            "normalizer": {"type": "NFC"},
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN2_SPLIT}, "behavior": "Isolated",
                 "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                 "use_regex": False}]},
            "decoder": {"type": "ByteLevel"},
            "model": {"type": "BPE", "vocab": {t: i for i, t in enumerate(self.tokens[:self.n_bpe])},
                      "merges": [f"{a} {b}" for a, b in self.merges]},
        }
        config = {"bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
                  "add_bos_token": False, "chat_template": chat_template}
        with open(f"{directory}/tokenizer.json", "w", encoding="utf-8") as f:
            json.dump(tok, f, ensure_ascii=False)
        with open(f"{directory}/tokenizer_config.json", "w", encoding="utf-8") as f:
            json.dump(config, f, ensure_ascii=False)
