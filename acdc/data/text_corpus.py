"""Language-modelling corpora: text -> tokens -> ids -> contiguous splits -> ``(input, target)`` batches.

Sources (no download at run time):

* :func:`read_wiki_excerpt`: the 107 Wikipedia articles of the excerpt shipped in gensim's wheel
  (same domain as WikiText, Merity et al. 2017): about 600k word-level tokens, 3M characters.
* :func:`read_text_file`: any UTF-8 file, e.g. the King James Bible of Debian's ``bible-kjv``.

Tokens are characters (``level="char"``) or words (``level="word"``: runs of word characters and
single punctuation marks, with ``<eos>`` closing every non-empty line, as in WikiText). The stream is
split into contiguous train / validation / test chunks; the vocabulary is built on the training chunk,
most frequent first, optionally capped, with ``<unk>`` (id 0) standing for every other token.
:func:`batchify` and :func:`lm_batches` then cut the classic truncated-backpropagation batches of the
PyTorch ``word_language_model`` example, batch first.

References
----------
Merity, S., Xiong, C., Bradbury, J. and Socher, R. (2017). Pointer sentinel mixture models. ICLR.
"""

from __future__ import annotations

import bz2
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import torch

from acdc.data.files import DataFileError, read_data_bytes
from iht.validation import check_choice, check_int, check_real

WIKI_EXCERPT = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
"""File name of the Wikipedia excerpt in ``gensim/test/test_data``."""
LEVELS = ("char", "word")
UNK, EOS = "<unk>", "<eos>"
WORD = re.compile(r"\w+|[^\w\s]")
"""A word-level token: a run of word characters, or one punctuation mark."""
WIKI_EMPHASIS = re.compile(r"'{2,}")
"""Wiki bold/italic markers (``''``, ``'''``), which ``filter_wiki`` leaves in the text."""


def is_redirect(wikitext: str) -> bool:
    """Whether a page's wiki markup is a redirect (``#REDIRECT [[Target]]``) rather than an article."""
    return wikitext.lstrip().upper().startswith("#REDIRECT")


def read_wiki_excerpt() -> str:
    """Plain text of the articles (namespace 0, redirects dropped) of gensim's Wikipedia excerpt.

    Articles are cleaned of markup by ``gensim.corpora.wikicorpus.filter_wiki`` and of bold/italic
    quotes, and joined by blank lines.

    Raises
    ------
    ImportError
        If gensim is not installed (the message says how to install it).
    """
    try:
        from gensim.corpora.wikicorpus import extract_pages, filter_wiki
        from gensim.test.utils import datapath
    except ImportError as err:
        raise ImportError("the Wikipedia excerpt ships in the `gensim` package: pip install gensim") from err
    with bz2.open(datapath(WIKI_EXCERPT)) as handle:
        pages = extract_pages(handle, filter_namespaces=("0",))
        articles = [filter_wiki(text) for _, text, _ in pages if not is_redirect(text)]
    return "\n\n".join(WIKI_EMPHASIS.sub("", article) for article in articles)


def read_text_file(path: str | Path) -> str:
    """Contents of the UTF-8 text file ``path``, raw or gzip-compressed.

    As in Python's text mode, CRLF and CR line ends read as LF; a leading UTF-8 byte-order mark is
    dropped.

    Raises
    ------
    FileNotFoundError
        Naming the path and one way to make such a file here.
    DataFileError
        Naming the file, if it is empty, corrupt gzip (:func:`~acdc.data.files.read_data_bytes`) or
        not UTF-8 (the message gives the first bad byte and its offset).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"text file not found: {path}. Pass any UTF-8 text file, e.g. the King James Bible: "
            f'`apt-get install -y bible-kjv && bible -m 8192 "Gen1:1-Rev22:21" > kjv.txt`'
        )
    raw = read_data_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataFileError(
            f"{path}: text must be UTF-8; byte 0x{raw[err.start]:02x} at offset {err.start} is invalid "
            f"({err.reason})"
        ) from err
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def tokenize(text: str, level: str = "word") -> list[str]:
    """Tokens of ``text``: its characters (``"char"``), or words and punctuation plus ``<eos>`` per line."""
    check_choice(level, "level", LEVELS)
    if level == "char":
        return list(text)
    tokens = []
    for line in text.splitlines():
        words = WORD.findall(line)
        if words:
            tokens.extend(words)
            tokens.append(EOS)
    return tokens


@dataclass(frozen=True)
class Vocabulary:
    """Token <-> id map; id 0 is ``<unk>``, which every token outside the vocabulary encodes to.

    Attributes
    ----------
    tokens : tuple of str
        Token of each id, ``tokens[0] == "<unk>"``.
    """

    tokens: tuple[str, ...]

    @cached_property
    def ids(self) -> dict[str, int]:
        """Id of each token."""
        return {token: i for i, token in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: Sequence[str]) -> torch.Tensor:
        """Ids of ``tokens``, int64 of shape ``(len(tokens),)``."""
        ids = self.ids
        return torch.tensor([ids.get(token, 0) for token in tokens], dtype=torch.int64)

    def decode(self, ids: torch.Tensor) -> list[str]:
        """Tokens of the ids in ``ids`` (flattened)."""
        return [self.tokens[i] for i in ids.flatten().tolist()]


def build_vocabulary(tokens: Sequence[str], max_size: int | None = None) -> Vocabulary:
    """``<unk>``, then the tokens by decreasing count (ties: alphabetical); at most ``max_size`` in all."""
    counts = Counter(tokens)
    counts.pop(UNK, None)
    ranked = sorted(counts, key=lambda token: (-counts[token], token))
    if max_size is not None:
        ranked = ranked[: check_int(max_size, "max_size", 2) - 1]
    return Vocabulary((UNK, *ranked))


@dataclass(frozen=True)
class Corpus:
    """A tokenised corpus split into contiguous chunks.

    Attributes
    ----------
    train, val, test : Tensor, int64, shape ``(n_split,)``
        Token ids, in text order; ``train`` is the start of the text and ``test`` its end.
    vocabulary : Vocabulary
        Built on the training chunk.
    """

    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    vocabulary: Vocabulary


def load_corpus(
    text: str, level: str = "word", max_vocab: int | None = None, val_fraction: float = 0.05,
    test_fraction: float = 0.05,
) -> Corpus:
    """Tokenise ``text`` and split it into contiguous train / validation / test chunks.

    Parameters
    ----------
    text : str
        e.g. :func:`read_wiki_excerpt` or :func:`read_text_file`.
    level : {"word", "char"}
        Tokenisation (see :func:`tokenize`).
    max_vocab : int, optional
        Vocabulary size cap, ``<unk>`` included (word level: e.g. 10,000); None keeps every training token.
    val_fraction, test_fraction : float
        Share of the tokens in the validation and test chunks, each in ``(0, 1)``, summing below 1;
        chunk sizes round to the nearest token.

    Raises
    ------
    TypeError
        If ``text`` is not a str (e.g. bytes: decode them, or use :func:`read_text_file`).
    ValueError
        If a fraction is out of range, or the text is too short to give each chunk a token.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; got {type(text).__name__}")
    val_fraction = check_real(val_fraction, "val_fraction", 0.0, 1.0, strict=True)
    test_fraction = check_real(test_fraction, "test_fraction", 0.0, 1.0, strict=True)
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction must be < 1 (the rest is training data); "
            f"got val_fraction={val_fraction!r}, test_fraction={test_fraction!r}"
        )
    tokens = tokenize(text, level)
    n_val, n_test = round(len(tokens) * val_fraction), round(len(tokens) * test_fraction)
    n_train = len(tokens) - n_val - n_test
    if min(n_train, n_val, n_test) < 1:
        raise ValueError(
            f"text has {len(tokens)} {level} tokens: too few to give every chunk a token with "
            f"val_fraction={val_fraction!r}, test_fraction={test_fraction!r}"
        )
    vocabulary = build_vocabulary(tokens[:n_train], max_vocab)
    ids = vocabulary.encode(tokens)
    train, val, test = ids.split([n_train, n_val, n_test])
    return Corpus(train, val, test, vocabulary)


def batchify(ids: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The token stream ``ids`` as ``batch_size`` contiguous rows, shape ``(batch_size, n // batch_size)``.

    Row ``b`` holds tokens ``[b·L, (b+1)·L)`` with ``L = n // batch_size``; the last ``n mod batch_size``
    tokens are dropped. Each row needs at least 2 tokens (one input and its target).
    """
    batch_size = check_int(batch_size, "batch_size", 1)
    length = len(ids) // batch_size
    if length < 2:
        raise ValueError(
            f"batch_size must leave at least 2 tokens per row; got batch_size={batch_size} "
            f"for {len(ids)} tokens"
        )
    return ids[: batch_size * length].view(batch_size, length)


def lm_batches(data: torch.Tensor, seq_len: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """``(input, target)`` windows of ``seq_len`` tokens along the rows of ``data`` (from :func:`batchify`).

    Window ``i`` is ``input = data[:, s:s+t]``, ``target = data[:, s+1:s+1+t]`` with ``s = i·seq_len``
    and ``t = min(seq_len, L - 1 - s)``: the target is the next token, and the last window may be
    shorter. Every token of a row but the last is an input exactly once, in order.

    Yields
    ------
    input, target : Tensor, int64, shape ``(batch_size, t)``
    """
    seq_len = check_int(seq_len, "seq_len", 1)
    length = data.shape[1]
    for start in range(0, length - 1, seq_len):
        steps = min(seq_len, length - 1 - start)
        yield data[:, start : start + steps], data[:, start + 1 : start + 1 + steps]
