"""Write the TRL samples fixture: real ``GRPOTrainer`` runs on a tiny random model, on CPU.

The tests of :mod:`rlexplore.samples` read what this script writes to
``tests/samples/data/trl`` (committed, a few hundred KB): two GRPO runs with
``log_completions=True``, written by TRL itself, so the reader is tested against the real
writer's files rather than against files shaped by hand.

- ``trl-text``: plain-text prompts, two reward functions and a ``log_extra`` column
  (``parsed``: None for every sample of some steps, so that column is null-typed in those
  files), an evaluation every 2 steps (TRL then rewrites that step's completions file with
  evaluation samples), a W&B offline run (its ``completions`` tables);
- ``trl-chat``: conversational prompts (lists of ``{role, content}`` messages).

No hub download: the model is a randomly initialised 2-layer Llama built from a config, and
the tokenizer a byte-level BPE trained here on a few sentences. Not run by CI (it needs
``torch``, ``trl`` and about a minute of CPU)::

    python -m venv /tmp/venv-trl
    /tmp/venv-trl/bin/pip install torch==2.13.0 trl wandb
    /tmp/venv-trl/bin/python scripts/make_trl_samples.py tests/samples/data/trl
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

HOSTILE = [
    "Say <script>alert('x')</script> back:",
    'Describe <img src=x onerror="alert(1)"> in one word:',
]
PROMPTS = [
    "The capital of France is",
    "2 + 2 =",
    "Write a haiku about the sea:",
    "Name three colours:",
    "Count to five:",
    "Le café coûte 3 € :",
    *HOSTILE,
]


def tokenizer():
    """A byte-level BPE tokenizer trained on the prompts (no download), with a chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    special = ["<|pad|>", "<|bos|>", "<|eos|>"]
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(
        PROMPTS * 20 + ["the sea is blue and the sky is red 1 2 3 4 5"], trainer
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<|pad|>", bos_token="<|bos|>", eos_token="<|eos|>"
    )
    fast.chat_template = (
        "{% for m in messages %}<|bos|>{{ m['role'] }}: {{ m['content'] }}<|eos|>{% endfor %}"
        "{% if add_generation_prompt %}<|bos|>assistant: {% endif %}"
    )
    return fast


def model(tok):
    """A randomly initialised 2-layer Llama sized for `tok`."""
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=256,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
    )
    return LlamaForCausalLM(cfg)


def reward_len(completions, **kwargs):
    """Prefer completions of about 20 characters."""
    return [-abs(20 - len(_text(c))) / 20 for c in completions]


def reward_digit(completions, trainer_state=None, log_extra=None, **kwargs):
    """1 when the completion holds a digit; logs the digit it found as the extra column ``parsed``."""
    texts = [_text(c) for c in completions]
    found = [next((ch for ch in t if ch.isdigit()), None) for t in texts]
    if log_extra is not None:
        # on odd steps nothing is parsed on purpose: that file's ``parsed`` column is all null
        odd = trainer_state is not None and trainer_state.global_step % 2 == 1
        log_extra("parsed", [None] * len(found) if odd else found)
    return [1.0 if f is not None else 0.0 for f in found]


def _text(c):
    return c if isinstance(c, str) else "".join(m["content"] for m in c)


def run(out: Path, name: str, chat: bool, wandb_dir: Path | None) -> None:
    """Train one tiny GRPO run into ``out/name``."""
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    tok = tokenizer()
    if chat:
        rows = [{"prompt": [{"role": "user", "content": p}]} for p in PROMPTS]
    else:
        rows = [{"prompt": p} for p in PROMPTS]
    train = Dataset.from_list(rows * 4)
    evaluation = Dataset.from_list(rows[:4])
    report = ["wandb"] if wandb_dir is not None else "none"
    args = GRPOConfig(
        output_dir=str(out / name),
        run_name=name,
        max_steps=6,
        per_device_train_batch_size=4,
        per_device_eval_batch_size=4,
        num_generations=4,
        max_completion_length=24,
        learning_rate=1e-3,
        logging_steps=1,
        log_completions=True,
        eval_strategy="no" if chat else "steps",
        eval_steps=2,
        save_strategy="no",
        report_to=report,
        use_cpu=True,
        seed=7,
        temperature=1.0,
        reward_weights=[1.0, 0.5],  # tests/samples/test_trl.py checks TRL's weighted sum
        bf16=False,
        dataloader_num_workers=0,
    )
    trainer = GRPOTrainer(
        model=model(tok),
        reward_funcs=[reward_len, reward_digit],
        args=args,
        train_dataset=train,
        eval_dataset=None if chat else evaluation,
        processing_class=tok,
    )
    trainer.train()
    trainer.save_state()  # trainer_state.json: the curves rlx.load reads for this run
    if wandb_dir is not None:
        import wandb

        wandb.finish()


def main() -> None:
    """Write both runs, then drop what the samples and curves do not need."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    a = parser.parse_args()
    os.environ.update(WANDB_MODE="offline", WANDB_SILENT="true", TOKENIZERS_PARALLELISM="false")
    if a.out.exists():
        shutil.rmtree(a.out)
    a.out.mkdir(parents=True)
    os.environ["WANDB_DIR"] = str(a.out / "trl-text")
    run(a.out, "trl-text", chat=False, wandb_dir=a.out / "trl-text")
    run(a.out, "trl-chat", chat=True, wandb_dir=None)
    # what is not needed to read samples and curves: model weights, tokenizer, logs of wandb
    for p in sorted(a.out.rglob("*")):
        if p.is_file() and (
            p.suffix in (".safetensors", ".bin", ".log", ".pt")
            or p.name in ("tokenizer.json", "output.log", "requirements.txt")
            or p.is_symlink()
        ):
            p.unlink()
    size = sum(p.stat().st_size for p in a.out.rglob("*") if p.is_file())
    print(f"wrote {a.out} ({size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
