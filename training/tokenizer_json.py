"""Builds tokenizer.json (Hugging Face tokenizers format) exactly as src/text/tokenizer.ts `buildTokenizerJson` does:
a WordPiece model whose vocabulary holds whole words, BertNormalizer lower-casing, BertPreTokenizer.
Used only for synthetic models and test corpora; real tokenizers come from `npm run corpus`."""

SPECIAL_TOKENS = ["[PAD]", "[BOS]", "[EOS]", "[UNK]", "[SEP]"]
SPECIAL_IDS = {"pad": 0, "bos": 1, "eos": 2, "unk": 3, "sep": 4}


def build_tokenizer_json(words):
    """words: whole lower-case words / punctuation marks; ids follow their order after the 5 special tokens."""
    vocab = {t: i for i, t in enumerate(SPECIAL_TOKENS)}
    for w in words:
        if w not in vocab:
            vocab[w] = len(vocab)

    def special(t):
        return {"SpecialToken": {"id": t, "type_id": 0}}

    def seq(i):
        return {"Sequence": {"id": i, "type_id": 0}}

    def entry(t):
        return {"id": t, "ids": [vocab[t]], "tokens": [t]}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, t in enumerate(SPECIAL_TOKENS)],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("[BOS]"), seq("A"), special("[EOS]")],
            "pair": [special("[BOS]"), seq("A"), special("[SEP]"), seq("B"), special("[EOS]")],
            "special_tokens": {t: entry(t) for t in ("[BOS]", "[EOS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }


def encode_words(tokenizer_json, text):
    """Whitespace/punctuation split of already-lower-case text → ids (synthetic reports only)."""
    vocab = tokenizer_json["model"]["vocab"]
    return [vocab.get(w, SPECIAL_IDS["unk"]) for w in text.replace(".", " .").replace(",", " ,").split()]
